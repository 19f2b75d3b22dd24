r"""
Schedules and adaptive methods
==============================

Tutorial 4 ended on a floor: with a constant :term:`learning rate`, :term:`SGD` never settles,
it hovers above the least-squares minimum at a level set by the learning rate and the
:term:`batch size`. Tutorial 6 found the ceiling: above :math:`2/\lambda_{\max}` gradient
descent diverges, and a large condition number makes the flat directions crawl. This tutorial
runs the tools built for both problems, on the same data, and measures what each one buys.

To run this page yourself, install the package first: see :doc:`/installation`.

This tutorial covers:

* learning-rate schedules from ``torch.optim.lr_scheduler`` (constant, step, :math:`1/t`,
  cosine) and Polyak averaging, measured against the noise floor;
* Nesterov momentum beside heavy-ball :term:`momentum`, and the learning rates each tolerates;
* ``torch.optim.Adam`` and ``RMSprop`` on the learner's :math:`(-30, 30)` data, a valley along
  the axes, and on the same valley rotated;
* the largest stable learning rate of SGD measured against the batch size, beside
  :math:`2/\lambda_{\max}`.
"""

# %%
# Setup
# -----
# The lesson's data again, drawn in float64 here so that the excess loss can be followed far
# below float32's resolution. For a quadratic loss the excess above the minimum is exactly
# :math:`\tfrac12 (p - p^\ast)^\top H (p - p^\ast)` with :math:`H = \tfrac{2}{n} X^\top X`,
# which does not cancel the way subtracting two nearly equal losses does (the check below
# prints both). Every run is small and sequential, so this page stays on the CPU, where its
# numbers are the same on every machine.

import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from sgd_tutorial import (
    DivergenceError,
    gradient_descent,
    hessian_eigenvalues,
    least_squares,
    make_linear_data,
    max_stable_lr,
    mse,
    resolve_device,
    sgd,
)

# sphinx_gallery_thumbnail_number = 1

best_device = resolve_device("auto")
print(f"your best device: {best_device}; this page runs on the CPU")
torch.manual_seed(0)

data = make_linear_data(100, seed=0, dtype=torch.float64)
x, y, n = data.x, data.y, data.n
best = least_squares(x, y)
floor = float(mse(x @ best, y))
hessian = 2 / n * x.T @ x


def excess(p, best=best, hessian=hessian):
    """Loss above the minimum, 0.5 (p - p*)^T H (p - p*), for one or a batch of rows p."""
    d = p - best
    return 0.5 * ((d @ hessian) * d).sum(dim=-1)


start = torch.tensor([-1.0, 1.0], dtype=torch.float64)
print(f"least squares {best.numpy().round(4)}, minimum MSE {floor:.5f}")
print(
    f"excess at (-1, 1): from the formula {float(excess(start)):.6f}, "
    f"as a difference of losses {float(mse(x @ start, y)) - floor:.6f}"
)

# %%
# Schedules against the noise floor
# ---------------------------------
# Tutorial 4's setting: SGD with batches of 5, a fresh shuffle per :term:`epoch`, starting
# learning rate 0.1. Twenty independent runs go at once: the parameter is a ``(20, 2)``
# tensor, row ``r`` is run ``r``, and the loss is the sum of the runs' batch losses, so each
# row gets exactly its own gradient from one ``backward()``. ``torch.optim.SGD`` steps them
# and a scheduler from ``torch.optim.lr_scheduler`` sets the learning rate after every
# update:
#
# * **constant**: no scheduler;
# * **step**: ``StepLR``, the rate times 0.2 every quarter of the run;
# * **1/t**: ``LambdaLR`` with :math:`\eta_t = \eta_0 / (1 + t/50)`;
# * **cosine**: ``CosineAnnealingLR``, from :math:`\eta_0` down to zero at the last update
#   along half a cosine wave.
#
# A fifth run keeps the rate constant and instead *averages the iterates* (Polyak averaging):
# it reports the running mean of the parameters from a tenth of the way in, leaving the
# training itself untouched.

RUNS, BATCH, UPDATES, LR0 = 20, 5, 3000, 0.1
AVERAGE_FROM = UPDATES // 10


def shuffled_batches(generator):
    """Forever: per run, a fresh shuffle per epoch cut into batches of ``BATCH``."""
    while True:
        order = torch.rand(RUNS, n, generator=generator).argsort(dim=1)
        for first in range(0, n, BATCH):
            yield order[:, first : first + BATCH]


