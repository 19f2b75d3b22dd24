r"""
The learning rate
=================

To run this page yourself, install the package first: see :doc:`/installation`.

The :term:`learning rate` is the one number every gradient method asks for, and the one that
most often decides whether a run works at all. Too small and training crawls; too large and
the loss does not merely stall, it explodes. For linear regression with the mean squared
error we can do better than trial and error: the data itself says where "too large" begins.

This tutorial covers:

* too small, about right and too large, side by side;
* :term:`divergence`, caught as :class:`~sgd_tutorial.DivergenceError`, with the part of the
  run that happened before it, and which parameter runs away (here the intercept);
* the bound :math:`\eta < 2/\lambda_{\max}`, computed from the data, and how exactly it
  predicts where divergence starts; the best constant rate, and what it is best at;
* why the scale of the inputs matters: the same model on data in :math:`(-30, 30)`;
* an aside on summing the loss instead of averaging it.
"""

# %%
# Four learning rates
# -------------------
# The lesson's data again (its size is printed below), a slope and an intercept, started from
# :math:`(-1, 1)`. Full-batch gradient descent for 100 updates at four learning rates.
#
# Near the minimum what matters is how far above it a loss is, the *excess* over the
# least-squares minimum, so that is what the plots below show, on a log scale. As in
# tutorial 4, it is the mean square of ``x @ d``, where :math:`d` is the distance from the
# least-squares point: exact, with no difference of two nearly equal numbers.

import math
import textwrap

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
    plot_losses,
    sse,
    with_next,
)

data = make_linear_data(100, seed=0)
x, y = data.x, data.y
xd, yd = x.double(), y.double()
best = least_squares(xd, yd)
floor = mse(xd @ best, yd).item()
print(f"n = {data.n} samples; least-squares minimum of the MSE: {floor:.5f}")


def excess(params, x=x, best=best):
    """Excess MSE over the least-squares minimum at each row of params."""
    d = params.double() - best
    return ((x.double() @ d.T) ** 2).mean(0)


rates = {
    "too small": 0.01,
    "the lesson's": 0.1,
    "about right": 0.7,
    "too large": 1.05,
}
fits = {}
for name, lr in rates.items():
    fits[name] = gradient_descent(x, y, lr=lr, steps=100)
    loss = fits[name].losses[-1]
    print(f"lr {lr:<5} ({name:>12}): loss after 100 updates {loss:.4g}")

fig, ax = plt.subplots(figsize=(6.4, 4.2))
for (name, lr), fit in zip(rates.items(), fits.values(), strict=True):
    ax.plot(excess(fit.params[:-1]), label=f"lr {lr} ({name})")
ax.set_yscale("log")
ax.set_ylim(bottom=1e-10)  # far below anything that matters
ax.set_xlabel("update")
ax.set_ylabel("excess MSE over the minimum")
ax.set_title(f"Gradient descent at {len(rates)} learning rates, n = {data.n}")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# * At the smallest rate every step is safe but tiny: after 100 updates the loss is still far
#   above the minimum (its excess is larger than the minimum itself).
# * The lesson's rate gets there, steadily: its loss goes down at every update, and ends
#   within a thousandth of the minimum.
# * The larger "about right" rate gets there in a handful of steps: after 10 updates its
#   excess is already below a thousandth of the minimum.
# * The "too large" rate is not much larger, yet its loss *grows*: each step overshoots the
#   minimum by more than it started from.

small, lesson, right, large = (excess(fit.params) for fit in fits.values())
print(f"excess after 100 updates at lr 0.01: {small[-1]:.3g}")
print(f"excess after 100 updates at lr 0.1: {lesson[-1]:.1e}")
print(f"excess after 10 updates at lr 0.7: {right[10]:.1e}")
print(f"loss at lr 1.05: {fits['too large'].losses[0]:.3g} at the start,")
print(f"  {fits['too large'].losses[-1]:.3g} after 100 updates")
assert small[-1] > floor, "the smallest rate should still be far off"
assert (lesson.diff() < 0).all(), "at lr 0.1 the loss should go down"
assert lesson[-1] < 1e-3 * floor, "at lr 0.1 the fit should have arrived"
assert right[10] < 1e-3 * floor, "at lr 0.7 it should arrive within 10"
assert large[-1] > large[0], "at lr 1.05 the loss should grow"

