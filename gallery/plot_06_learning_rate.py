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

import html

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

device = resolve_device("auto")
torch.manual_seed(0)
data = make_linear_data(100, seed=0, device=device)
x, y = data.x, data.y
best = least_squares(x, y)
floor = float(mse(x @ best, y))
print(
    f"device: {device}; n = {data.n} samples; least-squares minimum of the MSE: {floor:.5f}"
)


class ExplorerLinks:
    """Links to the site's Explorer page at given settings.

    On the web page and in a notebook they show as links (``_repr_html_``); run as a script,
    the tutorial prints the addresses instead.
    """

    def __init__(self, runs: dict[str, dict[str, float]]) -> None:
        self.runs = {
            label: "../explorer.html?"
            + "&".join(f"{key}={value:.6g}" for key, value in settings.items())
            for label, settings in runs.items()
        }
        if (
            "__file__" in globals()
        ):  # run as a script: no page to show the links on
            for label, url in self.runs.items():
                print(f"explorer, {label}: {url}")

    def _repr_html_(self) -> str:
        items = "".join(
            f'<li><a href="{html.escape(url)}">{html.escape(label)}</a></li>'
            for label, url in self.runs.items()
        )
        return f"<p>See these runs in the Explorer:</p><ul>{items}</ul>"


rates = {
    "too small": 0.01,
    "the lesson's": 0.1,
    "about right": 0.7,
    "too large": 1.05,
}
fits = {}
for name, lr in rates.items():
    fits[name] = gradient_descent(x, y, lr=lr, steps=100, device=device)
    print(
        f"lr {lr:<5} ({name:>12}): loss after 100 updates {fits[name].losses[-1]:.4g}"
    )

fig, ax = plt.subplots(figsize=(6.4, 4.2))
plot_losses(
    list(fits.values()),
    labels=[f"lr {lr} ({name})" for name, lr in rates.items()],
    minimum=floor,
    ax=ax,
)
ax.set_title(f"Gradient descent at {len(rates)} learning rates, n = {data.n}")
fig.tight_layout()
plt.show()

# %%
# The same four runs in the `Explorer <../explorer.html>`__, where you can drag the learning
# rate and watch the path on the loss landscape (full batch: ``batch`` is :math:`n`):

full_batch = {"momentum": 0, "batch": data.n, "steps": 100, "seed": 0}
ExplorerLinks(
    {
        f"lr {lr} ({name})": {"lr": lr, **full_batch}
        for name, lr in rates.items()
    }
)

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
# raises :class:`~sgd_tutorial.DivergenceError`, whose message (printed below) names the
# update and the stable bound we derive further down. It carries the run up to its last finite
# step in ``err.fit``, so we can look at what went wrong: which of the two parameters ran
# away?

try:
    gradient_descent(x, y, lr=1.5, steps=500, device=device)
except DivergenceError as err:
    diverged = err
    print(f"DivergenceError: {err}")
    print(
        f"finite updates kept in err.fit: {err.fit.steps} (err.step = {err.step})"
    )
    print(
        "last finite losses:",
        ", ".join(f"{v:.3g}" for v in err.fit.losses[-3:].tolist()),
    )

last = diverged.fit.params[-1]
for j, name in enumerate(("slope", "intercept")):
    print(
        f"{name:>9}: least squares {float(best[j]):.4f}, last finite value {float(last[j]):.4g}"
    )

fig, (left, right) = plt.subplots(1, 2, figsize=(8.0, 3.6))
plot_losses(diverged.fit, labels=["lr 1.5"], ax=left)
left.set_title("The loss until it overflows")
intercept = diverged.fit.params[:, 1].numpy()
right.plot(intercept, ".-", lw=0.8)
right.set_yscale("symlog", linthresh=1.0)
decades = int(np.log10(np.abs(intercept).max()))
ticks = [
    10.0**k for k in range(decades % 6, decades + 1, 6)
]  # one tick every 6 decades
right.set_yticks([-t for t in reversed(ticks)] + [0.0] + ticks)
right.set_xlabel("update")
right.set_ylabel("intercept (symmetric log scale)")
right.set_title("The intercept flips sign and grows")
fig.tight_layout()
plt.show()

# %%
# The last finite parameters printed above show which one ran away: the intercept is the
# larger by far; the slope grows too, but much less (we will see by how much). The intercept
# does not wander off in one
# direction: it jumps across the minimum every step, landing further away each time. That is
# the signature of a learning rate that is too large for a quadratic bowl. Why the intercept
# and not the slope is the next section's question.
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
hessian = 2 / data.n * (x.cpu().double().T @ x.cpu().double())
_, vectors = torch.linalg.eigh(
    hessian
)  # same eigenvalues as above, with their vectors
top = vectors[:, -1] * torch.sign(
    vectors[1, -1]
)  # an eigenvector's sign is arbitrary
print(f"top eigenvector (slope, intercept): ({top[0]:.3f}, {top[1]:.3f})")
u = x[:, 0].cpu().double()
print(
    f"mean of u^2: {float((u**2).mean()):.4f}, mean of 1^2: 1, mean of u: {float(u.mean()):.4f}"
)
print(f"top eigenvector, slope / intercept: {float(top[0] / top[1]):.4f}")
print(
    f"lr 1.5, last finite parameters, slope / intercept: {float(last[0] / last[1]):.4f}"
)