def run_schedule(make_scheduler, average=False, lr=LR0, seed=0):
    """Excess loss (updates, runs) and learning rate (updates,) of a scheduled SGD run."""
    p = torch.nn.Parameter(start.repeat(RUNS, 1))
    optimizer = torch.optim.SGD([p], lr=lr)
    scheduler = make_scheduler(optimizer)
    batches = shuffled_batches(torch.Generator().manual_seed(seed))
    mean = p.detach().clone()
    excesses, rates = [], []
    for t in range(1, UPDATES + 1):
        idx = next(batches)
        xb, yb = x[idx], y[idx]  # (runs, batch, 2) and (runs, batch)
        residual = (xb @ p[..., None])[..., 0] - yb
        loss = (residual**2).mean(dim=1).sum()  # each run's MSE, added up
        optimizer.zero_grad()
        loss.backward()
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        current = p.detach()
        if average:
            k = max(t - AVERAGE_FROM, 0) + 1  # iterates averaged so far
            mean = (
                current.clone()
                if t <= AVERAGE_FROM
                else mean + (current - mean) / k
            )
            current = mean
        excesses.append(excess(current))
    return torch.stack(excesses), np.array(rates)


schedulers = {
    "constant": lambda _: None,
    "step (x0.2 every quarter)": lambda opt: torch.optim.lr_scheduler.StepLR(
        opt, step_size=UPDATES // 4, gamma=0.2
    ),
    "1/t": lambda opt: torch.optim.lr_scheduler.LambdaLR(
        opt, lambda t: 1 / (1 + t / 50)
    ),
    "cosine": lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=UPDATES
    ),
}
results = {name: run_schedule(make) for name, make in schedulers.items()}
results["Polyak averaging (constant rate)"] = run_schedule(
    lambda _: None, average=True
)

checkpoints = (100, 300, 1000, UPDATES)
print(f"median excess MSE over {RUNS} runs, batch {BATCH}, starting lr {LR0}")
print(f"{'':>33}" + "".join(f"{f'update {t}':>14}" for t in checkpoints))
for name, (ex, _) in results.items():
    row = "".join(f"{float(ex[t - 1].median()):14.2e}" for t in checkpoints)
    print(f"{name:>33}{row}")
final = {name: float(ex[-1].median()) for name, (ex, _) in results.items()}
ranking = sorted(final, key=final.get)
print("lowest to highest at the last update: " + ", ".join(ranking))

fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.9), width_ratios=(3, 2))
updates = np.arange(1, UPDATES + 1)
for name, (ex, rates) in results.items():
    (curve,) = left.loglog(updates, ex.median(dim=1).values, lw=1.2, label=name)
    right.semilogy(updates, rates, color=curve.get_color(), lw=1.2)
left.set_xlabel("update")
left.set_ylabel("excess MSE above the least-squares minimum")
left.set_title(f"SGD, batch {BATCH}: median of {RUNS} runs")
left.legend(fontsize="x-small")
right.set_xlabel("update")
right.set_ylabel("learning rate")
right.set_title("The schedules")
fig.tight_layout()
plt.show()

# %%
# All curves start together: early on the error from the starting point dominates and every
# schedule still uses about the starting rate. Then they part:
#
# * The **constant** rate reaches its floor within a few hundred updates and stays there;
#   the only way down is a smaller rate.
# * The **step** schedule is the constant rate with the floor lowered at every cut: each
#   drop of the rate by 0.2 drops the curve to a new, lower plateau.
# * **1/t** lowers the rate a little at every update, so it never sits on a plateau: the
#   noise keeps shrinking along with the rate.
# * **Cosine** keeps the rate high for long (about the constant rate's floor until the rate
#   has fallen well below :math:`\eta_0`), then brings it to zero at the end, where it ends
#   up far below the constant rate.
# * **Polyak averaging** trains exactly like the constant rate, yet the average of its
#   iterates falls below that floor, because the jitter around the minimum averages out.
#
# Their order at the last update is printed above. Which schedule wins depends on the run's
# length and starting rate, which is why the step sizes and the length of a schedule are
# tuned together; what does not depend on them is that a constant rate stops improving at its
# floor.
#
# Nesterov momentum
# -----------------
# Heavy-ball momentum (tutorial 7) adds a fraction :math:`\beta` of the last step to the
# gradient step. Nesterov's variant computes the gradient *after* that momentum move, a look
# ahead; ``torch.optim.SGD(..., nesterov=True)`` implements it as
# :math:`v \leftarrow \beta v + g,\ p \leftarrow p - \eta (g + \beta v)`. On the learner's
# :math:`(-30, 30)` data (tutorial 6: condition number in the hundreds), full-batch, at the
# learning rate :math:`1/\lambda_{\max}` and :math:`\beta = 0.9`:

