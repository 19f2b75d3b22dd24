"""Loss functions: how far predictions ``y_hat`` are from targets ``y`` (0-dim, differentiable)."""

from __future__ import annotations

from torch import Tensor

from sgd_tutorial._checks import check_float_tensor

__all__ = ["mse", "rmse", "sse"]


def _residuals(y_hat: object, y: object) -> Tensor:
    y_hat, y = check_float_tensor("y_hat", y_hat), check_float_tensor("y", y)
    if y_hat.shape != y.shape:  # (n, 1) - (n,) would broadcast silently to (n, n)
        hint = " (use y_hat.squeeze(-1) or x @ a with a 1-D a)" if y_hat.shape[:-1] == y.shape else ""  # fmt: skip
        msg = f"y_hat and y must have the same shape, got y_hat {tuple(y_hat.shape)} and y {tuple(y.shape)}; broadcasting would compare every pair{hint}"  # fmt: skip
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
