"""Full-batch gradient descent: the lesson's first loop, with one honest shortcut.

Each step is the update of :mod:`sgd_tutorial.optimize` on one batch of all ``n`` rows (a test
checks that they agree), but the gradient comes from ``xᵀx``, computed once; see the comment in
:func:`gradient_descent`.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor

from sgd_tutorial import _checks as check
from sgd_tutorial import engine
from sgd_tutorial.engine import START
from sgd_tutorial.losses import max_stable_lr
from sgd_tutorial.records import Fit

_CHUNK_ROWS = 1 << 16  # rows converted to float64 at a time


def gradient_descent(
    x: Tensor,
    y: Tensor,
    init: object = START,
    *,
    lr: float = 0.1,
    steps: int = 100,
    momentum: float = 0.0,
    device: str | torch.device | None = None,
) -> Fit:
    """Fit ``y ≈ x @ p`` by full-batch gradient descent on the mean squared error.

    ``x`` is ``(n, k)`` (a column of ones gives the intercept), ``y`` is ``(n,)``, and ``init``
    holds ``k`` starting parameters (a sequence, tensor or array). ``momentum`` is heavy-ball
    momentum, in ``[0, 1)``. ``device`` is where to compute (None: where ``x`` is).

    Raises
    ------
    DivergenceError
        On NaN or inf, with the stable bound of ``lr``.
    """
    x, y, p = engine.setup(x, y, init, check.check_device(device))
    lr, momentum = check.check_lr(lr), check.check_momentum(momentum)
    steps = check.check_int("steps", steps)
    params, losses = engine.record(p, steps, "steps", steps, engine.params_dtype(x, y))
    # The one shortcut. The full-batch MSE is quadratic in p, so its gradient and value at any
    # p follow exactly from those at one point p* and the Hessian H = (2/n) xᵀx:
    #     g(p) = g* + H d,   loss(p) = L* + d·(g* + g(p)) / 2,   where d = p - p*.
    # With p* the least-squares point, and g* and L* measured from its residuals, no term is
    # large, so nothing cancels; the data is read twice instead of once per update.
    n, k = x.shape

    def chunks() -> Iterator[tuple[Tensor, Tensor]]:  # of rows, in float64: memory stays small
        for i in range(0, n, _CHUNK_ROWS):
            yield x[i : i + _CHUNK_ROWS].to(p.dtype), y[i : i + _CHUNK_ROWS].to(p.dtype)

    xtx = torch.zeros(k, k, dtype=p.dtype, device=p.device)
    xty, g_star, l_star = torch.zeros_like(p), torch.zeros_like(p), torch.zeros_like(p[0])
    for xc, yc in chunks():
        xtx += xc.T @ xc
        xty += xc.T @ yc
    star = torch.linalg.pinv(xtx) @ xty  # the least-squares point
    for xc, yc in chunks():
        r = xc @ star - yc
        g_star += 2 * xc.T @ r / n
        l_star += r @ r / n
    h = 2 * xtx / n
    v = torch.zeros_like(p)
    for t in range(steps):
        d = p - star
        g = g_star + h @ d
        losses[t] = l_star + d @ (g_star + g) / 2
        v = momentum * v + g
        p = p - lr * v
        params[t + 1] = p
    bad = engine.first_bad(params[1:], losses)
    if bad is None:
        return Fit(params.cpu(), losses.cpu(), lr, momentum, n)
    partial = Fit(params[: bad + 1].cpu(), losses[:bad].cpu(), lr, momentum, n)
    raise engine.diverged(bad, partial, _bound(lr, momentum, max_stable_lr(x, momentum), p.dtype))


def _bound(lr: float, momentum: float, bound: float, dtype: torch.dtype) -> str:
    """Why full-batch gradient descent diverged: the lr, or (below the bound) the dtype."""
    rule = f"{'(2 + 2·momentum)' if momentum else '2'}/λ_max = {bound:.4g}"
    if lr < bound:
        return f"is below the stable bound {rule}, yet overflowed {dtype}: rescale the data"
    return f"is too large for this data: full-batch descent is stable only for lr < {rule}"
