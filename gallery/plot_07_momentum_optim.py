r"""
Momentum and ``torch.optim``
============================

To run this page yourself, install the package first: see :doc:`/installation`.

So far every update in these tutorials was written by hand or run by
:func:`sgd_tutorial.sgd`. PyTorch ships the same algorithm as
``torch.optim.SGD``, and most real code uses that. This tutorial does three
things:

1. shows that our :term:`SGD` and ``torch.optim.SGD`` produce the same
   :term:`parameters` step for step, when they see the same batches;
2. explains heavy-ball :term:`momentum` and shows, on a badly conditioned
   problem, why it is worth having;
3. works out how momentum moves the largest stable :term:`learning rate`, and
   ends with pointers for what to learn next.
"""

# %%
# Setup
# -----
# Seeds are fixed, so a rerun on the same machine repeats every number below,
# and ``resolve_device("auto")`` picks a GPU when there is one.

import math

import matplotlib.pyplot as plt
import torch
from sgd_tutorial import (
    DivergenceError,
    gradient_descent,
    hessian_eigenvalues,
    iter_sgd,
    least_squares,
    make_linear_data,
    max_stable_lr,
    mse,
    resolve_device,
)
from sgd_tutorial.plotting import plot_landscape

torch.manual_seed(0)
device = resolve_device("auto")
print(f"device: {device}")


# %%
# Our ``sgd`` is ``torch.optim.SGD``
# ----------------------------------
# ``torch.optim.SGD`` keeps one extra tensor per parameter, the *velocity*
# :math:`v`, and with momentum :math:`\beta` it updates
#
# .. math::
#
#    v \leftarrow \beta v + g, \qquad p \leftarrow p - \eta\, v,
#
# where :math:`g` is the :term:`gradient` of the batch's loss and :math:`\eta`
# the learning rate. With :math:`\beta = 0` the velocity is just the gradient,
# and this is the lesson's update ``p -= lr * p.grad``. Our engine applies the
# same rule (it computes the gradient from a formula instead of with
# :term:`autograd`).
#
# To compare the two fairly they must see the same batches in the same order.
# :func:`~sgd_tutorial.iter_sgd` yields one :class:`~sgd_tutorial.Step` per
# update, and each step carries the ``indices`` of its batch, so we can replay
# exactly those batches through ``torch.optim.SGD``.

data = make_linear_data(100, seed=0, device=device)
init = (-1.0, 1.0)
lr, epochs, batch_size = 0.1, 5, 5


def torch_optim_path(steps, lr, momentum):
    """torch.optim.SGD over the batches of ``steps``; every parameter vector."""
    p = torch.nn.Parameter(torch.tensor(init, device=device))
    optimizer = torch.optim.SGD([p], lr=lr, momentum=momentum)
    path = [p.detach().clone()]
    for step in steps:
        xb, yb = data.x[step.indices], data.y[step.indices]
        optimizer.zero_grad()
        mse(xb @ p, yb).backward()
        optimizer.step()
        path.append(p.detach().clone())
    return torch.stack(path)


print(
    f"{'momentum':>8} {'updates':>7} {'max |ours - torch.optim|':>25} "
    f"{'float32 spacings':>17}"
)
spacings = {}
for momentum in (0.0, 0.9):
    steps = list(
        iter_sgd(
            data.x,
            data.y,
            init,
            lr=lr,
            epochs=epochs,
            batch_size=batch_size,
            momentum=momentum,
            seed=0,
        )
    )
    ours = torch.stack(
        [torch.tensor(init), *(step.params.cpu() for step in steps)]
    )
    theirs = torch_optim_path(steps, lr, momentum).cpu()
    gap = float((ours - theirs).abs().max())
    # the distance between neighbouring float32 numbers at the largest value
    top = ours.abs().max().float()  # float32, whatever the dtype of ours
    spacing = float(torch.nextafter(top, 2 * top) - top)
    spacings[momentum] = gap / spacing
    print(f"{momentum:8.1f} {len(steps):7d} {gap:25.2e} {gap / spacing:17.1f}")
    print(f"{'':>17}final: ours {ours[-1].cpu().numpy().round(5)}")
    print(f"{'':>17}torch.optim {theirs[-1].cpu().numpy().round(5)}")