wide = make_linear_data(100, low=-30, high=30, seed=0, dtype=torch.float64)
wide_best = least_squares(wide.x, wide.y)
wide_hessian = 2 / wide.n * wide.x.T @ wide.x
lam_min, lam_max = hessian_eigenvalues(wide.x).tolist()
print(
    f"(-30, 30): lambda_min {lam_min:.3f}, lambda_max {lam_max:.1f}, kappa {lam_max / lam_min:.0f}"
)


def full_batch(xx, yy, make_optimizer, steps, init, best, hessian):
    """Excess loss after every full-batch step of a torch.optim optimizer; stops on overflow."""
    p = torch.nn.Parameter(init.clone())
    optimizer = make_optimizer([p])
    excesses = []
    for _ in range(steps):
        loss = mse(xx @ p, yy)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        excesses.append(float(excess(p.detach(), best, hessian)))
        if not math.isfinite(excesses[-1]) or excesses[-1] > 1e100:
            break
    return np.array(excesses)


wide_run = {"init": start, "best": wide_best, "hessian": wide_hessian}
lr_n = 1 / lam_max
momentum_runs = {
    "gradient descent": lambda ps: torch.optim.SGD(ps, lr=lr_n),
    "heavy ball, momentum 0.9": lambda ps: torch.optim.SGD(
        ps, lr=lr_n, momentum=0.9
    ),
    "Nesterov, momentum 0.9": lambda ps: torch.optim.SGD(
        ps, lr=lr_n, momentum=0.9, nesterov=True
    ),
}
steps_shown = (10, 50, 100, 300)
print(f"full batch, lr 1/lambda_max = {lr_n:.5f}; excess MSE after")
print(f"{'':>25}" + "".join(f"{f'{t} steps':>11}" for t in steps_shown))
momentum_curves = {}
for name, make in momentum_runs.items():
    ex = full_batch(wide.x, wide.y, make, 300, **wide_run)
    momentum_curves[name] = ex
    print(f"{name:>25}" + "".join(f"{ex[t - 1]:11.2e}" for t in steps_shown))

# %%
# Both kinds of momentum leave plain gradient descent far behind along the flat direction,
# and the look-ahead damps the overshoot that makes heavy ball's first steps worse (the
# numbers after 10 and 50 steps). The price shows at large learning rates. Measure the
# largest stable rate of each by bisection: a run counts as stable if after 300 steps its
# excess is below where it started.


def largest_stable(make_for_lr, low, high, iterations=14):
    """Bisect (geometrically) the largest learning rate whose run ends below its start."""
    start_excess = float(excess(start, wide_best, wide_hessian))
    for _ in range(iterations):
        mid = math.sqrt(low * high)
        ex = full_batch(wide.x, wide.y, make_for_lr(mid), 300, **wide_run)
        ok = len(ex) == 300 and ex[-1] < start_excess
        low, high = (mid, high) if ok else (low, mid)
    return low


beta = 0.9
measured_hb = largest_stable(
    lambda lr: lambda ps: torch.optim.SGD(ps, lr=lr, momentum=beta),
    0.5 / lam_max,
    10 / lam_max,
)
measured_nesterov = largest_stable(
    lambda lr: (
        lambda ps: torch.optim.SGD(ps, lr=lr, momentum=beta, nesterov=True)
    ),
    0.5 / lam_max,
    10 / lam_max,
)
theory_hb = (2 + 2 * beta) / lam_max
theory_nesterov = (2 + 2 * beta) / ((1 + 2 * beta) * lam_max)
print(f"momentum {beta}: largest stable lr x lambda_max, measured vs theory")
print(
    f"  heavy ball: {measured_hb * lam_max:.4f}   (2 + 2 beta = {theory_hb * lam_max:.4f})"
)
print(
    f"  Nesterov:   {measured_nesterov * lam_max:.4f}   "
    f"((2 + 2 beta) / (1 + 2 beta) = {theory_nesterov * lam_max:.4f})"
)
deviation = max(
    abs(measured_hb / theory_hb - 1),
    abs(measured_nesterov / theory_nesterov - 1),
)
print(f"  largest relative gap between measurement and theory: {deviation:.2%}")
print(
    f"  (max_stable_lr(x, {beta}) x lambda_max = {max_stable_lr(wide.x, beta) * lam_max:.4f})"
)