# %%
# The same four runs in the Explorer (full batch, 100 updates), where you can drag the
# learning rate and watch the path on the loss landscape: `lr 0.01
# <../explorer.html?lr=0.01&momentum=0&batch=full&steps=100&seed=0>`__, `lr 0.1
# <../explorer.html?lr=0.1&momentum=0&batch=full&steps=100&seed=0>`__, `lr 0.7
# <../explorer.html?lr=0.7&momentum=0&batch=full&steps=100&seed=0>`__ and `lr 1.05
# <../explorer.html?lr=1.05&momentum=0&batch=full&steps=100&seed=0>`__.
#
# Divergence, caught
# ------------------
# Push the rate further and the parameters grow until float32, the precision of the data and
# so of the fit's recorded parameters, can no longer hold them: they become ``inf``.
# :func:`~sgd_tutorial.gradient_descent` checks for that and
# raises :class:`~sgd_tutorial.DivergenceError`, whose message (printed below) names the
# update and the stable bound we derive further down. It carries the run up to its last finite
# step in ``err.fit``, so we can look at what went wrong: which of the two parameters ran
# away?

diverged = None
try:
    gradient_descent(x, y, lr=1.5, steps=500)
except DivergenceError as err:
    diverged = err
    print(textwrap.fill(f"DivergenceError: {err}", 79, subsequent_indent="  "))
    print(f"finite updates kept in err.fit: {err.fit.steps}")
    print(f"err.step = {err.step}")
    print(
        "last finite losses:",
        ", ".join(f"{v:.3g}" for v in err.fit.losses[-3:].tolist()),
    )

assert diverged is not None, "lr 1.5 should diverge"
last = diverged.fit.params[-1].double()
for j, name in enumerate(("slope", "intercept")):
    print(
        f"{name:>9}: least squares {best[j]:.4f}, "
        f"last finite value {last[j]:.4g}"
    )

fig, (left, right) = plt.subplots(1, 2, figsize=(8.0, 3.6))
plot_losses(diverged.fit, labels=["lr 1.5"], ax=left)
left.set_title("The loss until float32 overflows")
intercept = diverged.fit.params[:, 1].double().numpy()
right.plot(intercept, ".-", lw=0.8)
right.set_yscale("symlog", linthresh=1.0)
decades = int(np.log10(np.abs(intercept).max()))
# one tick every 6 decades
ticks = [10.0**k for k in range(decades % 6, decades + 1, 6)]
right.set_yticks([-t for t in reversed(ticks)] + [0.0] + ticks)
right.set_xlabel("update")
right.set_ylabel("intercept (symmetric log scale)")
right.set_title("The intercept flips sign and grows")
fig.tight_layout()
plt.show()

# %%
# The last finite parameters printed above show which one ran away: the intercept is the
# larger by far, more than ten times the slope; the slope grows too, but much less (we will
# see by how much). The intercept does not wander off in one direction: it jumps across the
# minimum every step, landing further away each time (over the last 30 updates, checked
# below). That is the signature of a learning rate that is too large for a quadratic bowl.
# Why the intercept and not the slope is the next section's question.

off = diverged.fit.params[-31:, 1].double() - best[1]  # the intercept's error
assert abs(last[1]) > 10 * abs(last[0]), "the intercept should run away"
assert (off[1:] * off[:-1] < 0).all(), "it should cross the minimum each step"
assert (off[1:].abs() > off[:-1].abs()).all(), "it should land further away"

# %%
# Where "too large" begins
# ------------------------
# The MSE of a linear model is a quadratic function of the parameters :math:`p`, with a
# constant :term:`Hessian`
#
# .. math::
#
#     H = \frac{2}{n} X^\top X .
#
# Write the parameters as the minimum plus an error, :math:`p_t = p^\ast + e_t`. A
# gradient step is :math:`p_{t+1} = p_t - \eta H (p_t - p^\ast)`, so the error evolves as
# :math:`e_{t+1} = (I - \eta H)\, e_t`. Along an :term:`eigenvector` of :math:`H` with eigenvalue
# :math:`\lambda` that is multiplication by :math:`1 - \eta\lambda` at every step, so the
# component shrinks exactly when
#
# .. math::
#
#     |1 - \eta \lambda| < 1 \iff 0 < \eta < \frac{2}{\lambda}.
#
# All directions must shrink, so the largest eigenvalue sets the limit:
# :math:`\eta < 2/\lambda_{\max}`, and past it the component along the *top eigenvector*
# grows first. :func:`~sgd_tutorial.hessian_eigenvalues` and
# :func:`~sgd_tutorial.max_stable_lr` compute the eigenvalues and the bound from the data;
# ``torch.linalg.eigh`` also gives the eigenvectors:

