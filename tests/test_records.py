"""What a run gives back: fits and steps equal by value, errors that cross processes."""

from __future__ import annotations

import copy
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor

import pytest

from sgd_tutorial import (
    DivergenceError,
    Fit,
    LinearData,
    Step,
    gradient_descent,
    iter_sgd,
    make_linear_data,
)

DIVERGING = {"lr": 1.5, "steps": 2000}  # 1.5 > 2/λ_max ≈ 0.95: overflows float64 by step 2000


def _copies(value: object) -> list[object]:
    return [copy.copy(value), copy.deepcopy(value), pickle.loads(pickle.dumps(value))]


def test_fits_are_equal_by_value(gd: Fit, mb: Fit) -> None:
    # A tensor's == is elementwise: a dataclass's generated == raised "Boolean value of
    # Tensor with more than one value is ambiguous" (issue 22), and so did list.index.
    for fit in (gd, mb):
        for twin in _copies(fit):
            assert twin == fit
            assert hash(twin) == hash(fit)
            assert twin is not fit
    assert gd != mb
    assert [mb, gd].index(copy.deepcopy(gd)) == 1
    assert {gd, copy.deepcopy(gd)} == {gd}
    assert gd != "a fit"


def test_fits_differ_by_any_field(gd: Fit) -> None:
    changed = [
        Fit(gd.params.clone(), gd.losses.clone(), gd.lr * 2, gd.momentum, gd.batch_size),
        Fit(gd.params[:-1], gd.losses[:-1], gd.lr, gd.momentum, gd.batch_size),
        Fit(gd.params.double(), gd.losses, gd.lr, gd.momentum, gd.batch_size),  # other dtype
        Fit(gd.params.nextafter(gd.params + 1), gd.losses, gd.lr, gd.momentum, gd.batch_size),
        Fit(gd.params, gd.losses, gd.lr, gd.momentum, gd.batch_size, seed=0),
    ]
    same = Fit(gd.params.clone(), gd.losses.clone(), gd.lr, gd.momentum, gd.batch_size)
    assert same == gd
    for other in changed:
        assert other != gd


def test_a_fit_holding_nan_equals_its_copy(gd: Fit) -> None:
    params = gd.params.clone()
    params[-1] = float("nan")
    broken = Fit(params, gd.losses, gd.lr, gd.momentum, gd.batch_size)
    assert broken == copy.deepcopy(broken)
    assert broken != gd


def test_steps_are_equal_by_value(data: LinearData) -> None:
    steps = list(iter_sgd(data.x, data.y, epochs=1, seed=0))
    again = list(iter_sgd(data.x, data.y, epochs=1, seed=0))
    assert steps == again
    for twin in _copies(steps[3]):
        assert twin == steps[3]
        assert hash(twin) == hash(steps[3])
    assert steps.index(again[7]) == 7
    assert isinstance(steps[0], Step)
    assert steps[0] != steps[1]


def test_divergence_error_pickles(data: LinearData) -> None:
    with pytest.raises(DivergenceError) as caught:
        gradient_descent(data.x, data.y, **DIVERGING)
    again = pickle.loads(pickle.dumps(caught.value))
    assert (type(again), str(again), again.step) == (DivergenceError, str(caught.value), caught.value.step)  # fmt: skip
    assert again.fit == caught.value.fit


def _diverge(lr: float) -> Fit:
    data = make_linear_data(100, seed=0)
    return gradient_descent(data.x, data.y, lr=lr, steps=DIVERGING["steps"])


@pytest.mark.slow
def test_divergence_error_crosses_a_process_pool() -> None:
    # spawn, not fork: a fork after torch has started its threads can deadlock the child.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_diverge, lr) for lr in (0.1, DIVERGING["lr"])]
        assert futures[0].result() == _diverge(0.1)  # the same fit, computed here
        with pytest.raises(DivergenceError, match="too large"):
            futures[1].result()
