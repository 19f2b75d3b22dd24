from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from sgd_tutorial import mse, rmse, sse

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