eigenvalues = hessian_eigenvalues(x)
lam_min, lam_max = eigenvalues.tolist()
bound = max_stable_lr(x)
print(
    f"Hessian eigenvalues: lambda_min {lam_min:.4f}, lambda_max {lam_max:.4f}"
)
print(f"condition number lambda_max / lambda_min: {lam_max / lam_min:.3f}")
print(f"stable learning rates: lr < 2 / lambda_max = {bound:.4f}")
hessian = 2 / data.n * (xd.T @ xd)
_, vectors = torch.linalg.eigh(hessian)  # the eigenvalues above, and vectors
# an eigenvector's sign is arbitrary: make the intercept's part positive
top = vectors[:, -1] * torch.sign(vectors[1, -1])
print(f"top eigenvector (slope, intercept): ({top[0]:.3f}, {top[1]:.3f})")
u = xd[:, 0]
mean_square, mean_u = (u**2).mean().item(), u.mean().item()
print(f"mean of u^2: {mean_square:.4f}, of 1^2: 1, mean of u: {mean_u:.4f}")
print(f"top eigenvector, slope / intercept: {top[0] / top[1]:.4f}")
print(f"lr 1.5, last finite slope / intercept: {last[0] / last[1]:.4f}")

# %%
# The top eigenvector points almost exactly along the intercept's axis (its intercept part is
# above 0.99). The Hessian's diagonal is twice the mean square of each column of :math:`X`:
# the ones column has mean square 1, the inputs :math:`u`, uniform on :math:`(-1, 1)`, about
# 1/3 (printed above; a mean of 100 squares wanders by about 0.03 around 1/3, the standard
# deviation of :math:`u^2`, about 0.30, over :math:`\sqrt{100}`, and we allow three times
# that), and the off-diagonal entries, twice the mean of :math:`u`, are small. So the
# intercept's direction is the steep one, and it is the first to overflow. The diverged
# run's last parameters point along that eigenvector: their slope-to-intercept ratio (printed
# last) is the eigenvector's to within 0.001, so the slope grew only by its small share of
# the top direction.

assert abs(top[1]) > 0.99, "the top eigenvector should be the intercept's"
assert abs(mean_square - 1 / 3) < 3 * 0.03, "the mean of u^2 is far from 1/3"
assert abs(mean_u) < mean_square / 2, "the off-diagonal should be small"
assert abs(last[0] / last[1] - top[0] / top[1]) < 1e-3, (
    "the diverged run should point along the top eigenvector"
)

# %%
# The best constant rate
# ----------------------
# Every direction's error is multiplied by :math:`|1 - \eta\lambda|` at each step, so after
# many steps the error is dominated by the *worst* factor,
# :math:`\max_\lambda |1 - \eta\lambda|`, which is reached at :math:`\lambda_{\min}` or
# :math:`\lambda_{\max}`. Raising :math:`\eta` lowers :math:`|1 - \eta\lambda_{\min}|` but,
# once :math:`\eta\lambda_{\max} > 1`, raises :math:`|1 - \eta\lambda_{\max}|`. The worst
# of the two is smallest where they are equal, :math:`1 - \eta\lambda_{\min} =
# \eta\lambda_{\max} - 1`, that is at :math:`\eta^\ast = 2 / (\lambda_{\max} +
# \lambda_{\min})`, where both equal
# :math:`(\lambda_{\max} - \lambda_{\min}) / (\lambda_{\max} + \lambda_{\min})`. This
# rate does not make any one direction as fast as it can be (that would be
# :math:`\eta = 1/\lambda` for that direction, which zeroes it in one step). It is the rate
# at which the two directions are equally slow: below it the flat direction is the slower
# one, and above it the steep direction, overshooting more at every step, becomes the slower
# one, long before it stops shrinking at the bound. The factors at :math:`\eta^\ast` and
# 10 % either side:

