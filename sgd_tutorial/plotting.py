"""Static plots of a fit: the data, a line, loss curves and the loss landscape."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from numpy.typing import NDArray
from torch import Tensor

from sgd_tutorial._checks import check_data, check_real
from sgd_tutorial.losses import least_squares
from sgd_tutorial.records import Fit

Array = NDArray[np.float64]

# A diverged run's last values can be NaN, inf, or too large to draw: beyond about 1e280,
# matplotlib's log axes overflow float64 placing their ticks. Plots stop a run before either.
LARGEST = 1e200


class Landscape:
    """The data of a line fit as float64 arrays, and its MSE over ``(slope, intercept)``.

    Shared by the plots and the animations: ``x`` is checked to be a feature then a column of
    ones; ``best`` is the least-squares point and ``floor`` the MSE there.
    """

    def __init__(self, x: object, y: object) -> None:
        xd, self.y = (t.detach().cpu().double().numpy() for t in check_data(x, y))
        if xd.shape[1] != 2 or not np.all(xd[:, 1] == 1):
            msg = f"x must have shape (n, 2), a feature then a column of ones; got {xd.shape}"
            raise ValueError(msg)
        self.u, self.hessian = xd[:, 0], xd.T @ xd / len(xd)
        self.ends = np.array([self.u.min(), self.u.max()])  # where the lines start and stop
        self.best = least_squares(torch.from_numpy(xd), torch.from_numpy(self.y)).numpy()
        self.floor = float(np.mean((xd @ self.best - self.y) ** 2))

    def loss(self, params: Array) -> Array:
        """The MSE at each ``(slope, intercept)``, exact even for large ``y`` (inf if too large)."""
        d = params - self.best  # (expanded in params, the MSE's terms would cancel)
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged run's rows overflow
            return np.asarray(np.einsum("...i,ij,...j->...", d, self.hessian, d) + self.floor)

    def drawable_rows(self, params: Array) -> int:
        """How many leading rows of ``params`` can be drawn: their MSE finite, not too large."""
        return leading_drawable(self.loss(params))  # NaN or inf in a row makes its MSE so


def leading_drawable(values: Array) -> int:
    """How many leading values are finite and at most ``LARGEST``: what a plot can draw."""
    bad = np.flatnonzero(~(np.abs(values.astype(np.float64)) <= LARGEST))  # (NaN is not <=)
    return int(bad[0]) if len(bad) else len(values)


def drawn_label(name: str, kept: int, total: int, unit: str = "step") -> str:
    """``name``, saying where a run diverged if only its first ``kept`` of ``total`` are drawn."""
    if kept == total:
        return name
    return f"{name} (diverged after {unit} {kept - 1})" if kept else f"{name} (diverged)"


def check_fits(fits: object, labels: Any, name: str, k: int | None) -> tuple[list[Fit], list[str]]:
    """Check one fit or several, with ``k`` parameters each (None: any), and label them."""
    items = [fits] if isinstance(fits, Fit) else fits
    if isinstance(items, str) or not isinstance(items, Sequence) or not items:
        msg = f"{name} must be a Fit or a non-empty sequence of Fit, got {type(fits).__name__}"
        raise TypeError(msg)
    names = []
    for i, fit in enumerate(items):
        where = name if isinstance(fits, Fit) else f"{name}[{i}]"
        if not isinstance(fit, Fit):
            msg = f"{where} must be a Fit (from gradient_descent or sgd), got {type(fit).__name__}"
            raise TypeError(msg)
        if k is not None and fit.params.shape[1] != k:
            msg = f"{where} has {fit.params.shape[1]} parameters per step but x has {k} columns"
            raise ValueError(msg)
        kind = "GD" if fit.epochs is None else f"SGD, batch {fit.batch_size}"
        momentum = f", momentum {fit.momentum:g}" if fit.momentum else ""
        names.append(f"{kind}, lr {fit.lr:g}{momentum}")
    names = names if labels is None else list(labels)
    if isinstance(labels, str) or len(names) != len(items):
        msg = f"labels must give one label per fit ({len(items)}), got {labels!r}"
        raise ValueError(msg)
    return list(items), names


def plot_data(x: Tensor, y: Tensor, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Scatter the data: the feature ``x[:, 0]`` against the target ``y``.

    ``x`` is ``(n, 2)``, the feature then a column of ones (so parameters are ``(slope,
    intercept)``), and ``y`` is ``(n,)``. Like every plot here it draws on ``ax``, by default the
    current axes, and returns it. ``kwargs`` go to :meth:`~matplotlib.axes.Axes.scatter`.
    """
    data, ax = Landscape(x, y), ax or plt.gca()
    kwargs = {"s": 14, "color": "0.45", "linewidths": 0, "label": "data", "zorder": 2, **kwargs}
    ax.scatter(data.u, data.y, **kwargs)
    ax.set(xlabel="x", ylabel="y")
    return ax


