"""Synthetic data for linear regression, as in the lesson, and the device it lives on."""

from __future__ import annotations

import math
from collections.abc import Sequence, Sized
from dataclasses import dataclass
from typing import Literal, cast

import torch
from torch import Tensor

from sgd_tutorial._checks import SeedLike, check_init, check_int, check_real, make_generator


def available_devices() -> list[torch.device]:
    """The devices this machine can compute on: the CPU, every CUDA device, then MPS."""
    devices = [torch.device("cpu")]
    devices += [torch.device("cuda", i) for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    return devices + ([torch.device("mps")] if mps and mps.is_available() else [])


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn a device name into an available ``torch.device``.

    ``"auto"`` picks CUDA, then MPS, then the CPU; any other name (``"cuda:1"``) must exist
    here, or a ``ValueError`` lists the devices there are. ``"cuda"`` becomes ``cuda:0``.
    """
    if not isinstance(cast(object, device), str | torch.device):
        msg = f"device must be a str or torch.device, got {type(device).__name__}"
        raise TypeError(msg)
    available = available_devices()
    if device == "auto":
        return max(available, key=lambda d: ["cpu", "mps", "cuda"].index(d.type))
    names = ", ".join(map(str, available))
    try:
        wanted = torch.device(device)
    except RuntimeError:
        msg = f"device {device!r} is not a device name; available devices: {names}"
        raise ValueError(msg) from None
    if str(wanted) == "cuda" and torch.cuda.is_available():
        wanted = torch.device("cuda", torch.cuda.current_device())
    if wanted not in available:
        msg = f"device {str(device)!r} is not available on this machine; available devices: "
        raise ValueError(msg + names)
    return wanted


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
    n = check_int("n", n, low=1)
    coefs = check_init(coef, len(coef) if isinstance(cast(object, coef), Sized) else 2, "coef")
    if len(coefs) < 2:
        msg = f"coef must have at least 2 values (slopes, then the intercept), got {coef!r}"
        raise ValueError(msg)
    low, high = check_real("low", low), check_real("high", high)
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

    true_coef = torch.tensor(coefs, dtype=dtype)
    x = torch.ones(n, len(coefs), dtype=dtype)
    x[:, :-1].uniform_(low, high, generator=generator)
    y = x @ true_coef
    if noise == "uniform":
        y += scale * torch.rand(n, generator=generator, dtype=dtype)
    elif noise == "normal":
        y += scale * torch.randn(n, generator=generator, dtype=dtype)
    return LinearData(x=x.to(target), y=y.to(target), coef=true_coef.to(target))
