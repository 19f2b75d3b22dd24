r"""
Batch size, learning rate and the start of training
===================================================

Three questions come up the first time you train something real. The batch no
longer fits, or a bigger one would: how should the :term:`learning rate` change
with the :term:`batch size`? There is no :math:`\lambda_{\max}` to compute for a
network: how do you pick a learning rate at all? And the network blows up in its
first few updates: why, and what stops it? Tutorials 4, 6 and 10 measured the
pieces of the answers (the noise floor, the bound :math:`2/\lambda_{\max}`, a
curvature that changes during training); this tutorial puts them to work.

To run this page yourself, install the package first: see :doc:`/installation`.

This tutorial covers:

* the :term:`linear scaling rule` (Goyal et al., 2017): multiply the batch by
  :math:`k` and the learning rate by :math:`k`, and the noise floor stays where
  it was;
* where the rule stops: the bound :math:`2/\lambda_{\max}` does not scale;
* a :term:`critical batch size` past which a bigger batch buys no fewer updates,
  and the :term:`gradient noise scale` that estimates it (McCandlish et al.,
  2018);
* the :term:`learning-rate range test` (Smith, 2017; fastai's ``lr_find``)
  written by hand, and where its pick lands against :math:`2/\lambda_{\max}`;
* :term:`warmup` and :term:`gradient clipping` rescuing tutorial 10's network at
  the learning rate where it overflowed, with its :term:`sharpness` measured
  along the way.
"""

# %%
# Setup
# -----
# The lesson's data: the same 100 samples as every tutorial, converted to
# float64 so that small excess losses are exact. As in tutorial 11, the loss
# above the minimum is computed as :math:`\tfrac12 (p - p^\ast)^\top H (p -
# p^\ast)` with :math:`H = \tfrac{2}{n} X^\top X`, which does not cancel the way
# a difference of two nearly equal losses does. The runs are small, so this page
# computes on the CPU, and on one thread, as tutorial 10 does: operations this
# small gain little from being split across cores, and on a machine busy with
# other work the split can cost a great deal (tutorial 8 shows why). The last
# cell gives PyTorch back its default.

import copy
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from sgd_tutorial import (
    gradient_descent,
    least_squares,
    make_linear_data,
    max_stable_lr,
    mse,
)
from sklearn.datasets import load_digits
from torch import nn

# sphinx_gallery_thumbnail_number = 1

threads = torch.get_num_threads()
torch.set_num_threads(1)
data = make_linear_data(100, seed=0)
x, y, n = data.x.double(), data.y.double(), data.n
best = least_squares(x, y)
hessian = 2 / n * x.T @ x
eigenvalues, eigenvectors = torch.linalg.eigh(hessian)
bound = max_stable_lr(x)
start = torch.tensor([-1.0, 1.0], dtype=torch.float64)


def excess(p):
    """Loss above the minimum, 0.5 (p - p*)^T H (p - p*), for rows of p."""
    d = p - best
    return 0.5 * ((d @ hessian) * d).sum(dim=-1)


print(f"least squares {best.numpy().round(4)}")
print(f"lambda: {eigenvalues.numpy().round(4)}; 2 / lambda_max = {bound:.4f}")
print(f"excess loss at the start (-1, 1): {float(excess(start)):.3f}")

# %%
# The linear scaling rule
# -----------------------
# Tutorial 4 measured how far above the minimum SGD hovers with a constant
# learning rate :math:`\eta`: for batches drawn independently (``randint``
# style) the floor falls like :math:`1/b`. Where does that come from? Near the
# minimum, look along one eigenvector of :math:`H`, with eigenvalue
# :math:`\lambda`. Each update multiplies the error :math:`e` along it by
# :math:`1 - \eta\lambda` and adds :math:`\eta` times the batch's gradient
# noise, whose variance is :math:`s/b` if one sample's gradient has variance
# :math:`s` in that direction. The error settles where the two balance:
#
# .. math::
#
#     \mathbb{E}[e^2] = (1 - \eta\lambda)^2 \mathbb{E}[e^2] + \frac{\eta^2 s}{b}
#     \quad\Longrightarrow\quad
#     \tfrac12 \lambda \mathbb{E}[e^2] = \frac{\eta s}{2 b (2 - \eta\lambda)}.
#
# Summed over the eigenvectors, that is the floor. While :math:`\eta\lambda \ll
# 2` it is about :math:`\eta \operatorname{tr}(\Sigma) / (4b)`, with
# :math:`\Sigma` the covariance of one sample's gradient: it depends on
# :math:`\eta` and :math:`b` only through :math:`\eta / b`. So doubling the
# batch and doubling the learning rate leaves the floor where it was, in half
# the updates. That is the linear scaling rule, the recipe with which Goyal et
# al. (2017) trained ImageNet with batches of 8192.
#
# The per-sample gradients at the minimum give :math:`s` for each eigenvector.
# For our model one sample's gradient is :math:`2 x_i (x_i \cdot p - y_i)`, one
# row per sample. (For a network,
# ``torch.func.vmap(torch.func.grad(loss_of_one_sample))`` computes the same
# rows.) Their mean is the full gradient, zero at the minimum, and the
# covariance :math:`\Sigma` is the mean of their outer products there:


