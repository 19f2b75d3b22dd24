from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from itertools import islice

import pytest
import torch

import sgd_tutorial.optimize as engine
from sgd_tutorial import (
    DivergenceError,
    Fit,
    LinearData,
    Step,
    gradient_descent,
    iter_sgd,
    least_squares,
    make_linear_data,
    max_stable_lr,
    mse,
    sgd,
)


def torch_reference(
    x: torch.Tensor,
    y: torch.Tensor,
    batches: Iterable[torch.Tensor | None],
    *,
    lr: float,
    momentum: float = 0.0,
    init: tuple[float, ...] = (-1.0, 1.0),
) -> tuple[torch.Tensor, torch.Tensor]:
    """The textbook loop: autograd and torch.optim.SGD, fed the given batches in order."""
    a = torch.nn.Parameter(torch.tensor(init, dtype=x.dtype))
    optimizer = torch.optim.SGD([a], lr=lr, momentum=momentum)
    params, losses = [a.detach().clone()], []
    for rows in batches:
        xb, yb = (x, y) if rows is None else (x[rows.long()], y[rows.long()])
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(xb @ a, yb)
        loss.backward()
        optimizer.step()
        params.append(a.detach().clone())
        losses.append(loss.detach())
    return torch.stack(params), torch.stack(losses)


def batches_of(x: torch.Tensor, y: torch.Tensor, **kwargs: object) -> list[torch.Tensor]:
    return [step.indices.clone() for step in iter_sgd(x, y, **kwargs)]  # type: ignore[arg-type]


# --- reaching the closed form -----------------------------------------------------------------


def test_gradient_descent_reaches_least_squares(data: LinearData) -> None:
    fit = gradient_descent(data.x, data.y, lr=0.1, steps=100)
    best = least_squares(data.x, data.y)
    floor = float(mse(data.x @ best, data.y))
    final = float(mse(data.x @ fit.coef, data.y))
    assert final - floor < 2e-4  # REFERENCE §1
    assert final < 0.11
    assert abs(float(fit.coef[0]) - 3.0) < 0.25
    assert abs(float(fit.coef[1]) - 2.5) < 0.12
    long_run = gradient_descent(data.x, data.y, lr=0.5, steps=500)
    torch.testing.assert_close(long_run.coef, best, atol=1e-5, rtol=0)


def test_loss_decreases_monotonically_below_the_bound(data: LinearData) -> None:
    bound = max_stable_lr(data.x)
    for fraction in (0.1, 0.5, 0.9):
        fit = gradient_descent(data.x.double(), data.y.double(), lr=fraction * bound)
        # Once converged the loss is flat; allow rounding at the level of float64's epsilon.
        assert bool((fit.losses.diff() <= 1e-12).all()), fraction


def test_sgd_reaches_least_squares(data: LinearData) -> None:
    best = least_squares(data.x, data.y)
    floor = float(mse(data.x @ best, data.y))
    for seed in range(5):
        fit = sgd(data.x, data.y, lr=0.1, epochs=10, batch_size=5, seed=seed)
        assert fit.steps == 200
        assert float(mse(data.x @ fit.coef, data.y)) - floor < 0.03
        assert float((fit.coef - best).abs().max()) < 0.25
    small_lr = sgd(data.x, data.y, lr=0.02, epochs=200, batch_size=10, seed=0)
    assert float((small_lr.coef - best).abs().max()) < 0.03


