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
* the largest stable learning rate of SGD measured against the batch size, over many seeds,
  beside :math:`2/\lambda_{\max}`.
"""

# %%
# Setup
# -----
# The lesson's data again: the very sample of tutorials 4 and 6, converted to float64 so that
# the excess loss can be followed far below float32's resolution. For a quadratic loss the
# excess above the minimum is exactly :math:`\tfrac12 (p - p^\ast)^\top H (p - p^\ast)` with
# :math:`H = \tfrac{2}{n} X^\top X`. Subtracting the minimum from the loss gives the same
# number, but only down to the rounding of the loss itself; the formula has no such limit.
# Every run here is small and sequential, so this page runs on the CPU, and on one
# thread, as tutorial 10 does: operations this small gain little from being split across
# cores, and on a machine busy with other work the split can cost a great deal (tutorial 8
# shows why). The last cell gives PyTorch back its default.

import itertools
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from sgd_tutorial import (
    hessian_eigenvalues,
    least_squares,
    make_linear_data,
    max_stable_lr,
    mse,
)

# sphinx_gallery_thumbnail_number = 1

threads = torch.get_num_threads()
torch.set_num_threads(1)
lesson = make_linear_data(100, seed=0)  # float32, as in tutorials 4 and 6
x, y, n = lesson.x.double(), lesson.y.double(), lesson.n
same = torch.equal(x.float(), lesson.x) and torch.equal(y.float(), lesson.y)
assert same, "float64 holds every float32 number exactly: the same sample"
best = least_squares(x, y)
floor = float(mse(x @ best, y))
hessian = 2 / n * x.T @ x


def excess(p, best=best, hessian=hessian):
    """Loss above the minimum, 0.5 (p - p*)^T H (p - p*), for any batch of p."""
    d = p - best
    return 0.5 * ((d @ hessian) * d).sum(dim=-1)


start = torch.tensor([-1.0, 1.0], dtype=torch.float64)
by_formula = float(excess(start))
by_difference = float(mse(x @ start, y)) - floor
print(f"least squares {best.numpy().round(4)}, minimum MSE {floor:.5f}")
print(
    f"excess at (-1, 1): formula {by_formula:.9f}, "
    f"difference of losses {by_difference:.9f}"
)
print(
    f"rounding step of a float64 loss near the minimum: {math.ulp(floor):.1e}"
)
assert math.isclose(by_formula, by_difference, rel_tol=1e-9), (
    f"the formula ({by_formula}) and the difference ({by_difference}) disagree"
)

# %%
# Schedules against the noise floor
# ---------------------------------
# Tutorial 4's setting: SGD with batches of 5, a fresh shuffle per :term:`epoch`, starting
# learning rate 0.1. Twenty independent runs go at once: the parameter is a ``(20, 2)``
# tensor, row ``r`` is run ``r``, and each row gets its own batch gradient
# :math:`\tfrac{2}{b} X_B^\top (X_B p - y_B)`, the formula of tutorial 2, handed to the
# optimizer as ``p.grad``. (``backward()`` on the sum of the runs' losses gives the same
# gradients, as the first lines of code check; the formula is cheaper.)
# ``torch.optim.SGD`` steps the runs and a scheduler from ``torch.optim.lr_scheduler`` sets
# the learning rate after every update:
#
# * **constant**: no scheduler;
# * **step**: ``StepLR``, the rate times 0.2 every quarter of the run;
# * **1/t**: ``LambdaLR`` with :math:`\eta_t = \eta_0 / (1 + t/50)`;
# * **cosine**: ``CosineAnnealingLR``, from :math:`\eta_0` down to zero at the last update
#   along half a cosine wave.
#
# A fifth curve keeps the rate constant and instead *averages the iterates* (Polyak
# averaging): it is the running mean of the constant run's parameters from a tenth of the way
# in, so the training itself is untouched.

RUNS, BATCH, UPDATES, LR0 = 20, 5, 2000, 0.1
AVERAGE_FROM = UPDATES // 10

rows = torch.randint(
    n, (RUNS, BATCH), generator=torch.Generator().manual_seed(0)
)
p = start.repeat(RUNS, 1).requires_grad_()
residual = (x[rows] * p[:, None, :]).sum(dim=-1) - y[rows]
(residual**2).mean(dim=1).sum().backward()  # each run's MSE, added up
formula = 2 / BATCH * (residual.detach()[..., None] * x[rows]).sum(dim=1)
torch.testing.assert_close(p.grad, formula, msg="autograd and the formula")


def shuffled_batches(generator):
    """Forever: per run, a fresh shuffle per epoch cut into batches of BATCH."""
    while True:
        order = torch.rand(RUNS, n, generator=generator).argsort(dim=1)
        for first in range(0, n, BATCH):
            yield order[:, first : first + BATCH]


def run_schedule(make_scheduler, lr=LR0, seed=0, draw=shuffled_batches):
    """Parameters (updates, runs, 2) and learning rates of a scheduled run."""
    p = torch.nn.Parameter(start.repeat(RUNS, 1))
    optimizer = torch.optim.SGD([p], lr=lr)
    scheduler = make_scheduler(optimizer)
    batches = draw(torch.Generator().manual_seed(seed))
    path, rates = [], []
    for _ in range(UPDATES):
        idx = next(batches)
        xb, yb = x[idx], y[idx]  # (runs, batch, 2) and (runs, batch)
        with torch.no_grad():
            residual = (xb * p[:, None, :]).sum(dim=-1) - yb
            p.grad = 2 / BATCH * (residual[..., None] * xb).sum(dim=1)
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        path.append(p.detach().clone())
    return torch.stack(path), np.array(rates)


schedulers = {
    "constant": lambda _: None,
    "step x0.2 / quarter": lambda opt: torch.optim.lr_scheduler.StepLR(
        opt, step_size=UPDATES // 4, gamma=0.2
    ),
    "1/t": lambda opt: torch.optim.lr_scheduler.LambdaLR(
        opt, lambda t: 1 / (1 + t / 50)
    ),
    "cosine": lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=UPDATES
    ),
}
results = {}
for name, make in schedulers.items():
    path, rates = run_schedule(make)
    results[name] = (excess(path), rates)
    if name == "constant":
        constant_path, constant_rates = path, rates
# Polyak: the running mean of the constant run's iterates, from AVERAGE_FROM on
tail = constant_path[AVERAGE_FROM:]
counts = torch.arange(1, len(tail) + 1, dtype=torch.float64)[:, None, None]
averaged = torch.cat([constant_path[:AVERAGE_FROM], tail.cumsum(0) / counts])
results["Polyak averaging"] = (excess(averaged), constant_rates)

checkpoints = (100, 300, 1000, UPDATES)
print(f"excess MSE of {RUNS} runs, batch {BATCH}, starting lr {LR0}")
header = "".join(f"{t:>10}" for t in checkpoints)
print(f"{'median at update':>20}{header}{'mean of last 100':>17}")
last = {}  # the mean over the last 100 updates and the runs
for name, (ex, _) in results.items():
    row = "".join(f"{float(ex[t - 1].median()):10.2e}" for t in checkpoints)
    last[name] = float(ex[-100:].mean())
    print(f"{name:>20}{row}{last[name]:17.2e}")
ranking = sorted(last, key=last.get)
print("lowest to highest over the last 100 updates:")
print("  " + ", ".join(ranking))

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
# All curves start together (after ten updates, the schedules' mean excesses are within a
# factor of 1.5 of each other): early on the error from the starting point dominates and
# every schedule still uses about the starting rate. Then they part:
#
# * The **constant** rate reaches its floor within a few hundred updates and stays there:
#   its mean excess over the last 500 updates is within a factor of two of its mean over
#   updates 300 to 800. The only way down is a smaller rate.
# * The **step** schedule is the constant rate with the floor lowered at every cut: each
#   drop of the rate by 0.2 drops the curve to a new plateau, more than two times lower.
# * **1/t** lowers the rate a little at every update, so it never sits on a plateau: the
#   noise keeps shrinking along with the rate.
# * **Cosine** keeps the rate high for long, then brings it to zero at the end, where it
#   ends more than a hundred times below the constant rate.
# * **Polyak averaging** trains exactly like the constant rate, yet the average of its
#   iterates ends more than a hundred times below that floor, because the jitter around the
#   minimum averages out.
#
# The code below measures each of these on the twenty runs: means over windows of updates
# and over the runs, so that no one lucky run decides.


def level(name, first, last):
    """Mean excess of a schedule over updates first..last-1 and the runs."""
    return float(results[name][0][first:last].mean())


quarter = UPDATES // 4
ends = range(quarter, UPDATES + 1, quarter)  # the last update of each quarter
plateaus = [level("step x0.2 / quarter", t - 100, t) for t in ends]
early = level("constant", 300, 800)
late = level("constant", UPDATES - 500, UPDATES)
inverse_t = [level("1/t", t - 100, t) for t in ends]
print(f"constant, updates 300-800: {early:.2e}; last 500: {late:.2e}")
print(f"mean excess over the 100 updates before update {list(ends)}:")
print("  step: " + ", ".join(f"{v:.1e}" for v in plateaus))
print("   1/t: " + ", ".join(f"{v:.1e}" for v in inverse_t))

at_10 = [float(ex[9].mean()) for ex, _ in results.values()]
print("mean excess after 10 updates: " + ", ".join(f"{v:.2f}" for v in at_10))
assert max(at_10) < 1.5 * min(at_10), f"after 10 updates: {at_10}"
assert 0.5 < late / early < 2, (
    f"constant: left its floor, {early:.2e} -> {late:.2e}"
)
for high, low in itertools.pairwise(plateaus):
    assert low < high / 2, f"step: a cut should at least halve it, {plateaus}"
for high, low in itertools.pairwise(inverse_t):
    assert low < high, f"1/t: the excess should keep falling, {inverse_t}"
for name in ("cosine", "Polyak averaging"):
    ratio = last[name] / last["constant"]
    assert ratio < 0.01, f"{name}: ends {ratio:.2g} x the constant floor"
assert ranking[-1] == "constant", (
    f"a constant rate should end highest: {ranking}"
)

# %%
# Which schedule wins depends on the run's length and starting rate, which is why the step
# sizes and the length of a schedule are tuned together; what does not depend on them is
# that a constant rate stops improving at its floor.
#
# Nesterov momentum
# -----------------
# Heavy-ball momentum (tutorial 7) adds a fraction :math:`\beta` of the last step to the
# gradient step. Nesterov's variant computes the gradient *after* that momentum move, a look
# ahead; ``torch.optim.SGD(..., nesterov=True)`` implements it as
# :math:`v \leftarrow \beta v + g,\ p \leftarrow p - \eta (g + \beta v)`. On the learner's
# :math:`(-30, 30)` data (tutorial 6's sample, its condition number printed below),
# full-batch, at the learning rate :math:`1/\lambda_{\max}` and :math:`\beta = 0.9`:

wide32 = make_linear_data(100, low=-30, high=30, seed=0)  # tutorial 6's
wide_x, wide_y = wide32.x.double(), wide32.y.double()
wide_best = least_squares(wide_x, wide_y)
wide_hessian = 2 / wide32.n * wide_x.T @ wide_x
lam_min, lam_max = hessian_eigenvalues(wide_x).tolist()
print(
    f"(-30, 30): lambda_min {lam_min:.3f}, lambda_max {lam_max:.1f}, "
    f"condition number {lam_max / lam_min:.0f}"
)


def full_batch(xx, yy, make_optimizer, steps, init, best, hessian):
    """Excess loss after each full-batch step of a torch.optim optimizer.

    Stops early once the excess overflows (past 1e100).
    """
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
    "heavy ball, 0.9": lambda ps: torch.optim.SGD(ps, lr=lr_n, momentum=0.9),
    "Nesterov, 0.9": lambda ps: torch.optim.SGD(
        ps, lr=lr_n, momentum=0.9, nesterov=True
    ),
}
steps_shown = (10, 50, 100, 300)
print(f"full batch, lr 1/lambda_max = {lr_n:.5f}; excess MSE after")
print(f"{'':>17}" + "".join(f"{f'{t} steps':>11}" for t in steps_shown))
curves = {}
for name, make in momentum_runs.items():
    curves[name] = full_batch(wide_x, wide_y, make, 300, **wide_run)
    row = "".join(f"{curves[name][t - 1]:11.2e}" for t in steps_shown)
    print(f"{name:>17}{row}")

# %%
# Both kinds of momentum leave plain gradient descent far behind along the flat direction
# (more than a hundred times lower after 300 steps), and the look-ahead damps the overshoot
# that makes heavy ball's first steps worse than gradient descent's (the columns after 10
# and 50 steps):

gd, hb, nag = curves.values()
assert max(hb[-1], nag[-1]) < gd[-1] / 100, (
    f"after 300 steps: gradient descent {gd[-1]:.2e}, heavy ball {hb[-1]:.2e}, "
    f"Nesterov {nag[-1]:.2e}"
)
assert hb[9] > gd[9], "heavy ball should start worse than gradient descent"
for t in (10, 50):
    assert nag[t - 1] < hb[t - 1], f"Nesterov should overshoot less ({t} steps)"

# %%
# The price shows at large learning rates. Measure the largest stable rate of each by
# bisection: a run counts as stable if after 300 steps its excess is below where it started.


def largest_stable(
    make_for_lr, low=1 / lam_max, high=5 / lam_max, iterations=8
):
    """Bisect (geometrically) the largest lr whose run ends below its start."""
    start_excess = float(excess(start, wide_best, wide_hessian))
    for _ in range(iterations):
        mid = math.sqrt(low * high)
        ex = full_batch(wide_x, wide_y, make_for_lr(mid), 300, **wide_run)
        ok = len(ex) == 300 and ex[-1] < start_excess
        low, high = (mid, high) if ok else (low, mid)
    return low


def heavy_ball(beta):
    """Makers of torch.optim.SGD with heavy-ball momentum, for any lr."""
    return lambda lr: lambda ps: torch.optim.SGD(ps, lr=lr, momentum=beta)


def nesterov(beta):
    """Makers of torch.optim.SGD with Nesterov momentum, for any lr."""
    return lambda lr: (
        lambda ps: torch.optim.SGD(ps, lr=lr, momentum=beta, nesterov=True)
    )


beta = 0.9
measured_hb = largest_stable(heavy_ball(beta))
measured_nag = largest_stable(nesterov(beta))
theory_hb = (2 + 2 * beta) / lam_max
theory_nag = (2 + 2 * beta) / ((1 + 2 * beta) * lam_max)
print(f"momentum {beta}: largest stable lr x lambda_max, measured vs theory")
print(
    f"  heavy ball: {measured_hb * lam_max:.4f}   "
    f"(2 + 2 beta = {theory_hb * lam_max:.4f})"
)
print(
    f"  Nesterov:   {measured_nag * lam_max:.4f}   "
    f"((2 + 2 beta) / (1 + 2 beta) = {theory_nag * lam_max:.4f})"
)
gap = max(abs(measured_hb / theory_hb - 1), abs(measured_nag / theory_nag - 1))
print(f"  largest relative gap between measurement and theory: {gap:.2%}")
print(
    f"  (max_stable_lr(x, {beta}) x lambda_max = "
    f"{max_stable_lr(wide_x, beta) * lam_max:.4f})"
)
assert gap < 0.01, f"the bisection is {gap:.2%} off the formulas"

fig, ax = plt.subplots(figsize=(6.4, 4.0))
for name, ex in curves.items():
    ax.semilogy(np.arange(1, len(ex) + 1), ex, label=name)
ax.set_xlabel("full-batch step")
ax.set_ylabel("excess MSE")
ax.set_title(f"Inputs in (-30, 30), lr 1/lambda_max = {lr_n:.2g}")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# The measured bounds land on the formulas, within the small gap printed (the bisection's
# resolution, and just past the edge a run grows too slowly to show in 300 steps). Heavy
# ball's range grows with :math:`\beta` (tutorial 7's :math:`2 + 2\beta`, which is what
# :func:`~sgd_tutorial.max_stable_lr` computes). Nesterov's :math:`(2 + 2\beta)/(1 + 2\beta)`
# *shrinks* as :math:`\beta` grows, from 2 at :math:`\beta = 0` towards 4/3, because the
# look-ahead gradient is itself multiplied by :math:`1 + \beta` in the step. So Nesterov is
# the steadier method at a modest learning rate, heavy ball the one that tolerates a large
# one:

for b in (0.0, 0.5, 0.9, 0.99):
    print(
        f"beta {b:4}: heavy ball {2 + 2 * b:.3f}, "
        f"Nesterov {(2 + 2 * b) / (1 + 2 * b):.3f}  (x 1/lambda_max)"
    )
nesterov_limits = [(2 + 2 * b) / (1 + 2 * b) for b in np.linspace(0, 1, 101)]
assert all(
    a > b > 4 / 3 - 1e-12 for a, b in itertools.pairwise(nesterov_limits)
), "Nesterov's limit should fall from 2 towards 4/3 as beta grows"
assert measured_hb > 2 * measured_nag, (
    f"heavy ball {measured_hb:.5f} should tolerate over twice Nesterov's "
    f"{measured_nag:.5f} at momentum {beta}"
)

# %%
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
rotated_x = wide_x @ rotation
valleys = {
    "along the axes": {"xx": wide_x, "init": start, "best": wide_best},
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


rescaled = {}
for name, valley in valleys.items():
    h = 2 / wide32.n * valley["xx"].T @ valley["xx"]
    valley["hessian"] = h
    d = torch.diag(h).rsqrt()
    rescaled[name] = condition(d[:, None] * h * d[None, :])
    valley["start"] = float(excess(valley["init"], valley["best"], h))
    print(
        f"{name}: Hessian diagonal {torch.diag(h).numpy().round(1)}, "
        f"off-diagonal {float(h[0, 1]):.1f}"
    )
    print(
        f"  condition number {condition(h):.0f}, "
        f"after diagonal rescaling {rescaled[name]:.2f}"
    )
    print(f"  excess at the start {valley['start']:.4f}")
axes_valley, rotated_valley = valleys.values()
torch.testing.assert_close(
    torch.linalg.eigvalsh(axes_valley["hessian"]),
    torch.linalg.eigvalsh(rotated_valley["hessian"]),
    msg="a rotation should leave the eigenvalues as they are",
)
assert math.isclose(
    axes_valley["start"], rotated_valley["start"], rel_tol=1e-9
), "the rotated start should have the same excess loss"
assert rescaled["along the axes"] < 1.5, (
    "along the axes, rescaling should nearly fix it"
)
assert rescaled["rotated 45 degrees"] > 0.5 * condition(
    axes_valley["hessian"]
), "rotated, rescaling should leave most of the condition number"

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
race = {}
print(f"excess MSE after {adaptive_steps // 5} and {adaptive_steps} steps")
for valley_name, valley in valleys.items():
    print(valley_name)
    for name, make in adaptive.items():
        ex = full_batch(
            valley["xx"],
            wide_y,
            make(valley["xx"]),
            adaptive_steps,
            valley["init"],
            valley["best"],
            valley["hessian"],
        )
        race[valley_name, name] = ex
        print(f"{name:>32}: {ex[adaptive_steps // 5 - 1]:9.2e} {ex[-1]:9.2e}")

fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.8), sharey=True)
for ax, valley_name in zip(axes, valleys, strict=True):
    for name in adaptive:
        ex = race[valley_name, name]
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
# Along the axes, RMSprop starts slowly (a step of about the learning rate per coordinate
# takes a while to carry the slope from -1 to 3: after 100 steps it is still above gradient
# descent), then both adaptive methods race to the minimum, while gradient descent is held
# back by the intercept's tiny curvature. They end below float64's rounding step of the
# minimum loss (printed below), where only the excess formula can follow them. On the rotated
# valley gradient descent does exactly what it did before: it sees only the eigenvalues,
# which did not change. The adaptive methods lose their advantage: the per-coordinate scales
# are now nearly equal, so they rescale nothing, and after 500 steps both are still far
# above the minimum, behind gradient descent. Adam and RMSprop fix badly scaled
# *coordinates*, not badly conditioned *directions*.

wide_floor = float(mse(wide_x @ wide_best, wide_y))
print(f"rounding step of a float64 loss here: {math.ulp(wide_floor):.1e}")
gd_axes = race["along the axes", "gradient descent, 0.9 x bound"]
gd_rotated = race["rotated 45 degrees", "gradient descent, 0.9 x bound"]
for name in ("RMSprop, lr 0.03", "Adam, lr 0.1"):
    along, rotated = (
        race["along the axes", name],
        race["rotated 45 degrees", name],
    )
    assert along[-1] < min(gd_axes[-1] / 1000, math.ulp(wide_floor)), (
        f"{name} should beat gradient descent along the axes: {along[-1]:.1e}"
    )
    assert rotated[-1] > 10 * gd_rotated[-1], (
        f"{name} should trail gradient descent on the rotated valley"
    )
rms = race["along the axes", "RMSprop, lr 0.03"]
assert rms[99] > gd_axes[99], "RMSprop should still trail after 100 steps"
np.testing.assert_allclose(
    gd_rotated,
    gd_axes,
    rtol=1e-6,
    err_msg="gradient descent should not notice the rotation",
)

# %%
# The largest stable learning rate against the batch size
# -------------------------------------------------------
# Tutorial 6's bound :math:`2/\lambda_{\max}` is for full-batch gradient descent. With
# minibatches each step follows its own batch's Hessian, whose largest eigenvalue varies from
# batch to batch and can be far larger than the average's: one sample's Hessian,
# :math:`2 x_i x_i^\top`, has eigenvalue :math:`2\lVert x_i \rVert^2`. So measure, back on
# the lesson's data: for each batch size, run SGD (a fresh shuffle per epoch, 500 updates
# from :math:`(-1, 1)`) at a grid of learning rates 1 % apart, and call a rate stable when
# the run ends below its starting loss. The batches depend on the seed, so every batch size
# is measured for twenty seeds, all at once: the slope and the intercept are (seeds, rates)
# tensors, updated with the lesson's own formulas. A batch of all :math:`n` samples is
# gradient descent, whatever the shuffle, so one seed does for it.

bound = max_stable_lr(x)
multiples = torch.exp(  # 0.6 to 1.25, each 1 % above the one before
    torch.linspace(math.log(0.6), math.log(1.25), 75, dtype=torch.float64)
)
SEEDS = 20
u = x[:, 0]  # the input; the second column of x is the ones


def largest_stable_multiple(batch_size, seeds=SEEDS, updates=500):
    """Per seed, the largest multiple of 2/lambda_max that ends below the start.

    Every rate below it on the grid must be stable too.
    """
    generator = torch.Generator().manual_seed(0)
    slope = torch.full((seeds, len(multiples)), start[0])  # (seeds, rates)
    intercept = torch.full((seeds, len(multiples)), start[1])
    lr = bound * multiples
    done = 0
    while done < updates:
        order = torch.rand(seeds, n, generator=generator).argsort(dim=1)
        for first in range(0, n, batch_size):
            rows = order[:, None, first : first + batch_size]  # (seeds, 1, b)
            residual = (
                slope[..., None] * u[rows] + intercept[..., None] - y[rows]
            )
            slope = slope - lr * 2 * (residual * u[rows]).mean(dim=-1)
            intercept = intercept - lr * 2 * residual.mean(dim=-1)
            done += 1
            if done == updates:
                break
    predictions = slope[..., None] * u + intercept[..., None]
    stable = ((predictions - y) ** 2).mean(dim=-1) < float(mse(x @ start, y))
    assert stable[:, 0].all(), "the lowest rate of the grid should be stable"
    return multiples[stable.cumprod(dim=1).sum(dim=1) - 1]  # nan is unstable


per_sample = float(2 * (x**2).sum(dim=1).max())
batch_sizes = [1, 2, 5, 10, 20, n]
limits = {b: largest_stable_multiple(b) for b in batch_sizes[:-1]}
limits[n] = largest_stable_multiple(n, seeds=1)  # a full batch ignores the seed
print(
    f"2 / lambda_max = {bound:.4f}; "
    f"2 / (largest one-sample curvature) = {2 / per_sample:.4f}"
)
print(f"largest stable lr / (2 / lambda_max), over {SEEDS} seeds")
print(f"{'batch size':>10} {'lowest':>8} {'median':>8} {'highest':>8}")
for b, ratios in limits.items():
    low, mid, high = ratios.min(), ratios.median(), ratios.max()
    print(f"{b:10d} {low:8.3f} {mid:8.3f} {high:8.3f}")

fig, ax = plt.subplots(figsize=(6.4, 4.0))
lows, mids, highs = (
    np.array([float(f(r)) * bound for r in limits.values()])
    for f in (torch.min, torch.median, torch.max)
)
ax.fill_between(
    batch_sizes, lows, highs, alpha=0.3, label="lowest to highest seed"
)
ax.semilogx(batch_sizes, mids, "o-", label=f"median of {SEEDS} seeds")
ax.axhline(bound, color="C3", ls="--", label=r"$2/\lambda_{\max}$ (full batch)")
ax.axhline(
    2 / per_sample,
    color="0.5",
    ls=":",
    label="2 / largest one-sample curvature",
)
ax.set_xlabel("batch size")
ax.set_ylabel("largest stable learning rate")
ax.set_title(f"n = {n}: stability against batch size")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# At batch size :math:`n` the measurement lands on :math:`2/\lambda_{\max}` (the last row,
# to the grid's 1 %): a "batch" of everything is gradient descent. Batches of one and two
# samples tolerate less on every seed (the first rows), because a single sample's curvature
# can exceed the average's; the printed one-sample bound is the pessimistic end, since no
# one sample is met at every step. From five samples up, every seed's limit lies within
# 10 % of :math:`2/\lambda_{\max}`, on either side: the full-batch bound is already the
# right guide.

full = limits[n]
assert abs(float(full.max()) - 1) < 0.02, (
    f"full batch measured at {float(full.max()):.3f}"
)
for b in (1, 2):
    highest = float(limits[b].max())
    assert highest < 1, f"batch {b}: a seed was stable at {highest:.3f} x bound"
assert float(limits[1].min()) * bound > 2 / per_sample, (
    "batch 1 should tolerate more than the one-sample bound"
)
for b in (5, 10, 20):
    lowest, highest = float(limits[b].min()), float(limits[b].max())
    assert lowest > 0.9, (
        f"batch {b}: a seed's limit is {lowest:.3f} x the bound"
    )
    assert highest < 1.1, (
        f"batch {b}: a seed's limit is {highest:.3f} x the bound"
    )

# %%
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
# * Batches of one or two samples lowered the largest stable learning rate below
#   :math:`2/\lambda_{\max}` on every seed; from five samples up it stayed within 10 % of it.

# %%
# Exercises
# ---------
#
# **Exercise 1.** Tutorial 4 found that with *independent* draws (each batch drawn afresh,
# with replacement) the noise floor is proportional to the learning rate. Predict the floor
# at learning rate 0.05, half of 0.1, for independent draws and for the fresh shuffle per
# epoch used above; then run both (the mean excess over the last half of the updates and
# over the runs).
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 1</summary>

# %%


def independent_batches(generator):
    """Forever: BATCH indices per run, each drawn afresh from all n samples."""
    while True:
        yield torch.randint(n, (RUNS, BATCH), generator=generator)


half = UPDATES // 2
floors = {("shuffled_batches", 0.1): float(excess(constant_path[half:]).mean())}
for draw, rate in (
    (independent_batches, 0.1),
    (independent_batches, 0.05),
    (shuffled_batches, 0.05),
):
    path, _ = run_schedule(lambda _: None, lr=rate, draw=draw)
    floors[draw.__name__, rate] = float(excess(path[half:]).mean())
print(f"mean excess over the last {half} updates and {RUNS} runs")
for draw in ("independent_batches", "shuffled_batches"):
    high, low = floors[draw, 0.1], floors[draw, 0.05]
    print(
        f"{draw:>19}: lr 0.1 {high:.2e}, 0.05 {low:.2e}, ratio {high / low:.2f}"
    )
independent = (
    floors["independent_batches", 0.1] / floors["independent_batches", 0.05]
)
shuffled = floors["shuffled_batches", 0.1] / floors["shuffled_batches", 0.05]
assert 1.6 < independent < 2.6, (
    f"independent draws: ratio {independent:.2f}, not about 2"
)
assert shuffled > 1.2 * independent, (
    f"shuffled: ratio {shuffled:.2f}, not clearly above {independent:.2f}"
)

# %%
# With independent draws, halving the rate about halves the floor (the ratio is a little
# above two because the rate is not small: the exact stationary excess grows a little faster
# than the rate). With a shuffle per epoch it falls by more. Within an epoch the batches of a
# shuffle use every sample once, so their gradient noise adds up to nothing over the epoch,
# and the smaller the rate, the more steps the parameters take to forget a kick, so the more
# of that cancellation they see. The proportionality of tutorial 4 is a statement about
# independent draws.
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
adam = {}
for rate in (0.1, 0.01):
    adam[rate] = full_batch(
        rotated["xx"],
        wide_y,
        lambda ps, rate=rate: torch.optim.Adam(ps, lr=rate),
        adaptive_steps,
        rotated["init"],
        rotated["best"],
        rotated["hessian"],
    )[-1]
    print(
        f"Adam, lr {rate}, rotated valley, 500 steps: excess {adam[rate]:.2e}"
    )
print(f"gradient descent at 0.9 x bound, same valley: {gd_rotated[-1]:.3e}")
assert min(adam.values()) > 10 * gd_rotated[-1], (
    "neither rate should bring Adam near gradient descent here"
)

# %%
# Neither rate comes within ten times gradient descent's excess: the learning rate trades how
# fast Adam moves against how closely it can settle, but no rate changes the fact that its
# per-coordinate scaling does not match the valley's directions.
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
measured_half = largest_stable(nesterov(beta))
print(
    f"Nesterov, momentum {beta}: predicted {predicted:.6f}, "
    f"measured {measured_half:.6f}"
)
print(
    f"heavy ball would allow max_stable_lr(x, {beta}) = "
    f"{max_stable_lr(wide_x, beta):.6f}"
)
assert math.isclose(measured_half, predicted, rel_tol=0.01), (
    f"measured {measured_half:.6f} is over 1 % from predicted {predicted:.6f}"
)

# %%
# The measurement lands within the bisection's resolution of the prediction; at
# :math:`\beta = 0.5` the two formulas say that Nesterov allows exactly half of what heavy
# ball does.
#
# .. raw:: html
#
#    </details>

torch.set_num_threads(threads)  # back to the default for whatever runs next
