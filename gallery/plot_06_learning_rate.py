r"""
The learning rate
=================

The :term:`learning rate` is the one number every gradient method asks for, and the one that
most often decides whether a run works at all. Too small and training crawls; too large and
the loss does not merely stall, it explodes. For linear regression with the mean squared
error we can do better than trial and error: the data itself says where "too large" begins.

This tutorial covers:

* too small, about right and too large, side by side;
* :term:`divergence`, caught as :class:`~sgd_tutorial.DivergenceError`, with the part of the
  run that happened before it;
* the bound :math:`\eta < 2/\lambda_{\max}`, computed from the data, and how exactly it
  predicts where divergence starts;
* why the scale of the inputs matters: the same model on data in :math:`(-30, 30)`;
* an aside on summing the loss instead of averaging it.
"""

# %%
# Three learning rates
# --------------------
# The lesson's data again: 100 samples, a slope and an intercept, started from
# :math:`(-1, 1)`. Full-batch gradient descent for 100 updates at four learning rates.

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
    resolve_device,
    sse,
    with_next,
)

# sphinx_gallery_thumbnail_number = 1

device = resolve_device("auto")
torch.manual_seed(0)
data = make_linear_data(100, seed=0, device=device)
x, y = data.x, data.y
best = least_squares(x, y)
floor = float(mse(x @ best, y))
print(f"device: {device}; least-squares minimum of the MSE: {floor:.5f}")

rates = {"too small": 0.01, "the lesson's": 0.1, "about right": 0.7, "too large": 1.05}
fits = {}
for name, lr in rates.items():
    fits[name] = gradient_descent(x, y, lr=lr, steps=100, device=device)
    print(f"lr {lr:<5} ({name:>12}): loss after 100 updates {fits[name].losses[-1]:.4g}")

fig, ax = plt.subplots(figsize=(6.4, 4.2))
plot_losses(
    list(fits.values()),
    labels=[f"lr {lr} ({name})" for name, lr in rates.items()],
    minimum=floor,
    ax=ax,
)
ax.set_title("Gradient descent at four learning rates")
fig.tight_layout()

# %%
# * At the smallest rate every step is safe but tiny: after 100 updates the loss is still far
#   above the minimum.
# * The lesson's rate gets there, steadily.
# * The larger "about right" rate gets there in a handful of steps.
# * The "too large" rate is not much larger, yet its loss *grows*: each step overshoots the
#   minimum by more than it started from.
#
# Divergence, caught
# ------------------
# Push the rate further and the numbers grow until float32 can no longer hold them: the loss
# becomes ``inf``, then ``nan``. :func:`~sgd_tutorial.gradient_descent` checks for that and
# raises :class:`~sgd_tutorial.DivergenceError`, which carries the run up to its last finite
# step in ``err.fit``, so we can look at what went wrong.

try:
    gradient_descent(x, y, lr=1.5, steps=500, device=device)
except DivergenceError as err:
    diverged = err
    print(f"DivergenceError: {err}")
    print(f"finite updates kept in err.fit: {err.fit.steps} (err.step = {err.step})")
    print("last finite losses:", ", ".join(f"{v:.3g}" for v in err.fit.losses[-3:].tolist()))

fig, (left, right) = plt.subplots(1, 2, figsize=(8.0, 3.6))
plot_losses(diverged.fit, labels=["lr 1.5"], ax=left)
left.set_title("The loss until it overflows")
slope = diverged.fit.params[:, 0].numpy()
right.plot(slope, ".-", lw=0.8)
right.set_yscale("symlog", linthresh=1.0)
decades = int(np.log10(np.abs(slope).max()))
ticks = [10.0**k for k in range(decades % 6, decades + 1, 6)]  # one tick every 6 decades
right.set_yticks([-t for t in reversed(ticks)] + [0.0] + ticks)
right.set_xlabel("update")
right.set_ylabel("slope (symmetric log scale)")
right.set_title("The slope flips sign and grows")
fig.tight_layout()