# --- the same arithmetic as torch.optim.SGD ---------------------------------------------------


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize(
    "batching",
    [
        {"batch_size": 5},
        {"batch_size": 7},  # a last short batch of 2
        {"batch_size": 7, "drop_last": True},
        {"batch_size": 8, "shuffle": False},
        {"batch_size": 1},
    ],
    ids=["b5", "b7-short-last", "b7-drop-last", "b8-in-order", "b1"],
)
def test_sgd_matches_torch_optim_float64(momentum: float, batching: dict[str, object]) -> None:
    data = make_linear_data(100, seed=1, dtype=torch.float64)
    kwargs = {"lr": 0.05, "epochs": 3, "momentum": momentum, "seed": 4, **batching}
    fit = sgd(data.x, data.y, **kwargs)  # type: ignore[arg-type]
    params, losses = torch_reference(
        data.x, data.y, batches_of(data.x, data.y, **kwargs), lr=0.05, momentum=momentum
    )
    torch.testing.assert_close(fit.params, params, atol=1e-12, rtol=1e-12)
    torch.testing.assert_close(fit.losses, losses, atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_matches_torch_optim_float32(momentum: float) -> None:
    data = make_linear_data(100, seed=2)
    kwargs = {"lr": 0.1, "epochs": 10, "batch_size": 5, "momentum": momentum, "seed": 0}
    fit = sgd(data.x, data.y, **kwargs)  # type: ignore[arg-type]
    params, losses = torch_reference(
        data.x, data.y, batches_of(data.x, data.y, **kwargs), lr=0.1, momentum=momentum
    )
    # torch's float32 arithmetic rounds at every step; ours accumulates in float64.
    torch.testing.assert_close(fit.params, params, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(fit.losses, losses, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_gradient_descent_matches_torch_optim(momentum: float) -> None:
    data = make_linear_data(64, coef=(1.0, -2.0, 0.5), seed=3, dtype=torch.float64)
    fit = gradient_descent(
        data.x, data.y, init=(0.0, 0.0, 0.0), lr=0.3, steps=50, momentum=momentum
    )
    params, losses = torch_reference(
        data.x, data.y, [None] * 50, lr=0.3, momentum=momentum, init=(0.0, 0.0, 0.0)
    )
    torch.testing.assert_close(fit.params, params, atol=1e-12, rtol=1e-12)
    torch.testing.assert_close(fit.losses, losses, atol=1e-12, rtol=1e-12)


def test_chunk_boundaries_do_not_change_the_result(
    data: LinearData, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected_sgd = sgd(data.x, data.y, batch_size=3, epochs=2, momentum=0.5, seed=1)
    expected_gd = gradient_descent(data.x, data.y, steps=50, momentum=0.5)
    monkeypatch.setattr(engine, "_CHUNK_ROWS", 10)  # 3 batches of 3 per chunk
    monkeypatch.setattr(engine, "_CHUNK_STEPS", 7)
    chunked_sgd = sgd(data.x, data.y, batch_size=3, epochs=2, momentum=0.5, seed=1)
    chunked_gd = gradient_descent(data.x, data.y, steps=50, momentum=0.5)
    torch.testing.assert_close(chunked_sgd.params, expected_sgd.params, atol=0, rtol=0)
    torch.testing.assert_close(chunked_gd.params, expected_gd.params, atol=0, rtol=0)
    torch.testing.assert_close(chunked_gd.losses, expected_gd.losses, atol=0, rtol=0)


# --- batches, epochs, seeds --------------------------------------------------------------------


@pytest.mark.parametrize(("n", "batch_size"), [(100, 5), (103, 10), (7, 20), (1, 1)])
def test_every_sample_once_per_epoch(n: int, batch_size: int) -> None:
    data = make_linear_data(n, seed=0)
    steps = list(iter_sgd(data.x, data.y, epochs=3, batch_size=batch_size, seed=5))
    assert len(steps) == 3 * math.ceil(n / batch_size)
    orders = []
    for epoch in range(3):
        seen = torch.cat([s.indices for s in steps if s.epoch == epoch]).long()
        assert sorted(seen.tolist()) == list(range(n))
        assert all(len(s.indices) <= batch_size for s in steps if s.epoch == epoch)
        orders.append(seen)
    if n > 10:
        assert not torch.equal(orders[0], orders[1])  # a fresh permutation each epoch
    assert [s.index for s in steps] == list(range(len(steps)))


def test_in_order_and_drop_last() -> None:
    data = make_linear_data(23, seed=0)
    ordered = list(iter_sgd(data.x, data.y, epochs=2, batch_size=5, shuffle=False))
    assert [s.indices.tolist() for s in ordered[:5]] == [
        [0, 1, 2, 3, 4],
        [5, 6, 7, 8, 9],
        [10, 11, 12, 13, 14],
        [15, 16, 17, 18, 19],
        [20, 21, 22],
    ]
    dropped = sgd(data.x, data.y, epochs=2, batch_size=5, drop_last=True, seed=0)
    assert dropped.steps == 8
    assert dropped.drop_last is True


def test_seed_reproduces_exactly(data: LinearData) -> None:
    a = sgd(data.x, data.y, seed=11)
    b = sgd(data.x, data.y, seed=11)
    c = sgd(data.x, data.y, seed=12)
    assert torch.equal(a.params, b.params)
    assert torch.equal(a.losses, b.losses)
    assert not torch.equal(a.params, c.params)
    g = sgd(data.x, data.y, seed=torch.Generator().manual_seed(11))
    assert torch.equal(g.params, a.params)


def test_iter_sgd_is_sgd_lazily(data: LinearData) -> None:
    fit = sgd(data.x, data.y, epochs=3, momentum=0.3, seed=2)
    steps = list(iter_sgd(data.x, data.y, epochs=3, momentum=0.3, seed=2))
    assert all(isinstance(s, Step) for s in steps)
    torch.testing.assert_close(torch.stack([s.params for s in steps]), fit.params[1:])
    torch.testing.assert_close(torch.stack([s.loss for s in steps]), fit.losses)
    assert [s.epoch for s in steps] == [e for e in range(3) for _ in range(20)]
    first = list(islice(iter_sgd(data.x, data.y, epochs=1000, seed=2), 3))
    assert [s.index for s in first] == [0, 1, 2]


def test_fit_record(data: LinearData) -> None:
    fit = sgd(data.x, data.y, init=(0.5, -0.5), lr=0.2, epochs=2, batch_size=25, seed=3)
    assert isinstance(fit, Fit)
    assert fit.params.shape == (9, 2)
    assert fit.losses.shape == (8,)
    assert fit.params.device.type == "cpu"
    assert fit.losses.device.type == "cpu"
    assert fit.params[0].tolist() == [0.5, -0.5]
    assert torch.equal(fit.coef, fit.params[-1])
    assert (fit.lr, fit.momentum, fit.batch_size, fit.epochs) == (0.2, 0.0, 25, 2)
    assert (fit.shuffle, fit.drop_last, fit.seed) == (True, False, 3)
    full = gradient_descent(data.x, data.y, steps=4)
    assert (full.batch_size, full.epochs, full.steps) == (100, None, 4)
    # The recorded loss is the batch's loss before the update.
    assert float(full.losses[0]) == pytest.approx(
        float(mse(data.x @ torch.tensor([-1.0, 1.0]), data.y)), rel=1e-6
    )


def test_zero_steps_and_epochs(data: LinearData) -> None:
    for fit in (
        gradient_descent(data.x, data.y, steps=0),
        sgd(data.x, data.y, epochs=0),
    ):
        assert fit.steps == 0
        assert fit.coef.tolist() == [-1.0, 1.0]


def test_inputs_are_not_modified(data: LinearData) -> None:
    x, y = data.x.clone(), data.y.clone()
    init = torch.tensor([-1.0, 1.0])
    sgd(data.x, data.y, init, seed=0)
    gradient_descent(data.x, data.y, init)
    assert torch.equal(x, data.x)
    assert torch.equal(y, data.y)
    assert init.tolist() == [-1.0, 1.0]


def test_more_features_and_dtypes() -> None:
    data = make_linear_data(400, coef=(1.0, -2.0, 0.5, 3.0), noise="none", seed=0)
    fit = gradient_descent(data.x, data.y, init=[0.0] * 4, lr=0.5, steps=2000)
    torch.testing.assert_close(fit.coef, data.coef, atol=1e-4, rtol=0)
    half = make_linear_data(100, seed=0, dtype=torch.bfloat16)
    fit16 = sgd(half.x, half.y, seed=0)
    assert fit16.params.dtype == torch.bfloat16
    assert abs(float(fit16.coef[0]) - 3.0) < 0.5


def test_device_argument(data: LinearData, device: str) -> None:
    fit = sgd(data.x, data.y, seed=0, device=device)
    cpu = sgd(data.x, data.y, seed=0)
    assert fit.params.device.type == "cpu"
    torch.testing.assert_close(fit.params, cpu.params, atol=1e-6, rtol=1e-6)
    moved = make_linear_data(100, seed=0, device=device)
    on_device = gradient_descent(moved.x, moved.y)  # device=None: where the data is
    torch.testing.assert_close(on_device.coef, gradient_descent(data.x, data.y).coef)


# --- divergence --------------------------------------------------------------------------------


def test_stability_bound_predicts_divergence(data: LinearData) -> None:
    bound = max_stable_lr(data.x)
    stable = gradient_descent(data.x, data.y, lr=0.99 * bound, steps=3000)
    best = least_squares(data.x, data.y)
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
    assert float(error.fit.losses[-1]) > 1e30  # it really was blowing up
    assert f"{bound:.4g}" in str(error)
    assert "too large" in str(error)
    assert "λ_max" in str(error)


def test_momentum_widens_the_bound(data: LinearData) -> None:
    bound = max_stable_lr(data.x, momentum=0.5)
    assert bound > max_stable_lr(data.x)
    gradient_descent(data.x, data.y, lr=0.95 * bound, momentum=0.5, steps=3000)
    with pytest.raises(DivergenceError, match=f"{bound:.4g}"):
        gradient_descent(data.x, data.y, lr=1.1 * bound, momentum=0.5, steps=20_000)


def test_sgd_divergence_and_summed_loss_scale() -> None:
    wide = make_linear_data(100, low=-30.0, high=30.0, seed=0)
    with pytest.raises(DivergenceError, match=r"lr=0\.1 is too large.*smaller lr") as caught:
        sgd(wide.x, wide.y, lr=0.1, epochs=50, seed=0)
    assert caught.value.fit.steps == caught.value.step
    assert bool(torch.isfinite(caught.value.fit.params).all())


# --- bad input ---------------------------------------------------------------------------------

X, Y = make_linear_data(10, seed=0).x, make_linear_data(10, seed=0).y
Call = Callable[..., object]
FITTERS: list[tuple[str, Call]] = [
    ("gradient_descent", gradient_descent),
    ("sgd", sgd),
    ("iter_sgd", iter_sgd),
]
BAD_DATA: list[tuple[str, object, object, type[Exception], str]] = [
    ("x-1d", X[:, 0], Y, ValueError, r"x must be 2-D with shape \(n, k\), got shape \(10,\)"),
    ("y-2d", X, Y[:, None], ValueError, r"y must be 1-D with shape \(n,\), got shape \(10, 1\)"),
    ("lengths", X, Y[:9], ValueError, r"len\(x\)=10 and len\(y\)=9"),
    ("empty", X[:0], Y[:0], ValueError, r"x must not be empty"),
    ("x-nan", X.clone().fill_(float("nan")), Y, ValueError, r"x must contain only finite"),
    ("y-inf", X, Y.clone().fill_(float("inf")), ValueError, r"y must contain only finite"),
    ("x-int", X.long(), Y, TypeError, r"x must have a floating-point dtype, got torch\.int64"),
    ("y-bool", X, Y > 0, TypeError, r"y must have a floating-point dtype, got torch\.bool"),
    ("x-list", X.tolist(), Y, TypeError, r"x must be a torch\.Tensor, got list"),
]
BAD_OPTIONS: list[tuple[str, dict[str, object], type[Exception], str]] = [
    ("lr-0", {"lr": 0.0}, ValueError, r"lr must be a finite number > 0, got 0\.0"),
    ("lr-negative", {"lr": -0.1}, ValueError, r"lr must be .* got -0\.1"),
    ("lr-nan", {"lr": float("nan")}, ValueError, r"lr must be .* got nan"),
    ("lr-inf", {"lr": float("inf")}, ValueError, r"lr must be .* got inf"),
    ("lr-str", {"lr": "0.1"}, TypeError, r"lr must be a real number, got '0\.1'"),
    ("lr-bool", {"lr": True}, TypeError, r"lr must be a real number, got True"),
    (
        "momentum-negative",
        {"momentum": -0.1},
        ValueError,
        r"momentum must be in \[0, 1\), got -0\.1",
    ),
    ("momentum-1", {"momentum": 1.0}, ValueError, r"momentum must be in \[0, 1\), got 1\.0"),
    ("init-length", {"init": (1.0, 2.0, 3.0)}, ValueError, r"init must have 2 values .* got 3"),
    ("init-nan", {"init": (1.0, float("nan"))}, ValueError, r"init must contain only finite"),
    ("init-type", {"init": 1.0}, TypeError, r"init must be a sequence of 2 numbers"),
    ("init-2d", {"init": torch.zeros(2, 1)}, ValueError, r"init must be 1-D"),
    ("device-unknown", {"device": "tpu"}, ValueError, r"device 'tpu' is not a device name"),
]
GD_OPTIONS: list[tuple[str, dict[str, object], type[Exception], str]] = [
    ("steps-negative", {"steps": -1}, ValueError, r"steps must be an integer >= 0, got -1"),
    ("steps-float", {"steps": 10.0}, TypeError, r"steps must be an integer, got 10\.0"),
]
SGD_OPTIONS: list[tuple[str, dict[str, object], type[Exception], str]] = [
    ("epochs-negative", {"epochs": -2}, ValueError, r"epochs must be an integer >= 0, got -2"),
    ("epochs-float", {"epochs": 1.5}, TypeError, r"epochs must be an integer, got 1\.5"),
    ("batch-0", {"batch_size": 0}, ValueError, r"batch_size must be an integer >= 1, got 0"),
    ("batch-float", {"batch_size": 2.0}, TypeError, r"batch_size must be an integer, got 2\.0"),
    (
        "drop-last-big-batch",
        {"batch_size": 11, "drop_last": True},
        ValueError,
        r"batch_size must be <= n=10",
    ),
    ("shuffle-str", {"shuffle": "yes"}, TypeError, r"shuffle must be True or False, got 'yes'"),
    ("seed-float", {"seed": 1.5}, TypeError, r"seed must be an integer, got 1\.5"),
]


@pytest.mark.parametrize("fitter", [f for _, f in FITTERS], ids=[n for n, _ in FITTERS])
@pytest.mark.parametrize(
    ("x", "y", "error", "pattern"),
    [case[1:] for case in BAD_DATA],
    ids=[case[0] for case in BAD_DATA],
)
def test_bad_data(
    fitter: Call, x: object, y: object, error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        fitter(x, y)


@pytest.mark.parametrize("fitter", [f for _, f in FITTERS], ids=[n for n, _ in FITTERS])
@pytest.mark.parametrize(
    ("options", "error", "pattern"),
    [case[1:] for case in BAD_OPTIONS],
    ids=[case[0] for case in BAD_OPTIONS],
)
def test_bad_options(
    fitter: Call, options: dict[str, object], error: type[Exception], pattern: str
) -> None:
    # iter_sgd must complain when called, not at the first next().
    with pytest.raises(error, match=pattern):
        fitter(X, Y, **options)


@pytest.mark.parametrize(
    ("options", "error", "pattern"), [c[1:] for c in GD_OPTIONS], ids=[c[0] for c in GD_OPTIONS]
)
def test_bad_gradient_descent_options(
    options: dict[str, object], error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        gradient_descent(X, Y, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("fitter", [f for _, f in FITTERS[1:]], ids=[n for n, _ in FITTERS[1:]])
@pytest.mark.parametrize(
    ("options", "error", "pattern"), [c[1:] for c in SGD_OPTIONS], ids=[c[0] for c in SGD_OPTIONS]
)
def test_bad_sgd_options(
    fitter: Call, options: dict[str, object], error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        fitter(X, Y, **options)


def test_mixed_devices_are_rejected() -> None:
    meta_y = torch.zeros(10, device="meta")
    with pytest.raises(ValueError, match=r"x and y must be on the same device"):
        sgd(X, meta_y)
