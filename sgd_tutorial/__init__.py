"""Linear regression by gradient descent and SGD in PyTorch, from first principles.

The package behind the sgd-tutorial site: synthetic data, losses, full-batch gradient descent
and minibatch SGD on any device, the closed-form reference, and the plots and animations of a fit.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from sgd_tutorial.data import LinearData, make_linear_data
from sgd_tutorial.devices import available_devices, resolve_device
from sgd_tutorial.distributed import sgd_distributed
from sgd_tutorial.full_batch import gradient_descent
from sgd_tutorial.losses import (
    hessian_eigenvalues,
    least_squares,
    max_stable_lr,
    mse,
    rmse,
    sse,
    with_next,
)
from sgd_tutorial.optimize import iter_sgd, sgd
from sgd_tutorial.records import DivergenceError, Fit, Step

if TYPE_CHECKING:
    from sgd_tutorial.animation import FitAnimation, animate_descent, animate_fit
    from sgd_tutorial.plotting import plot_data, plot_fit, plot_landscape, plot_losses

# The plots and animations load matplotlib (a quarter of the import time) on first use.
_DRAWING = dict.fromkeys(("FitAnimation", "animate_descent", "animate_fit"), "animation")
_DRAWING |= dict.fromkeys(("plot_data", "plot_fit", "plot_landscape", "plot_losses"), "plotting")


def __getattr__(name: str) -> object:
    if name not in _DRAWING:
        msg = f"module 'sgd_tutorial' has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(f"sgd_tutorial.{_DRAWING[name]}"), name)


__version__ = "0.1.0"

__all__ = [
    "DivergenceError",
    "Fit",
    "FitAnimation",
    "LinearData",
    "Step",
    "__version__",
    "animate_descent",
    "animate_fit",
    "available_devices",
    "gradient_descent",
    "hessian_eigenvalues",
    "iter_sgd",
    "least_squares",
    "make_linear_data",
    "max_stable_lr",
    "mse",
    "plot_data",
    "plot_fit",
    "plot_landscape",
    "plot_losses",
    "resolve_device",
    "rmse",
    "sgd",
    "sgd_distributed",
    "sse",
    "with_next",
]
