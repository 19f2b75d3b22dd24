"""Static plots for the tutorials: the data, a fitted line, loss curves and the loss landscape.

Each function draws on the ``Axes`` it is given (or the current one, :func:`matplotlib.pyplot.gca`,
when ``ax`` is ``None``) and returns it, so calls compose::

    fig, (left, right) = plt.subplots(1, 2)
    plot_fit(data.x, data.y, fit, ax=left)
    plot_landscape(data.x, data.y, [gd, mb], labels=["GD", "SGD"], ax=right)

The plots are of the one-feature model the tutorials use: ``x`` has shape ``(n, 2)``, a feature
column and then a column of ones, so the parameters are ``(slope, intercept)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from numpy.typing import NDArray
from torch import Tensor

from sgd_tutorial._checks import check_data, check_real
from sgd_tutorial.closed_form import least_squares
from sgd_tutorial.optimize import Fit

__all__ = ["plot_data", "plot_fit", "plot_landscape", "plot_losses"]

Array = NDArray[np.float64]

DATA_COLOR = "0.45"
MINIMUM_COLOR = "black"


@dataclass(frozen=True)
class _Problem:
    """The data of a one-feature regression as float64 numpy arrays, with its MSE as a quadratic.

    ``mse(p) = pᵀ gram p - 2 pᵀ xty + yty`` where ``gram = xᵀx / n``, ``xty = xᵀy / n`` and
    ``yty = yᵀy / n``: evaluating the loss of many parameter pairs never touches the data again.
    """

    u: Array
    y: Array
    gram: Array
    xty: Array
    yty: float
    best: Array

    def losses(self, params: Array) -> Array:
        """The MSE on all the data of each row of ``params`` (shape ``(..., 2)``)."""
        quad = np.einsum("...i,ij,...j->...", params, self.gram, params)
        values: Array = np.maximum(quad - 2.0 * params @ self.xty + self.yty, 0.0)
        return values

    @property
    def floor(self) -> float:
        """The smallest MSE, at the least-squares solution."""
        return float(self.losses(self.best))

    def lines(self, params: Array) -> tuple[Array, Array]:
        """End points of the lines ``slope * u + intercept`` over the range of ``u``."""
        ends = np.array([self.u.min(), self.u.max()])
        return ends, params[..., :1] * ends + params[..., 1:]


def _problem(x: object, y: object) -> _Problem:
    """Check ``x`` (shape ``(n, 2)``, last column ones) and ``y``; return them as a `_Problem`."""
    xt, yt = check_data(x, y)
    if xt.shape[1] != 2:
        msg = (
            f"x must have shape (n, 2) (one feature and a column of ones) to be plotted, "
            f"got shape {tuple(xt.shape)}"
        )
        raise ValueError(msg)
    xd = xt.detach().cpu().double().numpy()
    yd = yt.detach().cpu().double().numpy()
    if not np.all(xd[:, 1] == 1.0):
        msg = "x's last column must be all ones (the intercept), as make_linear_data makes it"
        raise ValueError(msg)
    n = len(xd)
    best = least_squares(xt.double(), yt.double()).cpu().numpy()
    return _Problem(
        u=xd[:, 0],
        y=yd,
        gram=xd.T @ xd / n,
        xty=xd.T @ yd / n,
        yty=float(yd @ yd) / n,
        best=best,
    )


def _width(x: object) -> int | None:
    """The number of columns of ``x`` when it is a 2-D tensor, else ``None`` (checked later)."""
    return int(x.shape[1]) if isinstance(x, Tensor) and x.ndim == 2 else None


def _check_fit(fit: object, name: str = "fit", columns: int | None = None) -> Fit:
    """Return ``fit`` if it is a :class:`Fit` of two parameters (slope, intercept).

    With ``columns`` (the width of ``x``, which `_problem` then requires to be 2), a fit of
    another width is reported as a mismatch with ``x``, the likelier mistake.
    """
    if not isinstance(fit, Fit):
        msg = f"{name} must be a Fit (from gradient_descent or sgd), got {type(fit).__name__}"
        raise TypeError(msg)
    expected = 2 if columns is None else columns
    if fit.params.ndim != 2 or fit.params.shape[1] != expected:
        if columns is None:
            msg = (
                f"{name} must have 2 parameters (slope, intercept) to match x of shape (n, 2), "
                f"got params of shape {tuple(fit.params.shape)}"
            )
        else:
            msg = (
                f"{name} has {fit.params.shape[-1]} parameters per step but x has {columns} "
                f"columns; they must match"
            )
        raise ValueError(msg)
    return fit


def _params(fit: Fit) -> Array:
    """A fit's trajectory as a float64 array of shape ``(steps + 1, 2)``."""
    params: Array = fit.params.detach().cpu().double().numpy()
    return params


