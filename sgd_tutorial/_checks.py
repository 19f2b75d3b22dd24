"""Argument checks, declared once: each returns the value or names the parameter and value."""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable
from typing import SupportsIndex

import numpy as np
import torch
from torch import Tensor

from sgd_tutorial.devices import resolve_device

SeedLike = int | torch.Generator | None


def _describe(value: object) -> str:
    if isinstance(value, Tensor | np.ndarray) and value.ndim > 0:
        return f"an array of shape {tuple(value.shape)} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fail(kind: type[Exception], name: str, want: str, value: object) -> Exception:
    return kind(f"{name} must be {want}, got {_describe(value)}")


def _scalar(value: object) -> object:
    """Unwrap a 0-dim tensor or array (``torch.tensor(0.1)``) into a Python number."""
    if isinstance(value, Tensor | np.ndarray) and value.ndim == 0:
        return value.item()
    return value


def check_real(
    name: str, value: object, ok: Callable[[float], bool] = math.isfinite, want: str = "finite"
) -> float:
    """Return ``value`` (a number, 0-dim tensor or array) as a float, if ``ok`` holds for it."""
    number = _scalar(value)
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise _fail(TypeError, name, "a real number", value)
    if not ok(float(number)):
        raise _fail(ValueError, name, want, value)
    return float(number)


def check_lr(lr: object, name: str = "lr") -> float:
    """Return a learning rate (or any rate, such as frames per second): finite and > 0."""
    return check_real(name, lr, lambda v: 0 < v < math.inf, "a finite number > 0")


def check_momentum(momentum: object) -> float:
    """Return the heavy-ball momentum, in ``[0, 1)``."""
    return check_real("momentum", momentum, lambda v: 0 <= v < 1, "in [0, 1)")


def check_int(name: str, value: object, low: int = 0, high: int | None = None) -> int:
    """Return ``value`` as an int ``>= low`` (and ``< high``), rejecting bools and floats."""
    number = _scalar(value)
    # Arrays and tensors define __index__ too (numpy's for one element): only 0-dim ones pass.
    if isinstance(number, bool | Tensor | np.ndarray) or not isinstance(number, SupportsIndex):
        raise _fail(TypeError, name, "an integer", value)
    count = operator.index(number)
    if count < low or (high is not None and count >= high):
        below = "" if high is None else f" and < 2**{high.bit_length() - 1}"
        raise _fail(ValueError, name, f"an integer >= {low}{below}", value)
    return count


def check_flag(name: str, value: object) -> bool:
    """Return ``value`` if it is True or False."""
    if not isinstance(value, bool | np.bool_):
        raise _fail(TypeError, name, "True or False", value)
    return bool(value)


def check_seed(seed: object) -> SeedLike:
    """Return ``seed``: None, an int that torch accepts, or a CPU ``torch.Generator``."""
    if seed is None:
        return None
    if isinstance(seed, torch.Generator):
        if seed.device.type != "cpu":
            raise _fail(ValueError, "seed", "a CPU torch.Generator", seed.device)
        return seed
    return check_int("seed", seed, low=-(2**63), high=2**64)  # an int64's or a uint64's range


def check_device(device: object) -> torch.device | None:
    """Return None (compute where the data is) or the available device ``device`` names."""
    return None if device is None else resolve_device(device)  # type: ignore[arg-type]


def make_generator(seed: SeedLike) -> torch.Generator:
    """A CPU generator (a seed gives the same draws on every device); None: fresh randomness."""
    if isinstance(seed, torch.Generator):
        return seed
    generator = torch.Generator()
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(seed)
    return generator


def check_float_tensor(name: str, value: object) -> Tensor:
    """Return ``value`` if it is a floating-point tensor."""
    if not isinstance(value, Tensor):
        hint = "; convert it with torch.as_tensor(...)" if hasattr(value, "__array__") else ""
        msg = f"{name} must be a torch.Tensor, got {type(value).__name__}{hint}"
        raise TypeError(msg)
    if not value.dtype.is_floating_point:
        msg = f"{name} must have a floating-point dtype, got {value.dtype}; use {name}.float()"
        raise TypeError(msg)
    if value.layout != torch.strided:  # sparse tensors have no numpy view, no plain indexing
        msg = f"{name} must be a dense tensor, got layout {value.layout}; use {name}.to_dense()"
        raise TypeError(msg)
    return value


def check_tensor(name: str, value: object, ndim: int, shape: str) -> Tensor:
    """Return ``value`` detached, if it is a finite, non-empty float tensor of ``ndim`` dims."""
    value = check_float_tensor(name, value)
    if value.ndim != ndim:
        msg = f"{name} must be {ndim}-D with shape {shape}, got shape {tuple(value.shape)}"
    elif value.numel() == 0:
        msg = f"{name} must not be empty, got shape {tuple(value.shape)}"
    # One read of the data (on a GPU, one deliberate sync, before training): a finite sum
    # proves every value finite; only a non-finite sum (or an overflow) needs the full check.
    elif not bool(torch.isfinite(value.sum())) and not bool(torch.isfinite(value).all()):
        msg = f"{name} must contain only finite values, got NaN or inf in {name}"
    else:
        return value.detach()
    raise ValueError(msg)


def check_data(x: object, y: object) -> tuple[Tensor, Tensor]:
    """Return inputs ``x`` ``(n, k)`` and targets ``y`` ``(n,)``, detached from autograd."""
    x = check_tensor("x", x, 2, "(n, k)")
    y = check_float_tensor("y", y)
    if x.device != y.device:
        msg = f"x and y must be on the same device, got x on {x.device} and y on {y.device}"
        raise ValueError(msg)
    y = check_tensor("y", y, 1, "(n,)")
    if len(x) != len(y):
        msg = f"x and y must have the same length, got len(x)={len(x)} and len(y)={len(y)}"
        raise ValueError(msg)
    return x, y


def check_init(init: object, k: int | None, name: str = "init") -> list[float]:
    """Return ``k`` (None: any number of) finite floats: a sequence, 1-D tensor or array."""
    count = "" if k is None else f"{k} "
    if isinstance(init, Tensor | np.ndarray):
        if init.ndim != 1:
            raise _fail(ValueError, name, "1-D", init)
        values = init.tolist() if isinstance(init, np.ndarray) else init.detach().cpu().tolist()
    elif isinstance(init, list | tuple):
        values = list(init)
    else:
        raise _fail(TypeError, name, f"a sequence of {count}numbers or a 1-D tensor", init)
    if k is not None and len(values) != k:
        msg = f"{name} must have {k} values (one per column of x), got {len(values)}: {init!r}"
        raise ValueError(msg)
    return [check_real(name, v) for v in values]


def check_in_range(name: str, value: float, dtype: torch.dtype) -> float:
    """Return ``value`` if ``dtype`` holds it (a float64 value beyond float16's range does not)."""
    largest = torch.finfo(dtype).max
    if abs(value) > largest:
        msg = f"{name}={value!r} is beyond the range of {dtype} (largest {largest:g})"
        raise ValueError(msg)
    return value
