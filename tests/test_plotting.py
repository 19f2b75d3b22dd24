"""Static plots: each draws the right thing on the given Axes and returns it."""

from __future__ import annotations

import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.axes import Axes

from sgd_tutorial import (
    Fit,
    LinearData,
    gradient_descent,
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
