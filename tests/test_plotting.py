"""Static plots: each draws the right thing on the given Axes and returns it."""

from __future__ import annotations

import math

import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.axes import Axes

from sgd_tutorial import (
    DivergenceError,
    Fit,
    LinearData,
    gradient_descent,
    hessian_eigenvalues,
    least_squares,
    make_linear_data,
    mse,
    plot_data,
    plot_fit,
    plot_landscape,
    plot_losses,
    sgd,
)


@pytest.fixture(scope="module")
def gd(data: LinearData) -> Fit:
    return gradient_descent(data.x, data.y, lr=0.1, steps=50)


@pytest.fixture(scope="module")
def mb(data: LinearData) -> Fit:
    return sgd(data.x, data.y, lr=0.1, epochs=2, batch_size=10, seed=0)


@pytest.fixture
def ax() -> Axes:
    return plt.figure().add_subplot()


def test_plot_data_scatters_every_point(data: LinearData, ax: Axes) -> None:
    assert plot_data(data.x, data.y, ax=ax) is ax
    (points,) = ax.collections
    np.testing.assert_allclose(points.get_offsets(), np.column_stack([data.x[:, 0], data.y]))
    assert ax.get_xlabel() == "x"


def test_plot_data_uses_the_current_axes(data: LinearData) -> None:
    current = plt.figure().add_subplot()
    assert plot_data(data.x, data.y, color="red", label="points") is current
    assert current.collections[0].get_label() == "points"


@pytest.mark.parametrize("as_", ["tensor", "list", "fit", "numpy"])
def test_plot_fit_draws_the_line(data: LinearData, gd: Fit, ax: Axes, as_: str) -> None:
    coef = {"tensor": gd.coef, "list": gd.coef.tolist(), "fit": gd, "numpy": gd.coef.numpy()}
    assert plot_fit(data.x, data.y, coef[as_], ax=ax) is ax  # type: ignore[arg-type]
    (line,) = ax.get_lines()
    u = data.x[:, 0].double()
    ends = np.array([u.min().item(), u.max().item()])
    slope, intercept = gd.coef.double().tolist()
    np.testing.assert_allclose(line.get_xdata(), ends)
    np.testing.assert_allclose(line.get_ydata(), slope * ends + intercept, rtol=1e-6)
    assert line.get_label() == f"y = {slope:.3g} x + {intercept:.3g}"
    assert len(ax.collections) == 1
    assert ax.get_legend() is not None


def test_plot_fit_without_data_and_with_style(data: LinearData, ax: Axes) -> None:
    plot_fit(data.x, data.y, [-1.0, -0.5], ax=ax, data=False, label="guess", color="C3")
    (line,) = ax.get_lines()
    assert line.get_label() == "guess"
    assert line.get_color() == "C3"
    assert len(ax.collections) == 0
    plot_fit(data.x, data.y, torch.tensor([1.0, -0.5]), ax=ax, data=False)
    assert ax.get_lines()[1].get_label() == "y = 1 x - 0.5"


@pytest.mark.parametrize("coef", [[1.0, 2.0, 3.0], "12", ["a", "b"], 3.0, None])
def test_plot_fit_rejects_bad_coef(data: LinearData, ax: Axes, coef: object) -> None:
    with pytest.raises(ValueError, match=r"coef must be a Fit, a tensor or 2 numbers"):
        plot_fit(data.x, data.y, coef, ax=ax)  # type: ignore[arg-type]


