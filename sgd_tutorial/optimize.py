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

from sgd_tutorial import engine
from sgd_tutorial._checks import SeedLike, make_generator
from sgd_tutorial.engine import START, Settings
from sgd_tutorial.records import Fit, Step

_CHUNK_ROWS = 1 << 16  # samples per chunk of updates: iter_sgd's memory; one NaN check each
_COMPILED = True  # use _steps_compiled where it applies (the tests switch it off to compare)

Device = str | torch.device | None
Average = Callable[[Tensor, Tensor, int], tuple[Tensor, Tensor]]  # data-parallel gradients
Chunk = tuple[int, Tensor, Tensor, Tensor]  # epoch, batches (sample indices), params, losses


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
    # "contract" lets a * b + c be one fused multiply-add: rounded once, and sooner done.
    try:
        return numba.njit(cache=True, fastmath={"contract"})(function)
    except RuntimeError:
        return numba.njit(fastmath={"contract"})(function)


@_jit
def _steps_compiled(x, y, rows, size, p, v, lr, momentum, params, losses):  # type: ignore[no-untyped-def]
    """:func:`_steps` on arrays, batch ``t`` being ``rows[t * size : (t + 1) * size]``.

    Explicit loops over rows and columns: array expressions (``g[:] = 0`` too) cost more than
    an update. ``p`` and ``v`` change in place.
    """
    g = np.zeros(len(p))
    for t in range(len(losses)):
        batch = range(t * size, min((t + 1) * size, len(rows)))
        loss = 0.0
        for i in batch:
            row = rows[i]
            r = -y[row]
            for j in range(len(p)):
                r += x[row, j] * p[j]
            loss += r * r
            for j in range(len(p)):
                g[j] += r * x[row, j]
        losses[t] = loss / len(batch)
        scale = 2 / len(batch)  # once per batch: a division per column would delay each update
        for j in range(len(p)):
            v[j] = momentum * v[j] + scale * g[j]
            p[j] = p[j] - lr * v[j]
            params[t, j] = p[j]
            g[j] = 0.0


class Run:
    """An SGD run: its data, start and :class:`~sgd_tutorial.engine.Settings`, and its loop."""

    def __init__(self, x: object, y: object, init: object, settings: Settings) -> None:
        self.x, self.y, self.start = engine.setup(x, y, init, settings.device)
        self.dtype = engine.params_dtype(self.x, self.y)  # of the recorded parameters
        self.settings, self.generator = settings, make_generator(settings.seed)
        n, size = len(self.x), settings.batch_size
        if settings.drop_last and size > n:
            msg = f"batch_size must be <= n={n} when drop_last=True, got {size}"
            raise ValueError(msg)
        # Each epoch's chunks: (first row, number of batches, batch size) of about _CHUNK_ROWS.
        full, rest = divmod(n, size)
        per = max(1, _CHUNK_ROWS // size)
        self.chunks = [(i * size, min(per, full - i), size) for i in range(0, full, per)]
        if rest and not settings.drop_last:
            self.chunks.append((full * size, 1, rest))
        self.updates = settings.epochs * sum(count for _, count, _ in self.chunks)

    def loop(
        self, into: tuple[Tensor, Tensor] | None = None, rank: int = 0, world: int = 1,
        average: Average | None = None,
    ) -> Iterator[Chunk]:  # fmt: skip
        """Yield ``(epoch, batches, params, losses)`` per chunk, the last cut at a NaN or inf.

        Updates are recorded ``into`` the run's record (None: a new one per chunk). A
        data-parallel rank ``rank`` of ``world`` computes on its share of each batch.
        """
        x, y, s, n = self.x, self.y, self.settings, len(self.x)
        p, v, done = self.start.clone(), torch.zeros_like(self.start), 0
        compiled = _COMPILED and average is None and x.device.type == "cpu"
        compiled = compiled and {x.dtype, y.dtype} <= {torch.float32, torch.float64}
        index = torch.int32 if n < 2**31 else torch.int64  # half the memory of int64
        for epoch in range(s.epochs):
            order = None  # in order, each chunk makes its own rows: no index of all n
            if s.shuffle:
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
                if into is None:  # iter_sgd: a record per chunk (row 0, the params before it)
                    params, losses = engine.record(p, count, "epochs", s.epochs, self.dtype)
                    params = params[1:]
                else:
                    params, losses = (
                        into[0][done + 1 : done + 1 + count],
                        into[1][done : done + count],
                    )
                if compiled:
                    arrays = (x.numpy(), y.numpy(), rows.numpy(), size, p.numpy(), v.numpy())
                    _steps_compiled(*arrays, s.lr, s.momentum, params.numpy(), losses.numpy())
                else:
                    batches = rows.view(count, size)
                    mine = batches[:, size * rank // world : size * (rank + 1) // world]
                    p, v = _steps(x, y, mine, p, v, s.lr, s.momentum, params, losses, average)
                bad = engine.first_bad(params, losses)
                yield epoch, rows.view(count, size), params[:bad], losses[:bad]
                if bad is not None:
                    return
                done += count

    def run(self, rank: int = 0, world: int = 1, average: Average | None = None) -> Fit:
        """Run every epoch, keeping the whole trajectory."""
        s = self.settings
        params, losses = engine.record(self.start, self.updates, "epochs", s.epochs, self.dtype)
        done = sum(len(chunk[3]) for chunk in self.loop((params, losses), rank, world, average))
        fit = self.settings.fit(params[: done + 1], losses[:done])
        if done < self.updates:
            raise engine.diverged(done, fit)
        return fit


def sgd(
    x: Tensor,
    y: Tensor,
    init: object = START,
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
    settings = Settings.checked(
        lr=lr, epochs=epochs, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
        momentum=momentum, seed=seed, device=device,
    )  # fmt: skip
    return Run(x, y, init, settings).run()


def iter_sgd(
    x: Tensor,
    y: Tensor,
    init: object = START,
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
    settings = Settings.checked(
        lr=lr, epochs=epochs, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
        momentum=momentum, seed=seed, device=device,
    )  # fmt: skip
    return _lazy(Run(x, y, init, settings))


def _lazy(run: Run) -> Iterator[Step]:
    done, before = 0, run.start.to(run.dtype)
    for epoch, batches, params, losses in run.loop():
        for t in range(len(losses)):
            yield Step(done + t, epoch, batches[t], params[t], losses[t])
        if len(losses) < len(batches):
            fit = run.settings.fit(torch.cat([before[None], params]), losses)
            raise engine.diverged(done + len(losses), fit)
        done, before = done + len(losses), params[-1]
