"""Gradient descent and minibatch SGD for linear regression: the lesson's loop, run well.

Every update of :func:`gradient_descent`, :func:`sgd`, :func:`iter_sgd` and
:func:`~sgd_tutorial.sgd_distributed` is the lesson's, with ``torch.optim.SGD``'s momentum::

    r = x_b @ p - y_b          # the batch's residuals
    loss = mean(r ** 2)        # its loss, from the residuals (exact: nothing cancels)
    g = 2 * x_bᵀ r / b         # the gradient of that loss
    v = momentum * v + g
    p = p - lr * v

:func:`_steps` is that loop in torch ops: it runs on any device with no host-device sync per
update, and p, v and the sums are float64 (float32 on MPS, which has no float64) whatever the
data's dtype. On the CPU, where a torch call costs microseconds and an update of a small batch
nanoseconds, :func:`_steps_compiled` runs the same lines compiled by numba; a test checks that
the two agree.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numba
import numpy as np
import torch
from torch import Tensor

from sgd_tutorial import _checks as check
from sgd_tutorial._checks import SeedLike
from sgd_tutorial.devices import resolve_device

__all__ = ["DivergenceError", "Fit", "Step", "gradient_descent", "iter_sgd", "sgd"]

_CHUNK_ROWS = 1 << 16  # samples per chunk of updates: iter_sgd's memory, one NaN check each
_CHUNK_STEPS = 1024  # full-batch updates per NaN check
_COMPILED = True  # run _steps_compiled where it can; the tests switch it off to compare


@dataclass(frozen=True)
class Fit:
    """A fit's trajectory and settings.

    ``params`` (``(steps + 1, k)``, CPU) holds the start, then the parameters after each
    update; ``losses`` (``(steps,)``, CPU) the loss of each update's batch before it.
    ``batch_size`` is ``n`` and ``epochs`` is None for full-batch gradient descent.
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
    """One update from :func:`iter_sgd`: its ``index`` and ``epoch`` (from 0), the batch's
    ``indices``, the ``params`` after it and the batch's ``loss`` before it (on the device)."""

    index: int
    epoch: int
    indices: Tensor
    params: Tensor
    loss: Tensor


class DivergenceError(ArithmeticError):
    """The loss or the parameters became NaN or infinite.

    ``step`` is the update that did it; ``fit`` the run up to it (for :func:`iter_sgd`, which
    keeps no history, the chunk of updates that was being computed).
    """

    def __init__(self, message: str, *, step: int, fit: Fit) -> None:
        super().__init__(message)
        self.step, self.fit = step, fit

    def __reduce__(self) -> tuple[object, tuple[str]]:  # so that it crosses a process pool
        return functools.partial(DivergenceError, step=self.step, fit=self.fit), (str(self),)


Average = Callable[[Tensor, Tensor, int], tuple[Tensor, Tensor]]


def _steps(
    x: Tensor, y: Tensor, rows: Tensor, size: int, p: Tensor, v: Tensor, lr: float, beta: float,
    params: Tensor, losses: Tensor, share: slice = slice(None), average: Average | None = None,
) -> tuple[Tensor, Tensor]:  # fmt: skip
    """The loop, one update per batch of ``size`` of ``rows``, writing ``params`` and ``losses``.

    Data-parallel runs take their ``share`` of each batch and ``average`` the gradient.
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
    # cache=True keeps the machine code beside this file, or in numba's cache folder in the
    # user's home (or $NUMBA_CACHE_DIR) when the package is read-only; with neither, no cache.
    try:
        return numba.njit(cache=True, nogil=True)(function)  # type: ignore[no-any-return]
    except RuntimeError:
        return numba.njit(nogil=True)(function)  # type: ignore[no-any-return]


@_jit
def _steps_compiled(x, y, order, first, size, p, v, lr, beta, params, losses):  # type: ignore[no-untyped-def]  # noqa: ANN001
    """:func:`_steps` for numpy arrays, compiled; the batch is ``order[first:]`` (or rows in order
    when ``order`` is empty). Written as loops over rows and columns: numba's array expressions
    would allocate per sample, 10-20x slower."""
    k = x.shape[1]
    g = np.empty(k)
    for t in range(losses.shape[0]):
        loss = 0.0
        g[:] = 0.0
        for i in range(first + t * size, first + (t + 1) * size):
            row = order[i] if order.shape[0] else i
            r = 0.0
            for j in range(k):
                r += x[row, j] * p[j]
            r -= y[row]
            loss += r * r
            for j in range(k):
                g[j] += r * x[row, j]
        losses[t] = loss / size
        for j in range(k):
            v[j] = beta * v[j] + 2 * g[j] / size
            p[j] = p[j] - lr * v[j]
            params[t, j] = p[j]


def _first_bad(params: Tensor, losses: Tensor) -> int | None:
    bad = ~(torch.isfinite(losses) & torch.isfinite(params).all(-1))
    if not bool(bad.any()):  # the one deliberate host-device sync per chunk of updates
        return None
    return int(bad.nonzero()[0, 0])


def _state(x: Tensor, init: list[float]) -> tuple[Tensor, Tensor]:
    dtype = torch.float32 if x.device.type == "mps" else torch.float64
    return torch.tensor(init, dtype=dtype).to(x.device), torch.zeros(len(init), dtype=dtype, device=x.device)  # fmt: skip


def _buffers(x: Tensor, steps: int, name: str, value: int) -> tuple[Tensor, Tensor]:
    """Room for ``steps`` updates: parameters in x's dtype, losses at least float32."""
    try:
        params = torch.empty(steps + 1, x.shape[1], dtype=x.dtype, device=x.device)
        losses = torch.empty(steps, dtype=torch.promote_types(x.dtype, torch.float32), device=x.device)
    except (RuntimeError, TypeError, MemoryError):
        msg = f"{name}={value} means {steps} updates, too many to record: use iter_sgd, whose memory does not grow with the run"  # fmt: skip
        raise ValueError(msg) from None
    return params, losses


