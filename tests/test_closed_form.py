from __future__ import annotations

import pytest
import torch

from sgd_tutorial import (
    LinearData,
    hessian_eigenvalues,
    least_squares,
    make_linear_data,
    max_stable_lr,
    mse,
)


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
def test_bad_input(x: object, y: object, error: type[Exception], pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        least_squares(x, y)  # type: ignore[arg-type]


def test_bad_momentum_for_bound(data: LinearData) -> None:
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\), got 1\.0"):
        max_stable_lr(data.x, momentum=1.0)
