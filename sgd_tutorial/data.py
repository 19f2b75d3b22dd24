"""Synthetic data for linear regression, as in the lesson."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

import torch
from torch import Tensor

from sgd_tutorial import _checks as check
from sgd_tutorial._checks import SeedLike
from sgd_tutorial.devices import resolve_device


@dataclass(frozen=True)
class LinearData:
    """Inputs ``x`` ``(n, k)`` (the last column is ones), targets ``y`` ``(n,)``, true ``coef``."""

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
    noise: Literal["uniform", "normal", "none"] = "uniform",
    noise_scale: float = 1.0,
    seed: SeedLike = None,
    device: str | torch.device | None = None,
    dtype: torch.dtype = torch.float32,
) -> LinearData:
    """Draw ``n`` samples of ``y = x @ coef + noise``, as the lesson does.

    ``coef`` gives the slopes, then the intercept: every column of ``x`` but the last (ones) is
    uniform in ``[low, high)``. ``noise`` is ``noise_scale`` times ``U(0, 1)`` (the lesson's: its
    mean, 0.5, ends up in the intercept), times ``N(0, 1)``, or ``"none"``. The draws come from
    ``seed`` on the CPU, so a seed gives the same data on every ``device`` (None: the CPU).

    Examples
    --------
    >>> make_linear_data(5, seed=0).x.shape
    torch.Size([5, 2])
    """
    n = check.check_int("n", n, low=1)
    coefs = check.check_init(coef, None, "coef")
    if len(coefs) < 2:
        msg = f"coef must have at least 2 values (slopes, then the intercept), got {coef!r}"
        raise ValueError(msg)
    low, high = check.check_real("low", low), check.check_real("high", high)
    if not low < high:
        msg = f"low must be < high, got low={low!r} and high={high!r}"
        raise ValueError(msg)
    if noise not in ("uniform", "normal", "none"):
        msg = f"noise must be one of 'uniform', 'normal', 'none', got {noise!r}"
        raise ValueError(msg)
    scale = check.check_real(
        "noise_scale", noise_scale, lambda v: 0 <= v < math.inf, "finite and >= 0"
    )
    if not isinstance(cast(object, dtype), torch.dtype) or not dtype.is_floating_point:
        msg = f"dtype must be a floating-point torch.dtype, got {dtype!r}"
        raise TypeError(msg)
    for name, value in [*(("coef", c) for c in coefs), ("low", low), ("high", high)]:
        check.check_in_range(name, value, dtype)
    if high - low > torch.finfo(dtype).max:  # refused as uniform_(low, high) refuses it
        msg = f"high - low must be within the range of {dtype}, got low={low!r} and high={high!r}"
        raise ValueError(msg)
    target = torch.device("cpu") if device is None else resolve_device(device)
    generator = check.make_generator(check.check_seed(seed))

    true_coef = torch.tensor(coefs, dtype=dtype)
    x = torch.ones(n, len(coefs), dtype=dtype)
    # uniform_(low, high) computes u * (high - low) + low with the CPU's kernel, which rounds once
    # (fused) or twice, so the last bits would depend on the CPU. The same draws of U(0, 1),
    # scaled by separate float64 operations and then rounded to dtype, are the same everywhere.
    u = x[:, :-1].uniform_(0, 1, generator=generator).double()
    x[:, :-1] = (u * (high - low) + low).to(dtype)
    y = x @ true_coef
    if noise == "uniform":
        y += scale * torch.rand(n, generator=generator, dtype=dtype)
    elif noise == "normal":
        y += scale * torch.randn(n, generator=generator, dtype=dtype)
    if not bool(torch.isfinite(y).all()):
        msg = f"y = x @ coef + noise overflows {dtype} (largest {torch.finfo(dtype).max:g}): "
        raise ValueError(msg + "use a wider dtype or smaller coef, low, high or noise_scale")
    return LinearData(x=x.to(target), y=y.to(target), coef=true_coef.to(target))