def plot_fit(
    x: Tensor,
    y: Tensor,
    coef: Fit | Tensor | Sequence[float],
    *,
    ax: Axes | None = None,
    label: str | None = None,
    data: bool = True,
    **kwargs: Any,
) -> Axes:
    """Draw the line ``slope * x + intercept`` over the data (``data=False``: the line alone).

    ``coef`` is ``(slope, intercept)`` or a :class:`~sgd_tutorial.Fit` (its last parameters);
    ``label`` defaults to the line's equation; ``kwargs`` go to :meth:`~matplotlib.axes.Axes.plot`.
    """
    points, ax = Landscape(x, y), ax or plt.gca()
    note, given = "", coef.coef if isinstance(coef, Fit) else coef
    if isinstance(coef, Fit) and coef.params.shape[1] == 2:  # its last ones that can be drawn
        kept = points.drawable_rows(coef.params.double().numpy())
        note, given = drawn_label("", kept, len(coef.params)), coef.params[max(kept - 1, 0)]
    try:
        slope, intercept = torch.as_tensor(given).tolist()
    except (TypeError, ValueError, RuntimeError):
        msg = f"coef must be a Fit, a tensor or 2 numbers (slope, intercept), got {coef!r:.80}"
        raise ValueError(msg) from None
    if not np.isfinite([slope, intercept]).all():
        msg = f"coef must be finite to draw a line, got slope {slope} and intercept {intercept}"
        raise ValueError(msg)
    if data:
        plot_data(x, y, ax=ax)
    sign = "-" if intercept < 0 else "+"
    label = label or f"y = {slope:.3g} x {sign} {abs(intercept):.3g}{note}"
    ax.plot(points.ends, slope * points.ends + intercept, **{"lw": 2.5, "label": label, **kwargs})
    ax.legend()
    return ax


def plot_losses(
    fits: Fit | Sequence[Fit],
    *,
    ax: Axes | None = None,
    labels: Sequence[str] | None = None,
    minimum: float | Tensor | None = None,
) -> Axes:
    """Draw the loss recorded at each update of one or more fits, on a log scale.

    ``labels`` give one per fit, by default how each was made (``"GD, lr 0.1"``); ``minimum``
    adds a dashed line labelled "least squares", such as the closed form's MSE. A run that
    diverged is drawn up to its last finite loss (at most 1e200), and its label says so.
    """
    checked, names = check_fits(fits, labels, "fits", None)
    ax = ax or plt.gca()
    for fit, name in zip(checked, names, strict=True):
        losses = fit.losses.numpy()  # a Fit's tensors are on the CPU
        kept = leading_drawable(losses)
        ax.plot(losses[:kept], label=drawn_label(name, kept, len(losses), "update"), lw=1.5)
    if minimum is not None:
        ax.axhline(check_real("minimum", minimum), color="k", ls="--", label="least squares")
    ax.set(yscale="log", xlabel="update", ylabel="loss (MSE)")
    ax.legend()
    return ax


def plot_landscape(
    x: Tensor,
    y: Tensor,
    fits: Fit | Sequence[Fit] | None = None,
    *,
    ax: Axes | None = None,
    labels: Sequence[str] | None = None,
) -> Axes:
    """Draw the MSE's contours over (slope, intercept), denser near its minimum, and each path.

    Both axes have the same scale, so that the contours show their true shape (ellipses, not
    circles); the view frames the minimum and the paths. A run that diverged is drawn up to its
    last step whose MSE is finite (at most 1e200), and its label says so.
    """
    data, ax = Landscape(x, y), ax or plt.gca()
    checked, names = ([], []) if fits is None else check_fits(fits, labels, "fits", 2)
    paths = [fit.params.double().numpy() for fit in checked]
    kept = [data.drawable_rows(path) for path in paths]
    paths = [path[:k] for path, k in zip(paths, kept, strict=True)]
    slopes, intercepts = _view(ax, np.vstack([data.best, *paths]))
    loss = data.loss(np.stack(np.meshgrid(slopes, intercepts), axis=-1))
    top = min(np.nanmax(loss), LARGEST**1.5)  # contour averages levels: keep them finite
    rings = data.floor + np.geomspace(1e-3, 1, 12) * max(top - data.floor, 1e-12)
    ax.contourf(slopes, intercepts, loss, [data.floor, *rings], cmap="Greys", alpha=0.45)
    ax.contour(slopes, intercepts, loss, rings, colors="0.55", linewidths=0.6)
    ax.plot(*data.best, "*", ms=14, color="black", mec="white", label="least squares", zorder=4)
    for path, name, k, fit in zip(paths, names, kept, checked, strict=True):
        label = drawn_label(name, k, len(fit.params))
        (line,) = ax.plot(*path.T, lw=1.5, label=label, zorder=3)  # each a line from a dot
        ax.plot(*path[:1].T, "o", color=line.get_color(), mec="white", zorder=5)
    ax.set(xlim=slopes[[0, -1]], ylim=intercepts[[0, -1]], xlabel="slope", ylabel="intercept")
    ax.set_aspect("equal", adjustable="box")  # the box, not the view, fits the axes' shape
    ax.legend()
    return ax


def _view(ax: Axes, points: Array) -> tuple[Array, Array]:
    """The grid of the view: ``points`` with a margin, widened to the axes' shape (equal scales)."""
    low, high = points.min(axis=0), points.max(axis=0)
    pad = 0.15 * np.maximum(high - low, 0.5)
    low, high = low - pad, high + pad
    width, height = ax.bbox.width, ax.bbox.height
    aspect = height / width if width > 0 and height > 0 else 1.0  # (dpi 0: any will do)
    span = high - low
    grow = np.maximum(span, span[::-1] * [1 / aspect, aspect]) - span  # on the narrower side
    slopes, intercepts = np.linspace(low - grow / 2, high + grow / 2, 160).T
    return slopes, intercepts