best_rate = 2 / (lam_max + lam_min)
both = (lam_max - lam_min) / (lam_max + lam_min)
print(f"best constant rate 2 / (lambda_max + lambda_min): {best_rate:.4f}")
print(f"(lambda_max - lambda_min) / (lambda_max + lambda_min): {both:.4f}")
print(
    f"{'lr':>8} {'|1 - lr*lambda_min|':>20} {'|1 - lr*lambda_max|':>20} "
    f"{'worst':>7}"
)
factors = {}
for multiple in (0.9, 1.0, 1.1):
    lr = multiple * best_rate
    low, high = abs(1 - lr * lam_min), abs(1 - lr * lam_max)
    factors[multiple] = low, high
    print(f"{lr:8.4f} {low:20.4f} {high:20.4f} {max(low, high):7.4f}")
print("the four rates of the first plot:")
worst = {}
for name, lr in rates.items():
    worst[name] = max(abs(1 - lr * lam) for lam in (lam_min, lam_max))
    print(f"lr {lr:<5} ({name:>12}): worst factor per step {worst[name]:.4f}")

# %%
# At :math:`\eta^\ast` the two factors are equal; 10 % lower the :math:`\lambda_{\min}`
# factor is the worse one, 10 % higher the :math:`\lambda_{\max}` factor is, though it is
# still below one (the steep direction still shrinks), so the worst factor is higher on both
# sides. The worst factor also tells the story of the first plot: close to one for the small
# rate (slow, above 0.99), well below one for "about right" (below 0.6), and above one for
# the rate that diverged.

(low, high) = factors[1.0]
assert math.isclose(low, high, rel_tol=1e-9), "at the best rate both are equal"
assert math.isclose(low, both, rel_tol=1e-9), "and equal to the formula"
low, high = factors[0.9]
assert low > high, "10 % below, the flat direction should be the slower"
low, high = factors[1.1]
assert low < high < 1, "10 % above, the steep one is slower, yet shrinks"
assert worst["too small"] > 0.99, "the smallest rate should be slow"
assert worst["about right"] < 0.6, "0.7 should be fast"
assert worst["too large"] > 1, "1.05 should diverge"

# %%
# A test of the prediction: 10 % either side of the bound
# -------------------------------------------------------
# At :math:`\eta = 0.9 \times 2/\lambda_{\max}` the top direction shrinks by
# :math:`|1 - 1.8| = 0.8` per step; at :math:`1.1\times` it grows by :math:`1.2`. We can also
# predict *when* the run with the larger rate blows up. After :math:`t` updates its error
# along the top eigenvector is :math:`c\,g^{t}`, where :math:`c` is the starting error along
# it and :math:`g` the growth factor; nearly all of it is the intercept's (the eigenvector's
# intercept part, :math:`v_1`, is above 0.99), so the float32 intercept overflows once
# :math:`|c\,v_1|\,g^{t}` passes the largest float32 number. Overflow takes hundreds of
# steps at this growth, so we allow plenty.

start = torch.tensor([-1.0, 1.0], dtype=torch.float64)
c = float(vectors[:, -1] @ (start - best))
float32_max = torch.finfo(torch.float32).max


def overflow_update(growth):
    """The update at which the intercept passes float32's largest number."""
    t = math.log(float32_max / abs(c * vectors[1, -1]))
    return math.ceil(t / math.log(growth))


runs = {}
for multiple in (0.9, 1.1):
    lr = multiple * bound
    growth = abs(1 - lr * lam_max)
    assert math.isclose(growth, abs(1 - 2 * multiple), rel_tol=1e-9), "1 - 2m"
    try:
        runs[multiple] = gradient_descent(x, y, lr=lr, steps=2000)
        outcome = "converged"
    except DivergenceError as err:
        runs[multiple] = err.fit
        overflowed, predicted = err.step, overflow_update(growth)
        outcome = f"overflow at update {overflowed}, predicted {predicted}"
    path = runs[multiple].params.double()
    error = (path - best).norm(dim=1)
    measured = float((error[40] / error[10]) ** (1 / 30))
    print(
        f"lr = {multiple} x bound = {lr:.4f}: |1 - lr*lambda_max| = "
        f"{growth:.3f}, measured {measured:.3f}"
    )
    print(f"  {outcome}")
    assert abs(measured - growth) < 0.01, f"measured {measured:.3f}"
