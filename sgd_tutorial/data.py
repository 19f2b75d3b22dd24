"""Synthetic data for linear regression, as in the lesson."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import torch
from torch import Tensor

from sgd_tutorial._checks import SeedLike, check_init, check_int, check_real, make_generator
from sgd_tutorial.devices import resolve_device

__all__ = ["LinearData", "make_linear_data"]

Noise = Literal["uniform", "normal", "none"]


@dataclass(frozen=True)
class LinearData:
    """Inputs ``x`` ``(n, k)``, targets ``y`` ``(n,)`` and the true ``coef``.

    The last column of ``x`` is ones: the intercept is the last coefficient.
    """

    x: Tensor
    y: Tensor
    coef: Tensor

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.x.shape[0])


def make_linear_data(
    n: int = 100,
    coef: Sequence[float] | Tensor = (3.0, 2.0),
    *,
    low: float = -1.0,
    high: float = 1.0,
    noise: Noise = "uniform",
    noise_scale: float = 1.0,
    seed: SeedLike = None,
    device: str | torch.device | None = None,
    dtype: torch.dtype = torch.float32,
) -> LinearData:
    """Draw ``n`` samples of ``y = x @ coef + noise``, as the lesson does.

    Parameters
    ----------
    n : int, default 100
        Number of samples.
    coef : sequence of float or Tensor, default (3.0, 2.0)
        True coefficients: the slopes, then the intercept.
    low, high : float, default -1.0 and 1.0
        The inputs (all columns but the last, which is ones) are uniform in ``[low, high)``.
    noise : {"uniform", "normal", "none"}, default "uniform"
        ``noise_scale`` times ``U(0, 1)`` (as in the lesson: its mean, 0.5, ends up in the
        intercept), or times ``N(0, 1)``, or nothing.
    noise_scale : float, default 1.0
    seed : int, torch.Generator or None
        Drawn on the CPU, so a seed gives the same data on every ``device`` (None: the CPU).
    device : str, torch.device or None
    dtype : torch.dtype, default torch.float32

    Examples
    --------
    >>> make_linear_data(5, seed=0).x.shape
    torch.Size([5, 2])
    """
    n = check_int("n", n, low=1)
    given = cast(object, coef)
    if isinstance(given, str) or not isinstance(given, Sequence | Tensor | np.ndarray):
        msg = f"coef must be a sequence of at least 2 numbers, got {coef!r}"
        raise TypeError(msg)
    if len(coef) < 2:
        msg = f"coef must have at least 2 values (slopes, then the intercept), got {coef!r}"
        raise ValueError(msg)
    coefs = check_init(coef, len(coef), "coef")
    low, high = (
        check_real(k, v, math.isfinite, "finite") for k, v in (("low", low), ("high", high))
    )
    if not low < high:
        msg = f"low must be < high, got low={low!r} and high={high!r}"
        raise ValueError(msg)
    if noise not in ("uniform", "normal", "none"):
        msg = f"noise must be one of 'uniform', 'normal', 'none', got {noise!r}"
        raise ValueError(msg)
    scale = check_real("noise_scale", noise_scale, lambda v: 0 <= v < math.inf, "finite and >= 0")
    if not isinstance(cast(object, dtype), torch.dtype) or not dtype.is_floating_point:
        msg = f"dtype must be a floating-point torch.dtype, got {dtype!r}"
        raise TypeError(msg)
    target = torch.device("cpu") if device is None else resolve_device(device)
    generator = make_generator(seed)

    k = len(coefs)
    true_coef = torch.tensor(coefs, dtype=dtype)
    x = torch.ones(n, k, dtype=dtype)
    x[:, :-1].uniform_(low, high, generator=generator)
    y = x @ true_coef
    if noise == "uniform":
        y += scale * torch.rand(n, generator=generator, dtype=dtype)
    elif noise == "normal":
        y += scale * torch.randn(n, generator=generator, dtype=dtype)
    return LinearData(x=x.to(target), y=y.to(target), coef=true_coef.to(target))