# %%
# The slope does not wander off in one direction: it jumps across the minimum every step,
# landing further away each time. That is the signature of a learning rate that is too large
# for a quadratic bowl.
#
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
# :math:`e_{t+1} = (I - \eta H)\, e_t`. Along an eigenvector of :math:`H` with eigenvalue
# :math:`\lambda` that is multiplication by :math:`1 - \eta\lambda` at every step, so the
# component shrinks exactly when
#
# .. math::
#
#     |1 - \eta \lambda| < 1 \iff 0 < \eta < \frac{2}{\lambda}.
#
# All directions must shrink, so the largest eigenvalue sets the limit:
# :math:`\eta < 2/\lambda_{\max}`. The rate that shrinks the slowest direction fastest,
# :math:`2 / (\lambda_{\max} + \lambda_{\min})`, is the best constant choice.
# :func:`~sgd_tutorial.hessian_eigenvalues` and :func:`~sgd_tutorial.max_stable_lr` compute
# these from the data:

eigenvalues = hessian_eigenvalues(x)
lam_min, lam_max = eigenvalues.tolist()
bound = max_stable_lr(x)
print(f"Hessian eigenvalues: lambda_min {lam_min:.4f}, lambda_max {lam_max:.4f}")
print(f"condition number lambda_max / lambda_min: {lam_max / lam_min:.3f}")
print(f"stable learning rates: lr < 2 / lambda_max = {bound:.4f}")
print(f"fastest constant rate 2 / (lambda_max + lambda_min): {2 / (lam_max + lam_min):.4f}")
for name, lr in rates.items():
    factor = max(abs(1 - lr * lam) for lam in (lam_min, lam_max))
    print(f"lr {lr:<5} ({name:>12}): worst factor per step max|1 - lr*lambda| = {factor:.4f}")

# %%
# The worst factor tells the whole story of the first plot: close to one for the small
# rate (slow), well below one for "about right" (fast), and just above one for the rate that
# diverged.
#
# A test of the prediction: 10 % either side of the bound
# ---------------------------------------------------------
# At :math:`\eta = 0.9 \times 2/\lambda_{\max}` the top direction shrinks by
# :math:`|1 - 1.8| = 0.8` per step; at :math:`1.1\times` it grows by :math:`1.2`. We can also
# predict *when* the run with the larger rate blows up. Its loss is roughly
# :math:`\mathrm{MSE}_{\min} + \tfrac12 \lambda_{\max} c^2 g^{2t}`, where :math:`c` is the
# starting error along the top eigenvector and :math:`g` the growth factor, and the float32
# loss overflows when that passes the largest float32 number. Overflow takes hundreds of
# steps at this growth, so we allow plenty.

hessian = 2 / data.n * (x.cpu().double().T @ x.cpu().double())
_, vectors = torch.linalg.eigh(hessian)  # same eigenvalues as above, with their vectors
start = torch.tensor([-1.0, 1.0], dtype=torch.float64)
c = float(vectors[:, -1] @ (start - best.cpu().double()))
float32_max = torch.finfo(torch.float32).max

runs = {}
for multiple in (0.9, 1.1):
    lr = multiple * bound
    growth = abs(1 - lr * lam_max)
    try:
        runs[multiple] = gradient_descent(x, y, lr=lr, steps=2000, device=device)
        outcome = f"converged, final loss {runs[multiple].losses[-1]:.5f}"
    except DivergenceError as err:
        runs[multiple] = err.fit
        predicted = np.log(2 * (float32_max - floor) / (lam_max * c**2)) / (2 * np.log(growth))
        outcome = f"DivergenceError at update {err.step} (predicted: {int(np.ceil(predicted))})"
    path = runs[multiple].params.double()
    error = (path - best.cpu().double()).norm(dim=1)
    measured = float((error[40] / error[10]) ** (1 / 30))
    print(
        f"lr = {multiple} x bound = {lr:.4f}: |1 - lr*lambda_max| = {growth:.3f}, "
        f"measured factor per step {measured:.3f}; {outcome}"
    )

fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.8))
grid = np.linspace(0.0, 1.4 * bound, 300)
for lam, name in ((lam_max, r"$\lambda_{\max}$"), (lam_min, r"$\lambda_{\min}$")):
    left.plot(grid, np.abs(1 - grid * lam), label=f"|1 - lr {name}|")
left.axhline(1.0, color="k", lw=0.8)
left.axvline(bound, color="tab:red", ls="--", lw=1, label=r"$2/\lambda_{\max}$")
left.set_xlabel("learning rate")
left.set_ylabel("factor per step")
left.set_title("Shrink (< 1) or grow (> 1)")
left.legend(fontsize="small")
plot_losses(
    [runs[0.9], runs[1.1]],
    labels=["0.9 x bound", "1.1 x bound (until overflow)"],
    minimum=floor,
    ax=right,
)
right.set_xlim(-5, 1.25 * runs[1.1].steps)
right.set_title("Just below and just above the bound")
fig.tight_layout()

# %%
# The measured factors match :math:`|1 - \eta\lambda_{\max}|`, and the overflow happens at
# the predicted update give or take one (the estimate ignores the smaller direction and
# rounding). The bound is not a rule of thumb: it is exact for full-batch gradient descent on
# a quadratic loss.
#
# The learner's data: inputs in (−30, 30)
# ---------------------------------------
# One version of the lesson draws :math:`u` uniformly in :math:`(-30, 30)` instead of
# :math:`(-1, 1)`. Nothing about the model changes, but the curvature does. The Hessian's
# entry for the slope is :math:`\tfrac{2}{n}\sum_i u_i^2`, which grows with the *square* of the
# range of :math:`u`, while the intercept's entry stays at 2. The stable learning rate
# shrinks accordingly, and the lesson's rate 0.1 is far beyond it.

wide = make_linear_data(100, low=-30, high=30, seed=0, device=device)
wide_eigen = hessian_eigenvalues(wide.x).tolist()
wide_bound = max_stable_lr(wide.x)
slope_curv = float(2 * (x[:, 0] ** 2).mean())
wide_slope_curv = float(2 * (wide.x[:, 0] ** 2).mean())
print(
    f"slope curvature (2/n) sum u^2: {slope_curv:.4f} on (-1, 1), "
    f"{wide_slope_curv:.1f} on (-30, 30), ratio {wide_slope_curv / slope_curv:.0f}"
)
print(
    f"(-30, 30): eigenvalues {wide_eigen[0]:.4f} and {wide_eigen[1]:.1f}, "
    f"condition number {wide_eigen[1] / wide_eigen[0]:.0f}"
)
print(f"(-30, 30): stable learning rates lr < {wide_bound:.5f}")
try:
    gradient_descent(wide.x, wide.y, lr=0.1, steps=100, device=device)
except DivergenceError as err:
    print(f"lr 0.1 on (-30, 30): DivergenceError at update {err.step}")

# %%
# Staying under the new bound avoids the explosion, but it does not make the fit good. The
# intercept's direction still has curvature of about 2, and with a learning rate this small
# it shrinks by only :math:`1 - \eta\lambda_{\min}` per step: a large condition number means
# one direction is fast and the other crawls.
#
# The fix is to give the feature a sensible scale before fitting: divide :math:`u` by 30 (in
# general, subtract its mean and divide by its standard deviation). The fitted slope is then
# per unit of :math:`u/30`; dividing it by 30 converts it back.

wide_best = least_squares(wide.x, wide.y)
wide_floor = float(mse(wide.x @ wide_best, wide.y))
raw = gradient_descent(wide.x, wide.y, lr=0.9 * wide_bound, steps=100, device=device)