# %%
# The last column gives the largest gap between the two trajectories, over
# every step, in units of the spacing between neighbouring float32 numbers:
# with and without momentum the two differ by rounding only (a few spacings),
# because our engine accumulates in float64 and rounds once, while
# ``torch.optim`` does every operation in float32. So everything these
# tutorials show about our ``sgd`` holds for ``torch.optim.SGD`` too.
#
# The Explorer runs the same update on the same data (this page's first data
# set, from :math:`(-1, 1)`) and draws its batches from the seed as
# :func:`~sgd_tutorial.iter_sgd` does, so these two links open these very runs:
# `without momentum <../explorer.html?lr=0.1&momentum=0&batch=5&steps=100&seed=0>`__
# and `with momentum 0.9
# <../explorer.html?lr=0.1&momentum=0.9&batch=5&steps=100&seed=0>`__. The code
# checks that the settings in the links are this page's.

for momentum, gap in spacings.items():
    assert gap < 16, f"momentum {momentum}: {gap:.0f} float32 spacings apart"
explorer_data = make_linear_data(100, coef=(3.0, 2.0), seed=0)
assert torch.equal(data.x.cpu(), explorer_data.x), "the Explorer's data"
assert torch.equal(data.y.cpu(), explorer_data.y), "the Explorer's data"
assert (init, lr, batch_size, len(steps)) == ((-1.0, 1.0), 0.1, 5, 100), (
    "the links above say lr 0.1, batch 5, 100 steps from (-1, 1)"
)

# %%
# Heavy-ball momentum
# -------------------
# Unrolling the update shows what the velocity is: a running sum of past
# gradients, each one discounted by another factor :math:`\beta` per step,
#
# .. math::
#
#    v_t = g_t + \beta g_{t-1} + \beta^2 g_{t-2} + \dots
#
# Where successive gradients point the same way, they add up, and the step
# grows towards :math:`\eta / (1 - \beta)` times the gradient. Where they flip
# sign from one step to the next (the iterates bouncing between the walls of a
# valley), they cancel. Written with the parameters only, the update is
#
# .. math::
#
#    p_{t+1} = p_t - \eta\, g_t + \beta\, (p_t - p_{t-1}),
#
# a ball rolling on the :term:`loss landscape` that keeps part of its previous motion:
# hence *heavy ball*.
#
# A problem where plain gradient descent struggles
# ------------------------------------------------
# Put the input far from zero, in :math:`[1, 3)` instead of :math:`[-1, 1)`.
# Raising the slope and lowering the intercept by the right amounts then
# changes the predictions very little, so the loss landscape becomes a long,
# narrow, tilted valley (more than ten times as stretched as the lesson's
# data, both printed below). The eigenvalues of the :term:`Hessian`
# :math:`H = \tfrac{2}{n} X^\top X` measure the curvature along the valley's
# axes, and their ratio, the :term:`condition number`
# :math:`\kappa = \lambda_{\max} / \lambda_{\min}`, says how stretched it is.
# (The data is float64 here so that the loss curves below can fall far
# before they reach rounding error.)

valley = make_linear_data(
    100,
    coef=(3.0, 2.0),
    low=1.0,
    high=3.0,
    seed=0,
    device=device,
    dtype=torch.float64,
)
lam_min, lam_max = hessian_eigenvalues(valley.x).tolist()
kappa = lam_max / lam_min
best = least_squares(valley.x, valley.y)
best_loss = float(mse(valley.x @ best, valley.y))
lesson_lam = hessian_eigenvalues(data.x)
lesson_kappa = float(lesson_lam[1] / lesson_lam[0])
print(f"features in [1, 3): lambda_min {lam_min:.4f}, lambda_max {lam_max:.3f}")
print(f"condition number kappa = {kappa:.1f}")
print(f"(the lesson's data, features in [-1, 1): kappa = {lesson_kappa:.2f})")
print(
    f"least squares {best.cpu().numpy().round(4)}, minimum loss {best_loss:.5f}"
)
assert kappa > 10 * lesson_kappa, "the valley should be far more stretched"

