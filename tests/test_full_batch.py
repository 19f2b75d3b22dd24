"""Full-batch gradient descent: the closed form, torch.optim.SGD, the stability bound."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

from sgd_tutorial import (
    DivergenceError,
    LinearData,
    full_batch,
    gradient_descent,
    least_squares,
    make_linear_data,
    max_stable_lr,
    mse,
)

X, Y = make_linear_data(10, seed=0).x, make_linear_data(10, seed=0).y


def test_gradient_descent_reaches_least_squares(data: LinearData) -> None:
    x, y = data.x.double(), data.y.double()
    fit = gradient_descent(data.x, data.y, lr=0.1, steps=100)
    best = least_squares(x, y)
    floor, final = float(mse(x @ best, y)), float(mse(x @ fit.coef.double(), y))
    # The MSE is quadratic: its excess over the floor is d·H d / 2, with d = p - best, and
    # each step multiplies d by (I - lr H). So before the last of 100 steps from (-1, 1), the
    # recorded loss (exact, in float64) is:
    h = 2 / len(x) * x.T @ x
    d = torch.linalg.matrix_power(torch.eye(2, dtype=x.dtype) - 0.1 * h, 99) @ (
        fit.params[0].double() - best
    )
    last = float(fit.losses[-1])
    assert last - floor == pytest.approx(float(d @ h @ d / 2), rel=1e-6, abs=1e-12)
    assert final - floor < 2e-4  # (1 - 0.1 λ_min)^200, λ_min ≈ 2/3: about 1e-6 of the start
    assert final < 0.11
    assert abs(float(fit.coef[0]) - 3.0) < 0.25  # the least squares' bounds, see test_losses
    assert abs(float(fit.coef[1]) - 2.5) < 0.12
    long_run = gradient_descent(data.x, data.y, lr=0.5, steps=500)
    torch.testing.assert_close(long_run.coef, best.float(), atol=1e-5, rtol=0)


def test_loss_decreases_monotonically_below_the_bound(data: LinearData) -> None:
    bound = max_stable_lr(data.x)
    for fraction in (0.1, 0.5, 0.9):
        fit = gradient_descent(data.x.double(), data.y.double(), lr=fraction * bound)
        # Once converged the loss is flat; allow rounding at the level of float64's epsilon.
        assert bool((fit.losses.diff() <= 1e-12).all()), fraction


@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_gradient_descent_matches_torch_optim(
    momentum: float, torch_sgd: Callable[..., tuple[torch.Tensor, torch.Tensor]]
) -> None:
    data = make_linear_data(64, coef=(1.0, -2.0, 0.5), seed=3, dtype=torch.float64)
    fit = gradient_descent(
        data.x, data.y, init=(0.0, 0.0, 0.0), lr=0.3, steps=50, momentum=momentum
    )
    params, losses = torch_sgd(
        data.x, data.y, [None] * 50, lr=0.3, momentum=momentum, init=(0.0, 0.0, 0.0)
    )
    torch.testing.assert_close(fit.params, params, atol=1e-12, rtol=1e-12)
    torch.testing.assert_close(fit.losses, losses, atol=1e-12, rtol=1e-12)


def test_chunks_of_rows_do_not_change_the_result(
    data: LinearData, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = gradient_descent(data.x, data.y, steps=50, momentum=0.5)
    monkeypatch.setattr(full_batch, "_CHUNK_ROWS", 10)  # the constant gradient_descent reads
    chunked = gradient_descent(data.x, data.y, steps=50, momentum=0.5)
    # The sums are rounded in another order: close, not equal.
    torch.testing.assert_close(chunked.params, expected.params, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(chunked.losses, expected.losses, rtol=1e-12, atol=1e-12)
    monkeypatch.setattr(full_batch, "_CHUNK_ROWS", 0)  # proof that it is read: range() refuses 0
    with pytest.raises(ValueError, match="range"):
        gradient_descent(data.x, data.y, steps=1)


def test_stability_bound_predicts_divergence(data: LinearData) -> None:
    bound = max_stable_lr(data.x)
    stable = gradient_descent(data.x, data.y, lr=0.99 * bound, steps=3000)
    best = least_squares(data.x, data.y)  # float32, as the fit's record
    torch.testing.assert_close(stable.coef, best, atol=1e-3, rtol=0)
    with pytest.raises(DivergenceError) as caught:
        gradient_descent(data.x, data.y, lr=1.05 * bound, steps=20_000)
    error = caught.value
    assert isinstance(error, ArithmeticError)
    assert 0 < error.step < 20_000
    assert error.fit.steps == error.step
    assert error.fit.params.shape == (error.step + 1, 2)
    assert bool(torch.isfinite(error.fit.params).all())
    assert bool(torch.isfinite(error.fit.losses).all())
    # It really was blowing up: the float32 parameters overflowed, the float64 losses hold
    # what float32 cannot.
    assert float(error.fit.losses[-1]) > float(torch.finfo(torch.float32).max)
    assert f"{bound:.4g}" in str(error)
    assert "too large" in str(error)
    assert "λ_max" in str(error)


def test_momentum_widens_the_bound(data: LinearData) -> None:
    bound = max_stable_lr(data.x, momentum=0.5)
    assert bound > max_stable_lr(data.x)
    gradient_descent(data.x, data.y, lr=0.95 * bound, momentum=0.5, steps=3000)
    with pytest.raises(DivergenceError, match=f"{bound:.4g}"):
        gradient_descent(data.x, data.y, lr=1.1 * bound, momentum=0.5, steps=20_000)


def test_an_overflow_below_the_bound_is_not_blamed_on_lr() -> None:
    # Targets near 1e160: the very first loss, about 1e320, is beyond float64's 1.8e308.
    x = torch.ones(10, 1, dtype=torch.float64)
    y = torch.full((10,), 1e160, dtype=torch.float64)
    bound = max_stable_lr(x, momentum=0.9)
    with pytest.raises(DivergenceError) as caught:
        gradient_descent(x, y, [0.0], lr=0.5 * bound, momentum=0.9, steps=50)
    message = str(caught.value)
    assert caught.value.step == 0
    assert "too large" not in message
    assert "below the stable bound (2 + 2·momentum)/λ_max" in message
    assert "torch.float64: rescale the data" in message


def test_float16_data_overshooting_its_range_is_computed_wide() -> None:
    # Momentum overshoots the intercept past float16's largest value, 65504: this used to
    # raise a DivergenceError; the run computes and records in float64.
    x = torch.ones(10, 1, dtype=torch.float16)
    y = torch.full((10,), 60000.0, dtype=torch.float16)
    lr = 0.5 * max_stable_lr(x, momentum=0.9)
    fit = gradient_descent(x, y, [0.0], lr=lr, momentum=0.9, steps=1000)
    assert float(fit.params[:, 0].max()) > 65504
    assert float(fit.coef[0]) == pytest.approx(60000.0, rel=1e-9)


def test_the_bound_mentions_momentum_only_with_momentum(data: LinearData) -> None:
    # Past the bound the error grows by |1 - lr λ_max| ≈ 2.2 a step (lr 1.5): float64's range
    # (1.8e308) is passed after about 900 steps.
    with pytest.raises(DivergenceError, match=r"lr < 2/λ_max = ") as plain:
        gradient_descent(data.x, data.y, lr=1.5, steps=2000)
    assert "momentum" not in str(plain.value)
    with pytest.raises(DivergenceError, match=r"lr < \(2 \+ 2·momentum\)/λ_max = "):
        gradient_descent(data.x, data.y, lr=3.0, momentum=0.3, steps=2000)


@pytest.mark.parametrize(
    ("options", "error", "pattern"),
    [
        ({"steps": -1}, ValueError, r"steps must be an integer >= 0, got -1"),
        ({"steps": 10.0}, TypeError, r"steps must be an integer, got 10\.0"),
        ({"steps": np.array([3])}, TypeError, r"steps must be an integer, got an array of shape"),
    ],
    ids=["steps-negative", "steps-float", "steps-array"],
)
def test_bad_gradient_descent_options(
    options: dict[str, object], error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        gradient_descent(X, Y, **options)  # type: ignore[arg-type]