def test_plot_losses(gd: Fit, mb: Fit, ax: Axes, data: LinearData) -> None:
    floor = mse(data.x @ least_squares(data.x, data.y), data.y)
    assert plot_losses([gd, mb], ax=ax, minimum=floor) is ax
    gd_line, mb_line, floor_line = ax.get_lines()
    np.testing.assert_allclose(gd_line.get_ydata(), gd.losses.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(mb_line.get_xdata(), np.arange(mb.steps))
    assert gd_line.get_label() == "GD, lr 0.1"
    assert mb_line.get_label() == "SGD, batch 10, lr 0.1"
    assert floor_line.get_label() == "least squares"
    assert floor_line.get_ydata()[0] == pytest.approx(floor.item())
    assert ax.get_yscale() == "log"


def test_plot_losses_one_fit(gd: Fit, ax: Axes) -> None:
    plot_losses(gd, labels=["plain"], ax=ax)
    assert [line.get_label() for line in ax.get_lines()] == ["plain"]
    with pytest.raises(TypeError, match="minimum must be a real number"):
        plot_losses(gd, ax=ax, minimum="0.1")  # type: ignore[arg-type]


def test_plot_losses_of_any_number_of_parameters(ax: Axes) -> None:
    wide = make_linear_data(20, coef=(1.0, 2.0, 3.0), seed=0)
    fit = gradient_descent(wide.x, wide.y, init=(0.0, 0.0, 0.0), steps=4)
    plot_losses(fit, ax=ax)
    assert len(ax.get_lines()[0].get_ydata()) == 4


def test_default_label_mentions_momentum(data: LinearData, ax: Axes) -> None:
    heavy = gradient_descent(data.x, data.y, steps=3, momentum=0.9)
    plot_losses(heavy, ax=ax)
    assert ax.get_lines()[0].get_label() == "GD, lr 0.1, momentum 0.9"


def test_plot_landscape(data: LinearData, gd: Fit, mb: Fit, ax: Axes) -> None:
    assert plot_landscape(data.x, data.y, [gd, mb], labels=["GD", "SGD"], ax=ax) is ax
    lines = {line.get_label(): line for line in ax.get_lines()}
    best = least_squares(data.x.double(), data.y.double()).numpy()
    np.testing.assert_allclose(lines["least squares"].get_xydata()[0], best, rtol=1e-6)
    np.testing.assert_allclose(lines["GD"].get_xydata(), gd.params.double().numpy(), rtol=1e-6)
    assert len(lines["SGD"].get_xydata()) == mb.steps + 1
    low, high = ax.get_xlim()
    assert low < -1.0 < best[0] < high  # the start (-1, 1) and the minimum are in view
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("slope", "intercept")
    assert ax.collections  # the contours


def test_landscape_levels_are_exact_when_the_targets_are_large(ax: Axes) -> None:
    # Defect: pᵀGp - 2pᵀc + yᵀy cancelled to nothing for large targets, so the contours
    # (whose lowest level is the minimum MSE) were wrong.
    data = make_linear_data(100, seed=0, dtype=torch.float64)
    x, y = data.x, data.y + 1e8
    plot_landscape(x, y, ax=ax)
    floor = mse(x @ least_squares(x, y), y).item()
    assert floor == pytest.approx(mse(x @ least_squares(x, data.y), data.y).item(), rel=1e-6)
    filled = ax.collections[0]
    assert filled.levels[0] == pytest.approx(floor, rel=1e-6)  # type: ignore[attr-defined]


def test_plot_landscape_alone(data: LinearData, ax: Axes) -> None:
    plot_landscape(data.x, data.y, ax=ax)
    assert [line.get_label() for line in ax.get_lines()] == ["least squares"]


def test_plots_need_one_feature_and_matching_fits(ax: Axes) -> None:
    wide = make_linear_data(20, coef=(1.0, 2.0, 3.0), seed=0)
    message = r"x must have shape \(n, 2\), a feature then a column of ones; got \(20, 3\)"
    with pytest.raises(ValueError, match=message):
        plot_data(wide.x, wide.y, ax=ax)
    with pytest.raises(ValueError, match=message):
        plot_landscape(wide.x, wide.y, ax=ax)
    wide_fit = gradient_descent(wide.x, wide.y, init=(0.0, 0.0, 0.0), steps=2)
    data = make_linear_data(20, seed=0)
    with pytest.raises(ValueError, match=r"fits has 3 parameters per step but x has 2 columns"):
        plot_landscape(data.x, data.y, wide_fit, ax=ax)
    with pytest.raises(ValueError, match=r"coef must be a Fit, a tensor or 2 numbers"):
        plot_fit(data.x, data.y, wide_fit, ax=ax)


def test_plots_check_their_arguments(data: LinearData, gd: Fit) -> None:
    with pytest.raises(TypeError, match=r"x must be a torch\.Tensor"):
        plot_data(data.x.numpy(), data.y)  # type: ignore[arg-type]
    with pytest.raises(
        TypeError, match="fits must be a Fit or a non-empty sequence of Fit, got int"
    ):
        plot_losses(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"fits\[1\] must be a Fit .*got str"):
        plot_losses([gd, "sgd"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"labels must give one label per fit \(2\)"):
        plot_losses([gd, gd], labels=["a"])


def test_plots_take_data_that_requires_grad_or_is_on_a_device(device: str, gd: Fit) -> None:
    data = make_linear_data(50, seed=0, device=device)
    x, y = data.x.requires_grad_(), data.y.requires_grad_()
    plot_data(x, y)
    plot_fit(x, y, gd.coef.to(device).requires_grad_())
    plot_landscape(x, y, gd)
    plot_losses(gd, minimum=mse(x @ gd.coef.to(x), y))
    assert len(plt.gca().get_lines()) >= 2


def test_plots_take_float64_data(data: LinearData, gd: Fit) -> None:
    plot_fit(data.x.double(), data.y.double(), gd)
    assert len(plt.gca().get_lines()) == 1


# -- runs that diverged: the finite part is drawn, and the label says so -------------------------


def ending_with(fit: Fit, last: float) -> Fit:
    """``fit`` with one more update whose parameters are ``last`` (NaN, inf or huge) and its loss.

    The shape of what a :class:`DivergenceError` holds: a run whose last row ran away.
    """
    row = torch.full((1, 2), last, dtype=torch.float64)
    params = torch.cat([fit.params.double(), row])
    losses = torch.cat([fit.losses.double(), row[0, :1].square()])  # 1e250² is inf
    return Fit(params=params, losses=losses, lr=fit.lr, momentum=0.0, batch_size=fit.batch_size)


LAST = [pytest.param(v, id=str(v)) for v in (math.nan, math.inf, -math.inf, 1e250)]


@pytest.mark.parametrize("last", LAST)
def test_landscape_draws_a_diverged_run_up_to_its_last_finite_step(
    data: LinearData, gd: Fit, ax: Axes, last: float
) -> None:
    # Defect: a NaN row made plot_landscape fail ("lower_level and upper_level cannot be NaN").
    bad = ending_with(gd, last)
    plot_landscape(data.x, data.y, [gd, bad], labels=["GD", "diverged"], ax=ax)
    ax.figure.canvas.draw()  # matplotlib checks limits as it draws
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["GD"].get_xydata(), gd.params.double(), rtol=1e-6)
    drawn = lines[f"diverged (diverged after step {gd.steps})"].get_xydata()
    np.testing.assert_allclose(drawn, gd.params.double(), rtol=1e-6)  # all but the last row
    assert np.isfinite([*ax.get_xlim(), *ax.get_ylim()]).all()
    assert ax.get_xlim()[0] < -1.0 < 3.0 < ax.get_xlim()[1]  # the start and the minimum


@pytest.mark.parametrize("last", LAST)
def test_losses_of_a_diverged_run_stop_at_the_last_finite_one(
    gd: Fit, ax: Axes, last: float
) -> None:
    bad = ending_with(gd, last)
    plot_losses([gd, bad], labels=["GD", "diverged"], ax=ax)
    ax.figure.canvas.draw()
    plain, cut = ax.get_lines()
    assert plain.get_label() == "GD"
    assert cut.get_label() == f"diverged (diverged after update {gd.steps - 1})"
    np.testing.assert_allclose(cut.get_ydata(), gd.losses.double(), rtol=1e-6)


def test_plot_fit_of_a_diverged_run_draws_its_last_finite_line(
    data: LinearData, gd: Fit, ax: Axes
) -> None:
    plot_fit(data.x, data.y, ending_with(gd, math.nan), ax=ax)
    (line,) = ax.get_lines()
    slope, intercept = gd.coef.double().tolist()
    assert line.get_label() == (
        f"y = {slope:.3g} x + {intercept:.3g} (diverged after step {gd.steps})"
    )
    with pytest.raises(ValueError, match="coef must be finite to draw a line, got slope nan"):
        plot_fit(data.x, data.y, [math.nan, 1.0], ax=ax)


def test_plots_of_what_a_divergence_error_holds(data: LinearData) -> None:
    # Whatever the engine keeps of a run that diverged (float32 or float64, up to its overflow),
    # every plot draws it: the parts it can, without a warning or an error.
    for run in (
        lambda: gradient_descent(data.x, data.y, lr=1.5, steps=500),
        lambda: sgd(data.x, data.y, lr=5.0, epochs=50, batch_size=5, seed=0),
        lambda: gradient_descent(data.x.double(), data.y.double(), lr=1.5, steps=5000),
    ):
        with pytest.raises(DivergenceError) as caught:
            run()
        fit = caught.value.fit
        figure, (left, middle, right) = plt.subplots(1, 3)
        plot_landscape(data.x, data.y, fit, ax=left)
        plot_losses(fit, ax=middle)
        plot_fit(data.x, data.y, fit, ax=right)
        figure.canvas.draw()
        for ax in (left, middle):
            drawn = np.concatenate([line.get_xydata() for line in ax.get_lines()])
            assert np.isfinite(drawn).all()
            assert np.abs(drawn).max() <= 1e200


def test_plots_of_a_single_row_and_of_nothing_finite(data: LinearData, ax: Axes) -> None:
    start = Fit(
        params=torch.tensor([[-1.0, 1.0]]),
        losses=torch.zeros(0),
        lr=0.1,
        momentum=0.0,
        batch_size=100,
    )
    nothing = Fit(
        params=torch.full((1, 2), math.nan),
        losses=torch.zeros(0),
        lr=0.1,
        momentum=0.0,
        batch_size=100,
    )
    plot_landscape(data.x, data.y, [start, nothing], labels=["start", "nan"], ax=ax)
    ax.figure.canvas.draw()
    losses = plot_losses([start, nothing], labels=["start", "nan"], ax=plt.figure().add_subplot())
    losses.figure.canvas.draw()
    assert [len(line.get_ydata()) for line in losses.get_lines()] == [0, 0]  # no update yet
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["start"].get_xydata(), [[-1.0, 1.0]])
    assert len(lines["nan (diverged)"].get_xydata()) == 0
    assert np.isfinite([*ax.get_xlim(), *ax.get_ylim()]).all()