# %%
# For a quadratic loss like ours both methods have a best setting that can be
# computed from the two eigenvalues. Plain gradient descent does best with
# :math:`\eta = 2 / (\lambda_{\max} + \lambda_{\min})`, and then the error
# shrinks by a factor :math:`(\kappa - 1)/(\kappa + 1)` per step. Heavy ball
# does best with
#
# .. math::
#
#    \eta = \frac{4}{(\sqrt{\lambda_{\max}} + \sqrt{\lambda_{\min}})^2}, \qquad
#    \beta = \left(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\right)^2,
#
# and the error shrinks by about :math:`(\sqrt\kappa - 1)/(\sqrt\kappa + 1)`
# per step: the square root of the condition number takes the place of the
# condition number itself.

root = kappa**0.5
lr_gd = 2 / (lam_max + lam_min)
lr_hb = 4 / (lam_max**0.5 + lam_min**0.5) ** 2
beta_hb = ((root - 1) / (root + 1)) ** 2
print(
    f"gradient descent: lr = {lr_gd:.4f}, "
    f"error factor per step {(kappa - 1) / (kappa + 1):.4f}"
)
print(
    f"heavy ball:       lr = {lr_hb:.4f}, momentum = {beta_hb:.4f}, "
    f"error factor per step {(root - 1) / (root + 1):.4f}"
)

# %%
# Run both as full-batch :term:`gradient descent` for the same number of steps
# and plot how far each loss is above the minimum, on a log scale. The start, :math:`(0, 8)`, is wrong
# mostly *along* the valley, the direction in which the loss changes slowly
# and plain gradient descent is slow.

start = (0.0, 8.0)
n_steps = 300
plain = gradient_descent(valley.x, valley.y, start, lr=lr_gd, steps=n_steps)
heavy = gradient_descent(
    valley.x, valley.y, start, lr=lr_hb, steps=n_steps, momentum=beta_hb
)

tolerance = 1e-3
checkpoints = (10, 25, 50)
header = " ".join(f"{f'after {t}':>10}" for t in checkpoints)
print(f"loss - minimum    {header}   steps to get within {tolerance:g}")
reached_at, excess_at = {}, {}
for name, fit in (("gradient descent", plain), ("heavy ball", heavy)):
    excess = fit.losses - best_loss
    reached = int((excess < tolerance).nonzero()[0, 0])
    excess_at[name] = [float(excess[t - 1]) for t in checkpoints]
    cells = " ".join(f"{e:10.2e}" for e in excess_at[name])
    print(f"{name:17} {cells}   {reached}")
    reached_at[name] = reached
after = checkpoints[0]
higher = (
    "heavy ball"
    if heavy.losses[after - 1] > plain.losses[after - 1]
    else "gradient descent"
)
print(f"higher loss after {after} steps: {higher}")
print(
    f"steps to the tolerance, heavy ball / gradient descent: "
    f"{reached_at['heavy ball'] / reached_at['gradient descent']:.2f}"
)

labels = [
    f"gradient descent, lr {lr_gd:.3f}",
    f"heavy ball, lr {lr_hb:.3f}, momentum {beta_hb:.2f}",
]
fig, ax = plt.subplots(figsize=(6.4, 4))
ax.semilogy(plain.losses - best_loss, label=labels[0])
ax.semilogy(heavy.losses - best_loss, label=labels[1])
ax.axhline(
    tolerance, color="0.5", linestyle=":", label=f"tolerance {tolerance:g}"
)
ax.set_ylim(1e-10, None)
ax.set_xlabel("update")
ax.set_ylabel("loss - minimum loss")
ax.set_title(
    f"Full-batch descent in a valley with condition number {kappa:.0f}"
)
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Heavy ball needs a few steps to build up speed, and its velocity makes it
# overshoot: after the first checkpoint its loss is the higher of the two.
# Then it pulls away: it needs less than half of gradient descent's steps to
# get within the tolerance (the share is printed), and at the last checkpoint
# its excess loss is more than a hundred times lower, far below gradient
# descent's slow straight line in the plot.