def _place(x: Tensor, y: Tensor, device: object) -> tuple[Tensor, Tensor]:
    target = x.device if device is None else resolve_device(device)  # type: ignore[arg-type]
    return x.to(target), y.to(target)


def _divergence(step: int, lr: float, fit: Fit, why: str) -> DivergenceError:
    msg = f"the loss or parameters became NaN or infinite at step {step}: {why}"
    return DivergenceError(msg.replace("{lr}", f"lr={lr:g}"), step=step, fit=fit)


def gradient_descent(
    x: Tensor, y: Tensor, init: object = (-1.0, 1.0), *, lr: float = 0.1, steps: int = 100,
    momentum: float = 0.0, device: str | torch.device | None = None,
) -> Fit:  # fmt: skip
    """Fit ``y ≈ x @ p`` by full-batch gradient descent on the mean squared error.

    Parameters
    ----------
    x, y : Tensor
        Inputs ``(n, k)`` (a ones column gives the intercept) and targets ``(n,)``.
    init : sequence of float, Tensor or array, default (-1.0, 1.0)
        Starting parameters, ``k`` of them.
    lr, steps, momentum : float, int, float
        Learning rate (> 0), number of updates, heavy-ball momentum in ``[0, 1)``.
    device : str, torch.device or None
        Where to compute; ``None``: where ``x`` is.

    Returns
    -------
    Fit
        The trajectory, on the CPU. Raises :class:`DivergenceError` (with the stable bound of
        the learning rate in its message) if it becomes NaN or infinite.
    """
    x, y = _place(*check.check_data(x, y), device)
    start, lr = check.check_init(init, x.shape[1]), check.check_lr(lr)
    steps, beta = check.check_int("steps", steps), check.check_momentum(momentum)
    p, v = _state(x, start)
    params, losses = _buffers(x, steps, "steps", steps)
    # The one shortcut. The full-batch MSE is a quadratic in p, so its gradient and value at
    # any p follow exactly from those at one point p* and its Hessian H = (2/n) xᵀx:
    #   g(p) = g* + H d,   loss(p) = L* + d·(g* + g(p)) / 2,   d = p - p*.
    # With p* the least-squares solution, g* and L* measured from its residuals, every term is
    # small and nothing cancels; the data is read twice in all instead of once per update.
    n, chunks = len(x), range(0, len(x), _CHUNK_ROWS)
    pieces = [(x[i : i + _CHUNK_ROWS].to(p.dtype), y[i : i + _CHUNK_ROWS].to(p.dtype)) for i in chunks]  # fmt: skip
    h = sum(xb.T @ xb for xb, _ in pieces) * (2 / n)
    star = torch.linalg.pinv(h) @ sum(xb.T @ yb for xb, yb in pieces) * (2 / n)
    residuals = [(xb, xb @ star - yb) for xb, yb in pieces]
    g_star = sum(2 * xb.T @ r for xb, r in residuals) / n
    l_star = sum((r * r).sum() for _, r in residuals) / n
    del pieces, residuals
    params[0] = p
    for t in range(steps):
        d = p - star
        g = g_star + h @ d
        losses[t] = l_star + d @ (g_star + g) / 2
        v = beta * v + g
        p = p - lr * v
        params[t + 1] = p
        first = t - t % _CHUNK_STEPS
        if t + 1 - first == _CHUNK_STEPS or t + 1 == steps:
            bad = _first_bad(params[first + 1 : t + 2], losses[first : t + 1])
            if bad is not None:
                bad += first
                bound = (2 + 2 * beta) / float(torch.linalg.eigvalsh(h.cpu())[-1])
                rule = "(2 + 2·momentum)/λ_max" if beta else "2/λ_max"
                why = f"{{lr}} is too large for this data; full-batch gradient descent on it is stable only for lr < {rule} = {bound:.4g}"  # fmt: skip
                if lr < bound:
                    why = f"{{lr}} is below the stable bound {rule} = {bound:.4g}, so the values overflowed {x.dtype}: use a wider dtype"  # fmt: skip
                fit = Fit(params[: bad + 1].cpu(), losses[:bad].cpu(), lr, beta, n)
                raise _divergence(bad, lr, fit, why)
    return Fit(params.cpu(), losses.cpu(), lr, beta, n)