assert runs[1.1].steps < 2000, "1.1 x the bound should diverge"
assert abs(overflowed - predicted) <= 3, "the prediction is off"

fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.8))
grid = np.linspace(0.0, 1.4 * bound, 300)
for lam, name in (
    (lam_max, r"$\lambda_{\max}$"),
    (lam_min, r"$\lambda_{\min}$"),
):
    left.plot(grid, np.abs(1 - grid * lam), label=f"|1 - lr {name}|")
left.axhline(1.0, color="k", lw=0.8)
left.axvline(bound, color="C3", ls="--", lw=1, label=r"$2/\lambda_{\max}$")
left.set_xlabel("learning rate")
left.set_ylabel("factor per step")
left.set_title("Shrink (< 1) or grow (> 1)")
left.legend(fontsize="small")
for multiple, label in (
    (0.9, "0.9 x bound"),
    (1.1, "1.1 x bound (to overflow)"),
):
    right.plot(excess(runs[multiple].params[:-1]), label=label)
right.set_yscale("log")
right.set_ylim(bottom=1e-10)
right.set_xlim(-5, 1.25 * runs[1.1].steps)
right.set_xlabel("update")
right.set_ylabel("excess MSE over the minimum")
right.set_title("Just below and just above the bound")
right.legend(fontsize="small")
fig.tight_layout()
plt.show()

# %%
# The measured factors match :math:`|1 - \eta\lambda_{\max}|` to within 0.01, and the
# overflow comes within three updates of the prediction (the estimate ignores the smaller
# direction and rounding). On the log scale the run below the bound is a straight line down,
# with slope :math:`0.8^2` per update, and the run above it a straight line up. The bound is
# not a rule of thumb: it is exact for full-batch gradient descent on a quadratic loss.
#
# In the Explorer, see the paths `just below the bound
# <../explorer.html?lr=0.8993&momentum=0&batch=full&steps=300&seed=0>`__ and `just above it
# <../explorer.html?lr=1.0991&momentum=0&batch=full&steps=300&seed=0>`__ (0.9 and 1.1 times
# the bound, rounded to four digits), then drag the learning rate across the bound marked on
# its slider and watch the path turn from a zigzag that closes in to one that opens up along
# the intercept. The Explorer computes in float64, so its run above the bound takes far
# longer to overflow than float32 does here.

linked = {0.9: 0.8993, 1.1: 1.0991}  # the rates in the two links above
for multiple, rate in linked.items():
    assert abs(rate - multiple * bound) < 1e-4, "update the Explorer links"

# %%
# The learner's data: inputs in (−30, 30)
# ---------------------------------------
# One version of the lesson draws :math:`u` uniformly in :math:`(-30, 30)` instead of
# :math:`(-1, 1)`. Nothing about the model changes, but the curvature does. The Hessian's
# entry for the slope is :math:`\tfrac{2}{n}\sum_i u_i^2`, which grows with the *square* of the
# range of :math:`u` (with the same seed, the same draws 30 times as wide: 900 times the
# curvature, up to float32 rounding), while the intercept's entry stays at 2. The stable
# learning rate shrinks accordingly, and the lesson's rate 0.1 is far beyond it, more than ten
# times the new bound.

wide = make_linear_data(100, low=-30, high=30, seed=0)
wide_eigen = hessian_eigenvalues(wide.x).tolist()
wide_bound = max_stable_lr(wide.x)
slope_curv = float(2 * (x[:, 0].double() ** 2).mean())
wide_slope_curv = float(2 * (wide.x[:, 0].double() ** 2).mean())
ratio = wide_slope_curv / slope_curv
print(
    f"slope curvature (2/n) sum u^2: {slope_curv:.4f} on (-1, 1), "
    f"{wide_slope_curv:.1f} on (-30, 30)"
)
print(f"ratio: {ratio:.4f}")
print(
    f"(-30, 30): eigenvalues {wide_eigen[0]:.4f} and {wide_eigen[1]:.1f}, "
    f"condition number {wide_eigen[1] / wide_eigen[0]:.0f}"
)
print(f"(-30, 30): stable learning rates lr < {wide_bound:.5f}")
wide_diverged = False
try:
    gradient_descent(wide.x, wide.y, lr=0.1, steps=100)