def _check_fits(
    fits: object, labels: object, columns: int | None = None
) -> tuple[list[Fit], list[str]]:
    """Return one or more fits and their labels (defaults from how each fit was made)."""
    items: list[object]
    if isinstance(fits, Fit):
        items = [fits]
    elif isinstance(fits, Sequence) and not isinstance(fits, str):
        items = list(fits)
    else:
        msg = f"fits must be a Fit or a sequence of Fit, got {type(fits).__name__}"
        raise TypeError(msg)
    if not items:
        msg = "fits must hold at least one Fit, got an empty sequence"
        raise ValueError(msg)
    checked = [_check_fit(item, f"fits[{i}]", columns) for i, item in enumerate(items)]
    if labels is None:
        return checked, [_default_label(fit) for fit in checked]
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        msg = f"labels must be a sequence of str or None, got {labels!r}"
        raise TypeError(msg)
    if len(labels) != len(checked):
        msg = f"labels must have one label per fit ({len(checked)}), got {len(labels)}: {labels!r}"
        raise ValueError(msg)
    if not all(isinstance(label, str) for label in labels):
        msg = f"labels must all be str, got {labels!r}"
        raise TypeError(msg)
    return checked, [str(label) for label in labels]


def _default_label(fit: Fit) -> str:
    """A short label for a fit: ``"GD, lr 0.1"`` or ``"SGD, batch 5, lr 0.1"``."""
    momentum = f", momentum {fit.momentum:g}" if fit.momentum else ""
    if fit.epochs is None:
        return f"GD, lr {fit.lr:g}{momentum}"
    return f"SGD, batch {fit.batch_size}, lr {fit.lr:g}{momentum}"


def _axes(ax: object) -> Axes:
    if ax is None:
        return plt.gca()
    if not isinstance(ax, Axes):
        msg = f"ax must be a matplotlib Axes or None, got {type(ax).__name__}"
        raise TypeError(msg)
    return ax


def _coef(coef: object) -> Array:
    """Two coefficients (slope, intercept) from a Fit, a tensor or a sequence of numbers."""
    if isinstance(coef, Fit):
        last: Array = _params(_check_fit(coef, "coef"))[-1]
        return last
    if isinstance(coef, Tensor):
        values = coef.detach().cpu().double().numpy()
    elif isinstance(coef, Sequence) and not isinstance(coef, str):
        try:
            values = np.asarray(coef, dtype=np.float64)
        except (TypeError, ValueError):
            msg = f"coef must hold numbers, got {coef!r}"
            raise TypeError(msg) from None
    else:
        msg = (
            f"coef must be a Fit, a tensor or a sequence of 2 numbers (slope, intercept), "
            f"got {type(coef).__name__}"
        )
        raise TypeError(msg)
    if values.shape != (2,):
        msg = f"coef must have 2 values (slope, intercept), got shape {values.shape}"
        raise ValueError(msg)
    if not np.all(np.isfinite(values)):
        msg = f"coef must be finite, got {values.tolist()}"
        raise ValueError(msg)
    result: Array = values
    return result