class _Run:
    """The settings of one SGD run, checked, and its loop run chunk by chunk over the epochs."""

    def __init__(
        self, x: object, y: object, init: object, lr: object, epochs: object,
        batch_size: object, shuffle: object, drop_last: object, momentum: object,
        seed: object, device: object,
    ) -> None:  # fmt: skip
        self.x, self.y = _place(*check.check_data(x, y), device)
        self.start = check.check_init(init, self.x.shape[1])
        self.lr, self.beta = check.check_lr(lr), check.check_momentum(momentum)
        self.epochs = check.check_int("epochs", epochs)
        self.size = check.check_positive_int("batch_size", batch_size)
        self.shuffle = check.check_flag("shuffle", shuffle)
        self.drop_last = check.check_flag("drop_last", drop_last)
        self.generator, self.seed = check.make_generator(seed), seed
        n = len(self.x)
        if self.drop_last and self.size > n:
            msg = f"batch_size must be <= n={n} when drop_last=True, got {self.size}"
            raise ValueError(msg)
        full, rest = divmod(n, self.size)
        per_chunk = max(1, _CHUNK_ROWS // self.size)  # (first row, batches, batch size):
        self.spans = [(i * self.size, min(per_chunk, full - i), self.size) for i in range(0, full, per_chunk)]  # fmt: skip
        if rest and not self.drop_last:
            self.spans.append((full * self.size, 1, rest))
        self.total = self.epochs * sum(count for _, count, _ in self.spans)

    def fit(self, params: Tensor, losses: Tensor) -> Fit:
        settings = (self.size, self.epochs, self.shuffle, self.drop_last, self.seed)
        return Fit(params.cpu(), losses.cpu(), self.lr, self.beta, *settings)  # type: ignore[arg-type]

    def chunks(
        self, buffers: Callable[[int], tuple[Tensor, Tensor]], share: Callable[[int], slice] | None = None,
        average: Average | None = None,
    ) -> Iterator[tuple[int, Tensor, int, Tensor, Tensor]]:  # fmt: skip
        """Yield ``(epoch, rows, batch size, params, losses)`` per chunk; a chunk that went NaN
        or infinite comes last, with params and losses cut before its first bad update."""
        x, y, n = self.x, self.y, len(self.x)
        p, v = _state(x, self.start)
        compiled = _COMPILED and average is None and x.device.type == "cpu" and x.dtype in (torch.float32, torch.float64) and y.dtype == x.dtype  # fmt: skip
        if compiled:
            x_np, y_np, p_np, v_np = x.contiguous().numpy(), y.contiguous().numpy(), p.numpy(), v.numpy()  # fmt: skip
        index = torch.int32 if n < 2**31 else torch.int64
        for epoch in range(self.epochs):
            order = torch.randperm(n, generator=self.generator, dtype=index) if self.shuffle else None  # fmt: skip
            if order is not None and x.device.type == "cuda":  # queued on the stream, no sync
                order = order.pin_memory().to(x.device, non_blocking=True)
            for first, count, size in self.spans:
                params, losses = buffers(count)
                end = first + count * size
                rows = torch.arange(first, end, device=x.device) if order is None else order[first:end]  # fmt: skip
                if compiled:
                    epoch_order = np.empty(0, np.int32) if order is None else order.numpy()
                    _steps_compiled(x_np, y_np, epoch_order, first, size, p_np, v_np, self.lr, self.beta, params.numpy(), losses.numpy())  # fmt: skip
                else:
                    part = slice(None) if share is None else share(size)
                    p, v = _steps(x, y, rows, size, p, v, self.lr, self.beta, params, losses, part, average)  # fmt: skip
                bad = _first_bad(params, losses)
                if bad is not None:
                    yield epoch, rows, size, params[:bad], losses[:bad]
                    return
                yield epoch, rows, size, params, losses

    def run(self, share: Callable[[int], slice] | None = None, average: Average | None = None) -> Fit:
        """Run every epoch, recording the whole trajectory (as :func:`sgd` returns it)."""
        params, losses = _buffers(self.x, self.total, "epochs", self.epochs)
        params[0] = torch.tensor(self.start, dtype=torch.float64)
        done = 0

        def room(count: int) -> tuple[Tensor, Tensor]:
            return params[done + 1 : done + 1 + count], losses[done : done + count]

        for _, _, _, _, chunk in self.chunks(room, share, average):
            done += len(chunk)
        if done < self.total:
            why = "{lr} is too large for this data; try a smaller lr"
            raise _divergence(done, self.lr, self.fit(params[: done + 1], losses[:done]), why)
        return self.fit(params, losses)


def sgd(
    x: Tensor, y: Tensor, init: object = (-1.0, 1.0), *, lr: float = 0.1, epochs: int = 10,
    batch_size: int = 5, shuffle: bool = True, drop_last: bool = False, momentum: float = 0.0,
    seed: SeedLike = None, device: str | torch.device | None = None,
) -> Fit:  # fmt: skip
    """Fit ``y ≈ x @ p`` by minibatch stochastic gradient descent on the mean squared error.

    Each epoch visits every sample once, in a new random order if ``shuffle`` (drawn from
    ``seed`` by ``torch.randperm`` on the CPU), in batches of ``batch_size``; a shorter last
    batch is used unless ``drop_last``. The other parameters are :func:`gradient_descent`'s.

    Returns
    -------
    Fit
        The trajectory, one row per update, on the CPU. Raises :class:`DivergenceError` if it
        becomes NaN or infinite.

    Examples
    --------
    >>> from sgd_tutorial import make_linear_data
    >>> data = make_linear_data(100, seed=0)
    >>> sgd(data.x, data.y, epochs=10, batch_size=5, seed=0).steps
    200
    """
    return _Run(x, y, init, lr, epochs, batch_size, shuffle, drop_last, momentum, seed, device).run()


def iter_sgd(
    x: Tensor, y: Tensor, init: object = (-1.0, 1.0), *, lr: float = 0.1, epochs: int = 10,
    batch_size: int = 5, shuffle: bool = True, drop_last: bool = False, momentum: float = 0.0,
    seed: SeedLike = None, device: str | torch.device | None = None,
) -> Iterator[Step]:  # fmt: skip
    """Run :func:`sgd` lazily, yielding a :class:`Step` per update.

    The arguments are checked when it is called. Updates are computed a chunk at a time, so
    the first comes at once, memory does not grow with the run, and stopping early skips the
    rest.
    """
    run = _Run(x, y, init, lr, epochs, batch_size, shuffle, drop_last, momentum, seed, device)
    return _lazy(run)


def _lazy(run: _Run) -> Iterator[Step]:
    done, before = 0, torch.tensor(run.start, dtype=run.x.dtype)

    def fresh(count: int) -> tuple[Tensor, Tensor]:  # new each chunk: yielded Steps keep views
        params, losses = _buffers(run.x, count, "epochs", run.epochs)
        return params[1:], losses

    for epoch, rows, size, params, losses in run.chunks(fresh):
        for t in range(len(losses)):
            yield Step(done + t, epoch, rows[t * size : (t + 1) * size], params[t], losses[t])
        if len(losses) < len(rows) // size:
            fit = run.fit(torch.cat([before[None], params]), losses)
            why = "{lr} is too large for this data; try a smaller lr"
            raise _divergence(done + len(losses), run.lr, fit, why)
        done, before = done + len(losses), params[-1]
