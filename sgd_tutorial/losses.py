"""Losses, and the exact answer every fit is measured against.

Each result is in the wider of its inputs' dtypes, at least float32, computed in float64 (MPS:
float32): float16 residuals of 300 have an MSE of 90,000, beyond float16's 65,504.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import TypeVar

import torch
from torch import Tensor

from sgd_tutorial._checks import check_data, check_float_tensor, check_momentum, check_tensor

T = TypeVar("T")


def _wide(device: torch.device) -> torch.dtype:
    return torch.float32 if device.type == "mps" else torch.float64  # MPS has no float64


def _result_dtype(*tensors: Tensor) -> torch.dtype:
    dtype = torch.float32
    for tensor in tensors:
        dtype = torch.promote_types(dtype, tensor.dtype)
    return dtype


def _squares(y_hat: object, y: object) -> tuple[Tensor, torch.dtype]:
    """The squared residuals, computed wide, and the dtype of the result."""
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
    wide = _wide(y.device)
    return (y_hat.to(wide) - y.to(wide)).square(), _result_dtype(y_hat, y)


def sse(y_hat: Tensor, y: Tensor) -> Tensor:
    """Sum of squared errors; it and its gradient grow with n, so an lr that suits mse diverges."""
    squares, dtype = _squares(y_hat, y)
    return squares.sum().to(dtype)


def mse(y_hat: Tensor, y: Tensor) -> Tensor:
    """Mean squared error, ``mean((y_hat - y) ** 2)``; shapes must be equal.

    >>> import torch
    >>> mse(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0]))
    tensor(2.)
    """
    squares, dtype = _squares(y_hat, y)
    return squares.mean().to(dtype)


def rmse(y_hat: Tensor, y: Tensor) -> Tensor:
    """Root mean squared error, ``sqrt(mse(y_hat, y))``, in the units of ``y``."""
    squares, dtype = _squares(y_hat, y)
    return squares.mean().sqrt().to(dtype)


def least_squares(x: Tensor, y: Tensor) -> Tensor:
    """The coefficients ``a`` of shape ``(k,)`` minimising ``mse(x @ a, y)``.

    :func:`torch.linalg.lstsq` in float64 on the CPU (from a GPU, one deliberate sync); the
    result is on x's device, in the wider of x's and y's dtypes (at least float32).
    """
    x, y = check_data(x, y)
    solution: Tensor = torch.linalg.lstsq(x.cpu().double(), y.cpu().double()[:, None]).solution
    solution = solution[:, 0]
    dtype = _result_dtype(x, y)
    if not bool(torch.isfinite(solution.to(dtype)).all()):
        largest = float(solution.abs().max())
        msg = f"the least-squares coefficients (up to {largest:.3g}) overflow {dtype}: "
        raise ValueError(msg + "pass x and y as float64")
    return solution.to(device=x.device, dtype=dtype)


def _singular_values(x: Tensor) -> Tensor:
    """Those of x (float64, on the CPU), ascending: ``xᵀx`` would square away the small ones."""
    s: Tensor = torch.linalg.svdvals(check_tensor("x", x, 2, "(n, k)").cpu().double())
    return s.flip(0)


def hessian_eigenvalues(x: Tensor) -> Tensor:
    """Eigenvalues of the MSE's Hessian ``H = (2 / n) xᵀx``, ascending, float64 on the CPU.

    From the singular values ``s`` of ``x``, as ``2 s² / n``, without forming ``xᵀx``: exact
    even for ill-conditioned ``x`` (inf only beyond float64's range).
    """
    s = _singular_values(x)
    eigenvalues = torch.zeros(x.shape[1], dtype=torch.float64)  # n < k: k - n of them are 0
    eigenvalues[-len(s) :] = (s * math.sqrt(2.0 / len(x))).square()
    return eigenvalues


def max_stable_lr(x: Tensor, momentum: float = 0.0) -> float:
    """``(2 + 2β) / λ_max``: below it full-batch gradient descent (momentum β) converges.

    ``inf`` for an all-zero ``x``, whose loss does not depend on the parameters: every lr is
    stable. Computed as ``(1 + β) n / s_max²`` (``s_max``: x's largest singular value).
    """
    beta = check_momentum(momentum)
    s_max = float(_singular_values(x)[-1])
    return math.inf if s_max == 0 else (1.0 + beta) * len(x) / s_max / s_max


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
