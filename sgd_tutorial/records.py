"""What a run gives back: :class:`Fit`, :class:`Step` and :class:`DivergenceError`."""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields

import torch
from torch import Tensor

from sgd_tutorial._checks import SeedLike


def _same(a: object, b: object) -> bool:
    """Whether two field values are equal; tensors: same dtype, device, shape and values."""
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        return not isinstance(a, Tensor) and not isinstance(b, Tensor) and bool(a == b)
    if (a.dtype, a.device, a.shape) != (b.dtype, b.device, b.shape):
        return False
    both_nan = a.isnan() & b.isnan()  # a diverged run's NaN equals its copy's
    return torch.equal(a, b) or bool(((a == b) | both_nan).all())


class _ByValue:
    """Equality on the fields' values (a tensor's ``==`` is elementwise, not a bool)."""

    def _values(self) -> list[object]:
        return [getattr(self, f.name) for f in fields(self)]  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _ByValue)
        return all(map(_same, self._values(), other._values()))

    def __hash__(self) -> int:  # of the values that are not tensors: equal fits, equal hashes
        return hash(tuple(v for v in self._values() if not isinstance(v, Tensor)))


@dataclass(frozen=True, eq=False)
class Fit(_ByValue):
    """A fit: its trajectory, on the CPU, and its settings.

    ``params``: the start, then the parameters after each update, in the data's precision (the
    wider of x's and y's dtypes, at least float32: ``x @ fit.coef`` works); ``losses``: each
    update's batch loss, before it, in the loop's float64 (float32 from MPS, which has no
    float64), exact even where the data's dtype could not hold it. Full-batch runs have
    ``epochs=None``. Fits are equal when their values are.
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


@dataclass(frozen=True, eq=False)
class Step(_ByValue):
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