except DivergenceError as err:
    wide_diverged = True
    print(f"lr 0.1 on (-30, 30): DivergenceError at update {err.step}")
assert math.isclose(ratio, 900, rel_tol=1e-5), f"the ratio is {ratio:.4f}"
assert 10 * wide_bound < 0.1, "0.1 should be far beyond the new bound"
assert wide_diverged, "lr 0.1 should diverge on (-30, 30)"

# %%
# Staying under the new bound avoids the explosion, but it does not make the fit good. The
# intercept's direction still has the small curvature printed above, and with a learning
# rate this small it shrinks by only :math:`1 - \eta\lambda_{\min}` per step: a large
# :term:`condition number` means one direction is fast and the other crawls.
#
# The fix is to give the feature a sensible scale before fitting: divide :math:`u` by 30 (in
# general, subtract its mean and divide by its standard deviation). The fitted slope is then
# per unit of :math:`u/30`; dividing it by 30 converts it back.

wide_best = least_squares(wide.x.double(), wide.y.double())
wide_floor = mse(wide.x.double() @ wide_best, wide.y.double()).item()
raw_lr = 0.9 * wide_bound
raw = gradient_descent(wide.x, wide.y, lr=raw_lr, steps=100)

scale = 30.0
scaled_x = wide.x.clone()
scaled_x[:, 0] /= scale
scaled_eigen = hessian_eigenvalues(scaled_x)
print(
    "rescaled: eigenvalues "
    f"{', '.join(f'{v:.4f}' for v in scaled_eigen)}, "
    f"stable lr < {max_stable_lr(scaled_x):.4f}"
)
scaled_lr = 0.7
scaled = gradient_descent(scaled_x, wide.y, lr=scaled_lr, steps=100)
slope_back = float(scaled.coef[0]) / scale
raw_slope, raw_intercept = raw.coef.tolist()
print(
    f"least squares on (-30, 30): slope {wide_best[0]:.4f}, "
    f"intercept {wide_best[1]:.4f}"
)
print(
    f"raw inputs, lr {raw_lr:.5f}: slope {raw_slope:.4f}, "
    f"intercept {raw_intercept:.4f}, loss {raw.losses[-1]:.4f}"
)
print(
    f"u / {scale:g}, lr {scaled_lr}: slope {slope_back:.4f} (divided back), "
    f"intercept {scaled.coef[1]:.4f}, loss {scaled.losses[-1]:.4f}"
)
print(f"minimum of the MSE (the same for both): {wide_floor:.4f}")

# the slope per unit of u / 30 is 30 times the slope per unit of u
scaled_best = wide_best * torch.tensor([scale, 1.0], dtype=torch.float64)
fig, ax = plt.subplots(figsize=(6.4, 4.0))
ax.plot(
    excess(raw.params[:-1], wide.x, wide_best),
    label="raw u in (-30, 30), lr 0.9 x its bound",
)
ax.plot(
    excess(scaled.params[:-1], scaled_x, scaled_best),
    label=f"u / 30, lr {scaled_lr}",
)
ax.set_yscale("log")
ax.set_ylim(bottom=1e-10)
ax.set_xlabel("update")
ax.set_ylabel("excess MSE over the minimum")
ax.set_title("Same data, same model: the scale of the input decides")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# On the raw inputs the loss drops quickly at first (the slope, the stiff direction, is
# fitted early) and then creeps, because the intercept barely moves: after 100 updates more
# than half of its starting error is left (printed above). After rescaling, both directions
# have similar curvature (the eigenvalues printed above are those of the lesson's data, up to
# float32 rounding: with the same seed, :math:`u/30` *is* the lesson's feature), the learning
# rates from the top of this page are safe again, and the fit lands on the same answer as
# least squares, to within 0.001. Feature scaling is not cosmetic: it sets the condition
# number, and the condition number sets how fast gradient descent can go.

intercept_left = (raw_intercept - wide_best[1]) / (1.0 - wide_best[1])
print(f"raw inputs: share of the intercept's error left: {intercept_left:.2f}")
assert intercept_left > 0.5, "the raw fit's intercept should crawl"
torch.testing.assert_close(
    scaled_eigen, eigenvalues, rtol=1e-5, atol=0, msg="u / 30 is the lesson's u"
)
assert abs(slope_back - wide_best[0]) < 1e-3, "the slope should be found"
assert abs(scaled.coef[1] - wide_best[1]) < 1e-3, "the intercept too"

