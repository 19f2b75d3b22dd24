"""Argument checks shared by the public functions.

Every check raises a ``TypeError`` or ``ValueError`` whose message names the parameter and the
value it got, so that a mistake is reported where it was made rather than deep inside torch.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = [
    "check_count",
    "check_data",
    "check_float_tensor",
    "check_init",
    "check_lr",
    "check_momentum",
    "check_positive_int",
    "check_real",
    "check_seed",
    "check_x",
    "make_generator",
]

SeedLike = int | torch.Generator | None


def _describe(value: object) -> str:
    """Return a short description of ``value`` for an error message."""
    if isinstance(value, Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_real(name: str, value: object) -> float:
    """Return ``value`` as a float, rejecting booleans, strings and tensors."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        msg = f"{name} must be a real number, got {_describe(value)}"
        raise TypeError(msg)
    return float(value)


def _integer(name: str, value: object) -> int:
    """Return ``value`` as an int, rejecting booleans and floats (even 10.0)."""
    if isinstance(value, bool):
        msg = f"{name} must be an integer, got {value!r}"
        raise TypeError(msg)
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        msg = f"{name} must be an integer, got {_describe(value)}"
        raise TypeError(msg) from None


def check_lr(lr: object) -> float:
    """Return the learning rate as a float; it must be finite and > 0."""
    value = check_real("lr", lr)
    if not math.isfinite(value) or value <= 0:
        msg = f"lr must be a finite number > 0, got {lr!r}"
        raise ValueError(msg)
    return value


def check_momentum(momentum: object) -> float:
    """Return the momentum as a float in ``[0, 1)``."""
    value = check_real("momentum", momentum)
    if not 0.0 <= value < 1.0:
        msg = f"momentum must be in [0, 1), got {momentum!r}"
        raise ValueError(msg)
    return value


def check_count(name: str, value: object) -> int:
    """Return a non-negative integer count (steps, epochs)."""
    count = _integer(name, value)
    if count < 0:
        msg = f"{name} must be an integer >= 0, got {value!r}"
        raise ValueError(msg)
    return count


def check_positive_int(name: str, value: object) -> int:
    """Return an integer >= 1 (batch size, number of samples)."""
    count = _integer(name, value)
    if count < 1:
        msg = f"{name} must be an integer >= 1, got {value!r}"
        raise ValueError(msg)
    return count


def check_seed(seed: object) -> SeedLike:
    """Return ``seed`` if it is None, an int or a ``torch.Generator``."""
    if seed is None or isinstance(seed, torch.Generator):
        return seed
    return _integer("seed", seed)


def make_generator(seed: SeedLike) -> torch.Generator:
    """Return a CPU generator for ``seed``: the given one, a seeded one, or a fresh random one.

    Random draws happen on the CPU so that the same seed gives the same numbers on every device.
    """
    if isinstance(seed, torch.Generator):
        if seed.device.type != "cpu":
            msg = f"seed must be a CPU torch.Generator, got one on {seed.device}"
            raise ValueError(msg)
        return seed
    generator = torch.Generator(device="cpu")
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
    return value


def _check_finite(name: str, tensor: Tensor) -> None:
    # Reads every value once; on a GPU that is one deliberate host-device sync per call,
    # before any training starts. A NaN or inf anywhere makes the sum NaN or inf, so a finite
    # sum proves every value finite in one pass with no temporaries; only a non-finite sum
    # (which may also be an overflow of finite values) needs the exact, much slower check.
    if bool(torch.isfinite(tensor.sum())):
        return
    if not bool(torch.isfinite(tensor).all()):
        msg = f"{name} must contain only finite values, got NaN or inf in {name}"
        raise ValueError(msg)


def check_x(x: object) -> Tensor:
    """Check a design matrix ``x``: a finite, non-empty float tensor of shape ``(n, k)``."""
    x = check_float_tensor("x", x)
    if x.ndim != 2:
        msg = f"x must be 2-D with shape (n, k), got shape {tuple(x.shape)}"
        raise ValueError(msg)
    if x.numel() == 0:
        msg = f"x must not be empty, got shape {tuple(x.shape)}"
        raise ValueError(msg)
    _check_finite("x", x)
    return x


def check_data(x: object, y: object) -> tuple[Tensor, Tensor]:
    """Check inputs ``x`` of shape ``(n, k)`` and targets ``y`` of shape ``(n,)``."""
    x = check_x(x)
    y = check_float_tensor("y", y)
    if y.ndim != 1:
        msg = f"y must be 1-D with shape (n,), got shape {tuple(y.shape)}"
        raise ValueError(msg)
    if len(x) != len(y):
        msg = f"x and y must have the same length, got len(x)={len(x)} and len(y)={len(y)}"
        raise ValueError(msg)
    if x.device != y.device:
        msg = f"x and y must be on the same device, got x on {x.device} and y on {y.device}"
        raise ValueError(msg)
    _check_finite("y", y)
    return x, y


def check_init(init: object, k: int) -> list[float]:
    """Return the starting parameters as ``k`` finite floats."""
    if isinstance(init, Tensor):
        if init.ndim != 1:
            msg = f"init must be 1-D, got shape {tuple(init.shape)}"
            raise ValueError(msg)
        values: Sequence[object] = init.detach().cpu().tolist()
    elif isinstance(init, Sequence) and not isinstance(init, str):
        values = init
    else:
        msg = f"init must be a sequence of {k} numbers or a 1-D tensor, got {_describe(init)}"
        raise TypeError(msg)
    if len(values) != k:
        msg = f"init must have {k} values (one per column of x), got {len(values)}: {init!r}"
        raise ValueError(msg)
    floats = [check_real("init", v) for v in values]
    if not all(math.isfinite(v) for v in floats):
        msg = f"init must contain only finite values, got {init!r}"
        raise ValueError(msg)
    return floats


def check_positive(name: str, value: object) -> float:
    """Return a finite real number > 0 (such as frames per second)."""
    number = check_real(name, value)
    if not (math.isfinite(number) and number > 0):
        msg = f"{name} must be a finite number > 0, got {value!r}"
        raise ValueError(msg)
    return number
