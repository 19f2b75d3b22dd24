"""What every fit shares: its settings checked once, its start, its record, its divergence check.

:func:`~sgd_tutorial.sgd`, :func:`~sgd_tutorial.iter_sgd` and
:func:`~sgd_tutorial.sgd_distributed` put their arguments in one :class:`Settings`, from which
their run takes every value; :func:`~sgd_tutorial.gradient_descent` shares the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import partial

import torch
from torch import Tensor

from sgd_tutorial import _checks as check
from sgd_tutorial._checks import SeedLike
from sgd_tutorial.records import DivergenceError, Fit

START = (-1.0, 1.0)  # the lesson's first guess: every fit's default init


@dataclass(frozen=True)
class Settings:
    """An SGD run's settings, each declared with its check: make them with :meth:`checked`."""

    lr: float = field(metadata={"check": check.check_lr})
    epochs: int = field(metadata={"check": partial(check.check_int, "epochs")})
    batch_size: int = field(metadata={"check": partial(check.check_int, "batch_size", low=1)})
    shuffle: bool = field(metadata={"check": partial(check.check_flag, "shuffle")})
    drop_last: bool = field(metadata={"check": partial(check.check_flag, "drop_last")})
    momentum: float = field(metadata={"check": check.check_momentum})
    seed: SeedLike = field(metadata={"check": check.check_seed})
    device: torch.device | None = field(metadata={"check": check.check_device})  # None: x's

    @classmethod
    def checked(cls, **given: object) -> Settings:
        """The settings ``given`` (one per field), each passed through its field's check."""
        return cls(**{f.name: f.metadata["check"](given[f.name]) for f in fields(cls)})

    def fit(self, params: Tensor, losses: Tensor) -> Fit:
        """The run's trajectory with these settings, as a :class:`Fit` on the CPU."""
        return Fit(
            params.cpu(), losses.cpu(), lr=self.lr, momentum=self.momentum,
            batch_size=self.batch_size, epochs=self.epochs, shuffle=self.shuffle,
            drop_last=self.drop_last, seed=self.seed,
        )  # fmt: skip


def setup(
    x: object, y: object, init: object, device: torch.device | None
) -> tuple[Tensor, Tensor, Tensor]:
    """Checked data on its device, and the start in the loop's dtype: float64 (MPS: float32)."""
    x, y = check.check_data(x, y)
    target = x.device if device is None else device
    dtype = torch.float32 if target.type == "mps" else torch.float64  # MPS has no float64
    values = check.check_init(init, x.shape[1])
    for value in values:  # the start is recorded too, in the data's precision
        check.check_in_range("init", value, params_dtype(x, y))
    return x.to(target), y.to(target), torch.tensor(values, dtype=dtype, device=target)


def params_dtype(x: Tensor, y: Tensor) -> torch.dtype:
    """The dtype a fit's parameters are recorded in: the wider of x's and y's, at least float32.

    As precise as the data (float32 rounds float64 targets offset by 1e8 by up to 4, so the
    wider dtype wins), and ``x @ fit.coef`` works as it is.
    """
    return torch.promote_types(torch.promote_types(x.dtype, y.dtype), torch.float32)


def record(
    start: Tensor, steps: int, name: str, value: object, dtype: torch.dtype
) -> tuple[Tensor, Tensor]:
    """Room for the start and ``steps`` updates' parameters (in ``dtype``) and losses.

    The losses are recorded in the start's dtype, the loop's (float64; MPS: float32): a loss
    of float32 data can be beyond float32's range (data near 1e20) or below its precision
    (near 1e-23) while the run is fine. ``name=value`` is the argument that asked for the
    steps, named if they cannot fit.
    """
    try:
        params = torch.empty(steps + 1, len(start), dtype=dtype, device=start.device)
        losses = torch.empty(steps, dtype=start.dtype, device=start.device)
    except (RuntimeError, TypeError, MemoryError):
        msg = f"{name}={value} means {steps} updates, too many to record: use iter_sgd"
        raise ValueError(msg) from None
    params[0] = start
    return params, losses


def first_bad(params: Tensor, losses: Tensor) -> int | None:
    """The first update whose loss or parameters are NaN or infinite, if any."""
    # A finite sum proves every value finite, in one read (``isfinite`` per value costs 20
    # times more on the CPU); only NaN, inf or a sum that overflows needs the search.
    if bool(torch.isfinite(losses.sum() + params.sum())):  # the one deliberate sync per chunk
        return None
    bad = ~(torch.isfinite(losses) & torch.isfinite(params).all(-1))
    if not bool(bad.any()):
        return None
    return int(bad.nonzero()[0, 0])


def diverged(
    step: int, fit: Fit, why: str = "is too large for this data; try a smaller lr"
) -> DivergenceError:
    """The error for a run that became NaN or infinite at ``step``: ``lr`` then ``why``."""
    msg = f"the loss or parameters became NaN or infinite at step {step}: lr={fit.lr:g} {why}"
    return DivergenceError(msg, step=step, fit=fit)
