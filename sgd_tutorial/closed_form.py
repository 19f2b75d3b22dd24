"""The exact answer: least squares in closed form, and the stability bound of gradient descent."""

from __future__ import annotations

import torch
from torch import Tensor

from sgd_tutorial._checks import check_data, check_momentum, check_x

__all__ = ["hessian_eigenvalues", "least_squares", "max_stable_lr"]


def least_squares(x: Tensor, y: Tensor) -> Tensor:
    """Coefficients that minimise the mean squared error of ``x @ a`` against ``y``.

    This is the closed-form reference every fit in the tutorials is checked against.

    Parameters
    ----------
    x : Tensor
        Inputs of shape ``(n, k)`` (with a ones column for the intercept).
    y : Tensor
        Targets of shape ``(n,)``.

    Returns
    -------
    Tensor
        Shape ``(k,)``, on ``x``'s device and in its dtype.

    Notes
    -----
    Solved with :func:`torch.linalg.lstsq` in float64 on the CPU (the reference should be as
    exact as possible; it is not a hot path). On a GPU the copy back is one deliberate sync.
    """
    x, y = check_data(x, y)
    solution = torch.linalg.lstsq(x.detach().cpu().double(), y.detach().cpu().double()[:, None])
    coef: Tensor = solution.solution[:, 0]
    return coef.to(device=x.device, dtype=x.dtype)


def hessian_eigenvalues(x: Tensor) -> Tensor:
    """Eigenvalues of the Hessian of the mean squared error, ``H = (2 / n) xᵀx``, ascending.

    Parameters
    ----------
    x : Tensor
        Inputs of shape ``(n, k)``.

    Returns
    -------
    Tensor
        Shape ``(k,)``, float64, on the CPU. The largest sets the stable learning rate
        (:func:`max_stable_lr`); the ratio of largest to smallest is the condition number.
    """
    xd = check_x(x).detach().cpu().double()
    eigenvalues: Tensor = torch.linalg.eigvalsh(2.0 / len(xd) * (xd.T @ xd))
    return eigenvalues


def max_stable_lr(x: Tensor, momentum: float = 0.0) -> float:
    """The largest learning rate for which full-batch gradient descent on the MSE converges.

    Parameters
    ----------
    x : Tensor
        Inputs of shape ``(n, k)``.
    momentum : float, default 0.0
        Heavy-ball momentum ``β`` in ``[0, 1)``.

    Returns
    -------
    float
        ``(2 + 2β) / λ_max``, where ``λ_max`` is the largest eigenvalue of the Hessian. Below it
        the iterates converge; above it they grow without bound.
    """
    beta = check_momentum(momentum)
    return (2.0 + 2.0 * beta) / float(hessian_eigenvalues(x)[-1])