def per_sample_gradients(p):
    """Each sample's gradient of its squared error at p: one row per sample."""
    return 2 * x * (x @ p - y)[:, None]


at_minimum = per_sample_gradients(best)
full_gradient = at_minimum.mean(dim=0)
sigma = at_minimum.T @ at_minimum / n
s = torch.diag(eigenvectors.T @ sigma @ eigenvectors)
largest = float(full_gradient.abs().max())
print(f"largest entry of the full gradient at the minimum: {largest:.1e}")
assert largest < 1e-12, (
    f"the gradient at the minimum is {largest:.1e}, not zero"
)


def predicted_floor(lr, b):
    """The floor of SGD, independent batches of b: a sum over eigenvectors."""
    return float((lr * s / (2 * b * (2 - lr * eigenvalues))).sum())


print(f"trace of Sigma: {float(sigma.trace()):.4f}")

# %%
# Now measure it. Every setting runs in one loop, 40 independent runs each, with
# :math:`(\eta, b) = (0.02 k, k)`: a batch of :math:`b` is the first :math:`b`
# of one shared draw of indices, so the settings see the same random numbers.
# Each run starts at :math:`(-1, 1)` and takes 1000 updates; the floor is the
# mean excess over the last half of them.

ks = [1, 2, 4, 8, 16, 32, 45, 56]
lrs = 0.02 * torch.tensor(ks, dtype=torch.float64)
batch_sizes = torch.tensor(ks)
RUNS, UPDATES = 40, 1000


def sgd_settings(lrs, batch_sizes, updates=UPDATES, runs=RUNS, seed=0):
    """SGD, batches drawn with replacement: excess (update, setting, run)."""
    g = torch.Generator().manual_seed(seed)
    largest = int(batch_sizes.max())
    # Setting i averages its first b_i draws: weight 1/b_i on them, 0 after.
    first = (torch.arange(largest) < batch_sizes[:, None]).double()
    weights = first / batch_sizes[:, None]
    p = start.repeat(len(lrs), runs, 1)  # (setting, run, 2)
    excesses = []
    for _ in range(updates):
        idx = torch.randint(n, (runs, largest), generator=g)
        xb, yb = x[idx], y[idx]  # (run, draw, 2) and (run, draw)
        residual = (xb @ p[..., None])[..., 0] - yb  # (setting, run, draw)
        gradient = 2 * ((weights[:, None] * residual)[..., None] * xb).sum(-2)
        p = p - lrs[:, None, None] * gradient
        excesses.append(excess(p))
    return torch.stack(excesses)