gd_excess, hb_excess = excess_at["gradient descent"], excess_at["heavy ball"]
share = reached_at["heavy ball"] / reached_at["gradient descent"]
assert hb_excess[0] > gd_excess[0], "heavy ball should start behind"
assert share < 0.5, f"heavy ball needed {share:.0%} of the steps"
assert hb_excess[-1] < gd_excess[-1] / 100, "heavy ball should end far below"
assert lr_gd * lam_max > 1, "gradient descent should overshoot the walls"

# %%
# The paths show why. Both zigzag across the valley, since the learning rates
# are large enough to overshoot the steep walls (for gradient descent,
# :math:`\eta\lambda_{\max} > 1` makes the steep direction flip sign at every
# step), but gradient descent takes small steps down the valley floor, where
# the slope is gentle, while the velocity of the heavy ball keeps adding those
# small pushes up and carries it down the valley in long strides.

fig, ax = plt.subplots(figsize=(6.4, 5))
plot_landscape(valley.x, valley.y, [plain, heavy], labels=labels, ax=ax)
ax.set_title(f"Paths on the loss surface, from {start}")
fig.tight_layout()
plt.show()

# %%
# How large can the learning rate be with momentum?
# -------------------------------------------------
# Without momentum, full-batch gradient descent on this loss converges exactly
# when :math:`\eta\lambda_{\max} < 2`. With momentum, look at one eigen-direction
# of the Hessian with curvature :math:`\lambda`: the pair
# :math:`(p, v)` is multiplied by a fixed 2 × 2 matrix every step, and the run
# converges when both of that matrix's eigenvalues are inside the unit circle.
# Working this out gives the condition
#
# .. math::
#
#    0 < \eta \lambda < 2 + 2\beta \quad\text{for every eigenvalue } \lambda,
#
# so momentum :math:`\beta` raises the largest stable learning rate by a
# factor :math:`1 + \beta`. :func:`~sgd_tutorial.max_stable_lr` computes
# :math:`(2 + 2\beta)/\lambda_{\max}`. To check the bound, run just below and
# just above it and compare the last loss with the first.

start_loss = float(plain.losses[0])
print(f"loss at the start {start}: {start_loss:.4g}")
print(f"{'momentum':>8} {'max stable lr':>14} {'last loss at':>14}")
print(f"{'':>8} {'':>14} {'0.95 x bound':>14} {'1.05 x bound':>14}")
runs, last = {}, {}
for beta in (0.0, 0.5, 0.9):
    bound = max_stable_lr(valley.x, beta)
    cells = []
    for factor in (0.95, 1.05):
        try:
            fit = gradient_descent(
                valley.x,
                valley.y,
                start,
                lr=factor * bound,
                steps=n_steps,
                momentum=beta,
            )
            last[beta, factor] = float(fit.losses[-1])
            cells.append(f"{last[beta, factor]:.3g}")
        except DivergenceError as error:
            fit = error.fit
            last[beta, factor] = float("inf")
            cells.append(f"inf at {error.step}")
        runs[beta, factor] = fit
    print(f"{beta:8.1f} {bound:14.4f} {cells[0]:>14} {cells[1]:>14}")

fig, ax = plt.subplots(figsize=(6.4, 4))
for factor in (0.95, 1.05):
    excess = runs[0.9, factor].losses - best_loss
    ax.semilogy(excess, label=f"momentum 0.9, lr = {factor} x bound")
ax.set_xlabel("update")
ax.set_ylabel("loss - minimum loss")
ax.set_title("Just below and just above the stable learning rate")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Compare each row's two losses with the loss at the start, printed above the
# table: below the bound the runs end within 0.001 of the minimum, above it
# they end far above where they started, for all three momentum values: the
# bound predicts where divergence starts.

for beta in (0.0, 0.5, 0.9):
    below, above = last[beta, 0.95], last[beta, 1.05]
    assert below - best_loss < 1e-3, f"momentum {beta}: below ends at {below}"
    assert above > 10 * start_loss, f"momentum {beta}: above ends at {above}"