scale = 30.0
scaled_x = wide.x.clone()
scaled_x[:, 0] /= scale
print(
    f"rescaled: eigenvalues {hessian_eigenvalues(scaled_x).numpy().round(4)}, "
    f"stable lr < {max_stable_lr(scaled_x):.4f}"
)
scaled_lr = 0.7
scaled = gradient_descent(scaled_x, wide.y, lr=scaled_lr, steps=100, device=device)
slope_back = float(scaled.coef[0]) / scale
print(f"least squares on (-30, 30): slope {wide_best[0]:.4f}, intercept {wide_best[1]:.4f}")
print(
    f"raw inputs, lr {0.9 * wide_bound:.5f}, 100 updates: slope {raw.coef[0]:.4f}, "
    f"intercept {raw.coef[1]:.4f}, loss {raw.losses[-1]:.4f}"
)
print(
    f"rescaled inputs, lr {scaled_lr}, 100 updates: slope {slope_back:.4f} (after / {scale:g}), "
    f"intercept {scaled.coef[1]:.4f}, loss {scaled.losses[-1]:.4f}"
)
print(f"minimum of the MSE (the same for both): {wide_floor:.4f}")

fig, ax = plt.subplots(figsize=(6.4, 4.0))
plot_losses(
    [raw, scaled],
    labels=["raw u in (-30, 30), lr 0.9 x its bound", f"u / 30, lr {scaled_lr}"],
    minimum=wide_floor,
    ax=ax,
)
ax.set_title("Same data, same model: the scale of the input decides")
fig.tight_layout()

# %%
# On the raw inputs the loss drops quickly at first (the slope, the stiff direction, is
# fitted early) and then creeps, because the intercept barely moves; after 100 updates it is
# still far from its least-squares value (printed above). After rescaling, both directions
# have similar curvature (the eigenvalues printed above are those of the lesson's data: with
# the same seed, :math:`u/30` *is* the lesson's feature, up to rounding), the learning rates
# from the top of this page are safe again, and the fit lands on the same answer as least
# squares. Feature scaling is not cosmetic: it sets the condition number, and the condition
# number sets how fast gradient descent can go.
#
# Aside: summing instead of averaging
# -----------------------------------
# Use the *sum* of squared errors as the loss instead of the mean and nothing looks wrong in
# the code, but its gradient is :math:`n` times larger: the same learning rate now takes
# steps :math:`n` times as long, as if the rate were :math:`n\eta`.

a = torch.tensor([-1.0, 1.0], device=device, requires_grad=True)
(grad_sse,) = torch.autograd.grad(sse(x @ a, y), a)
(grad_mse,) = torch.autograd.grad(mse(x @ a, y), a)
print(
    f"gradient of sse / gradient of mse: {(grad_sse / grad_mse).cpu().numpy().round(3)} "
    f"(n = {data.n})"
)
print(f"effective learning rate of lr 0.1 with sse: {0.1 * data.n:g}, bound {bound:.4f}")

losses = []
p = torch.tensor([-1.0, 1.0], device=device, requires_grad=True)
for _ in range(6):
    loss = sse(x @ p, y)
    loss.backward()
    with torch.no_grad():
        p -= 0.1 * p.grad
        p.grad.zero_()
    losses.append(float(loss.detach()))
print("summed loss, lr 0.1, first updates:", ", ".join(f"{v:.3g}" for v in losses))
ratios = [b / a for a, b in with_next(losses)]
print(f"growth per update from the third on: {min(ratios[2:]):.1f} to {max(ratios[2:]):.1f}")

# %%
# The summed loss grows by the factor printed above at every update: divergence, for the
# same reason as before. A summed loss can work, but only with a learning rate :math:`n` times
# smaller, and that rate then depends on the size of the data set, which is why averaging is
# the default.
#
# What to take away
# -----------------
# * For the MSE of a linear model, gradient descent is stable exactly when
#   :math:`\eta < 2/\lambda_{\max}(H)`, with :math:`H = \tfrac{2}{n}X^\top X`, and each direction
#   of the error changes by a factor :math:`|1 - \eta\lambda|` per step.
# * A :class:`~sgd_tutorial.DivergenceError` keeps the finite part of the run: plot it; a
#   slope that flips sign and grows means the learning rate is too large.
# * Scale the inputs. The curvature grows with the square of the feature's range, and a large
#   condition number forces a small rate that leaves the flat directions unfitted.
# * Average the loss over the batch, so the learning rate does not depend on :math:`n`.