def _scatter(ax: Axes, problem: _Problem, **kwargs: object) -> None:
    style: dict[str, object] = {
        "s": 14,
        "color": DATA_COLOR,
        "alpha": 0.8,
        "linewidths": 0,
        "label": "data",
        "zorder": 2,
    }
    style.update(kwargs)
    ax.scatter(problem.u, problem.y, **style)  # type: ignore[arg-type]
    ax.set_xlabel("x")
    ax.set_ylabel("y")


def plot_data(x: Tensor, y: Tensor, *, ax: Axes | None = None, **kwargs: object) -> Axes:
    """Scatter plot of the data: the feature ``x[:, 0]`` against the target ``y``.

    Parameters
    ----------
    x : Tensor
        Inputs of shape ``(n, 2)``: the feature, then a column of ones.
    y : Tensor
        Targets of shape ``(n,)``.
    ax : Axes, optional
        Where to draw; the current axes by default.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.scatter` (for example ``color``, ``label``).

    Returns
    -------
    Axes
        ``ax``.
    """
    problem = _problem(x, y)
    axes = _axes(ax)
    _scatter(axes, problem, **kwargs)
    return axes


def plot_fit(
    x: Tensor,
    y: Tensor,
    coef: Fit | Tensor | Sequence[float],
    *,
    ax: Axes | None = None,
    label: str | None = None,
    data: bool = True,
    **kwargs: object,
) -> Axes:
    """The data and the line ``slope * x + intercept`` over the data's range.

    Parameters
    ----------
    x : Tensor
        Inputs of shape ``(n, 2)``: the feature, then a column of ones.
    y : Tensor
        Targets of shape ``(n,)``.
    coef : Fit, Tensor or sequence of 2 floats
        The line: ``(slope, intercept)``, or a :class:`~sgd_tutorial.Fit` (its last parameters).
    ax : Axes, optional
        Where to draw; the current axes by default.
    label : str, optional
        Legend label of the line; by default its equation.
    data : bool, default True
        Also draw the data (as :func:`plot_data`). Pass ``False`` to add a second line.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot` for the line.

    Returns
    -------
    Axes
        ``ax``, with a legend.
    """
    problem = _problem(x, y)
    slope, intercept = _coef(coef)
    axes = _axes(ax)
    if data:
        _scatter(axes, problem)
    ends, heights = problem.lines(np.array([slope, intercept]))
    if label is None:
        label = f"y = {slope:.3g} x {'-' if intercept < 0 else '+'} {abs(intercept):.3g}"
    style: dict[str, object] = {"linewidth": 2.5, "label": label, "zorder": 3}
    style.update(kwargs)
    axes.plot(ends, heights, **style)  # type: ignore[arg-type]
    axes.legend(loc="best")
    return axes


def plot_losses(
    fits: Fit | Sequence[Fit],
    *,
    ax: Axes | None = None,
    labels: Sequence[str] | None = None,
    minimum: float | Tensor | None = None,
    log: bool = True,
) -> Axes:
    """The loss recorded at every update of one or more fits.

    Parameters
    ----------
    fits : Fit or sequence of Fit
        The runs; each one's ``losses`` (the loss of the batch used at each update) is drawn.
    ax : Axes, optional
        Where to draw; the current axes by default.
    labels : sequence of str, optional
        One legend label per fit; by default from how each fit was made (``"GD, lr 0.1"``).
    minimum : float or Tensor, optional
        Draw this value as a dashed horizontal line, labelled "least squares" (for example
        ``mse(x @ least_squares(x, y), y)``).
    log : bool, default True
        Logarithmic loss axis: gradient descent's loss falls geometrically, a straight line there.

    Returns
    -------
    Axes
        ``ax``, with a legend.
    """
    checked, names = _check_fits(fits, labels)
    axes = _axes(ax)
    for fit, name in zip(checked, names, strict=True):
        losses = fit.losses.detach().cpu().double().numpy()
        axes.plot(np.arange(len(losses)), losses, label=name, linewidth=1.5)
    if minimum is not None:
        value = minimum.item() if isinstance(minimum, Tensor) and minimum.numel() == 1 else minimum
        axes.axhline(
            check_real("minimum", value),
            color=MINIMUM_COLOR,
            linestyle="--",
            label="least squares",
        )
    if log:
        axes.set_yscale("log")
    axes.set_xlabel("update")
    axes.set_ylabel("loss (MSE)")
    axes.legend(loc="best")
    return axes