# %%
# The lesson's data has its own bound, printed below: the Explorer runs full
# batches just `below it, at lr 1.8
# <../explorer.html?lr=1.8&momentum=0.9&batch=full&steps=300&seed=0>`__, and
# `above it, at lr 2
# <../explorer.html?lr=2&momentum=0.9&batch=full&steps=300&seed=0>`__.

lesson_bound = max_stable_lr(data.x, 0.9)
print(f"the lesson's data, momentum 0.9: max stable lr = {lesson_bound:.4f}")
assert 1.8 < lesson_bound < 2.0, "the links' rates should straddle the bound"

# %%
# Two cautions for practice. The bound is about the
# largest curvature, so momentum helps most when the trouble is a *small*
# curvature (a long flat valley floor), as here; it does not let you ignore
# the largest one. And with minibatches the gradient is noisy: momentum
# averages that noise too, but a step that is :math:`1/(1 - \beta)` times
# larger also carries noise further, so a smaller learning rate is usual when
# momentum is on.
#
# Where to go next
# ----------------
# * **Models from** ``torch.nn``: our parameter vector with a ones column is
#   exactly what ``torch.nn.Linear`` holds as ``weight`` and ``bias``. The cell
#   below fits the lesson's data with ``nn.Linear`` and ``torch.optim.SGD``;
#   swapping in a deeper model changes the model line and nothing else.
# * **Adam and friends**: ``torch.optim.Adam`` keeps a momentum-like
#   average of gradients and also scales each parameter's step by a running
#   size of its gradients. That helps when the coordinates have very different
#   scales, but not much with the valley above: it is tilted, not stretched
#   along the axes, and the best rescaling of each coordinate leaves most of
#   its condition number (printed below the next cell).
#   :ref:`sphx_glr_auto_examples_plot_11_schedules_adaptive.py` races Adam on
#   both kinds of valley.
# * **Learning-rate schedules**: ``torch.optim.lr_scheduler`` lowers the
#   learning rate as training goes on, which shrinks SGD's noise floor.
# * **Real data**: ``torch.utils.data.DataLoader`` feeds batches from files or
#   datasets. Scale your features first: the valley above and
#   :ref:`sphx_glr_auto_examples_plot_06_learning_rate.py` show why.
# * **This site**: the :doc:`/glossary` for the vocabulary, the
#   :doc:`/api` for every function used here, and
#   :ref:`sphx_glr_auto_examples_plot_08_devices_scale.py` for running all
#   this on a GPU and at scale.

