from __future__ import annotations

import math
from collections.abc import Callable
from itertools import islice

import numpy as np
import pytest
import torch

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
    optimize,
    sgd,
)

TorchSGD = Callable[..., tuple[torch.Tensor, torch.Tensor]]  # the torch_sgd fixture


def batches_of(x: torch.Tensor, y: torch.Tensor, **kwargs: object) -> list[torch.Tensor]:
    return [step.indices.clone() for step in iter_sgd(x, y, **kwargs)]  # type: ignore[arg-type]


# --- reaching the closed form -----------------------------------------------------------------


def test_sgd_reaches_least_squares(data: LinearData) -> None:
    x, y = data.x.double(), data.y.double()
    best = least_squares(x, y)
    floor = float(mse(x @ best, y))
    for seed in range(5):
        fit = sgd(data.x, data.y, lr=0.1, epochs=10, batch_size=5, seed=seed)
        assert fit.steps == 200
        assert float(mse(x @ fit.coef.double(), y)) - floor < 0.03
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
def test_sgd_matches_torch_optim_float64(
    momentum: float, batching: dict[str, object], torch_sgd: TorchSGD
) -> None:
    data = make_linear_data(100, seed=1, dtype=torch.float64)
    kwargs = {"lr": 0.05, "epochs": 3, "momentum": momentum, "seed": 4, **batching}
    fit = sgd(data.x, data.y, **kwargs)  # type: ignore[arg-type]
    params, losses = torch_sgd(
        data.x, data.y, batches_of(data.x, data.y, **kwargs), lr=0.05, momentum=momentum
    )
    torch.testing.assert_close(fit.params, params, atol=1e-12, rtol=1e-12)
    torch.testing.assert_close(fit.losses, losses, atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_matches_torch_optim_float32(momentum: float, torch_sgd: TorchSGD) -> None:
    data = make_linear_data(100, seed=2)
    kwargs = {"lr": 0.1, "epochs": 10, "batch_size": 5, "momentum": momentum, "seed": 0}
    fit = sgd(data.x, data.y, **kwargs)  # type: ignore[arg-type]
    params, losses = torch_sgd(
        data.x, data.y, batches_of(data.x, data.y, **kwargs), lr=0.1, momentum=momentum
    )
    # torch's float32 arithmetic rounds at every step; ours computes in float64, records the
    # parameters in the data's float32 and the losses in float64.
    torch.testing.assert_close(fit.params, params, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(fit.losses, losses.double(), atol=1e-5, rtol=1e-5)


def test_chunk_boundaries_do_not_change_the_result(
    data: LinearData, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = sgd(data.x, data.y, batch_size=3, epochs=2, momentum=0.5, seed=1)
    monkeypatch.setattr(optimize, "_CHUNK_ROWS", 10)  # 3 batches of 3 per chunk
    chunked = sgd(data.x, data.y, batch_size=3, epochs=2, momentum=0.5, seed=1)
    assert chunked == expected  # the same updates in the same order: equal to the last bit
    # (gradient_descent's chunks of rows: test_full_batch.py)


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
    assert fit16.params.dtype == torch.float32  # the data's precision, at least float32
    assert fit16.losses.dtype == torch.float64  # the loop's
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
    ("init-nan", {"init": (1.0, float("nan"))}, ValueError, r"init must be finite, got nan"),
    ("init-type", {"init": 1.0}, TypeError, r"init must be a sequence of 2 numbers"),
    ("init-2d", {"init": torch.zeros(2, 1)}, ValueError, r"init must be 1-D"),
    ("init-0d", {"init": torch.tensor(1.0)}, ValueError, r"init must be 1-D, got tensor\(1\.\)"),
    ("device-unknown", {"device": "tpu"}, ValueError, r"device 'tpu' is not a device name"),
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
    # One-element arrays define __index__: numpy's or torch's message, or silence, before.
    (
        "epochs-array",
        {"epochs": np.array([2])},
        TypeError,
        r"epochs must be an integer, got an array of shape \(1,\)",
    ),
    (
        "batch-tensor",
        {"batch_size": torch.tensor([4])},
        TypeError,
        r"batch_size must be an integer, got an array",
    ),
    ("seed-array", {"seed": np.array([3])}, TypeError, r"seed must be an integer, got an array"),
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


# --- defects found on the first engine (issue 11): each failed there -------------------------


def test_losses_do_not_cancel_when_targets_are_offset(data: LinearData) -> None:
    x, y = data.x.double(), data.y.double()
    far = y + 1e8
    best = least_squares(x, far)
    fit = gradient_descent(x, far, best, steps=3)
    true = float(mse(x @ best, far))
    assert 0.05 < true < 0.12
    torch.testing.assert_close(
        fit.losses, torch.full((3,), true, dtype=x.dtype), rtol=1e-6, atol=0
    )
    run = sgd(x, y + 1e6, least_squares(x, y + 1e6), lr=0.01, epochs=2, batch_size=10, seed=0)
    steps = list(iter_sgd(x, y + 1e6, least_squares(x, y + 1e6), lr=0.01, epochs=2, batch_size=10, seed=0))  # fmt: skip
    for t, step in enumerate(steps):
        rows = step.indices.long()
        exact = float(mse(x[rows] @ run.params[t], y[rows] + 1e6))
        assert float(run.losses[t]) == pytest.approx(exact, rel=1e-9)


def test_inputs_that_require_grad(data: LinearData) -> None:
    x, y = data.x.clone().requires_grad_(), data.y.clone().requires_grad_()
    assert torch.equal(gradient_descent(x, y).params, gradient_descent(data.x, data.y).params)
    assert torch.equal(sgd(x, y, seed=0).params, sgd(data.x, data.y, seed=0).params)
    assert next(iter_sgd(x, y, seed=0)).index == 0
    assert torch.equal(least_squares(x, y), least_squares(data.x, data.y))
    assert x.grad is None


def test_float16_targets_near_300_do_not_overflow() -> None:
    half = make_linear_data(100, coef=(3.0, 300.0), seed=0, dtype=torch.float16)
    for fit in (
        gradient_descent(half.x, half.y, lr=0.5, steps=200),
        sgd(half.x, half.y, lr=0.05, epochs=5, seed=0),
    ):
        assert (fit.params.dtype, fit.losses.dtype) == (torch.float32, torch.float64)
        assert bool(torch.isfinite(fit.losses).all())
        assert float(fit.losses[0]) > 65504  # more than float16 holds
        assert abs(float(fit.coef[1]) - 300.5) < 2


def test_iter_sgd_memory_does_not_grow_with_the_run() -> None:
    big = make_linear_data(1000, seed=0)
    steps = iter_sgd(big.x, big.y, epochs=10**15, batch_size=1, seed=0)
    first = next(steps)  # nothing is allocated for the whole run
    assert first.index == 0
    assert first.params._base is not None
    assert first.params._base.shape[0] <= optimize._CHUNK_ROWS + 1  # one chunk
    assert next(islice(steps, 2500, None)).index == 2501  # across epochs


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: sgd(X, Y, seed=2**70), r"seed must be an integer >= .* < 2\*\*64, got 1180591"),
        (lambda: make_linear_data(5, seed=2**70), r"seed must be an integer"),
        (lambda: sgd(X, Y, epochs=10**20), r"epochs=100000000000000000000 means .* use iter_sgd"),
        (lambda: gradient_descent(X, Y, steps=10**20), r"steps=100000000000000000000 means"),
    ],
    ids=["sgd-seed", "data-seed", "sgd-epochs", "gd-steps"],
)
def test_huge_seed_and_epochs_name_the_parameter(call: Callable[[], object], pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        call()


def test_numpy_init_and_0_dim_tensor_lr(data: LinearData) -> None:
    expected = sgd(data.x, data.y, (0.5, 0.5), lr=0.25, seed=0)
    got = sgd(data.x, data.y, np.array([0.5, 0.5]), lr=torch.tensor(0.25), seed=0)
    assert torch.equal(got.params, expected.params)
    assert got.lr == 0.25
    gd = gradient_descent(data.x, data.y, np.array([0.5, 0.5]), lr=np.float32(0.25), steps=5)
    assert gd.params[0].tolist() == [0.5, 0.5]
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0, got tensor\(-1\.\)"):
        sgd(data.x, data.y, lr=torch.tensor(-1.0))
    with pytest.raises(ValueError, match=r"init must be 1-D, got an array of shape \(1, 2\)"):
        sgd(data.x, data.y, np.zeros((1, 2)))


# --- issue 22: records wide enough for the answer, values users naturally pass -----------------

Record = tuple[torch.Tensor, torch.Tensor]  # params (the start, then each update's), losses


def _gradient_descent(
    x: torch.Tensor, y: torch.Tensor, init: list[float], lr: float, epochs: int
) -> Record:
    fit = gradient_descent(x, y, init, lr=lr, steps=epochs)
    return fit.params, fit.losses


def _sgd(x: torch.Tensor, y: torch.Tensor, init: list[float], lr: float, epochs: int) -> Record:
    fit = sgd(x, y, init, lr=lr, epochs=epochs, batch_size=len(x), shuffle=False)
    return fit.params, fit.losses


def _iter_sgd(
    x: torch.Tensor, y: torch.Tensor, init: list[float], lr: float, epochs: int
) -> Record:
    steps = list(iter_sgd(x, y, init, lr=lr, epochs=epochs, batch_size=len(x), shuffle=False))
    start = torch.tensor(init, dtype=steps[0].params.dtype)
    return torch.stack([start, *(s.params for s in steps)]), torch.stack([s.loss for s in steps])


FITS = {"gradient_descent": _gradient_descent, "sgd": _sgd, "iter_sgd": _iter_sgd}


@pytest.mark.parametrize("fit", FITS.values(), ids=FITS.keys())
@pytest.mark.parametrize(
    ("x_scale", "y_offset", "y_scale"),
    [
        (1.0, 1e8, 1.0),  # float64 y offset by 1e8: float32 rounds the intercept by up to 4
        (1e20, 0.0, 1e20),  # float32 data near 1e20: losses near 1e40, beyond float32
        (1e-23, 0.0, 1e-23),  # near 1e-23: losses near 1e-46, below float32's smallest
    ],
    ids=["offset-1e8", "near-1e20", "near-1e-23"],
)
def test_each_recorded_loss_is_that_of_the_recorded_parameters(
    data: LinearData, fit: Callable[..., Record],
    x_scale: float, y_offset: float, y_scale: float,
) -> None:  # fmt: skip
    x = data.x * x_scale  # float32
    y = data.y.double() * y_scale + y_offset
    x64 = x.double()
    start = least_squares(x64, y) * 0.999  # near the answer: the steps stay small
    lr = 0.5 * max_stable_lr(x)  # half the stable bound (about 1e-40 near 1e20)
    params, losses = fit(x, y, start.tolist(), lr, 3)
    assert (params.dtype, losses.dtype) == (torch.float64, torch.float64)
    for t, loss in enumerate(losses.tolist()):  # exact: as computed from x and y in float64
        assert math.isclose(loss, float(mse(x64 @ params[t], y)), rel_tol=1e-9), t


@pytest.mark.parametrize("fit", FITS.values(), ids=FITS.keys())
@pytest.mark.parametrize("scale", [1e20, 1e-23], ids=["near-1e20", "near-1e-23"])
def test_float32_data_whose_losses_float32_cannot_hold(
    data: LinearData, fit: Callable[..., Record], scale: float
) -> None:
    # Used to raise a DivergenceError at step 0 blaming the lr (1e20), or record a loss 53 %
    # off (1e-23). The parameters are float32, as the data; the losses float64, as the loop.
    x, y = data.x * scale, data.y * scale
    start = least_squares(x.double(), y.double()) * 0.999
    params, losses = fit(x, y, start.tolist(), 0.5 * max_stable_lr(x), 3)
    assert (params.dtype, losses.dtype) == (torch.float32, torch.float64)
    for t, loss in enumerate(losses.tolist()):  # params[t] is the loop's p_t, rounded to float32
        exact = float(mse(x.double() @ params[t].double(), y.double()))
        assert math.isclose(loss, exact, rel_tol=1e-4), t


@pytest.mark.parametrize("fit", FITS.values(), ids=FITS.keys())
def test_float16_x_with_targets_near_1e5(data: LinearData, fit: Callable[..., Record]) -> None:
    # Used to raise a DivergenceError blaming the lr: the intercept overflowed float16.
    x, y = data.x.half(), data.y + 1e5
    params, _ = fit(x, y, [0.0, 0.0], 0.5, 100)
    best = least_squares(x.double(), y.double())
    assert params.dtype == torch.float32  # y's: wider than x's float16
    torch.testing.assert_close(params[-1].double(), best, rtol=1e-6, atol=0)


@pytest.mark.parametrize("fit", FITS.values(), ids=FITS.keys())
def test_a_start_beyond_the_records_dtype_is_refused(
    data: LinearData, fit: Callable[..., Record]
) -> None:
    # It used to be recorded as [inf, -inf], with no error.
    with pytest.raises(ValueError, match=r"init=1e\+39 is beyond the range of torch\.float32"):
        fit(data.x, data.y, [1e39, -1e40], 1e-90, 1)
    params, losses = fit(data.x.double(), data.y, [1e39, -1e40], 1e-90, 1)  # float64 data
    assert params[0].tolist() == [1e39, -1e40]
    assert bool(torch.isfinite(losses).all())  # about 1e80


@pytest.mark.parametrize("fitter", [f for _, f in FITTERS], ids=[n for n, _ in FITTERS])
def test_sparse_x_is_refused_by_name(fitter: Call) -> None:
    # It passed the checks and failed inside numpy ("can't convert Sparse layout tensor").
    with pytest.raises(TypeError, match=r"x must be a dense tensor, got layout torch\.sparse_coo"):
        fitter(X.to_sparse(), Y)