runs = sgd_settings(lrs, batch_sizes)
floors = runs[UPDATES // 2 :].mean(dim=(0, 2))
print(" k |   lr | batch | floor, measured | predicted | measured / predicted")
for i, k in enumerate(ks[:3]):
    predicted = predicted_floor(float(lrs[i]), k)
    print(
        f"{k:2d} | {lrs[i]:.2f} | {k:5d} | {floors[i]:15.3e} | {predicted:9.3e}"
        f" | {floors[i] / predicted:20.3f}"
    )

# %%
# The three floors agree with each other and with the prediction, within the
# printed ratios. The rule holds for the whole run, not only for the floor:
# plotted against the number of samples read, the three runs descend together
# (the figure below, left), and after the same number of samples they are at the
# same excess loss:

median = runs.median(dim=2).values  # (update, setting)
for samples in (50, 100, 200):
    at = [float(median[samples // k - 1, i]) for i, k in enumerate(ks[:3])]
    spread = max(at) / min(at)
    print(
        f"after {samples:3d} samples: median excess "
        + ", ".join(f"{v:.4f}" for v in at)
        + f" (max / min {spread:.2f})"
    )
    assert spread < 1.5, (
        f"after {samples} samples the k = 1, 2, 4 runs differ by {spread:.2f}x"
    )
for i, k in enumerate(ks[:3]):
    ratio = float(floors[i]) / predicted_floor(float(lrs[i]), k)
    assert abs(ratio - 1) < 0.2, (
        f"floor at k = {k} is {ratio:.2f}x the prediction, not within 20%"
    )

# %%
# Where the rule stops
# --------------------
# The factor :math:`2 - \eta\lambda` in the prediction is the catch. Keep
# scaling, and the learning rate :math:`0.02 k` eventually meets tutorial 6's
# bound :math:`2 / \lambda_{\max}`, which does not care about the batch: the
# floor rises as it approaches, and past it the run diverges whatever the batch.
# The same runs, all settings:

print(f"2 / lambda_max = {bound:.4f}")
print(" k |   lr | batch | floor, measured | predicted | measured / predicted")
for i, k in enumerate(ks):
    lr = float(lrs[i])
    if lr < bound:
        predicted = predicted_floor(lr, k)
        print(
            f"{k:2d} | {lr:.2f} | {k:5d} | {floors[i]:15.3e} | {predicted:9.3e}"
            f" | {floors[i] / predicted:20.3f}"
        )
        assert abs(floors[i] / predicted - 1) < 0.2, (
            f"floor at k = {k} is {floors[i] / predicted:.2f}x the prediction"
        )
    else:
        final = float(runs[-1, i].median())
        print(
            f"{k:2d} | {lr:.2f} | {k:5d} | past the bound: excess {final:.1e}"
        )
        assert final > float(excess(start)), (
            f"lr {lr:.2f} is past 2/lambda_max = {bound:.4f}, yet the run"
            f" did not diverge (median excess {final:.1e})"
        )

rise_8, rise_45 = floors[3] / floors[0], floors[6] / floors[0]
print(
    f"floor at k = 8 and k = 45 over the floor at k = 1: "
    f"{rise_8:.2f}, {rise_45:.2f}"
)
assert rise_8 < 1.3, f"the floor rose {rise_8:.2f}x by k = 8"
assert rise_45 > 4, f"the floor rose only {rise_45:.2f}x by k = 45"

fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.8))
for i, k in enumerate(ks[:3]):
    samples = k * np.arange(1, UPDATES + 1)
    keep = samples <= UPDATES
    left.loglog(
        samples[keep],
        median[keep, i],
        lw=1.2,
        label=f"lr {lrs[i]:.2f}, batch {k}",
    )
left.set_xlabel("samples read")
left.set_ylabel("excess MSE (median of runs)")
left.set_title("(lr, b), (2 lr, 2b), (4 lr, 4b)")
left.legend(fontsize="small")
stable = lrs < bound
grid_lr = np.linspace(0.02, 0.995 * bound, 200)
right.loglog(
    grid_lr,
    [predicted_floor(lr, lr / 0.02) for lr in grid_lr],
    color="0.5",
    label="predicted",
)
right.loglog(lrs[stable], floors[stable], "o", label="measured")
right.axvline(bound, color="tab:red", ls="--", label=r"$2/\lambda_{\max}$")
right.set_xlabel("learning rate 0.02 k (batch k)")
right.set_ylabel("floor: mean excess MSE")
right.set_title("The floor at (0.02 k, k)")
right.legend(fontsize="small")
fig.tight_layout()
plt.show()

# %%
# Up to :math:`k = 8` the floor barely moves; then it rises, faster and faster
# as the learning rate nears the bound, each time as predicted. The last setting
# is past :math:`2/\lambda_{\max}` and its excess grows without bound: a batch
# of 56 does not average away an instability, because the instability is not
# noise. In the `Explorer
# <../explorer.html?lr=1.2&momentum=0&batch=full&steps=50&seed=0>`__ the same
# happens with the full batch at learning rate 1.2.
#
# The Explorer also runs the scaled settings themselves, with shuffled batches
# rather than independent ones: `lr 0.05, batch 5, 400 updates
# <../explorer.html?lr=0.05&momentum=0&batch=5&steps=400&seed=0>`__, `lr 0.1,
# batch 10, 200 updates
# <../explorer.html?lr=0.1&momentum=0&batch=10&steps=200&seed=0>`__ and `lr 0.2,
# batch 20, 100 updates
# <../explorer.html?lr=0.2&momentum=0&batch=20&steps=100&seed=0>`__ each read
# 2000 samples.
#
# A critical batch size
# ---------------------
# The rule says what to do with the learning rate; it does not say when a bigger
# batch stops paying. McCandlish et al. (2018) ask it this way: with the best
# learning rate for each batch size, how many updates does it take to reach a
# target loss? Small batches are limited by noise, so doubling the batch (and
# the rate) halves the updates. Large batches are limited by the curvature, the
# rate cannot grow past the bound, and the count stops falling at what
# full-batch gradient descent needs. The bend between the two is the
# :term:`critical batch size`.
#
# Measure it: for each batch size, 100 runs at each of 24 learning rates (all at
# once), from :math:`(-1, 1)` until the mean excess of some learning rate's runs
# falls below 0.01. Full-batch :func:`~sgd_tutorial.gradient_descent` at the
# same learning rates gives the fewest updates possible.

TARGET = 0.01
candidate_lrs = 0.95 * bound * 0.8 ** torch.arange(24, dtype=torch.float64)


def updates_to_target(b, runs=100, seed=0):
    """Fewest updates for some rate's mean excess to fall below TARGET."""
    g = torch.Generator().manual_seed(seed)
    p = start.repeat(len(candidate_lrs), runs, 1)  # (rate, run, 2)
    for t in range(1, 10_000):
        idx = torch.randint(n, (runs, b), generator=g)
        xb, yb = x[idx], y[idx]
        residual = (xb @ p[..., None])[..., 0] - yb
        gradient = 2 / b * (xb.mT @ residual[..., None])[..., 0]
        p = p - candidate_lrs[:, None, None] * gradient
        reached = excess(p).mean(dim=1) < TARGET
        if reached.any():
            return t, float(candidate_lrs[reached].max())
    msg = f"batch {b}: no learning rate reached {TARGET}"
    raise RuntimeError(msg)


gd_updates = {}
for lr in candidate_lrs.tolist():
    fit = gradient_descent(x, y, start, lr=lr, steps=50)
    below = (excess(fit.params) < TARGET).nonzero()
    if len(below):
        gd_updates[lr] = int(below[0])
gd_lr = min(gd_updates, key=gd_updates.get)
fewest = gd_updates[gd_lr]

sizes = [1, 2, 4, 8, 16, 32, 64, 100]
needed, best_lr = [], []
for b in sizes:
    t, lr = updates_to_target(b)
    needed.append(t)
    best_lr.append(lr)
print(
    f"target: excess below {TARGET}; "
    f"full batch: {fewest} updates at lr {gd_lr:.3f}"
)
print("batch | updates | best lr | updates / fewest")
for b, t, lr in zip(sizes, needed, best_lr, strict=True):
    print(f"{b:5d} | {t:7d} | {lr:7.3f} | {t / fewest:16.2f}")

# %%
# Read the table from the top: at first each doubling of the batch nearly halves
# the updates, and the best learning rate grows with the batch, the linear
# scaling rule again. Then the best rate stops below the bound, and the updates
# stop falling, a few above the full batch's count. Call the critical batch the
# one that needs twice the fewest updates (McCandlish et al.'s definition), read
# off the table in between its rows:

halving = needed[0] / needed[1]
upper = next(i for i, t in enumerate(needed) if t <= 2 * fewest)
critical = math.exp(
    np.interp(
        math.log(2 * fewest),
        np.log([needed[upper], needed[upper - 1]]),
        np.log([sizes[upper], sizes[upper - 1]]),
    )
)
print(f"batch 1 -> 2: {halving:.2f}x fewer updates")
print(
    f"batch {sizes[-2]} and {sizes[-1]}: {needed[-2]} and {needed[-1]} updates"
)
print(f"critical batch (twice the fewest updates): {critical:.1f}")
assert halving > 1.5, (
    f"doubling the batch from 1 cut the updates only {halving:.2f}x"
)
assert needed[-1] <= fewest + 3, (
    f"batch {sizes[-1]} needs {needed[-1]} updates, not near the {fewest}"
    " of the full batch"
)
assert best_lr[-1] < bound, "the best learning rate passed 2/lambda_max"
assert best_lr[3] > 2 * best_lr[0], (
    "the best rate did not grow from batch 1 to 8"
)
assert best_lr[-1] >= best_lr[3], "the best rate fell at the largest batch"

# %%
# McCandlish et al. predict the bend from the gradients alone. The *simple noise
# scale*
#
# .. math::
#
#     B_{\text{simple}} = \frac{\operatorname{tr}(\Sigma)}{\lVert G \rVert^2}
#
# compares the noise of one sample's gradient (the trace of its covariance
# :math:`\Sigma`) with the squared length of the true gradient :math:`G`: a
# batch much smaller than it is mostly noise, a batch much larger is mostly
# signal. Both come from the per-sample gradients, now at the current parameters
# instead of at the minimum. The noise scale is a property of a point, not of a
# run, so measure it at the start and where the fastest full-batch run first
# reaches the target:


def noise_scale(p):
    """B_simple = tr(Sigma) / |G|^2 from the per-sample gradients at p."""
    per_sample = per_sample_gradients(p)
    mean = per_sample.mean(dim=0)
    trace = ((per_sample - mean) ** 2).sum(dim=1).mean()
    return float(trace / (mean @ mean))


gd_fit = gradient_descent(x, y, start, lr=gd_lr, steps=fewest)
at_start, at_target = noise_scale(start), noise_scale(gd_fit.params[-1])
print(f"B_simple at the start: {at_start:.1f}; at the target: {at_target:.1f}")
print(
    f"critical batch {critical:.1f} = {critical / at_start:.1f} x the first, "
    f"{critical / at_target:.2f} x the second"
)
assert at_start < critical < at_target, (
    f"the critical batch {critical:.1f} is not between the noise scales"
    f" {at_start:.1f} and {at_target:.1f}"
)

fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.8))
left.loglog(sizes, needed, "o-", label="SGD, best learning rate")
left.axhline(fewest, color="0.5", ls=":", label="full-batch gradient descent")
left.axvspan(
    at_start,
    at_target,
    color="0.5",
    alpha=0.15,
    label="B_simple, start to target",
)
left.axvline(
    critical, color="tab:red", ls="--", label=f"critical batch {critical:.0f}"
)
left.set_xlabel("batch size")
left.set_ylabel(f"updates to reach excess {TARGET}")
left.legend(fontsize="small")
right.loglog(sizes, best_lr, "o-", label="best learning rate")
right.loglog(
    sizes, best_lr[0] * np.array(sizes), color="0.5", ls=":", label="x batch"
)
right.axhline(bound, color="tab:red", ls="--", label=r"$2/\lambda_{\max}$")
right.set_ylim(None, 2 * bound)
right.set_xlabel("batch size")
right.set_ylabel("learning rate")
right.legend(fontsize="small")
fig.suptitle("Bigger batches, fewer updates, up to a point")
fig.tight_layout()
plt.show()