# -- equal scales on the landscape ----------------------------------------------------------------


def pixels_per_unit(ax: Axes) -> tuple[float, float]:
    """How many pixels one unit of slope, and one of intercept, take on screen."""
    ax.figure.canvas.draw()
    (left, right), (bottom, top) = ax.get_xlim(), ax.get_ylim()
    return ax.bbox.width / (right - left), ax.bbox.height / (top - bottom)


@pytest.mark.parametrize("figsize", [(6.4, 4.8), (10.0, 3.0), (3.0, 8.0)])
def test_landscape_has_equal_scales_and_the_contours_fill_the_view(
    data: LinearData, gd: Fit, mb: Fit, figsize: tuple[float, float]
) -> None:
    # Defect (issue 18): unequal scales made the elliptical contours look circular.
    ax = plt.figure(figsize=figsize).add_subplot()
    plot_landscape(data.x, data.y, [gd, mb], ax=ax)
    across, up = pixels_per_unit(ax)
    assert across == pytest.approx(up, rel=1e-6)
    filled = ax.collections[0]
    corners = np.concatenate([path.vertices for path in filled.get_paths()])
    np.testing.assert_allclose(corners.min(axis=0), [ax.get_xlim()[0], ax.get_ylim()[0]])
    np.testing.assert_allclose(corners.max(axis=0), [ax.get_xlim()[1], ax.get_ylim()[1]])
    for fit in (gd, mb):  # every path, and the minimum, in view
        inside = (fit.params.double().numpy() - corners.min(axis=0) > 0) & (
            corners.max(axis=0) - fit.params.double().numpy() > 0
        )
        assert inside.all()


def test_a_narrow_valley_still_frames_the_paths(ax: Axes) -> None:
    valley = make_linear_data(100, coef=(3.0, 2.0), low=1.0, high=3.0, seed=0, dtype=torch.float64)
    lr = 2 / hessian_eigenvalues(valley.x).sum().item()  # tutorial 7's best for plain descent
    fit = gradient_descent(valley.x, valley.y, (0.0, 8.0), lr=lr, steps=200)
    plot_landscape(valley.x, valley.y, fit, ax=ax)
    across, up = pixels_per_unit(ax)
    assert across == pytest.approx(up, rel=1e-6)
    (low_x, high_x), (low_y, high_y) = ax.get_xlim(), ax.get_ylim()
    slopes, intercepts = fit.params.double().numpy().T
    assert low_x < slopes.min() < slopes.max() < high_x
    assert low_y < intercepts.min() < intercepts.max() < high_y