# %%
# The top eigenvector points almost exactly along the intercept's axis. The Hessian's
# diagonal is twice the mean square of each column of :math:`X`: the ones column has mean
# square 1, the inputs :math:`u`, uniform on :math:`(-1, 1)`, about 1/3 (printed above), and
# the off-diagonal entries, twice the mean of :math:`u`, are small. So the intercept's
# direction is the steep one, and it is the first to overflow. The diverged run's last
# parameters point along that eigenvector: their slope-to-intercept ratio (printed last) is
# the eigenvector's, so the slope grew only by its small share of the top direction.
#
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
# :math:`\eta = 1/\lambda` for that direction, which zeroes it in one step); it makes the
# slowest direction as fast as it can be without letting the other grow. The factors at
# :math:`\eta^\ast` and 10 % either side:

best_rate = 2 / (lam_max + lam_min)
print(f"best constant rate 2 / (lambda_max + lambda_min): {best_rate:.4f}")
print(
    f"(lambda_max - lambda_min) / (lambda_max + lambda_min): "
    f"{(lam_max - lam_min) / (lam_max + lam_min):.4f}"
)
print(
    f"{'lr':>8} {'|1 - lr*lambda_min|':>20} {'|1 - lr*lambda_max|':>20} {'worst':>7}"
)
for multiple in (0.9, 1.0, 1.1):
    lr = multiple * best_rate
    low, high = abs(1 - lr * lam_min), abs(1 - lr * lam_max)
    print(f"{lr:8.4f} {low:20.4f} {high:20.4f} {max(low, high):7.4f}")
print("the four rates of the first plot:")
for name, lr in rates.items():
    factor = max(abs(1 - lr * lam) for lam in (lam_min, lam_max))
    print(
        f"lr {lr:<5} ({name:>12}): worst factor per step max|1 - lr*lambda| = {factor:.4f}"
    )

# %%
# At :math:`\eta^\ast` the two factors are equal; 10 % lower the :math:`\lambda_{\min}`
# factor gets worse, 10 % higher the :math:`\lambda_{\max}` factor does, so the worst factor
# is higher on both sides. The worst factor also tells the story of the first plot: close to
# one for the small rate (slow), well below one for "about right", and above one for the rate
# that diverged.
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

start = torch.tensor([-1.0, 1.0], dtype=torch.float64)
c = float(vectors[:, -1] @ (start - best.cpu().double()))
float32_max = torch.finfo(torch.float32).max

runs = {}
for multiple in (0.9, 1.1):
    lr = multiple * bound
    growth = abs(1 - lr * lam_max)
    try:
        runs[multiple] = gradient_descent(
            x, y, lr=lr, steps=2000, device=device
        )
        outcome = f"converged, final loss {runs[multiple].losses[-1]:.5f}"
    except DivergenceError as err:
        runs[multiple] = err.fit
        predicted = np.log(2 * (float32_max - floor) / (lam_max * c**2)) / (
            2 * np.log(growth)
        )
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
for lam, name in (
    (lam_max, r"$\lambda_{\max}$"),
    (lam_min, r"$\lambda_{\min}$"),
):
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
plt.show()

ExplorerLinks(
    {
        f"lr = {m} x bound": {"lr": m * bound, **full_batch, "steps": 300}
        for m in (0.9, 1.1)
    }
)

# %%
# The measured factors match :math:`|1 - \eta\lambda_{\max}|`, and the printed prediction
# of the overflow can be compared with the update at which it happened (the estimate ignores
# the smaller direction and rounding). The bound is not a rule of thumb: it is exact for
# full-batch gradient descent on a quadratic loss. In the Explorer, drag the learning rate
# across the bound marked on its slider and watch the path turn from a zigzag that closes in
# to one that opens up along the intercept.
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
# intercept's direction still has the small curvature printed above, and with a learning
# rate this small it shrinks by only :math:`1 - \eta\lambda_{\min}` per step: a large
# :term:`condition number` means one direction is fast and the other crawls.
#
# The fix is to give the feature a sensible scale before fitting: divide :math:`u` by 30 (in
# general, subtract its mean and divide by its standard deviation). The fitted slope is then
# per unit of :math:`u/30`; dividing it by 30 converts it back.