# %%
# How well do they agree? Within the spread of the noise scale itself, and no
# better. At the start the gradient is large and :math:`B_{\text{simple}}` is
# small; near the target the gradient has shrunk and it is larger, by the factor
# printed. The measured bend lies between the two: the updates of a run are
# spent all along the way down, where the noise scale grows from the first value
# to the second. McCandlish et al. see the same in real networks: the noise
# scale grows as the loss falls, and so does the batch size worth using.
# :math:`B_{\text{simple}}` gives the order of magnitude of the critical batch,
# for the price of one pass of per-sample gradients, not its value.
#
# The learning-rate range test
# ----------------------------
# For a network there is no :math:`\lambda_{\max}` to read off the data. Smith
# (2017) proposed a test that takes one short run: start with a tiny learning
# rate, multiply it by the same factor at every update until it is huge, and
# watch the loss. While the rate is too small nothing happens; then the loss
# falls; then it blows up. fastai's ``lr_find`` runs it with defaults worth
# copying: 100 updates, the batch losses smoothed by an exponential moving
# average (0.98 of the old value, with the start's bias divided out), and the
# test stopped once the smoothed loss passes four times its lowest value. Its
# classic pick (fastbook chapter 5) is a tenth of the learning rate at the
# lowest smoothed loss. fastai leaves the first tenth of the test out of its
# picks; we leave it out of the stopping rule as well, because with batches of
# 10 one lucky first batch can make the smoothed loss look four times lower than
# it is and stop the test at once.


