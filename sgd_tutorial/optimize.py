"""Full-batch gradient descent and minibatch SGD for linear regression with the MSE loss.

One engine serves :func:`gradient_descent`, :func:`sgd` and :func:`iter_sgd`. The update is
``torch.optim.SGD``'s: with momentum ``β`` (heavy ball, no dampening, no Nesterov) ::

    g = ∇ mse(x_b @ p, y_b) = (2 / b) (x_bᵀ x_b p - x_bᵀ y_b)
    v = β v + g
    p = p - lr v

How it is fast without changing that arithmetic's meaning:

* The gradient of a batch depends on its data only through ``x_bᵀ x_b`` (k × k) and
  ``x_bᵀ y_b`` (k). We compute those for many batches at once with one batched matrix product,
  so the data is read once per epoch, never copied whole, and no autograd graph is built.
* The update above is then an affine map of the state ``z = [p, v]``: ``z ← M z + d``. Each step
  is a single ``torch.addmv`` on a 2k-vector, written straight into the recorded history.
* Statistics and state are kept in float64 (except on MPS, which has none), so summing millions
  of rows loses nothing; results are returned in the data's dtype.
* The history stays on the device and is checked for NaN/inf once per chunk of steps: that
  check is the only host-device synchronisation while training, and it is deliberate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from sgd_tutorial._checks import (
    SeedLike,
    check_count,
    check_data,
    check_init,
    check_lr,
    check_momentum,
    check_positive_int,
    check_seed,
    make_generator,
)
from sgd_tutorial.devices import resolve_device

__all__ = ["DivergenceError", "Fit", "Step", "gradient_descent", "iter_sgd", "sgd"]

# Rows of data gathered and reduced at once: bounds the extra memory (a few MB), not the speed.
_CHUNK_ROWS = 1 << 16
# Full-batch steps run between two divergence checks.
_CHUNK_STEPS = 1024


@dataclass(frozen=True)
class Fit:
    """The trajectory of a fit and the settings that produced it.

    Attributes
    ----------
    params : Tensor
        Shape ``(steps + 1, k)``, on the CPU. Row 0 is the starting point, row ``t + 1`` the
        parameters after update ``t``; the last row is the result.
    losses : Tensor
        Shape ``(steps,)``, on the CPU: the loss of the batch used at update ``t``, computed
        with the parameters before that update.
    lr, momentum : float
        Learning rate and heavy-ball momentum.
    batch_size : int
        Samples per update (``n`` for full-batch gradient descent).
    epochs : int or None
        Passes over the data for SGD; ``None`` for full-batch gradient descent.
    shuffle, drop_last : bool
        Batching options of SGD (``False`` for full-batch gradient descent).
    seed : int, torch.Generator or None
        The seed that drew the batches, as given.
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
        return int(self.losses.shape[0])


@dataclass(frozen=True)
class Step:
    """One SGD update, as yielded by :func:`iter_sgd`.

    The tensors live on the training device; reading a value (``float(step.loss)``) on a GPU
    waits for the device, so do it only when you need the number.

    Attributes
    ----------
    index : int
        Update number, from 0.
    epoch : int
        Epoch number, from 0.
    indices : Tensor
        Indices of the batch's samples in ``x`` and ``y``.
    params : Tensor
        Parameters after the update, shape ``(k,)``.
    loss : Tensor
        The batch's loss before the update, 0-dim.
    """

    index: int
    epoch: int
    indices: Tensor
    params: Tensor
    loss: Tensor


class DivergenceError(ArithmeticError):
    """The loss or the parameters became NaN or infinite: the learning rate is too large.

    Attributes
    ----------
    step : int
        The update that produced the first non-finite value.
    fit : Fit
        The run up to the last finite parameters (``fit.steps == step``), for plotting.
    """

    def __init__(self, message: str, *, step: int, fit: Fit) -> None:
        super().__init__(message)
        self.step = step
        self.fit = fit


def _accumulator_dtype(device: torch.device) -> torch.dtype:
    # float64 keeps sums over millions of rows exact enough; MPS has no float64.
    return torch.float32 if device.type == "mps" else torch.float64