wide_best = least_squares(wide.x, wide.y)
wide_floor = float(mse(wide.x @ wide_best, wide.y))
raw = gradient_descent(
    wide.x, wide.y, lr=0.9 * wide_bound, steps=100, device=device
)

scale = 30.0
scaled_x = wide.x.clone()
scaled_x[:, 0] /= scale
print(
    f"rescaled: eigenvalues {hessian_eigenvalues(scaled_x).numpy().round(4)}, "
    f"stable lr < {max_stable_lr(scaled_x):.4f}"
)
scaled_lr = 0.7
scaled = gradient_descent(
    scaled_x, wide.y, lr=scaled_lr, steps=100, device=device
)
slope_back = float(scaled.coef[0]) / scale
print(
    f"least squares on (-30, 30): slope {wide_best[0]:.4f}, intercept {wide_best[1]:.4f}"
)
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
    labels=[
        "raw u in (-30, 30), lr 0.9 x its bound",
        f"u / 30, lr {scaled_lr}",
    ],
    minimum=wide_floor,
    ax=ax,
)
ax.set_title("Same data, same model: the scale of the input decides")
fig.tight_layout()
plt.show()

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
print(
    f"effective learning rate of lr 0.1 with sse: {0.1 * data.n:g}, bound {bound:.4f}"
)

losses = []
p = torch.tensor([-1.0, 1.0], device=device, requires_grad=True)
for _ in range(6):
    loss = sse(x @ p, y)
    loss.backward()
    with torch.no_grad():
        p -= 0.1 * p.grad
        p.grad.zero_()
    losses.append(float(loss.detach()))
print(
    "summed loss, lr 0.1, first updates:", ", ".join(f"{v:.3g}" for v in losses)
)
ratios = [b / a for a, b in with_next(losses)]
print(
    f"growth per update from the third on: {min(ratios[2:]):.1f} to {max(ratios[2:]):.1f}"
)

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
# * The direction that runs away first is the Hessian's top eigenvector: here the intercept,
#   because the ones column has a larger mean square than the inputs.
# * The best constant rate :math:`2/(\lambda_{\max} + \lambda_{\min})` minimises the worst
#   factor :math:`\max_\lambda |1 - \eta\lambda|`.
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
predicted = np.log(2 * (float32_max - floor) / (lam_max * c**2)) / (
    2 * np.log(growth)
)
print(
    f"lr = 1.2 x bound = {lr:.4f}: growth factor {growth:.3f}, predicted overflow at update "
    f"{int(np.ceil(predicted))}"
)
try:
    gradient_descent(x, y, lr=lr, steps=2000, device=device)
except DivergenceError as err:
    print(f"DivergenceError at update {err.step}")

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
three = make_linear_data(data.n, low=-3, high=3, seed=0, device=device)
print(
    f"mean of u^2 on (-3, 3): {float((three.x[:, 0] ** 2).mean()):.3f}, mean of 1^2: 1"
)
try:
    gradient_descent(
        three.x, three.y, lr=1.1 * max_stable_lr(three.x), steps=2000
    )
except DivergenceError as err:
    runaway = err.fit.params[-1]
    print(
        f"DivergenceError at update {err.step}; last finite slope {float(runaway[0]):.3g}, "
        f"intercept {float(runaway[1]):.3g}"
    )

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
for name, lr in (("best rate", best_rate), ("0.9 x bound", 0.9 * bound)):
    factor = max(abs(1 - lr * lam) for lam in (lam_min, lam_max))
    fit = gradient_descent(x, y, lr=lr, steps=100, device=device)
    distance = (fit.params.double() - best.cpu().double()).norm(dim=1)
    reached = int((distance < 1e-3 * distance[0]).nonzero()[0, 0])
    print(
        f"{name:>11} (lr {lr:.4f}): worst factor {factor:.4f}, predicted "
        f"{np.log(1e-3) / np.log(factor):.1f} updates, measured {reached}"
    )

# %%
# The prediction uses only the worst direction; the measured count can be lower when the
# start's error along that direction is small. In both cases the best constant rate needs
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
for multiple in (0.9, 1.1):
    q = torch.tensor([-1.0, 1.0], device=device, requires_grad=True)
    for _ in range(100):
        loss = sse(x @ q, y)
        loss.backward()
        with torch.no_grad():
            q -= multiple * sum_bound * q.grad
            q.grad.zero_()
    print(
        f"{multiple} x that rate: summed loss after 100 updates {float(loss.detach()):.4g} "
        f"(minimum {floor * data.n:.4g})"
    )

# %%
# Below the scaled bound the summed loss settles at :math:`n` times the minimum MSE; above it
# the loss grows: the same bound, in other units.
#
# .. raw:: html
#
#    </details>

# sphinx_gallery_thumbnail_number = 1