fig, ax = plt.subplots(figsize=(6.4, 4.0))
for name, ex in momentum_curves.items():
    ax.semilogy(np.arange(1, len(ex) + 1), ex, label=name)
ax.set_xlabel("full-batch step")
ax.set_ylabel("excess MSE")
ax.set_title(f"Inputs in (-30, 30), lr 1/lambda_max = {lr_n:.2g}")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# The measured bounds land on the formulas, within the small gap printed (just past the
# edge a run grows too slowly to show in 300 steps). Heavy ball's range grows with
# :math:`\beta` (tutorial 7's :math:`2 + 2\beta`, which is what
# :func:`~sgd_tutorial.max_stable_lr` computes); Nesterov's *shrinks* towards 1 as
# :math:`\beta` grows, because the look-ahead gradient is itself multiplied by
# :math:`1 + \beta` in the step. Nesterov is the steadier method at a modest learning rate,
# heavy ball the one that tolerates a large one.
#
# Adam and RMSprop: a step size per coordinate
# --------------------------------------------
# RMSprop divides each coordinate's gradient by a running root-mean-square of that
# coordinate's past gradients; Adam does the same to a momentum-averaged gradient. Either way
# every coordinate moves by about the learning rate per step, whatever its curvature: a
# *diagonal* rescaling. On the :math:`(-30, 30)` data that is exactly what is needed: its
# Hessian is nearly diagonal (the slope's curvature in one corner, the intercept's in the
# other), so dividing each coordinate by its own scale leaves a condition number near one.
#
# Now rotate the problem by 45°: use the features :math:`XR` with :math:`R` a rotation.
# Nothing about the difficulty changes (the eigenvalues are the same, and the start is
# rotated too, so the starting loss is the same), but the valley now runs diagonally, and a
# per-coordinate scale cannot straighten a diagonal valley. The condition number after the
# best diagonal rescaling, :math:`D^{-1/2} H D^{-1/2}` with :math:`D` the diagonal of
# :math:`H`, says it in numbers:

angle = math.pi / 4
rotation = torch.tensor(
    [[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]],
    dtype=torch.float64,
)
rotated_x = wide.x @ rotation
valleys = {
    "along the axes": {"xx": wide.x, "init": start, "best": wide_best},
    "rotated 45 degrees": {
        "xx": rotated_x,
        "init": rotation.T @ start,  # the same starting model: x R R^T p = x p
        "best": rotation.T @ wide_best,
    },
}


def condition(h):
    """Condition number of a symmetric positive definite matrix."""
    e = torch.linalg.eigvalsh(h)
    return float(e[-1] / e[0])


for name, valley in valleys.items():
    h = 2 / wide.n * valley["xx"].T @ valley["xx"]
    valley["hessian"] = h
    d = torch.diag(h).rsqrt()
    print(
        f"{name:>18}: Hessian diagonal {torch.diag(h).numpy().round(1)}, "
        f"off-diagonal {float(h[0, 1]):.1f}; condition number {condition(h):.0f}, "
        f"after diagonal rescaling {condition(d[:, None] * h * d[None, :]):.2f}"
    )

# %%
# Now the race: plain gradient descent at 0.9 of its bound, RMSprop and Adam at fixed
# learning rates, 500 full-batch steps on each valley.

adaptive = {
    "gradient descent, 0.9 x bound": lambda xx: (
        lambda ps: torch.optim.SGD(ps, lr=0.9 * max_stable_lr(xx))
    ),
    "RMSprop, lr 0.03": lambda _: lambda ps: torch.optim.RMSprop(ps, lr=0.03),
    "Adam, lr 0.1": lambda _: lambda ps: torch.optim.Adam(ps, lr=0.1),
}
adaptive_steps = 500
adaptive_curves = {}
print(
    f"excess MSE after {adaptive_steps // 5} and {adaptive_steps} full-batch steps"
)
for valley_name, valley in valleys.items():
    for name, make in adaptive.items():
        ex = full_batch(
            valley["xx"],
            wide.y,
            make(valley["xx"]),
            adaptive_steps,
            valley["init"],
            valley["best"],
            valley["hessian"],
        )
        adaptive_curves[valley_name, name] = ex
        print(
            f"{valley_name:>18} | {name:>29}: {ex[adaptive_steps // 5 - 1]:9.2e} {ex[-1]:9.2e}"
        )

fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.8), sharey=True)
for ax, valley_name in zip(axes, valleys, strict=True):
    for name in adaptive:
        ex = adaptive_curves[valley_name, name]
        ax.semilogy(
            np.arange(1, len(ex) + 1), np.maximum(ex, 1e-20), label=name
        )
    ax.set_title(f"Valley {valley_name}")
    ax.set_xlabel("full-batch step")
axes[0].set_ylabel("excess MSE (floored at 1e-20)")
axes[0].legend(fontsize="x-small")
fig.suptitle("Per-coordinate step sizes: what rotation does to them")
fig.tight_layout()
plt.show()

# %%
# Along the axes, both adaptive methods start slowly (a step of about the learning rate per
# coordinate takes a while to carry the slope from -1 to 3) and then race to the minimum,
# while gradient descent is held back by the intercept's tiny curvature. On the rotated
# valley gradient descent does exactly what it did before: it sees only the eigenvalues,
# which did not change. The adaptive methods lose their advantage: the per-coordinate scales
# are now nearly equal, so they rescale nothing, and after 500 steps both are still far above
# the minimum (the last column printed above), behind gradient descent. Adam and RMSprop fix
# badly scaled *coordinates*, not badly conditioned *directions*.
#
# The largest stable learning rate against the batch size
# -------------------------------------------------------
# Tutorial 6's bound :math:`2/\lambda_{\max}` is for full-batch gradient descent. With
# minibatches each step follows its own batch's Hessian, whose largest eigenvalue varies from
# batch to batch and can be far larger than the average's: one sample's Hessian,
# :math:`2 x_i x_i^\top`, has eigenvalue :math:`2\lVert x_i \rVert^2`. So measure: for each
# batch size, bisect the learning rate with the package's :func:`~sgd_tutorial.sgd` (batches
# shuffled per epoch, 500 updates from :math:`(-1, 1)`), counting a run as unstable when it
# raises :class:`~sgd_tutorial.DivergenceError` or ends with a loss above its start. A batch
# of all :math:`n` samples is gradient descent, so that row runs
# :func:`~sgd_tutorial.gradient_descent`.

lesson = make_linear_data(100, seed=0)
bound = max_stable_lr(lesson.x)
start_loss = float(mse(lesson.x @ start.float(), lesson.y))
per_sample = float(2 * (lesson.x**2).sum(dim=1).max())