def range_test(params, batch_loss, n, batch_size, seed, updates=100):
    """Smith's test: the learning rates and smoothed losses after a tenth."""
    lr_low, lr_high, beta = 1e-4, 100.0, 0.98
    growth = (lr_high / lr_low) ** (1 / (updates - 1))
    g = torch.Generator().manual_seed(seed)
    epochs = updates * batch_size // n + 1
    order = torch.cat([torch.randperm(n, generator=g) for _ in range(epochs)])
    lrs, smoothed, average, skip = [], [], 0.0, updates // 10
    for t in range(updates):
        idx = order[t * batch_size : (t + 1) * batch_size]
        loss = batch_loss(idx)
        gradients = torch.autograd.grad(loss, params)
        lrs.append(lr_low * growth**t)
        with torch.no_grad():
            for p, gradient in zip(params, gradients, strict=True):
                p -= lrs[-1] * gradient  # noqa: PLW2901 - in place
        average = beta * average + (1 - beta) * loss.item()
        smoothed.append(average / (1 - beta ** (t + 1)))
        if t >= skip and smoothed[-1] > 4 * min(smoothed[skip:]):
            break
    return np.array(lrs[skip:]), np.array(smoothed[skip:])


def lesson_range_test(seed, batch_size=10):
    """The range test of the line from (-1, 1), batches of ``batch_size``."""
    a = start.clone().requires_grad_()
    return range_test([a], lambda i: mse(x[i] @ a, y[i]), n, batch_size, seed)


lesson_tests = [lesson_range_test(seed) for seed in range(20)]
lowest_at = np.array([lrs[losses.argmin()] for lrs, losses in lesson_tests])
picks = lowest_at / 10
best_rate = 2 / float(eigenvalues.sum())
print(
    f"lesson's data, batches of 10, 20 orders of the batches; "
    f"2/lambda_max {bound:.3f}"
)
print(
    "tutorial 6's best constant rate 2 / (lambda_max + lambda_min): "
    f"{best_rate:.3f}"
)
print(
    f"lowest smoothed loss at lr {lowest_at.min():.3f} to {lowest_at.max():.3f}"
    f" ({lowest_at.min() / bound:.2f} to {lowest_at.max() / bound:.2f}"
    " x the bound)"
)
print(
    f"pick, a tenth of that: {picks.min():.3f} to {picks.max():.3f}"
    f" ({picks.min() / bound:.3f} to {picks.max() / bound:.3f} x the bound)"
)
assert picks.max() < best_rate, (
    f"a pick, {picks.max():.3f}, is past the best rate"
)
assert lowest_at.min() > 0.8 * bound, (
    f"the lowest smoothed loss came at {lowest_at.min() / bound:.2f} x the"
    " bound, well below it"
)

# %%
# On the lesson's data the answer can be checked. The lowest point of the curve
# is no learning rate to train with: it lies near or past
# :math:`2/\lambda_{\max}` (the range printed), because a run that has just
# become unstable takes a few updates to show it, and the smoothing lags a few
# more. A tenth of it lands safely below the bound, at the fraction printed, and
# below tutorial 6's best constant rate :math:`2/(\lambda_{\max} +
# \lambda_{\min})` too: a cautious, sensible rate, found without computing an
# eigenvalue.
#
# The range test on a network
# ---------------------------
# Now tutorial 10's network: the 3s and 7s from scikit-learn's digits, the same
# split and standardisation, the same two-layer MLP with 128 hidden units and
# the same starting weights, with the binary cross-entropy as its loss. Tutorial
# 10 measured the largest eigenvalue of its Hessian at the start by power
# iteration on Hessian-vector products; ``sharpness`` below does the same, and
# can start from the eigenvector it found last time.

digits = load_digits()
keep = (digits.target == 3) | (digits.target == 7)
images = torch.tensor(digits.data[keep], dtype=torch.float32)
is_seven = torch.tensor(digits.target[keep] == 7, dtype=torch.float32)
order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
n_train = 2 * len(images) // 3
train_idx, val_idx = order[:n_train], order[n_train:]
mean, std = images[train_idx].mean(dim=0), images[train_idx].std(dim=0)
standard = (images - mean) / torch.where(std > 0, std, 1.0)
x_train, y_train = standard[train_idx], is_seven[train_idx]
x_val, y_val = standard[val_idx], is_seven[val_idx]


