from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import pairwise

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from sgd_tutorial import (
    LinearData,
    hessian_eigenvalues,
    least_squares,
    make_linear_data,
    max_stable_lr,
    mse,
    rmse,
    sse,
    with_next,
)

values = st.lists(
    st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32), min_size=1, max_size=64
)


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_against_torch(data: st.DataObject) -> None:
    a = data.draw(values)
    b = data.draw(st.lists(st.floats(-1e3, 1e3, width=32), min_size=len(a), max_size=len(a)))
    y_hat = torch.tensor(a, dtype=torch.float64)
    y = torch.tensor(b, dtype=torch.float64)
    torch.testing.assert_close(mse(y_hat, y), F.mse_loss(y_hat, y))
    torch.testing.assert_close(sse(y_hat, y), F.mse_loss(y_hat, y, reduction="sum"))
    torch.testing.assert_close(rmse(y_hat, y), F.mse_loss(y_hat, y).sqrt())


def test_values_and_zero_dim() -> None:
    y_hat = torch.tensor([1.0, 2.0, 3.0])
    y = torch.tensor([1.0, 4.0, 0.0])
    assert mse(y_hat, y).ndim == 0
    assert float(sse(y_hat, y)) == 13.0
    assert math.isclose(float(mse(y_hat, y)), 13.0 / 3, rel_tol=1e-6)
    assert math.isclose(float(rmse(y_hat, y)), math.sqrt(13.0 / 3), rel_tol=1e-6)


def test_differentiable() -> None:
    a = torch.tensor([-1.0, 1.0], requires_grad=True)
    x = torch.tensor([[0.5, 1.0], [-0.5, 1.0]])
    y = torch.tensor([2.0, 1.0])
    mse(x @ a, y).backward()
    assert a.grad is not None
    expected = 2 / 2 * x.T @ (x @ a.detach() - y)
    torch.testing.assert_close(a.grad, expected)


@pytest.mark.parametrize("loss", [mse, sse, rmse])
def test_no_silent_broadcasting(loss: object) -> None:
    y = torch.zeros(5)
    with pytest.raises(ValueError, match=r"same shape, got y_hat \(5, 1\) and y \(5,\)"):
        loss(torch.zeros(5, 1), y)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("y_hat", "y", "error", "pattern"),
    [
        ([1.0], torch.zeros(1), TypeError, r"y_hat must be a torch\.Tensor, got list"),
        (
            torch.zeros(2, dtype=torch.int64),
            torch.zeros(2),
            TypeError,
            r"y_hat must have a floating",
        ),
        (torch.zeros(0), torch.zeros(0), ValueError, r"must not be empty"),
    ],
)
def test_bad_input(y_hat: object, y: object, error: type[Exception], pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        mse(y_hat, y)  # type: ignore[arg-type]


def test_least_squares_matches_lstsq_and_reference(data: LinearData) -> None:
    coef = least_squares(data.x, data.y)
    expected = torch.linalg.lstsq(data.x.double(), data.y.double()[:, None]).solution[:, 0]
    torch.testing.assert_close(coef, expected.float())
    # REFERENCE §1: the population optimum is (3, 2.5); the sample floor is about 1/12.
    assert abs(float(coef[0]) - 3.0) < 0.25
    assert abs(float(coef[1]) - 2.5) < 0.12
    assert 0.06 < float(mse(data.x @ coef, data.y)) < 0.11


def test_least_squares_is_a_minimum(data: LinearData) -> None:
    coef = least_squares(data.x, data.y).double()
    x, y = data.x.double(), data.y.double()
    best = mse(x @ coef, y)
    for delta in ([1e-3, 0.0], [0.0, -1e-3], [1e-3, 1e-3]):
        assert float(mse(x @ (coef + torch.tensor(delta, dtype=torch.float64)), y)) > float(best)


def test_exact_without_noise(device: str) -> None:
    data = make_linear_data(40, coef=(1.5, -2.0, 0.5), noise="none", seed=2, device=device)
    coef = least_squares(data.x, data.y)
    assert coef.device == data.x.device
    torch.testing.assert_close(coef, data.coef, atol=1e-5, rtol=0)


def test_hessian_and_bound(data: LinearData) -> None:
    eig = hessian_eigenvalues(data.x)
    assert eig.dtype == torch.float64
    assert eig.shape == (2,)
    assert float(eig[0]) < float(eig[1])
    # REFERENCE §1: H ≈ diag(2/3, 2), so λ_max ≈ 2.0–2.2 and the bound is about 0.95.
    assert 1.8 < float(eig[1]) < 2.4
    assert 0.5 < float(eig[0]) < 0.85
    assert max_stable_lr(data.x) == pytest.approx(2.0 / float(eig[1]))
    assert max_stable_lr(data.x, momentum=0.5) == pytest.approx(3.0 / float(eig[1]))


def test_feature_scale_sets_the_bound() -> None:
    wide = make_linear_data(100, low=-30.0, high=30.0, seed=0)
    assert 2e-3 < max_stable_lr(wide.x) < 5e-3  # REFERENCE §1: below ≈ 3e-3


@pytest.mark.parametrize(
    ("x", "y", "error", "pattern"),
    [
        (torch.zeros(3), torch.zeros(3), ValueError, r"x must be 2-D"),
        (torch.zeros(3, 2), torch.zeros(4), ValueError, r"len\(x\)=3 and len\(y\)=4"),
        (
            torch.zeros(3, 2, dtype=torch.int32),
            torch.zeros(3),
            TypeError,
            r"x must have a floating",
        ),
        (
            torch.full((3, 2), float("nan")),
            torch.zeros(3),
            ValueError,
            r"x must contain only finite",
        ),
    ],
)
def test_least_squares_bad_input(
    x: object, y: object, error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        least_squares(x, y)  # type: ignore[arg-type]


def test_bad_momentum_for_bound(data: LinearData) -> None:
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\), got 1\.0"):
        max_stable_lr(data.x, momentum=1.0)


@given(st.lists(st.integers(), max_size=20))
def test_pairs(items: list[int]) -> None:
    assert list(with_next(items)) == list(pairwise(items))


def test_empty_and_single_yield_nothing() -> None:
    assert list(with_next([])) == []
    assert list(with_next(iter([]))) == []
    assert list(with_next([1])) == []


def test_lazy_on_generators() -> None:
    consumed: list[int] = []

    def numbers() -> Iterator[int]:
        for i in range(1_000_000):
            consumed.append(i)
            yield i

    pairs = with_next(numbers())
    assert next(pairs) == (0, 1)
    assert next(pairs) == (1, 2)
    assert consumed == [0, 1, 2]