def is_stable(lr, batch_size, updates=500):
    """SGD at ``lr`` ends below its starting loss without a DivergenceError."""
    per_epoch = -(-lesson.n // batch_size)
    try:
        if batch_size == lesson.n:
            fit = gradient_descent(lesson.x, lesson.y, lr=lr, steps=updates)
        else:
            fit = sgd(
                lesson.x,
                lesson.y,
                lr=lr,
                epochs=-(-updates // per_epoch),
                batch_size=batch_size,
                seed=0,
            )
    except DivergenceError:
        return False
    return float(mse(lesson.x @ fit.coef, lesson.y)) < start_loss


batch_sizes = [1, 2, 5, 10, 20, lesson.n]
measured = []
for b in batch_sizes:
    low, high = 0.1 * bound, 3 * bound
    for _ in range(11):
        mid = math.sqrt(low * high)
        low, high = (mid, high) if is_stable(mid, b) else (low, mid)
    measured.append(low)
print(
    f"2 / lambda_max = {bound:.4f}; 2 / (largest one-sample curvature) = {2 / per_sample:.4f}"
)
print("batch size | largest stable lr | / (2 / lambda_max)")
for b, lr in zip(batch_sizes, measured, strict=True):
    print(f"{b:10d} | {lr:17.4f} | {lr / bound:18.3f}")

fig, ax = plt.subplots(figsize=(6.4, 4.0))
ax.semilogx(
    batch_sizes, measured, "o-", label="measured (SGD, shuffled batches)"
)
ax.axhline(
    bound, color="tab:red", ls="--", label=r"$2/\lambda_{\max}$ (full batch)"
)
ax.axhline(
    2 / per_sample,
    color="0.5",
    ls=":",
    label="2 / largest one-sample curvature",
)
ax.set_xlabel("batch size")
ax.set_ylabel("largest stable learning rate")
ax.set_title(f"n = {lesson.n}: stability against batch size")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# At batch size :math:`n` the measurement lands on :math:`2/\lambda_{\max}` (the last row):
# a "batch" of everything is gradient descent. The smallest batches tolerate less (the first
# rows), because a single sample's curvature can exceed the average's; the printed
# one-sample bound is the pessimistic end, since no one sample is met at every step. The
# ratio column shows how fast the full-batch bound becomes the right guide as the batch
# grows.
#
# What to take away
# -----------------
# * A constant learning rate stops improving at a noise floor; a schedule that lowers the
#   rate, or averaging the iterates, keeps going down. ``torch.optim.lr_scheduler`` does the
#   bookkeeping: call ``scheduler.step()`` after ``optimizer.step()``.
# * Momentum buys speed along flat directions. Heavy ball tolerates rates up to
#   :math:`(2 + 2\beta)/\lambda_{\max}`, Nesterov only :math:`(2 + 2\beta)/((1 + 2\beta)
#   \lambda_{\max})`, both measured here.
# * Adam and RMSprop rescale each coordinate: a cure for inputs on very different scales,
#   none for a valley that runs diagonally. Standardising the inputs (tutorial 10) helps both.
# * Small batches lower the largest stable learning rate below :math:`2/\lambda_{\max}`.

# %%
# Exercises
# ---------
#
# **Exercise 1.** Tutorial 4 found the noise floor proportional to the learning rate. Predict
# the constant-rate floor at learning rate 0.05, half of 0.1, then run it (the mean excess
# over the last half of the updates, median over the runs).
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 1</summary>

# %%
half = UPDATES // 2
floors = {}
for rate in (0.1, 0.05):
    ex = (
        results["constant"][0]
        if rate == LR0
        else run_schedule(lambda _: None, lr=rate)[0]
    )
    floors[rate] = float(ex[half:].mean(dim=0).median())
    print(
        f"constant lr {rate}: floor (mean excess over the last {half} updates) {floors[rate]:.3e}"
    )
ratio = floors[0.1] / floors[0.05]
print(f"ratio of the floors: {ratio:.2f}")
if ratio > 2.2:
    print("halving the rate divided the floor by more than two")
elif ratio < 1.8:
    print("halving the rate divided the floor by less than two")
else:
    print("halving the rate divided the floor by about two")

# %%
# A floor proportional to the rate would halve. With a fresh shuffle per epoch part of the
# noise cancels within each epoch (tutorial 4), so the floor need not follow the simple
# proportionality exactly; the printed ratio is what this data does.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 2.** Does a smaller learning rate rescue Adam on the rotated valley? Predict the
# excess after 500 steps at lr 0.01 compared with lr 0.1, then run it.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 2</summary>

# %%
rotated = valleys["rotated 45 degrees"]
for rate in (0.1, 0.01):
    ex = full_batch(
        rotated["xx"],
        wide.y,
        lambda ps, rate=rate: torch.optim.Adam(ps, lr=rate),
        adaptive_steps,
        rotated["init"],
        rotated["best"],
        rotated["hessian"],
    )
    print(
        f"Adam, lr {rate}, rotated valley: excess after {adaptive_steps} steps {ex[-1]:.3e}"
    )
gd_rotated = adaptive_curves[
    "rotated 45 degrees", "gradient descent, 0.9 x bound"
][-1]
print(f"gradient descent at 0.9 x bound, same valley: {gd_rotated:.3e}")

# %%
# Compare the printed numbers: the learning rate trades how fast Adam moves against how
# closely it can settle, but no rate changes the fact that its per-coordinate scaling does
# not match the valley's directions.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 3.** Predict, from :math:`(2 + 2\beta) / ((1 + 2\beta)\lambda_{\max})`, the
# largest stable learning rate of Nesterov momentum with :math:`\beta = 0.5` on the
# :math:`(-30, 30)` data, then measure it with ``largest_stable``.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 3</summary>

# %%
beta = 0.5
predicted = (2 + 2 * beta) / ((1 + 2 * beta) * lam_max)
measured_half = largest_stable(
    lambda lr: (
        lambda ps: torch.optim.SGD(ps, lr=lr, momentum=beta, nesterov=True)
    ),
    0.5 / lam_max,
    10 / lam_max,
)
print(
    f"Nesterov, momentum {beta}: predicted {predicted:.6f}, measured {measured_half:.6f}"
)
print(
    f"heavy ball would allow max_stable_lr(x, {beta}) = {max_stable_lr(wide.x, beta):.6f}"
)

# %%
# .. raw:: html
#
#    </details>