def bce(scores, targets):
    """Binary cross-entropy from raw scores: the mean of log(1 + e^z) - t z."""
    return (F.softplus(scores) - targets * scores).mean()


torch.manual_seed(0)
nn.Linear(
    64, 1
)  # tutorial 10 drew its logistic regression first, from this seed
mlp_start = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 1))


def sharpness(model, v=None, iterations=10):
    """Largest Hessian eigenvalue of the training loss, and its eigenvector."""
    params = list(model.parameters())
    loss = bce(model(x_train)[:, 0], y_train)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    gradient = torch.cat([g.flatten() for g in grads])
    if v is None:  # a random start needs more iterations than the last answer
        g = torch.Generator().manual_seed(0)
        v, iterations = torch.randn(len(gradient), generator=g), 30
    for _ in range(iterations):
        v = v / v.norm()
        # H v is the gradient of (gradient . v): one more backward pass
        hv = torch.autograd.grad(gradient @ v, params, retain_graph=True)
        hv = torch.cat([h.flatten() for h in hv])
        eigenvalue, v = float(hv @ v), hv
    return eigenvalue, v


lam_start, _ = sharpness(mlp_start)
mlp_bound = 2 / lam_start
print(
    f"{n_train} training images; MLP at the start: lambda_max {lam_start:.4f}"
)
print(f"2 / lambda_max = {mlp_bound:.4f}")


def mlp_range_test(seed, batch_size=10):
    """The range test of a fresh copy of the starting MLP."""
    model = copy.deepcopy(mlp_start)
    params = list(model.parameters())
    return range_test(
        params,
        lambda i: bce(model(x_train[i])[:, 0], y_train[i]),
        n_train,
        batch_size,
        seed,
    )


mlp_tests = [mlp_range_test(seed) for seed in range(10)]
mlp_picks = np.array([lrs[losses.argmin()] / 10 for lrs, losses in mlp_tests])
ends = np.array([lrs[-1] for lrs, _ in mlp_tests])
print("MLP, batches of 10, 10 orders of the batches")
print(
    f"pick: {mlp_picks.min():.3f} to {mlp_picks.max():.3f}"
    f" ({mlp_picks.min() / mlp_bound:.2f} to {mlp_picks.max() / mlp_bound:.2f}"
    " x 2/lambda_max at the start)"
)
print(
    f"the tests stopped at lr {ends.min():.1f} to {ends.max():.1f}"
    f" ({ends.min() / mlp_bound:.1f} to {ends.max() / mlp_bound:.1f}"
    " x the bound)"
)
ran_out = int(np.isclose(ends, 100.0).sum())  # the range test's largest rate
print(f"tests that reached the largest rate without blowing up: {ran_out}")
assert ends.min() > 2 * mlp_bound, "a test blew up near the bound of the start"
assert mlp_picks.max() / mlp_picks.min() > 3, "the picks did not scatter"
for _, losses in mlp_tests:
    assert losses.argmin() >= len(losses) - 6, (
        "a test's smoothed loss stopped falling well before the test stopped"
    )

fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.8))
for ax, tests, edge, title in (
    (axes[0], lesson_tests, bound, "The lesson's line"),
    (axes[1], mlp_tests, mlp_bound, "Tutorial 10's MLP"),
):
    for i, (lrs, losses) in enumerate(tests[:5]):
        ax.loglog(
            lrs, losses, color="tab:blue", lw=1, alpha=1 if i == 0 else 0.35
        )
    lrs, losses = tests[0]
    lowest = losses.argmin()
    pick = lrs[lowest] / 10
    on_curve = np.interp(np.log(pick), np.log(lrs), losses)
    ax.plot(lrs[lowest], losses[lowest], "s", color="0.3", label="lowest point")
    ax.plot(pick, on_curve, "o", color="tab:green", label="pick: its lr / 10")
    ax.axvline(
        edge, color="tab:red", ls="--", label=r"$2/\lambda_{\max}$ at the start"
    )
    ax.set_xlabel("learning rate")
    ax.set_title(title)
    ax.legend(fontsize="small")
axes[0].set_ylabel("smoothed batch loss")
fig.suptitle(
    "Range tests: one run each, the learning rate growing every update"
)
fig.tight_layout()
plt.show()