def _batch_statistics(xb: Tensor, yb: Tensor, dtype: torch.dtype) -> tuple[Tensor, Tensor, Tensor]:
    """Per-batch ``xᵀx``, ``xᵀy`` and ``yᵀy`` of batches ``xb (c, b, k)`` and ``yb (c, b)``.

    Rows are copied, ``_CHUNK_ROWS`` at a time, into a feature-major buffer ``w = [xᵀ; yᵀ]`` of
    shape ``(c, k + 1, rows)`` in the accumulator dtype, and ``w wᵀ`` accumulates all three
    statistics in one batched product of contiguous rows (what BLAS does fastest). So a full
    batch of millions of rows is never copied whole.
    """
    count, size, k = xb.shape
    acc = torch.zeros(count, k + 1, k + 1, dtype=dtype, device=xb.device)
    rows = max(1, min(size, _CHUNK_ROWS // count))  # size may be 0 (an empty share)
    buffer = torch.empty(count, k + 1, rows, dtype=dtype, device=xb.device)
    for start in range(0, size, rows):
        stop = min(start + rows, size)
        w = buffer[..., : stop - start]
        w[:, :k] = xb[:, start:stop].mT
        w[:, k] = yb[:, start:stop]
        acc.baddbmm_(w, w.mT)
    return acc[:, :k, :k], acc[:, :k, k], acc[:, k, k]


class _Trainer:
    """Runs updates chunk by chunk and records the trajectory on the device."""

    def __init__(
        self, x: Tensor, init: list[float], lr: float, momentum: float, total_steps: int
    ) -> None:
        k = x.shape[1]
        self.device = x.device
        self.acc = _accumulator_dtype(x.device)
        self.lr = lr
        self.momentum = momentum
        self.state = torch.zeros(2 * k, dtype=self.acc, device=self.device)  # [p, v]
        self.state[:k] = torch.tensor(init, dtype=self.acc)
        self.params = torch.empty(total_steps + 1, k, dtype=x.dtype, device=self.device)
        self.params[0] = self.state[:k]
        self.losses = torch.empty(total_steps, dtype=x.dtype, device=self.device)
        self.done = 0

    def run(self, gram: Tensor, xty: Tensor, yty: Tensor, batch_size: int) -> None:
        """Apply one update per batch, given each batch's statistics. No host-device sync."""
        count, k = xty.shape
        lr, beta = self.lr, self.momentum
        eye = torch.eye(k, dtype=self.acc, device=self.device)
        hessian = gram * (2.0 / batch_size)  # ∇² of the batch's mean squared error
        pull = xty * (2.0 / batch_size)  # gradient = hessian @ p - pull
        # z = [p, v] ← M z + d, from v ← β v + (hessian p - pull) and p ← p - lr v.
        m = torch.empty(count, 2 * k, 2 * k, dtype=self.acc, device=self.device)
        m[:, :k, :k] = eye - lr * hessian
        m[:, :k, k:] = -lr * beta * eye
        m[:, k:, :k] = hessian
        m[:, k:, k:] = beta * eye
        d = torch.cat([lr * pull, -pull], dim=-1)

        z = torch.empty(count + 1, 2 * k, dtype=self.acc, device=self.device)
        z[0] = self.state
        # unbind makes all the per-step views in one call: indexing m[t], z[t] in the loop
        # would cost more than the addmv itself.
        zs = z.unbind(0)
        for m_t, d_t, z_t, z_next in zip(m.unbind(0), d.unbind(0), zs[:-1], zs[1:], strict=True):
            torch.addmv(d_t, m_t, z_t, out=z_next)
        self.state = z[count].clone()

        before = z[:-1, :k]
        # mean((x p - y)²) expanded; clamped because rounding can take an exact 0 below it.
        sq = torch.einsum("ci,cij,cj->c", before, gram, before)
        loss = (sq - 2.0 * (before * xty).sum(-1) + yty).clamp_min(0.0) / batch_size
        self.params[self.done + 1 : self.done + count + 1] = z[1:, :k]
        self.losses[self.done : self.done + count] = loss
        self.done += count

    def first_non_finite(self, start: int) -> int | None:
        """Return the first update from ``start`` on whose loss or result is not finite."""
        bad = ~torch.isfinite(self.losses[start : self.done])
        bad |= ~torch.isfinite(self.params[start + 1 : self.done + 1]).all(dim=-1)
        if not bool(bad.any()):  # the one deliberate host-device sync per chunk
            return None
        return start + int(bad.nonzero()[0, 0])

    def fit(self, settings: dict[str, Any], steps: int | None = None) -> Fit:
        """Copy the history (up to ``steps`` updates) to the CPU, once."""
        steps = self.done if steps is None else steps
        return Fit(
            params=self.params[: steps + 1].cpu(),
            losses=self.losses[:steps].cpu(),
            lr=self.lr,
            momentum=self.momentum,
            **settings,
        )


# Integer dtypes as wide as a whole row of x, for gathering rows as single elements.
_ROW_WORDS = {2: torch.int16, 4: torch.int32, 8: torch.int64}


def _rows_as_words(x: Tensor) -> Tensor | None:
    """A 1-D integer view of ``x`` with one element per row, or ``None`` if there is none.

    On the CPU, ``index_select`` gathers single elements several times faster than short rows
    (for the lesson's ``(n, 2)`` float32 data, 8-byte rows). The view copies nothing, and
    gathering through it moves exactly the same bits.
    """
    word = _ROW_WORDS.get(x.shape[1] * x.element_size())
    if word is None or x.device.type != "cpu" or not x.is_contiguous():
        return None
    try:
        return x.view(word).view(-1)
    except RuntimeError:  # the storage offset is not a whole number of words
        return None


def _place(x: Tensor, y: Tensor, device: str | torch.device | None) -> tuple[Tensor, Tensor]:
    """Move the data to ``device``; ``None`` keeps it where it is."""
    if device is None:
        return x, y
    target = resolve_device(device)
    return x.to(target), y.to(target)


def _check_flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        msg = f"{name} must be True or False, got {value!r}"
        raise TypeError(msg)
    return value


def _divergence(
    trainer: _Trainer, step: int, settings: dict[str, Any], hint: str
) -> DivergenceError:
    partial = trainer.fit(settings, step)
    msg = (
        f"the loss or parameters became NaN or infinite at step {step}: "
        f"lr={trainer.lr:g} is too large for this data{hint}"
    )
    return DivergenceError(msg, step=step, fit=partial)


def gradient_descent(
    x: Tensor,
    y: Tensor,
    init: object = (-1.0, 1.0),
    *,
    lr: float = 0.1,
    steps: int = 100,
    momentum: float = 0.0,
    device: str | torch.device | None = None,
) -> Fit:
    """Fit ``y ≈ x @ p`` by full-batch gradient descent on the mean squared error.

    Parameters
    ----------
    x : Tensor
        Inputs, shape ``(n, k)``, a floating-point dtype (add a ones column for an intercept).
    y : Tensor
        Targets, shape ``(n,)``.
    init : sequence of float or Tensor, default (-1.0, 1.0)
        Starting parameters, ``k`` of them.
    lr : float, default 0.1
        Learning rate, finite and > 0.
    steps : int, default 100
        Number of updates, >= 0.
    momentum : float, default 0.0
        Heavy-ball momentum in ``[0, 1)``, as in ``torch.optim.SGD``.
    device : str, torch.device or None
        Where to compute; ``None`` means where ``x`` already is.

    Returns
    -------
    Fit
        The whole trajectory, on the CPU.

    Raises
    ------
    DivergenceError
        If the loss or parameters become non-finite; the message gives the stable bound
        ``(2 + 2β) / λ_max`` of this data, and the error carries the finite part of the run.

    Examples
    --------
    >>> from sgd_tutorial import make_linear_data
    >>> data = make_linear_data(100, seed=0)
    >>> fit = gradient_descent(data.x, data.y, lr=0.1, steps=100)
    >>> fit.params.shape, fit.losses.shape
    (torch.Size([101, 2]), torch.Size([100]))
    """
    x, y = check_data(x, y)
    start = check_init(init, x.shape[1])
    lr = check_lr(lr)
    steps = check_count("steps", steps)
    momentum = check_momentum(momentum)
    x, y = _place(x, y, device)
    n = len(x)
    settings: dict[str, Any] = {"batch_size": n}

    trainer = _Trainer(x, start, lr, momentum, steps)
    gram, xty, yty = _batch_statistics(x[None], y[None], trainer.acc)  # one pass over the data
    for first in range(0, steps, _CHUNK_STEPS):
        count = min(_CHUNK_STEPS, steps - first)
        trainer.run(gram.expand(count, -1, -1), xty.expand(count, -1), yty.expand(count), n)
        bad = trainer.first_non_finite(first)
        if bad is not None:
            lam_max = float(torch.linalg.eigvalsh(gram[0].cpu() * (2.0 / n))[-1])
            bound = (2.0 + 2.0 * momentum) / lam_max
            hint = (
                f"; full-batch gradient descent on it is stable only for "
                f"lr < (2 + 2·momentum) / λ_max = {bound:.4g}"
            )
            raise _divergence(trainer, bad, settings, hint)
    return trainer.fit(settings)


def _batches_per_epoch(n: int, batch_size: int, drop_last: bool) -> int:
    full, rest = divmod(n, batch_size)
    return full + (1 if rest and not drop_last else 0)


class _SGDRun:
    """The state of one minibatch SGD run: its settings, its batches and its trainer."""

    def __init__(
        self,
        x: Tensor,
        y: Tensor,
        init: object,
        lr: float,
        epochs: int,
        batch_size: int,
        shuffle: bool,
        drop_last: bool,
        momentum: float,
        seed: SeedLike,
        device: str | torch.device | None,
    ) -> None:
        x, y = check_data(x, y)
        start = check_init(init, x.shape[1])
        lr = check_lr(lr)
        epochs = check_count("epochs", epochs)
        batch_size = check_positive_int("batch_size", batch_size)
        shuffle = _check_flag("shuffle", shuffle)
        drop_last = _check_flag("drop_last", drop_last)
        momentum = check_momentum(momentum)
        seed = check_seed(seed)
        self.generator = make_generator(seed)
        self.x, self.y = _place(x, y, device)
        self.x_words = _rows_as_words(self.x)
        n = len(self.x)
        if drop_last and batch_size > n:
            msg = f"batch_size must be <= n={n} when drop_last=True, got {batch_size}"
            raise ValueError(msg)
        self.n, self.epochs, self.batch_size = n, epochs, batch_size
        self.shuffle, self.drop_last = shuffle, drop_last
        self.settings: dict[str, Any] = {
            "batch_size": batch_size,
            "epochs": epochs,
            "shuffle": shuffle,
            "drop_last": drop_last,
            "seed": seed,
        }
        total = epochs * _batches_per_epoch(n, batch_size, drop_last)
        self.trainer = _Trainer(self.x, start, lr, momentum, total)

    def _order(self) -> Tensor | None:
        """Return the sample order of an epoch: a new permutation, or ``None`` for in order."""
        if not self.shuffle:
            return None
        # Drawn on the CPU so a seed gives the same batches on every device; int32 halves the
        # memory of the permutation, which is the only O(n) allocation per epoch.
        index_dtype = torch.int32 if self.n < 2**31 else torch.int64
        order = torch.randperm(self.n, generator=self.generator, dtype=index_dtype)
        if self.x.device.type == "cuda":
            # From pinned memory the upload is queued on the stream, not waited for.
            return order.pin_memory().to(self.x.device, non_blocking=True)
        return order.to(self.x.device)

    def gather(self, rows: Tensor) -> tuple[Tensor, Tensor]:
        """Return the samples at ``rows``: ``x`` of shape ``(len(rows), k)`` and ``y``."""
        # On the CPU, index_select gathers faster with int64 indices than int32.
        index = rows.long() if rows.device.type == "cpu" else rows
        if self.x_words is None:
            xb = self.x.index_select(0, index)
        else:
            words = self.x_words.index_select(0, index)
            xb = words.view(self.x.dtype).view(len(rows), self.x.shape[1])
        return xb, self.y.index_select(0, index)

    def statistics(
        self, rows: Tensor | slice, count: int, size: int
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Return ``xᵀx``, ``xᵀy``, ``yᵀy`` of ``count`` batches of ``size`` samples at ``rows``.

        ``rows`` holds the samples' indices, or is a slice when the epoch runs in order.
        Data-parallel runs override this to reduce their share and sum over the processes.
        """
        xb, yb = (self.x[rows], self.y[rows]) if isinstance(rows, slice) else self.gather(rows)
        return _batch_statistics(xb.view(count, size, -1), yb.view(count, size), self.trainer.acc)

    def chunks(self) -> Iterator[tuple[int, Tensor | slice, int, int, int]]:
        """Train chunk by chunk, yielding ``(epoch, rows, first_step, count, batch_size)``."""
        n, size = self.n, self.batch_size
        per_chunk = max(1, _CHUNK_ROWS // size)
        full, rest = divmod(n, size)
        spans = [
            (first, min(per_chunk, full - first), size) for first in range(0, full, per_chunk)
        ]
        if rest and not self.drop_last:
            spans.append((full, 1, rest))
        for epoch in range(self.epochs):
            order = self._order()
            for first_batch, count, b in spans:
                lo = first_batch * size
                rows = slice(lo, lo + count * b) if order is None else order[lo : lo + count * b]
                first_step = self.trainer.done
                self.trainer.run(*self.statistics(rows, count, b), b)
                bad = self.trainer.first_non_finite(first_step)
                if bad is not None:
                    raise _divergence(self.trainer, bad, self.settings, "; try a smaller lr")
                yield epoch, rows, first_step, count, b

    def fit(self) -> Fit:
        return self.trainer.fit(self.settings)


def sgd(
    x: Tensor,
    y: Tensor,
    init: object = (-1.0, 1.0),
    *,
    lr: float = 0.1,
    epochs: int = 10,
    batch_size: int = 5,
    shuffle: bool = True,
    drop_last: bool = False,
    momentum: float = 0.0,
    seed: SeedLike = None,
    device: str | torch.device | None = None,
) -> Fit:
    """Fit ``y ≈ x @ p`` by minibatch stochastic gradient descent on the mean squared error.

    Each epoch visits every sample exactly once: in a fresh random order when ``shuffle``, in
    order otherwise. A last batch smaller than ``batch_size`` is used unless ``drop_last``.

    Parameters
    ----------
    x : Tensor
        Inputs, shape ``(n, k)``, a floating-point dtype.
    y : Tensor
        Targets, shape ``(n,)``.
    init : sequence of float or Tensor, default (-1.0, 1.0)
        Starting parameters, ``k`` of them.
    lr : float, default 0.1
        Learning rate, finite and > 0.
    epochs : int, default 10
        Passes over the data, >= 0.
    batch_size : int, default 5
        Samples per update, >= 1.
    shuffle : bool, default True
        Draw a new random order every epoch.
    drop_last : bool, default False
        Skip the last, smaller batch of each epoch.
    momentum : float, default 0.0
        Heavy-ball momentum in ``[0, 1)``, as in ``torch.optim.SGD``.
    seed : int, torch.Generator or None
        Seed for the batch order; the same seed gives the same fit.
    device : str, torch.device or None
        Where to compute; ``None`` means where ``x`` already is.

    Returns
    -------
    Fit
        The whole trajectory, one row per update, on the CPU.

    Raises
    ------
    DivergenceError
        If the loss or parameters become non-finite; it carries the finite part of the run.

    Examples
    --------
    >>> from sgd_tutorial import make_linear_data
    >>> data = make_linear_data(100, seed=0)
    >>> fit = sgd(data.x, data.y, epochs=10, batch_size=5, seed=0)
    >>> fit.steps
    200
    """
    run = _SGDRun(x, y, init, lr, epochs, batch_size, shuffle, drop_last, momentum, seed, device)
    for _ in run.chunks():
        pass
    return run.fit()


def iter_sgd(
    x: Tensor,
    y: Tensor,
    init: object = (-1.0, 1.0),
    *,
    lr: float = 0.1,
    epochs: int = 10,
    batch_size: int = 5,
    shuffle: bool = True,
    drop_last: bool = False,
    momentum: float = 0.0,
    seed: SeedLike = None,
    device: str | torch.device | None = None,
) -> Iterator[Step]:
    """Run :func:`sgd` lazily, yielding one :class:`Step` per update.

    Takes the same arguments as :func:`sgd`, and checks them when called, not at the first
    ``next()``. Work is done a chunk of updates at a time, so stopping early (``break``,
    :func:`itertools.islice`) skips the rest of the run.

    Yields
    ------
    Step
        The update's index, epoch, batch indices, parameters after it and loss before it.

    Raises
    ------
    DivergenceError
        When the chunk being computed produces NaN or infinite values.

    Examples
    --------
    >>> from itertools import islice
    >>> from sgd_tutorial import make_linear_data
    >>> data = make_linear_data(100, seed=0)
    >>> [step.index for step in islice(iter_sgd(data.x, data.y, seed=0), 3)]
    [0, 1, 2]
    """
    run = _SGDRun(x, y, init, lr, epochs, batch_size, shuffle, drop_last, momentum, seed, device)
    return _steps(run)


def _steps(run: _SGDRun) -> Iterator[Step]:
    trainer = run.trainer
    for epoch, rows, first_step, count, b in run.chunks():
        indices = (
            torch.arange(rows.start, rows.stop, device=run.x.device)
            if isinstance(rows, slice)
            else rows
        )
        for i in range(count):
            t = first_step + i
            yield Step(
                index=t,
                epoch=epoch,
                indices=indices[i * b : (i + 1) * b],
                params=trainer.params[t + 1],
                loss=trainer.losses[t],
            )
