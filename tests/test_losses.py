from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from decimal import Decimal, localcontext
from fractions import Fraction
from itertools import pairwise

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from sgd_tutorial import (
    LinearData,
    gradient_descent,
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
    # y = 3u + 2 + e with e ~ U(0, 1): e's mean, 1/2, joins the intercept, so the population
    # optimum is (3, 2.5), and e's variance, 1/12, is the floor. With n = 100 the slope's
    # standard error is sqrt(1/12) / (sqrt(n) std(u)) = 0.05 (std of U(-1, 1): 1/sqrt(3)), the
    # intercept's sqrt(1/12 / n) = 0.03, and the floor's sqrt((1/80 - 1/144) / n) = 0.0075:
    # the bounds below are 4-5 standard errors wide.
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
    # x = [u, 1] with u ~ U(-1, 1): E[u²] = 1/3 and E[u] = 0, so H = (2/n) xᵀx is near
    # diag(2/3, 2); the sample's mean of u (standard error 0.06) tilts it a little.
    torch.testing.assert_close(
        eig, torch.linalg.eigvalsh(2 / 100 * data.x.double().T @ data.x.double())
    )
    assert 1.8 < float(eig[1]) < 2.4
    assert 0.5 < float(eig[0]) < 0.85
    assert max_stable_lr(data.x) == pytest.approx(2.0 / float(eig[1]))
    assert max_stable_lr(data.x, momentum=0.5) == pytest.approx(3.0 / float(eig[1]))


def test_feature_scale_sets_the_bound() -> None:
    wide = make_linear_data(100, low=-30.0, high=30.0, seed=0)
    # u ~ U(-30, 30): E[u²] = 30² / 3 = 300, so λ_max ≈ 2 * 300 and the bound ≈ 2 / 600.
    assert 2e-3 < max_stable_lr(wide.x) < 5e-3


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


# --- issue 22: answers that a narrow dtype cannot hold, and ill-conditioned x ----------------


@pytest.mark.parametrize(
    ("dtype", "residual"),
    [
        (torch.float16, 300.0),  # 300² = 90,000 > 65,504, float16's largest value
        (torch.bfloat16, 1e20),  # 1e40 > 3.4e38, bfloat16's and float32's
        (torch.float32, 1e20),
        (torch.float32, 1e-25),  # 1e-50 < 1.4e-45, float32's smallest
    ],
)
def test_rmse_is_computed_wide(dtype: torch.dtype, residual: float) -> None:
    y_hat = torch.full((4,), residual, dtype=dtype)
    y = torch.zeros(4, dtype=dtype)
    expected = float(y_hat[0])  # the residual as the dtype holds it
    assert math.isclose(float(rmse(y_hat, y)), expected, rel_tol=1e-6)
    assert rmse(y_hat, y).dtype == torch.promote_types(dtype, torch.float32)


def test_float16_losses_come_back_in_float32() -> None:
    y_hat, y = torch.full((4,), 300.0, dtype=torch.float16), torch.zeros(4, dtype=torch.float16)
    assert mse(y_hat, y).dtype == sse(y_hat, y).dtype == torch.float32
    assert float(mse(y_hat, y)) == 90_000.0
    assert float(sse(y_hat, y)) == 360_000.0
    a = torch.tensor([300.0], dtype=torch.float16, requires_grad=True)
    mse(a, y[:1]).backward()  # the gradient flows back to the float16 input
    assert a.grad is not None
    assert a.grad.dtype == torch.float16
    assert float(a.grad[0]) == 600.0


def test_least_squares_keeps_an_answer_x_cannot_hold(data: LinearData) -> None:
    # Targets offset by 1e5 (or 1e8): float16 x holds neither; float32 holds 1e8 to within 8.
    exact = least_squares(data.x.double(), data.y.double() + 1e5)
    coef = least_squares(data.x.half(), data.y + 1e5)  # used to be [2.957, inf]
    assert coef.dtype == torch.float32
    x_half = data.x.half().double()  # what float16 x holds
    y_far = (data.y + 1e5).double()  # what float32 y + 1e5 holds
    torch.testing.assert_close(coef.double(), least_squares(x_half, y_far), rtol=1e-6, atol=0)
    assert abs(float(coef[1] - exact[1])) < 0.01 * abs(float(exact[1]))
    far = data.y.double() + 1e8
    coef64 = least_squares(data.x, far)  # float32 x, float64 y: the answer in float64
    assert coef64.dtype == torch.float64
    # float64's rounding at 1e8 is 1.5e-8; float32's, 8: the intercept would be off by up to 4.
    torch.testing.assert_close(coef64, least_squares(data.x.double(), far), rtol=0, atol=1e-6)
    assert 0.06 < float(mse(data.x.double() @ coef64, far)) < 0.11


def test_least_squares_refuses_an_answer_beyond_the_dtype() -> None:
    x = torch.ones(10, 1) * 1e-20
    y = torch.ones(10) * 1e20  # the answer, 1e40, is beyond float32's 3.4e38
    with pytest.raises(ValueError, match=r"coefficients \(up to 1e\+40\) overflow torch\.float32"):
        least_squares(x, y)
    exact = float(y[0]) / float(x[0, 0])  # of the values float32 holds
    assert math.isclose(float(least_squares(x.double(), y.double())[0]), exact, rel_tol=1e-12)


def _exact_eigenvalues(x: torch.Tensor) -> tuple[Decimal, Decimal]:
    """λ_min, λ_max of (2/n) xᵀx for a 2-column x, from exact rational sums, to 60 digits."""
    u, w = (list(map(Fraction, column)) for column in x.double().T.tolist())
    a, b, d = (sum(p * q for p, q in zip(s, t, strict=True)) for s, t in ((u, u), (u, w), (w, w)))
    det, trace, scale = a * d - b * b, a + d, Fraction(2, len(u))

    def decimal(value: Fraction) -> Decimal:
        return value.numerator / Decimal(value.denominator)

    with localcontext(prec=60):
        lam_max = (decimal(trace) + decimal(trace * trace - 4 * det).sqrt()) / 2
        return decimal(det * scale) / lam_max, lam_max * decimal(scale)  # λ_min: no cancelling


@pytest.mark.parametrize("offset", [0.0, 1e4, 1e6, 1e7, 1e8])
def test_hessian_eigenvalues_of_ill_conditioned_x(data: LinearData, offset: float) -> None:
    # x = [u + offset, 1]: λ_min ≈ 2/3 / offset². Forming xᵀx squares the condition number:
    # the old eigvalsh(xᵀx) was 13 % off at 1e7 and negative at 1e8.
    x = torch.stack([data.x[:, 0].double() + offset, data.x[:, 1].double()], dim=1)
    lam_min, lam_max = _exact_eigenvalues(x)
    eigenvalues = hessian_eigenvalues(x).tolist()
    assert math.isclose(eigenvalues[0], float(lam_min), rel_tol=1e-6)
    assert math.isclose(eigenvalues[1], float(lam_max), rel_tol=1e-12)


def test_an_all_zero_x_is_stable_at_every_lr() -> None:
    # The loss does not depend on p: the gradient is 0, no lr can make it diverge.
    x, y = torch.zeros(10, 2), torch.ones(10)
    assert max_stable_lr(x) == math.inf
    assert hessian_eigenvalues(x).tolist() == [0.0, 0.0]
    fit = gradient_descent(x, y, lr=1e30, steps=3)
    assert fit.coef.tolist() == [-1.0, 1.0]


def test_the_bound_of_x_near_1e155(data: LinearData) -> None:
    # λ_max ≈ (2/3) 1e310 is beyond float64's 1.8e308 (it used to give nan); 2 / λ_max is not.
    x = torch.stack([data.x[:, 0].double() * 1e155, data.x[:, 1].double()], dim=1)
    lam_min, lam_max = _exact_eigenvalues(x)
    assert math.isclose(max_stable_lr(x), float(2 / lam_max), rel_tol=1e-12)
    assert math.isclose(max_stable_lr(x, momentum=0.5), float(3 / lam_max), rel_tol=1e-12)
    eigenvalues = hessian_eigenvalues(x).tolist()
    assert math.isclose(eigenvalues[0], float(lam_min), rel_tol=1e-6)
    assert eigenvalues[1] == math.inf


def test_fewer_rows_than_columns() -> None:
    x = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)  # n = 1 < k = 3
    eigenvalues = hessian_eigenvalues(x)
    torch.testing.assert_close(eigenvalues, torch.linalg.eigvalsh(2 * x.T @ x), atol=1e-12, rtol=0)
    assert eigenvalues[:2].tolist() == [0.0, 0.0]


def _sparse(*shape: int) -> torch.Tensor:
    return torch.ones(*shape).to_sparse()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: least_squares(_sparse(4, 2), torch.zeros(4)), "x"),
        (lambda: least_squares(torch.ones(4, 2), _sparse(4)), "y"),
        (lambda: hessian_eigenvalues(_sparse(4, 2)), "x"),
        (lambda: max_stable_lr(_sparse(4, 2)), "x"),
        (lambda: mse(_sparse(4), torch.zeros(4)), "y_hat"),
        (lambda: rmse(torch.zeros(4), _sparse(4)), "y"),
    ],
    ids=[
        "least_squares-x",
        "least_squares-y",
        "hessian_eigenvalues",
        "max_stable_lr",
        "mse",
        "rmse",
    ],
)
def test_sparse_inputs_are_refused_by_name(call: Callable[[], object], name: str) -> None:
    # They passed the checks and failed inside numpy ("can't convert Sparse layout tensor").
    message = rf"^{name} must be a dense tensor, got layout torch\.sparse_coo"
    with pytest.raises(TypeError, match=message):
        call()