def _landscape_extent(problem: _Problem, paths: Sequence[Array]) -> tuple[Array, Array]:
    """Slope and intercept ranges that hold the minimum and every path, with a margin."""
    points = np.vstack([problem.best[None], *paths])
    low, high = points.min(axis=0), points.max(axis=0)
    span = np.maximum(high - low, 0.5)
    return low - 0.15 * span, high + 0.15 * span


def _draw_landscape(
    ax: Axes, problem: _Problem, paths: Sequence[Array], *, levels: int = 12, resolution: int = 160
) -> None:
    """Filled contours of the MSE over (slope, intercept), with the least-squares minimum."""
    low, high = _landscape_extent(problem, paths)
    slopes = np.linspace(low[0], high[0], resolution)
    intercepts = np.linspace(low[1], high[1], resolution)
    grid = np.stack(np.meshgrid(slopes, intercepts), axis=-1)
    losses = problem.losses(grid)
    floor = problem.floor
    excess = max(float(losses.max()) - floor, 1e-12)
    # Geometric levels of the loss above its minimum: rings close to the minimum stay visible.
    values = floor + np.geomspace(excess * 1e-3, excess, levels)
    ax.contourf(slopes, intercepts, losses, levels=[floor, *values], cmap="Greys", alpha=0.45)
    ax.contour(slopes, intercepts, losses, levels=values, colors="0.55", linewidths=0.6)
    ax.plot(
        *problem.best,
        marker="*",
        markersize=14,
        color=MINIMUM_COLOR,
        markeredgecolor="white",
        linestyle="none",
        label="least squares",
        zorder=4,
    )
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    ax.set_xlabel("slope")
    ax.set_ylabel("intercept")


def plot_landscape(
    x: Tensor,
    y: Tensor,
    fits: Fit | Sequence[Fit] | None = None,
    *,
    ax: Axes | None = None,
    labels: Sequence[str] | None = None,
    levels: int = 12,
) -> Axes:
    """Contours of the MSE over (slope, intercept), the least-squares minimum and fits' paths.

    Parameters
    ----------
    x : Tensor
        Inputs of shape ``(n, 2)``: the feature, then a column of ones.
    y : Tensor
        Targets of shape ``(n,)``.
    fits : Fit or sequence of Fit, optional
        Runs whose paths through parameter space are drawn, from start (a circle) to end.
    ax : Axes, optional
        Where to draw; the current axes by default.
    labels : sequence of str, optional
        One legend label per fit; by default from how each fit was made.
    levels : int, default 12
        Number of contour lines, spaced geometrically above the minimum.

    Returns
    -------
    Axes
        ``ax``, with a legend.
    """
    problem = _problem(x, y)
    checked, names = ([], []) if fits is None else _check_fits(fits, labels)
    if isinstance(levels, bool) or not isinstance(cast(object, levels), int) or levels < 2:
        msg = f"levels must be an integer >= 2, got {levels!r}"
        raise ValueError(msg)
    axes = _axes(ax)
    paths = [_params(fit) for fit in checked]
    _draw_landscape(axes, problem, paths, levels=levels)
    for path, name in zip(paths, names, strict=True):
        (line,) = axes.plot(path[:, 0], path[:, 1], linewidth=1.5, label=name, zorder=3)
        axes.plot(*path[0], marker="o", color=line.get_color(), zorder=3)
    axes.legend(loc="best")
    return axes
