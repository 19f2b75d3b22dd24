"""The exact answer: least squares in closed form, and the stability bound of gradient descent."""

from __future__ import annotations

import torch
from torch import Tensor

from sgd_tutorial._checks import check_data, check_momentum, check_x

__all__ = ["hessian_eigenvalues", "least_squares", "max_stable_lr"]


def least_squares(x: Tensor, y: Tensor) -> Tensor:
    """The coefficients ``a`` of shape ``(k,)`` minimising ``mse(x @ a, y)``, in x's dtype.

    The reference every fit is checked against: :func:`torch.linalg.lstsq` in float64 on the
    CPU (on a GPU the copy is one deliberate sync).
    """
    x, y = check_data(x, y)
    solution = torch.linalg.lstsq(x.cpu().double(), y.cpu().double()[:, None]).solution
    coef: Tensor = solution[:, 0].to(device=x.device, dtype=x.dtype)
    return coef


def hessian_eigenvalues(x: Tensor) -> Tensor:
    """Eigenvalues of the MSE's Hessian ``H = (2 / n) xᵀx``, ascending, float64 on the CPU.

    The largest sets the stable learning rate (:func:`max_stable_lr`); the largest over the
    smallest is the condition number.
    """
    xd = check_x(x).cpu().double()
    eigenvalues: Tensor = torch.linalg.eigvalsh(2.0 / len(xd) * (xd.T @ xd))
    return eigenvalues


def max_stable_lr(x: Tensor, momentum: float = 0.0) -> float:
    """``(2 + 2β) / λ_max``: below it full-batch gradient descent on the MSE converges.

    ``β`` is the heavy-ball momentum; above the bound the iterates grow without bound.
    """
    beta = check_momentum(momentum)
    return (2.0 + 2.0 * beta) / float(hessian_eigenvalues(x)[-1])