# %%
# On the network every test ran far past the bound measured at the start before
# its loss blew up (the multiples printed), and the picks scatter over a wide
# range with the order of the batches. The smoothed loss kept falling until each
# test stopped (or reached the largest rate, in the tests counted above): a
# classifier growing confident lowers its loss for as long as its steps stay
# stable, so the lowest point of the curve is simply where the blow-up began,
# and that is down to the luck of the batches. Why so far past the start's
# bound? The test is also a training run. The large rates came late, on a
# network that had already learned from the small ones, and a network that has
# learned is flatter than a new one, as tutorial 10 measured. A range test's
# pick says what a run tolerates *once it has started gently*; the bound at the
# start says what the first updates tolerate. The next section measures the
# difference.
#
# Warmup and gradient clipping
# ----------------------------
# Tutorial 10 swept full-batch gradient descent on this MLP at multiples of the
# bound measured at the start, and at 8 times it the loss overflowed within a
# few dozen updates. Two standard remedies aim at exactly that start:
#
# * :term:`warmup` (Goyal et al. again): begin at a small fraction of the
#   learning rate and raise it linearly over the first updates, here with
#   ``torch.optim.lr_scheduler.LinearLR``, then hand over to the main schedule
#   (a cosine decay, tutorial 11) with ``SequentialLR``;
# * :term:`gradient clipping`: rescale the gradient whenever its length exceeds
#   a threshold, with ``torch.nn.utils.clip_grad_norm_``, so that no single step
#   is longer than the learning rate times the threshold.
#
# Here are both, 100 full-batch updates at 8 times the bound, beside the run
# without either and a run at the bound itself. Every 10 updates the loop
# measures :math:`\lambda_{\max}` and records :math:`\eta\lambda_{\max}/2`, with
# :math:`\eta` the learning rate of that update (before any clipping). Tutorial
# 6's condition for a stable step is that this ratio stays below 1.

STEPS, WARMUP, CLIP = 100, 20, 1.0


def full_batch_run(lr, warmup=False, clip=None, every=10, initial=mlp_start):
    """Full-batch SGD from a copy of ``initial``: losses, (update, ratio)."""
    model = copy.deepcopy(initial)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    scheduler = None
    if warmup:
        scheduler = torch.optim.lr_scheduler.SequentialLR(
            optimizer,
            [
                torch.optim.lr_scheduler.LinearLR(
                    optimizer, start_factor=0.01, total_iters=WARMUP
                ),
                torch.optim.lr_scheduler.CosineAnnealingLR(
                    optimizer, T_max=STEPS - WARMUP
                ),
            ],
            milestones=[WARMUP],
        )
    losses, ratios, v = [], [], None
    for t in range(STEPS):
        loss = bce(model(x_train)[:, 0], y_train)
        optimizer.zero_grad()
        loss.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        if t % every == 0:
            lam, v = sharpness(model, v)
            ratios.append((t, optimizer.param_groups[0]["lr"] * lam / 2))
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            break
    return np.array(losses), np.array(ratios)


peak = 8 * mlp_bound
runs_mlp = {
    "at 2/lambda_max": full_batch_run(mlp_bound),
    "8x, plain": full_batch_run(peak),
    "8x, warmup": full_batch_run(peak, warmup=True),
    "8x, clipped": full_batch_run(peak, clip=CLIP),
}
print(
    f"learning rate 8 x 2/lambda_max = {peak:.3f}; {STEPS} full-batch updates"
)
print(
    f"{'run':>15} | updates | final loss | eta lambda_max / 2: first,"
    " max after 10"
)
for name, (losses, ratios) in runs_mlp.items():
    later = ratios[ratios[:, 0] >= 10, 1]
    largest = f"{later.max():.3f}" if len(later) else "-"
    print(
        f"{name:>15} | {len(losses):7d} | {losses[-1]:10.3g} | "
        f"{ratios[0, 1]:.3f}, {largest}"
    )

# %%
# Without help the run overflows, as it did in tutorial 10; with warmup or
# clipping it trains to a lower training loss than the run at the bound itself.
# The ratio says why. The plain run starts at 8, far past 1, and the first steps
# overshoot so badly that the network never reaches a flatter region: the ratio
# stays above 1 until the numbers overflow. Warmup starts at a hundredth of the
# rate, where the ratio is well below 1; those small steps fit the easy part of
# the problem, the classifier grows confident and :math:`\lambda_{\max}` falls
# faster than the rate rises, so the ratio stays below 1 the whole way. Clipping
# does not touch the first step (the gradient is shorter than the threshold),
# which overshoots as in the plain run; but from then on no step can be longer
# than :math:`\eta` times the threshold, so instead of growing geometrically the
# run lands in a flat region, where the full rate is stable.

first_gradient = torch.autograd.grad(
    bce(mlp_start(x_train)[:, 0], y_train), list(mlp_start.parameters())
)
first_length = float(torch.cat([g.flatten() for g in first_gradient]).norm())
print(f"length of the first gradient: {first_length:.3f} (threshold {CLIP})")
assert first_length < CLIP, "clipping shortened the first step"
plain_losses, plain_ratios = runs_mlp["8x, plain"]
assert not np.isfinite(plain_losses[-1]), "the plain run at 8x did not overflow"
assert plain_ratios[:, 1].min() > 1, "the plain run's ratio dipped below 1"
reference = runs_mlp["at 2/lambda_max"][0][-1]
for name in ("8x, warmup", "8x, clipped"):
    losses, ratios = runs_mlp[name]
    assert len(losses) == STEPS, f"{name} overflowed"
    assert np.isfinite(losses[-1]), f"{name} overflowed at the last update"
    assert losses[-1] < reference, (
        f"{name} ended at loss {losses[-1]:.3g}, above the run at the bound"
        f" ({reference:.3g})"
    )
    assert ratios[ratios[:, 0] >= 10, 1].max() < 1, (
        f"{name}: eta lambda_max / 2 above 1 after 10 updates"
    )
warmup_ratios = runs_mlp["8x, warmup"][1]
assert warmup_ratios[:, 1].max() < 1, "warmup's ratio passed 1"

fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.8))
for name, (losses, ratios) in runs_mlp.items():
    (line,) = left.semilogy(np.arange(len(losses)), losses, lw=1.2, label=name)
    right.semilogy(
        ratios[:, 0], ratios[:, 1], "o-", ms=3, color=line.get_color()
    )
left.set_ylim(None, 1e2)  # the run that overflows leaves through the top
left.set_xlabel("full-batch update")
left.set_ylabel("training loss")
left.legend(fontsize="small")
right.axhline(1, color="0.5", ls=":")
right.set_xlabel("full-batch update")
right.set_ylabel(r"$\eta\,\lambda_{\max} / 2$ (stable below 1)")
fig.suptitle(f"Tutorial 10's MLP at 8 x 2/lambda_max = {peak:.2f}")
fig.tight_layout()
plt.show()

# %%
# What to take away
# -----------------
# * With independent batches the noise floor depends on :math:`\eta/b`: scale
#   the learning rate with the batch (the linear scaling rule) and a run reads
#   the same number of samples to the same loss, in fewer updates.
# * The rule ends at :math:`2/\lambda_{\max}`, which no batch size moves. Past a
#   :term:`critical batch size` a bigger batch buys almost no fewer updates; the
#   :term:`gradient noise scale` gives its order of magnitude, and it grows as
#   the loss falls.
# * The :term:`learning-rate range test` finds a rate in one short run. On the
#   line, a tenth of the rate at the lowest smoothed loss landed safely below
#   :math:`2/\lambda_{\max}`; on a network, it says what a run tolerates once it
#   has started gently, which can be far more than its first updates do.
# * A network that blows up at the start is usually too sharp for the rate at
#   the start. :term:`Warmup` lets it flatten before the rate is large;
#   :term:`gradient clipping` caps the steps that would otherwise grow.

# %%
# Exercises
# ---------
#
# **Exercise 1.** fastai's other classic pick is the learning rate where the
# smoothed loss falls fastest per factor of learning rate (``steep``: the most
# negative slope of the loss against :math:`\log \eta`). Predict where it lands
# on the lesson's data, then find it in the 20 range tests above.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 1</summary>

# %%
steepest = []
for lrs, losses in lesson_tests:
    slopes = np.diff(losses) / np.diff(np.log(lrs))
    steepest.append(lrs[slopes.argmin()])
steepest = np.array(steepest)
assert np.median(steepest) < 0.1 * bound, "the steepest point is not far left"
print(
    f"steepest point: lr {np.median(steepest):.2g} (median),"
    f" {np.median(steepest) / bound:.2g} x the bound"
)

# %%
# Far to the left, where nothing is learned yet. With batches of 10 the first
# smoothed values average only a few batches, and their noise makes steeper
# slopes than the real descent does. fastai skips the first tenth of the test
# for this reason; its newer default pick ("valley") looks for the longest
# stretch of falling loss instead.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 2.** Without the scaling: predict the floor at learning rate 0.02
# with batches of 1, 2 and 4, then measure it with ``sgd_settings``.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 2</summary>

# %%
unscaled = sgd_settings(
    torch.full((3,), 0.02, dtype=torch.float64), batch_sizes[:3]
)
unscaled_floors = unscaled[UPDATES // 2 :].mean(dim=(0, 2))
for b, floor in zip(ks[:3], unscaled_floors, strict=True):
    print(
        f"lr 0.02, batch {b}: floor {floor:.3e}, "
        f"predicted {predicted_floor(0.02, b):.3e}"
    )
halvings = unscaled_floors[:-1] / unscaled_floors[1:]
assert ((halvings > 1.6) & (halvings < 2.4)).all(), f"ratios {halvings}"

# %%
# Each doubling of the batch halves the floor: the learning rate was not raised
# to spend the less noisy gradient on longer steps.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 3.** The overflow at 8 times the bound belongs to tutorial 10's
# particular starting weights. Start the MLP from ``torch.manual_seed(1)``
# instead, find the first multiple (8, 16 or 32) at which plain full-batch
# descent overflows, and check whether warmup and clipping still rescue it
# there.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 3</summary>

# %%
torch.manual_seed(1)
other = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 1))
lam_1, _ = sharpness(other)
for multiple in (8, 16, 32):
    plain = full_batch_run(multiple * 2 / lam_1, every=STEPS, initial=other)[0]
    print(f"seed 1, {multiple}x 2/lambda_max: plain run {len(plain)} updates")
    if not np.isfinite(plain[-1]):
        break
for name, kwargs in (("warmup", {"warmup": True}), ("clipped", {"clip": CLIP})):
    lr = multiple * 2 / lam_1
    losses = full_batch_run(lr, every=STEPS, initial=other, **kwargs)[0]
    print(f"  {name}: {len(losses)} updates, final loss {losses[-1]:.3g}")
    assert np.isfinite(losses).all(), f"{name} overflowed at {multiple}x"

# %%
# Where exactly a run overflows depends on the start, but the remedies do not:
# both carry the run through at the multiple where the plain one failed.
#
# .. raw:: html
#
#    </details>

torch.set_num_threads(threads)  # back to the default for whatever runs next