# %%
# Aside: summing instead of averaging
# -----------------------------------
# Use the *sum* of squared errors as the loss instead of the mean and nothing looks wrong in
# the code, but its gradient is :math:`n` times larger: the same learning rate now takes
# steps :math:`n` times as long, as if the rate were :math:`n\eta`.

a = torch.tensor([-1.0, 1.0], requires_grad=True)
(grad_sse,) = torch.autograd.grad(sse(x @ a, y), a)
(grad_mse,) = torch.autograd.grad(mse(x @ a, y), a)
grad_ratio = (grad_sse / grad_mse).tolist()
print(
    f"gradient of sse / gradient of mse: "
    f"{', '.join(f'{v:.3f}' for v in grad_ratio)} (n = {data.n})"
)
print(f"effective learning rate of lr 0.1 with sse: {0.1 * data.n:g}")
print(f"stable bound: {bound:.4f}")
assert all(math.isclose(v, data.n, rel_tol=1e-5) for v in grad_ratio), "n"

losses = []
p = torch.tensor([-1.0, 1.0], requires_grad=True)
for _ in range(6):
    loss = sse(x @ p, y)
    loss.backward()
    with torch.no_grad():
        p -= 0.1 * p.grad
        p.grad.zero_()
    losses.append(float(loss.detach()))
print(
    "summed loss, lr 0.1, first updates:\n ",
    ", ".join(f"{v:.3g}" for v in losses),
)
ratios = [b / a for a, b in with_next(losses)]
top_growth = (0.1 * data.n * lam_max - 1) ** 2
low, high = min(ratios[2:]), max(ratios[2:])
print(f"growth per update from the third on: {low:.1f} to {high:.1f}")
print(f"(n * lr * lambda_max - 1)^2: {top_growth:.1f}")

# %%
# The summed loss grows at every update, by a factor that approaches
# :math:`(n\eta\lambda_{\max} - 1)^2` (both printed above; the last is within 1 % of it):
# divergence, for the same reason as before. A summed loss can work, but only with a learning
# rate :math:`n` times smaller, and that rate then depends on the size of the data set, which
# is why averaging is the default.

assert all(r > 1 for r in ratios), "the summed loss should grow every update"
assert math.isclose(ratios[-1], top_growth, rel_tol=0.01), "growth factor"

# %%
# What to take away
# -----------------
# * For the MSE of a linear model, gradient descent is stable exactly when
#   :math:`\eta < 2/\lambda_{\max}(H)`, with :math:`H = \tfrac{2}{n}X^\top X`, and each direction
#   of the error changes by a factor :math:`|1 - \eta\lambda|` per step.
# * The direction that runs away first is the Hessian's top eigenvector: here the intercept,
#   because the ones column has a larger mean square than the inputs.
# * The best constant rate :math:`2/(\lambda_{\max} + \lambda_{\min})` minimises the worst
#   factor :math:`\max_\lambda |1 - \eta\lambda|`: the rate at which the flat and the steep
#   direction are equally slow.
# * A :class:`~sgd_tutorial.DivergenceError` keeps the finite part of the run: plot it; a
#   parameter that flips sign and grows means the learning rate is too large.
# * Scale the inputs. The curvature grows with the square of the feature's range, and a large
#   condition number forces a small rate that leaves the flat directions unfitted.
# * Average the loss over the batch, so the learning rate does not depend on :math:`n`.
#
# Exercises
# ---------
#
# **Exercise 1.** Predict, with the formula of the section "10 % either side of the bound",
# the update at which lr = 1.2 × the bound overflows float32. Then run it.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 1</summary>

# %%
lr = 1.2 * bound
growth = abs(1 - lr * lam_max)
predicted = overflow_update(growth)
print(f"lr = 1.2 x bound = {lr:.4f}: growth factor {growth:.3f}")
print(f"predicted overflow at update {predicted}")
faster = None  # the update at which it overflows, if it does
try:
    gradient_descent(x, y, lr=lr, steps=2000)
except DivergenceError as err:
    faster = err.step
    print(f"DivergenceError at update {err.step}")
