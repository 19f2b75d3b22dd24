"""Loss functions: how far predictions are from targets."""

from __future__ import annotations

from torch import Tensor

from sgd_tutorial._checks import check_float_tensor

__all__ = ["mse", "rmse", "sse"]


def _residuals(y_hat: object, y: object) -> Tensor:
    """Return ``y_hat - y`` after checking that the shapes are equal.

    Equal shapes are required because ``(n, 1) - (n,)`` broadcasts silently to ``(n, n)``.
    """
    y_hat = check_float_tensor("y_hat", y_hat)
    y = check_float_tensor("y", y)
    if y_hat.shape != y.shape:
        hint = (
            " (use y_hat.squeeze(-1) or x @ a with a 1-D a)" if y_hat.shape[:-1] == y.shape else ""
        )
        msg = (
            f"y_hat and y must have the same shape, got y_hat {tuple(y_hat.shape)} and "
            f"y {tuple(y.shape)}; broadcasting would compare every pair{hint}"
        )
        raise ValueError(msg)
    if y.numel() == 0:
        msg = "y_hat and y must not be empty, got 0 elements"
        raise ValueError(msg)
    return y_hat - y


def sse(y_hat: Tensor, y: Tensor) -> Tensor:
    """Sum of squared errors, ``sum((y_hat - y) ** 2)``.

    Parameters
    ----------
    y_hat, y : Tensor
        Predictions and targets of the same shape.

    Returns
    -------
    Tensor
        A 0-dim tensor; differentiable.

    Notes
    -----
    The sum grows with the number of samples, and so does its gradient: a learning rate that
    works with :func:`mse` diverges with ``sse`` on large data.
    """
    return _residuals(y_hat, y).square().sum()


def mse(y_hat: Tensor, y: Tensor) -> Tensor:
    """Mean squared error, ``mean((y_hat - y) ** 2)``.

    Parameters
    ----------
    y_hat, y : Tensor
        Predictions and targets of the same shape.

    Returns
    -------
    Tensor
        A 0-dim tensor; differentiable.

    Raises
    ------
    ValueError
        If the shapes differ, for example ``(n, 1)`` against ``(n,)``.

    Examples
    --------
    >>> import torch
    >>> mse(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0]))
    tensor(2.)
    """
    return _residuals(y_hat, y).square().mean()


def rmse(y_hat: Tensor, y: Tensor) -> Tensor:
    """Root mean squared error, ``sqrt(mse(y_hat, y))``, in the units of ``y``.

    Parameters
    ----------
    y_hat, y : Tensor
        Predictions and targets of the same shape.

    Returns
    -------
    Tensor
        A 0-dim tensor; differentiable.
    """
    return mse(y_hat, y).sqrt()