model = torch.nn.Linear(1, 1, device=device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
features = data.x[:, :1]  # nn.Linear has its own bias: no ones column
for _ in range(100):
    optimizer.zero_grad()
    loss = mse(model(features).squeeze(-1), data.y)
    loss.backward()
    optimizer.step()
exact = least_squares(data.x, data.y)
fitted = torch.cat([model.weight.detach()[0], model.bias.detach()])
print(f"nn.Linear:     slope {fitted[0]:.4f}, intercept {fitted[1]:.4f}")
print(f"least squares: slope {exact[0]:.4f}, intercept {exact[1]:.4f}")
torch.testing.assert_close(
    fitted, exact.to(fitted), atol=1e-3, rtol=0, msg="nn.Linear should fit"
)

# The valley's Hessian, each coordinate rescaled to curvature 1 (what a
# per-parameter step size can do at best):
hessian = 2 / valley.n * valley.x.T @ valley.x
scale = torch.diag(hessian).rsqrt()
rescaled = torch.linalg.eigvalsh(scale[:, None] * hessian * scale[None, :])
rescaled_kappa = float(rescaled[-1] / rescaled[0])
print(
    f"valley: kappa {kappa:.0f}; each coordinate rescaled: {rescaled_kappa:.0f}"
)
assert rescaled_kappa > kappa / 2, "rescaling should leave most of kappa"

# %%
# Exercises
# ---------
#
# **Exercise 1.** Predict the largest stable learning rate for momentum 0.5 on
# the lesson's data, :math:`(2 + 2\beta)/\lambda_{\max}`, from its
# :math:`\lambda_{\max}` (computed near the top as ``lesson_lam``). Then check
# it: run full-batch gradient descent at 0.9 × and 1.1 × your value and
# compare the last loss with the first.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 1</summary>

# %%
predicted = (2 + 2 * 0.5) / float(lesson_lam[1])
print(
    f"predicted bound for momentum 0.5: {predicted:.4f} "
    f"(max_stable_lr: {max_stable_lr(data.x, 0.5):.4f})"
)
outcome = {}
for factor in (0.9, 1.1):
    try:
        fit = gradient_descent(
            data.x, data.y, lr=factor * predicted, steps=500, momentum=0.5
        )
        first, final = float(fit.losses[0]), float(fit.losses[-1])
        print(f"{factor} x: first loss {first:.4g}, last loss {final:.4g}")
        outcome[factor] = final < first
    except DivergenceError as error:
        print(f"{factor} x: DivergenceError at step {error.step}")
        outcome[factor] = False
assert outcome == {0.9: True, 1.1: False}, f"stable below only: {outcome}"

# %%
# .. raw:: html
#
#    </details>
#
# **Exercise 2.** With a constant gradient :math:`g`, the velocity
# :math:`v \leftarrow \beta v + g` tends to :math:`g / (1 - \beta)`. Predict
# how many times longer the 100th step of ``torch.optim.SGD`` with momentum 0.9
# is than a step without momentum, on the loss :math:`L(w) = 2w` (gradient 2
# everywhere). Then run it.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 2</summary>

# %%
for beta in (0.0, 0.9):
    w = torch.nn.Parameter(torch.zeros((), dtype=torch.float64))
    optimizer = torch.optim.SGD([w], lr=0.01, momentum=beta)
    for _ in range(100):
        before = float(w.detach())
        optimizer.zero_grad()
        (2 * w).backward()
        optimizer.step()
    ratio = (before - float(w.detach())) / (0.01 * 2)
    print(
        f"momentum {beta}: step 100 / (lr x gradient) = {ratio:.4f}; "
        f"1 / (1 - momentum) = {1 / (1 - beta):.4f}"
    )
    after_100 = (1 - beta**100) / (1 - beta) if beta else 1.0
    assert abs(ratio - after_100) < 1e-9, f"expected {after_100}, got {ratio}"

# %%
# After 100 steps the velocity is :math:`(1 - \beta^{100})/(1 - \beta)` times
# the gradient, which the code checks: with :math:`\beta = 0.9` that is within
# :math:`10^{-4}` of :math:`1/(1 - \beta)`; compare the two printed ratios.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 3.** Fit the valley data (inputs in :math:`[1, 3)`) with
# ``nn.Linear`` and ``torch.optim.SGD`` as in the last cell, lr 0.1 and
# momentum 0.5 for 100 steps. Predict, from the valley's bound and from how
# slowly plain gradient descent crossed the valley above, whether it will be
# stable and whether it will reach the least-squares answer. Then run it.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 3</summary>

# %%
valley_bound = max_stable_lr(valley.x, 0.5)
print(f"valley bound for momentum 0.5: {valley_bound:.4f}")
model = torch.nn.Linear(1, 1, device=device, dtype=torch.float64)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
for _ in range(100):
    optimizer.zero_grad()
    loss = mse(model(valley.x[:, :1]).squeeze(-1), valley.y)
    loss.backward()
    optimizer.step()
slope, intercept = model.weight.item(), model.bias.item()
print(f"nn.Linear:     slope {slope:.4f}, intercept {intercept:.4f}")
print(f"least squares: slope {best[0]:.4f}, intercept {best[1]:.4f}")
print(f"loss {loss.item():.5f}, minimum {best_loss:.5f}")
assert valley_bound > 0.1, "lr 0.1 should be below the bound"
assert math.isfinite(loss.item()), "the run should stay finite"
assert loss.item() - best_loss > 1e-4, "100 steps should not be enough here"

# %%
# lr 0.1 is below the printed bound, so the run stays finite. But 100 steps
# are not enough: the slope is still visibly off, and the loss more than
# :math:`10^{-4}` above the minimum. The valley's flat direction is just as
# slow for ``nn.Linear`` as it was for our gradient descent.
#
# .. raw:: html
#
#    </details>

# sphinx_gallery_thumbnail_number = 2