assert faster is not None, "1.2 x the bound should diverge"
assert abs(faster - predicted) <= 3, "the prediction is off"
assert faster < runs[1.1].steps, "a larger growth should overflow sooner"

# %%
# A larger growth factor per step means fewer steps to overflow: compare the two printed
# updates with the 1.1 × run above.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 2.** Draw the inputs from :math:`(-3, 3)` instead of :math:`(-1, 1)`. Predict
# which parameter runs away just past the bound now (hint: compare the mean squares of the two
# columns of :math:`X`). Then run gradient descent at 1.1 × the new bound.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 2</summary>

# %%
three = make_linear_data(data.n, low=-3, high=3, seed=0)
print(f"mean of u^2 on (-3, 3): {(three.x[:, 0] ** 2).mean():.3f}, of 1^2: 1")
runaway = None
try:
    gradient_descent(
        three.x, three.y, lr=1.1 * max_stable_lr(three.x), steps=2000
    )
except DivergenceError as err:
    runaway = err.fit.params[-1].tolist()
    print(
        f"DivergenceError at update {err.step}; last finite "
        f"slope {runaway[0]:.3g}, intercept {runaway[1]:.3g}"
    )
assert runaway is not None, "1.1 x the bound should diverge"
assert abs(runaway[0]) > abs(runaway[1]), "the slope should run away now"

# %%
# With :math:`u` spread over :math:`(-3, 3)` its mean square is larger than the ones
# column's, so the top eigenvector turns towards the slope, and the slope is the parameter
# printed with the larger last value.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 3.** The worst factor per step predicts how fast the error shrinks. Predict how
# many updates it takes for the distance to the least-squares answer to fall below 1/1000 of
# its start at :math:`\eta^\ast = 2/(\lambda_{\max} + \lambda_{\min})` and at 0.9 × the bound
# (solve :math:`\text{factor}^t = 10^{-3}`). Then measure it.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 3</summary>

# %%
needed = {}
for name, lr in (("best rate", best_rate), ("0.9 x bound", 0.9 * bound)):
    factor = max(abs(1 - lr * lam) for lam in (lam_min, lam_max))
    fit = gradient_descent(x, y, lr=lr, steps=100)
    distance = (fit.params.double() - best).norm(dim=1)
    needed[name] = int((distance < 1e-3 * distance[0]).nonzero()[0, 0])
    prediction = math.log(1e-3) / math.log(factor)
    print(
        f"{name:>11} (lr {lr:.4f}): worst factor {factor:.4f}, "
        f"predicted {prediction:.1f}, measured {needed[name]}"
    )
    assert needed[name] <= math.ceil(prediction), "slower than the bound"
assert needed["best rate"] < needed["0.9 x bound"], "the best rate is faster"

# %%
# :math:`I - \eta H` is symmetric, so no error grows by more than the worst factor per step:
# the measured count is never above the prediction rounded up, and can be lower when the
# start's error along the worst direction is small. In both cases the best constant rate needs
# fewer updates, as its smaller worst factor says.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 4.** With the summed loss of the aside, the gradient is :math:`n` times larger.
# Predict the largest stable learning rate for it, and what the loss does after 100 updates
# at 0.9 × and 1.1 × that rate. Then run the loop of the aside at both.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 4</summary>

# %%
sum_bound = bound / data.n
print(f"stable rates for the summed loss: lr < bound / n = {sum_bound:.3e}")
summed = {}
for multiple in (0.9, 1.1):
    q = torch.tensor([-1.0, 1.0], requires_grad=True)
    for _ in range(100):
        loss = sse(x @ q, y)
        loss.backward()
        with torch.no_grad():
            q -= multiple * sum_bound * q.grad
            q.grad.zero_()
    summed[multiple] = float(loss.detach())
    print(
        f"{multiple} x that rate: summed loss after 100 updates "
        f"{summed[multiple]:.4g} (minimum {floor * data.n:.4g})"
    )
assert math.isclose(summed[0.9], floor * data.n, rel_tol=1e-4), "settles"
assert summed[1.1] > losses[0], "above the bound the summed loss grows"

# %%
# Below the scaled bound the summed loss settles at :math:`n` times the minimum MSE; above it
# the loss grows: the same bound, in other units.
#
# .. raw:: html
#
#    </details>

# sphinx_gallery_thumbnail_number = 1
