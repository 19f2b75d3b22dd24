"""What a run gives back: :class:`Fit`, :class:`Step`, :class:`DivergenceError`; and its records."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
from torch import Tensor

from sgd_tutorial import _checks as check
from sgd_tutorial._checks import SeedLike
from sgd_tutorial.data import resolve_device


@dataclass(frozen=True)
class Fit:
    """A fit: its trajectory, on the CPU, and its settings.

    ``params``: the start, then the parameters after each update; ``losses``: each update's
    batch loss, before it. Full-batch runs have ``epochs=None``.
    """

    params: Tensor
    losses: Tensor
    lr: float
    momentum: float
    batch_size: int
    epochs: int | None = None
    shuffle: bool = False
    drop_last: bool = False
    seed: SeedLike = None

    @property
    def coef(self) -> Tensor:
        """The fitted coefficients: the last row of :attr:`params`."""
        return self.params[-1]

    @property
    def steps(self) -> int:
        """Number of updates recorded."""
        return len(self.losses)


@dataclass(frozen=True)
class Step:
    """One update of :func:`iter_sgd`: its batch's indices, params after it, loss before it."""

    index: int
    epoch: int
    indices: Tensor
    params: Tensor
    loss: Tensor


class DivergenceError(ArithmeticError):
    """The loss or parameters became NaN or infinite at update ``step``.

    ``fit`` holds the run before it (for :func:`iter_sgd`, which keeps no history: the chunk).
    """

    def __init__(self, message: str, *, step: int, fit: Fit) -> None:
        super().__init__(message)
        self.step, self.fit = step, fit

    def __reduce__(self) -> tuple[object, tuple[str]]:  # so that it crosses a process pool
        return functools.partial(DivergenceError, step=self.step, fit=self.fit), (str(self),)


def diverged(
    step: int, fit: Fit, why: str = "is too large for this data; try a smaller lr"
) -> DivergenceError:
    """The error for a run that became NaN or infinite at ``step``: ``lr`` then ``why``."""
    msg = f"the loss or parameters became NaN or infinite at step {step}: lr={fit.lr:g} {why}"
    return DivergenceError(msg, step=step, fit=fit)


def first_bad(params: Tensor, losses: Tensor) -> int | None:
    """The first update whose loss or parameters are NaN or infinite, if any."""
    bad = ~(torch.isfinite(losses) & torch.isfinite(params).all(-1))
    if not bool(bad.any()):  # the one deliberate host-device sync per chunk of updates
        return None
    return int(bad.nonzero()[0, 0])


def setup(x: object, y: object, init: object, device: object) -> tuple[Tensor, Tensor, Tensor]:
    """Checked data on its device, and the starting point in float64 (float32 on MPS)."""
    x, y = check.check_data(x, y)
    target = x.device if device is None else resolve_device(device)  # type: ignore[arg-type]
    dtype = torch.float32 if target.type == "mps" else torch.float64  # MPS has no float64
    start = torch.tensor(check.check_init(init, x.shape[1]), dtype=dtype, device=target)
    return x.to(target), y.to(target), start


def record(x: Tensor, steps: int, name: str = "", value: int = 0) -> tuple[Tensor, Tensor]:
    """Room for the start and ``steps`` updates' parameters (x's dtype) and losses (float32+)."""
    loss_dtype = torch.promote_types(x.dtype, torch.float32)  # float16 overflows at 65504
    try:
        params = torch.empty(steps + 1, x.shape[1], dtype=x.dtype, device=x.device)
        return params, torch.empty(steps, dtype=loss_dtype, device=x.device)
    except (RuntimeError, TypeError, MemoryError):
        msg = f"{name}={value} means {steps} updates, too many to record: use iter_sgd"
        raise ValueError(msg) from None
