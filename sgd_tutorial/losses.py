"""Losses, and the exact answer every fit is measured against."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

import torch
from torch import Tensor

from sgd_tutorial._checks import check_data, check_float_tensor, check_momentum, check_tensor

T = TypeVar("T")


def _residuals(y_hat: object, y: object) -> Tensor:
    y_hat, y = check_float_tensor("y_hat", y_hat), check_float_tensor("y", y)
    if y_hat.shape != y.shape:  # (n, 1) - (n,) would broadcast silently to (n, n)
        msg = (
            f"y_hat and y must have the same shape, got y_hat {tuple(y_hat.shape)} and y "
            f"{tuple(y.shape)}; broadcasting would compare every pair (use x @ a with a 1-D a)"
        )
        raise ValueError(msg)
    if y.numel() == 0:
        msg = "y_hat and y must not be empty, got 0 elements"
        raise ValueError(msg)
    return y_hat - y


def sse(y_hat: Tensor, y: Tensor) -> Tensor:
    """Sum of squared errors; it and its gradient grow with n, so an lr that suits mse diverges."""
    return _residuals(y_hat, y).square().sum()


def mse(y_hat: Tensor, y: Tensor) -> Tensor:
    """Mean squared error, ``mean((y_hat - y) ** 2)``; shapes must be equal.

    >>> import torch
    >>> mse(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0]))
    tensor(2.)
    """
    return _residuals(y_hat, y).square().mean()


def rmse(y_hat: Tensor, y: Tensor) -> Tensor:
    """Root mean squared error, ``sqrt(mse(y_hat, y))``, in the units of ``y``."""
    return mse(y_hat, y).sqrt()


def least_squares(x: Tensor, y: Tensor) -> Tensor:
    """The coefficients ``a`` of shape ``(k,)`` minimising ``mse(x @ a, y)``, in x's dtype.

    :func:`torch.linalg.lstsq` in float64 on the CPU (from a GPU, one deliberate sync).
    """
    x, y = check_data(x, y)
    solution = torch.linalg.lstsq(x.cpu().double(), y.cpu().double()[:, None]).solution
    coef: Tensor = solution[:, 0].to(device=x.device, dtype=x.dtype)
    return coef


def hessian_eigenvalues(x: Tensor) -> Tensor:
    """Eigenvalues of the MSE's Hessian ``H = (2 / n) xᵀx``, ascending, float64 on the CPU."""
    xd = check_tensor("x", x, 2, "(n, k)").cpu().double()
    eigenvalues: Tensor = torch.linalg.eigvalsh(2.0 / len(xd) * (xd.T @ xd))
    return eigenvalues


def max_stable_lr(x: Tensor, momentum: float = 0.0) -> float:
    """``(2 + 2β) / λ_max``: below it full-batch gradient descent (momentum β) converges."""
    beta = check_momentum(momentum)
    return (2.0 + 2.0 * beta) / float(hessian_eigenvalues(x)[-1])


def with_next(iterable: Iterable[T]) -> Iterator[tuple[T, T]]:
    """Yield each item of ``iterable`` (consumed lazily) with the one after it: loss ratios.

    >>> list(with_next([1, 2, 4])), list(with_next([]))
    ([(1, 2), (2, 4)], [])
    """
    iterator = iter(iterable)
    # A bare next() on empty input would let StopIteration out, a RuntimeError (PEP 479).
    for first in iterator:
        previous = first
        for following in iterator:
            yield previous, following
            previous = following
