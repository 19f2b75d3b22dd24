"""Gradient descent and minibatch SGD for linear regression: the lesson's loop, run well.

Every entry point (and :func:`~sgd_tutorial.sgd_distributed`) makes this update::

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
from sgd_tutorial.records import Average, DivergenceError, Fit, Step

__all__ = ["DivergenceError", "Fit", "Step", "gradient_descent", "iter_sgd", "sgd"]

_CHUNK_ROWS = 1 << 16  # samples per chunk of updates: iter_sgd's memory; one NaN check each
_COMPILED = True  # use _steps_compiled where it applies (the tests switch it off to compare)


def _steps(x: Tensor, y: Tensor, rows: Tensor, size: int, p: Tensor, v: Tensor, lr: float,
           beta: float, params: Tensor, losses: Tensor, share: slice = slice(None),
           average: Average | None = None) -> tuple[Tensor, Tensor]:  # fmt: skip
    """The loop: one update per batch of ``size`` of ``rows``, recorded in params and losses.

    A data-parallel rank takes its ``share`` of each batch and ``average``s the gradient.
    """
    for t in range(len(losses)):
        batch = rows[t * size : (t + 1) * size][share]
        xb, yb = x[batch].to(p.dtype), y[batch].to(p.dtype)
        r = xb @ p - yb
        loss = (r * r).mean()
        g = 2 * xb.T @ r / len(r)
        if average is not None:
            g, loss = average(g, loss, len(r))
        v = beta * v + g
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
def _steps_compiled(x, y, order, first, size, p, v, lr, beta, params, losses):  # type: ignore[no-untyped-def]
    """:func:`_steps` on arrays, looping over rows and columns (array expressions allocate)."""
    g = np.empty(x.shape[1])
    for t in range(len(losses)):
        loss, g[:] = 0.0, 0.0
        for i in range(first + t * size, first + (t + 1) * size):
            row = order[i] if len(order) else i
            r = -y[row]
            for j in range(x.shape[1]):
                r += x[row, j] * p[j]
            loss += r * r
            for j in range(x.shape[1]):
                g[j] += r * x[row, j]
        losses[t] = loss / size
        for j in range(x.shape[1]):
            v[j] = beta * v[j] + 2 * g[j] / size
            p[j] = p[j] - lr * v[j]
            params[t, j] = p[j]


def gradient_descent(x: Tensor, y: Tensor, init: object = (-1.0, 1.0), *, lr: float = 0.1,
                     steps: int = 100, momentum: float = 0.0,
                     device: str | torch.device | None = None) -> Fit:  # fmt: skip
    """Fit ``y ≈ x @ p`` by full-batch gradient descent on the mean squared error.

    Parameters
    ----------
    x, y : Tensor
        Inputs ``(n, k)`` (a column of ones gives the intercept) and targets ``(n,)``.
    init : sequence of float, Tensor or array, default (-1.0, 1.0)
        The ``k`` starting parameters.
    momentum : float, default 0.0
        Heavy-ball momentum, in ``[0, 1)``.
    device : str, torch.device or None
        Where to compute; ``None``: where ``x`` is.

    Raises
    ------
    DivergenceError
        On NaN or inf, with the stable bound of ``lr``.
    """
    x, y, p = records._setup(x, y, init, device)
    lr, beta = check.check_lr(lr), check.check_momentum(momentum)
    steps, n = check.check_int("steps", steps), len(x)
    params, losses = records._record(x, steps, "steps", steps)
    # The one shortcut. The full-batch MSE is quadratic in p, so its gradient and value at any
    # p follow exactly from those at one point p* and the Hessian H = (2/n) xᵀx:
    #     g(p) = g* + H d,   loss(p) = L* + d·(g* + g(p)) / 2,   where d = p - p*.
    # With p* the least-squares point, and g* and L* measured from its residuals, no term is
    # large, so nothing cancels; the data is read twice instead of once per update.
    k, zero = x.shape[1], torch.zeros((), dtype=p.dtype, device=x.device)

    def total(f: Callable[[Tensor, Tensor], Tensor]) -> Tensor:  # over float64 chunks of rows
        return sum((f(x[i : i + _CHUNK_ROWS].to(p.dtype), y[i : i + _CHUNK_ROWS].to(p.dtype)) for i in range(0, n, _CHUNK_ROWS)), zero)  # fmt: skip

    gram = total(lambda xb, yb: (w := torch.column_stack([xb, yb])).mT @ w)  # [x y]ᵀ[x y]
    h, star = gram[:k, :k] * (2 / n), torch.linalg.pinv(gram[:k, :k]) @ gram[:k, k]
    at_star = total(lambda xb, yb: (r := xb @ star - yb) @ torch.column_stack([2 * xb, r])) / n
    g_star, l_star = at_star[:k], at_star[k]
    v, params[0] = torch.zeros_like(p), p
    for t in range(steps):
        d = p - star
        g = g_star + h @ d
        losses[t] = l_star + d @ (g_star + g) / 2
        v = beta * v + g
        p = p - lr * v
        params[t + 1] = p
    bad = records._first_bad(params[1:], losses)
    if bad is None:
        return Fit(params.cpu(), losses.cpu(), lr, beta, n)
    why = records._full_batch_bound(lr, beta, float(torch.linalg.eigvalsh(h.cpu())[-1]), x.dtype)
    raise records._diverged(
        bad, why, Fit(params[: bad + 1].cpu(), losses[:bad].cpu(), lr, beta, n)
    )


class _Run:
    """An SGD run's checked settings, and its loop run over the epochs a chunk at a time."""

    def __init__(self, x: object, y: object, init: object, lr: object, epochs: object,
                 batch_size: object, shuffle: object, drop_last: object, momentum: object,
                 seed: object, device: object) -> None:  # fmt: skip
        self.x, self.y, self.start = records._setup(x, y, init, device)
        self.lr, self.beta = check.check_lr(lr), check.check_momentum(momentum)
        self.epochs, self.size = check.check_int("epochs", epochs), check.check_int("batch_size", batch_size, 1)  # fmt: skip
        self.shuffle, self.drop_last = check.check_flag("shuffle", shuffle), check.check_flag("drop_last", drop_last)  # fmt: skip
        self.generator, self.seed, n = check.make_generator(seed), seed, len(self.x)
        if self.drop_last and self.size > n:
            msg = f"batch_size must be <= n={n} when drop_last=True, got {self.size}"
            raise ValueError(msg)
        full, rest = divmod(n, self.size)
        per = max(1, _CHUNK_ROWS // self.size)  # chunks of (first row, batches, batch size)
        self.spans = [(i * self.size, min(per, full - i), self.size) for i in range(0, full, per)]
        self.spans += [(full * self.size, 1, rest)] if rest and not self.drop_last else []
        self.total = self.epochs * sum(count for _, count, _ in self.spans)

    def fit(self, params: Tensor, losses: Tensor) -> Fit:
        batching = (self.size, self.epochs, self.shuffle, self.drop_last, self.seed)
        return Fit(params.cpu(), losses.cpu(), self.lr, self.beta, *batching)  # type: ignore[arg-type]

    def chunks(self, room: Callable[[int], tuple[Tensor, Tensor]], share: Callable[[int], slice] | None = None,
               average: Average | None = None) -> Iterator[tuple[int, Tensor, int, Tensor, Tensor]]:  # fmt: skip
        """Yield ``(epoch, rows, batch size, params, losses)`` per chunk, the last cut at a NaN."""
        x, y, p, n = self.x, self.y, self.start, len(self.x)
        v = torch.zeros_like(p)
        compiled = _COMPILED and average is None and x.device.type == "cpu" and x.dtype in (torch.float32, torch.float64) and y.dtype == x.dtype  # fmt: skip
        if compiled:
            arrays = (x.contiguous().numpy(), y.contiguous().numpy())
        for epoch in range(self.epochs):
            order = None  # int32 indices: half the memory of the permutation, the same order
            if self.shuffle:
                order = torch.randperm(n, generator=self.generator, dtype=torch.int32 if n < 2**31 else torch.int64)  # fmt: skip
                if x.device.type == "cuda":  # from pinned memory: queued, not waited for
                    order = order.pin_memory()
                order = order.to(x.device, non_blocking=True)
            for first, count, size in self.spans:
                params, losses = room(count)
                end = first + count * size
                rows = torch.arange(first, end, device=x.device) if order is None else order[first:end]  # fmt: skip
                if compiled:
                    numbers = np.empty(0, np.int32) if order is None else order.numpy()
                    _steps_compiled(*arrays, numbers, first, size, p.numpy(), v.numpy(), self.lr, self.beta, params.numpy(), losses.numpy())  # fmt: skip
                else:
                    part = slice(None) if share is None else share(size)
                    p, v = _steps(x, y, rows, size, p, v, self.lr, self.beta, params, losses, part, average)  # fmt: skip
                bad = records._first_bad(params, losses)
                yield epoch, rows, size, params[:bad], losses[:bad]
                if bad is not None:
                    return

    def run(self, share: Callable[[int], slice] | None = None, average: Average | None = None) -> Fit:  # fmt: skip
        """Run every epoch, keeping the whole trajectory."""
        params, losses = records._record(self.x, self.total, "epochs", self.epochs)
        params[0], done = self.start, 0

        def room(count: int) -> tuple[Tensor, Tensor]:
            return params[done + 1 : done + 1 + count], losses[done : done + count]

        for *_, chunk in self.chunks(room, share, average):
            done += len(chunk)
        if done < self.total:
            raise records._diverged(done, "is too large for this data; try a smaller lr", self.fit(params[: done + 1], losses[:done]))  # fmt: skip
        return self.fit(params, losses)


def sgd(x: Tensor, y: Tensor, init: object = (-1.0, 1.0), *, lr: float = 0.1, epochs: int = 10,
        batch_size: int = 5, shuffle: bool = True, drop_last: bool = False, momentum: float = 0.0,
        seed: SeedLike = None, device: str | torch.device | None = None) -> Fit:  # fmt: skip
    """Fit ``y ≈ x @ p`` by minibatch stochastic gradient descent on the mean squared error.

    Each epoch visits every sample once, in batches of ``batch_size``: in a new order drawn
    from ``seed`` if ``shuffle``, and with a shorter last batch unless ``drop_last``. Other
    parameters and the result are as in :func:`gradient_descent`.
    """
    return _Run(x, y, init, lr, epochs, batch_size, shuffle, drop_last, momentum, seed, device).run()  # fmt: skip


def iter_sgd(x: Tensor, y: Tensor, init: object = (-1.0, 1.0), *, lr: float = 0.1,
             epochs: int = 10, batch_size: int = 5, shuffle: bool = True, drop_last: bool = False,
             momentum: float = 0.0, seed: SeedLike = None,
             device: str | torch.device | None = None) -> Iterator[Step]:  # fmt: skip
    """Run :func:`sgd` lazily, yielding a :class:`Step` per update.

    Arguments are checked at the call. Updates are computed a chunk at a time: the first comes
    at once, memory does not grow with the run, and stopping early skips the rest.
    """
    return _lazy(_Run(x, y, init, lr, epochs, batch_size, shuffle, drop_last, momentum, seed, device))  # fmt: skip


def _lazy(run: _Run) -> Iterator[Step]:
    done, before = 0, run.start.to(run.x.dtype)

    def room(count: int) -> tuple[Tensor, Tensor]:  # new each chunk: yielded Steps keep views
        params, losses = records._record(run.x, count, "", 0)
        return params[1:], losses

    for epoch, rows, size, params, losses in run.chunks(room):
        for t in range(len(losses)):
            yield Step(done + t, epoch, rows[t * size : (t + 1) * size], params[t], losses[t])
        if len(losses) < len(rows) // size:
            fit = run.fit(torch.cat([before[None], params]), losses)
            raise records._diverged(done + len(losses), "is too large for this data; try a smaller lr", fit)  # fmt: skip
        done, before = done + len(losses), params[-1]
