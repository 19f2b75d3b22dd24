"""Minibatch SGD for linear regression: the lesson's loop, run well.

:func:`sgd`, :func:`iter_sgd` and :func:`~sgd_tutorial.sgd_distributed` make this update::

    r = x_b @ p - y_b          # the batch's residuals
    loss = mean(r ** 2)        # its loss, from the residuals (exact: nothing cancels)
    g = 2 * x_bᵀ r / b         # the gradient of that loss
    v = momentum * v + g
    p = p - lr * v

``_steps`` writes it in torch ops (any device, no sync per update, float64 sums; MPS: float32).
A torch call costs microseconds, a small batch's update nanoseconds: on the CPU
``_steps_compiled`` runs the same lines compiled by numba. A test checks that they agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numba
import numpy as np
import torch
from torch import Tensor

from sgd_tutorial import _checks as check
from sgd_tutorial import records
from sgd_tutorial._checks import SeedLike
from sgd_tutorial.records import Fit, Step

_CHUNK_ROWS = 1 << 16  # samples per chunk of updates: iter_sgd's memory; one NaN check each
_COMPILED = True  # use _steps_compiled where it applies (the tests switch it off to compare)

Device = str | torch.device | None
Average = Callable[[Tensor, Tensor, int], tuple[Tensor, Tensor]]  # data-parallel gradients


def _steps(
    x: Tensor,
    y: Tensor,
    batches: Tensor,
    p: Tensor,
    v: Tensor,
    lr: float,
    momentum: float,
    params: Tensor,
    losses: Tensor,
    average: Average | None = None,
) -> tuple[Tensor, Tensor]:
    """The loop: one update per row of ``batches`` (sample indices), recorded in params, losses."""
    for t, batch in enumerate(batches):
        xb, yb = x[batch].to(p.dtype), y[batch].to(p.dtype)
        r = xb @ p - yb
        loss = (r * r).mean()
        g = 2 * xb.T @ r / len(r)
        if average is not None:  # data-parallel: the mean over every rank's share of the batch
            g, loss = average(g, loss, len(r))
        v = momentum * v + g
        p = p - lr * v
        params[t], losses[t] = p, loss
    return p, v


def _jit(function: Callable[..., None]) -> Callable[..., None]:
    # cache=True keeps the machine code beside this file, else in $NUMBA_CACHE_DIR or the
    # user's cache folder (a read-only install); where none is writable, numba cannot cache.
    try:
        return numba.njit(cache=True)(function)
    except RuntimeError:
        return numba.njit(function)  # type: ignore[no-any-return]


@_jit
def _steps_compiled(x, y, batches, p, v, lr, momentum, params, losses):  # type: ignore[no-untyped-def]
    """:func:`_steps` on arrays, looping over rows and columns (array expressions allocate)."""
    g = np.empty(len(p))
    for t in range(len(batches)):
        loss, g[:] = 0.0, 0.0
        for row in batches[t]:
            r = -y[row]
            for j in range(len(p)):
                r += x[row, j] * p[j]
            loss += r * r
            for j in range(len(p)):
                g[j] += r * x[row, j]
        losses[t] = loss / len(batches[t])
        for j in range(len(p)):
            v[j] = momentum * v[j] + 2 * g[j] / len(batches[t])
            p[j] = p[j] - lr * v[j]
            params[t, j] = p[j]


class _Run:
    """An SGD run: its checked settings, and the loop over its epochs, a chunk at a time."""

    def __init__(
        self,
        x: object,
        y: object,
        init: object,
        lr: object,
        epochs: object,
        batch_size: object,
        shuffle: object,
        drop_last: object,
        momentum: object,
        seed: SeedLike,
        device: Device,
    ) -> None:
        self.x, self.y, self.start = records.setup(x, y, init, device)
        self.lr = check.check_lr(lr)
        self.momentum = check.check_momentum(momentum)
        self.epochs = check.check_int("epochs", epochs)
        self.batch_size = size = check.check_int("batch_size", batch_size, 1)
        self.shuffle = check.check_flag("shuffle", shuffle)
        self.drop_last = check.check_flag("drop_last", drop_last)
        self.seed, self.generator = seed, check.make_generator(seed)
        n = len(self.x)
        if self.drop_last and size > n:
            msg = f"batch_size must be <= n={n} when drop_last=True, got {size}"
            raise ValueError(msg)
        # Each epoch's chunks: (first row, number of batches, batch size) of about _CHUNK_ROWS.
        full, rest = divmod(n, size)
        per = max(1, _CHUNK_ROWS // size)
        self.chunks = [(i * size, min(per, full - i), size) for i in range(0, full, per)]
        if rest and not self.drop_last:
            self.chunks.append((full * size, 1, rest))
        self.updates = self.epochs * sum(count for _, count, _ in self.chunks)

    def fit(self, params: Tensor, losses: Tensor) -> Fit:
        """The run so far, as a :class:`Fit` on the CPU."""
        batching = (self.batch_size, self.epochs, self.shuffle, self.drop_last, self.seed)
        return Fit(params.cpu(), losses.cpu(), self.lr, self.momentum, *batching)

    def loop(
        self, rank: int = 0, world: int = 1, average: Average | None = None
    ) -> Iterator[tuple[int, Tensor, Tensor, Tensor]]:
        """Yield ``(epoch, batches, params, losses)`` per chunk, the last cut at a NaN or inf.

        Data-parallel rank ``rank`` of ``world`` computes on its share of each batch.
        """
        x, y, p, n = self.x, self.y, self.start.clone(), len(self.x)
        v = torch.zeros_like(p)
        compiled = _COMPILED and average is None and x.device.type == "cpu"
        compiled = compiled and x.dtype in (torch.float32, torch.float64) and y.dtype == x.dtype
        index = torch.int32 if n < 2**31 else torch.int64  # half the memory of int64
        for epoch in range(self.epochs):
            order = None  # in order, each chunk makes its own rows: no index of all n
            if self.shuffle:
                order = torch.randperm(n, generator=self.generator, dtype=index)
                if x.device.type == "cuda":  # from pinned memory: queued, not waited for
                    order = order.pin_memory()
                order = order.to(x.device, non_blocking=True)
            for first, count, size in self.chunks:
                end = first + count * size
                if order is None:
                    rows = torch.arange(first, end, dtype=index, device=x.device)
                else:
                    rows = order[first:end]
                batches = rows.view(count, size)
                params, losses = records.record(x, count)
                params = params[1:]
                if compiled:
                    arrays = (x.numpy(), y.numpy(), batches.numpy(), p.numpy(), v.numpy())
                    _steps_compiled(
                        *arrays, self.lr, self.momentum, params.numpy(), losses.numpy()
                    )
                else:
                    mine = batches[:, size * rank // world : size * (rank + 1) // world]
                    p, v = _steps(
                        x, y, mine, p, v, self.lr, self.momentum, params, losses, average
                    )
                bad = records.first_bad(params, losses)
                yield epoch, batches, params[:bad], losses[:bad]
                if bad is not None:
                    return

    def run(self, rank: int = 0, world: int = 1, average: Average | None = None) -> Fit:
        """Run every epoch, keeping the whole trajectory."""
        params, losses = records.record(self.x, self.updates, "epochs", self.epochs)
        params[0], done = self.start, 0
        for _, _, chunk_params, chunk_losses in self.loop(rank, world, average):
            params[done + 1 : done + 1 + len(chunk_losses)] = chunk_params
            losses[done : done + len(chunk_losses)] = chunk_losses
            done += len(chunk_losses)
        fit = self.fit(params[: done + 1], losses[:done])
        if done < self.updates:
            raise records.diverged(done, fit)
        return fit


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
    device: Device = None,
) -> Fit:
    """Fit ``y ≈ x @ p`` by minibatch stochastic gradient descent on the mean squared error.

    Each epoch visits every sample once, in batches of ``batch_size``: in a new order drawn
    from ``seed`` if ``shuffle``, and with a shorter last batch unless ``drop_last``. Other
    parameters and the result are as in :func:`gradient_descent`.
    """
    run = _Run(x, y, init, lr, epochs, batch_size, shuffle, drop_last, momentum, seed, device)
    return run.run()


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
    device: Device = None,
) -> Iterator[Step]:
    """Run :func:`sgd` lazily, yielding a :class:`Step` per update.

    Arguments are checked at the call. Updates are computed a chunk at a time: the first comes
    at once, memory does not grow with the run, and stopping early skips the rest.
    """
    run = _Run(x, y, init, lr, epochs, batch_size, shuffle, drop_last, momentum, seed, device)
    return _lazy(run)


def _lazy(run: _Run) -> Iterator[Step]:
    done, before = 0, run.start.to(run.x.dtype)
    for epoch, batches, params, losses in run.loop():
        for t in range(len(losses)):
            yield Step(done + t, epoch, batches[t], params[t], losses[t])
        if len(losses) < len(batches):
            fit = run.fit(torch.cat([before[None], params]), losses)
            raise records.diverged(done + len(losses), fit)
        done, before = done + len(losses), params[-1]
