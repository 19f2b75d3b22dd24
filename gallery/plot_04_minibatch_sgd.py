"""
Minibatch SGD
=============

Full-batch gradient descent reads every sample before it moves the parameters once. With a
hundred samples that is cheap; with a hundred million it is not. :term:`SGD` (stochastic
gradient descent) moves after looking at a small random :term:`minibatch` instead, and accepts
a noisier step in exchange for many more of them.

This tutorial covers:

* the minibatch loop written by hand, and the same loop run by the package's
  :func:`~sgd_tutorial.sgd` and by PyTorch's ``DataLoader`` with ``torch.optim.SGD``;
* a mistake from a learner's version of the lesson that silently trains nothing;
* the vocabulary: :term:`batch size`, :term:`iteration` and :term:`epoch`;
* two ways to draw batches: a fresh shuffle per epoch (every sample once) and independent
  random indices (``randint``), which leaves about a third of the data unseen each epoch;
* why the loss of SGD looks so noisy;
* the paths of gradient descent and SGD on one loss landscape;
* how the batch size sets the level of noise the fit never gets below.

To run this page yourself, install the package first: see :doc:`/installation`.
"""

# %%
# Setup
# -----
# The same problem as before: 100 samples of :math:`y = 3u + 2 + \varepsilon` with a column of
# ones for the intercept, and the least-squares answer as the reference every fit is measured
# against. ``resolve_device("auto")`` picks a GPU when there is one.

import math
from itertools import islice

import matplotlib.pyplot as plt
import numpy as np
import torch
from sgd_tutorial import (
    gradient_descent,
    iter_sgd,
    least_squares,
    make_linear_data,
    mse,
    plot_landscape,
    resolve_device,
    sgd,
)
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

# sphinx_gallery_thumbnail_number = 3

device = resolve_device("auto")
data = make_linear_data(100, coef=(3.0, 2.0), seed=0, device=device)
x, y = data.x, data.y
n = data.n
# The reference, in float64 on the CPU: the least-squares point and its loss
xd, yd = x.cpu().double(), y.cpu().double()
best = least_squares(xd, yd)
floor = mse(xd @ best, yd).item()
eps = torch.finfo(torch.float32).eps  # float32's relative resolution
print(f"device: {device}")
print(f"least-squares coefficients: ({best[0]:.4f}, {best[1]:.4f})")
print(f"least-squares minimum of the MSE: {floor:.5f}")

# %%
# The loop, by hand
# -----------------
# Gradient descent computed the loss on all the samples before each step. Minibatch SGD takes a
# step after each small batch of them. Written out, every :term:`epoch` (pass over the data)
# draws a fresh random order of the samples, cuts it into consecutive slices of ``batch_size``,
# and for each slice does exactly what the gradient descent loop of tutorial 2 did: predict,
# compute the loss, ``backward()``, step under ``no_grad()``, ``zero_()``.

lr, epochs, batch_size, seed = 0.1, 10, 5, 0


def sgd_by_hand(x, y, lr, epochs, batch_size, seed):
    """SGD from (-1, 1): the parameters at the start and after each."""
    # On the CPU, so that the order is the same whatever the device
    generator = torch.Generator().manual_seed(seed)
    a = nn.Parameter(torch.tensor([-1.0, 1.0], device=x.device))
    history = [a.detach().clone()]
    for _ in range(epochs):
        # a fresh shuffle
        order = torch.randperm(len(x), generator=generator).to(x.device)
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]  # the next slice of it
            loss = mse(x[batch] @ a, y[batch])  # the loss of this batch only
            loss.backward()
            with torch.no_grad():
                a -= lr * a.grad
                a.grad.zero_()
            history.append(a.detach().clone())
    return torch.stack(history).cpu()


by_hand = sgd_by_hand(x, y, lr, epochs, batch_size, seed)
slope, intercept = by_hand[-1].tolist()
print(f"{len(by_hand) - 1} updates; ends at ({slope:.4f}, {intercept:.4f})")

# %%
# The package's :func:`~sgd_tutorial.sgd` runs the same loop (without autograd, and faster;
# tutorial 8 measures it). It draws its order the same way, ``torch.randperm(n, generator=g)``
# once per epoch from a CPU generator seeded with ``seed``, so with the same seed it visits the
# same batches in the same order.
#
# PyTorch's own tools split the loop differently: a :class:`~torch.utils.data.DataLoader` hands
# out the batches, and :class:`torch.optim.SGD` takes the step. The DataLoader asks a *sampler*
# for the order of the samples. Its built-in random sampler draws its permutations in its own
# way, so to feed it our batch order we give it a sampler of our own: any iterable of indices
# will do (tutorial 5 is about iterables).


class EpochPermutations:
    """The indices of a fresh ``randperm`` at the start of each epoch."""

    def __init__(self, n, seed):
        self.n, self.generator = n, torch.Generator().manual_seed(seed)

    def __iter__(self):
        return iter(torch.randperm(self.n, generator=self.generator).tolist())

    def __len__(self):
        return self.n


loader = DataLoader(
    TensorDataset(x, y),
    batch_size=batch_size,
    sampler=EpochPermutations(n, seed),
)
a = nn.Parameter(torch.tensor([-1.0, 1.0], device=device))
optimizer = torch.optim.SGD([a], lr=lr)
with_torch = [a.detach().clone()]
for _ in range(epochs):
    for xb, yb in loader:
        loss = mse(xb @ a, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with_torch.append(a.detach().clone())
with_torch = torch.stack(with_torch).cpu()

fit = sgd(
    x, y, lr=lr, epochs=epochs, batch_size=batch_size, seed=seed, device=device
)
package = fit.params.float()  # (a Fit may record in another dtype)
gap_package = (by_hand - package).abs().max().item()
gap_torch = (by_hand - with_torch).abs().max().item()
# float32's spacing at the largest parameter: one rounding of it
spacing = eps * by_hand.abs().max().item()
steps = fit.steps
print(
    f"updates: by hand {len(by_hand) - 1}, sgd {steps}, "
    f"DataLoader {len(with_torch) - 1}"
)
print(f"largest difference, by hand vs sgd():      {gap_package:.1e}")
print(f"largest difference, by hand vs DataLoader: {gap_torch:.1e}")
print(f"float32 spacing at the largest parameter:  {spacing:.1e}")

# %%
# Three implementations, one trajectory, step for step, to float32 rounding: over every
# parameter of every update, they differ by less than one rounding per update (the
# differences and the spacing of float32 numbers printed above). `See this run in the
# explorer <../explorer.html?lr=0.1&momentum=0&batch=5&steps=200&seed=0>`__, and try other
# batch sizes.

assert len(by_hand) == len(with_torch) == steps + 1, "not as many updates"
assert gap_package <= steps * spacing, (
    f"by hand and sgd() differ by {gap_package:.1e}, more than rounding"
)
assert gap_torch <= steps * spacing, (
    f"by hand and the DataLoader differ by {gap_torch:.1e}, more than rounding"
)

# %%
# A mistake that trains nothing
# -----------------------------
# One learner's version of the lesson made its data *after* creating the parameter, with the
# same name: ``a = nn.Parameter(...)`` and then ``y = x @ a + noise``. The targets are then a
# function of the parameter. Each ``backward()`` frees the graph it walked, and that graph
# included the targets, so the second update fails:

noise = torch.rand(n, generator=torch.Generator().manual_seed(seed + 1))
noise = noise.to(device)
a = nn.Parameter(torch.tensor([-1.0, 1.0], device=device))
y_from_a = x @ a + noise
failed = []
for attempt in range(2):
    try:
        mse(x[:batch_size] @ a, y_from_a[:batch_size]).backward()
    except RuntimeError as error:
        failed.append(attempt)
        why = str(error).split(" (")[0]
        print(f"backward() #{attempt + 1}: RuntimeError: {why}")
    else:
        print(f"backward() #{attempt + 1}: fine")
    a.grad = None
assert failed == [1], "the second backward(), and only it, should fail"

# %%
# The learner silenced it with ``loss.backward(retain_graph=True)``, which keeps the graph. The
# loop then runs (made again from the start here, with its batches drawn by ``randint`` as the
# learner's were), but look at the gradients and where the parameters end:

start = torch.tensor([-1.0, 1.0], device=device)
a = nn.Parameter(start.clone())
y_from_a = x @ a + noise
learner_updates = epochs * (n // batch_size)
generator = torch.Generator().manual_seed(seed)
gradients = []
for _ in range(learner_updates):
    batch = torch.randint(n, (batch_size,), generator=generator).to(device)
    loss = mse(x[batch] @ a, y_from_a[batch])
    loss.backward(retain_graph=True)
    gradients.append(a.grad.clone())
    with torch.no_grad():
        a -= lr * a.grad
        a.grad.zero_()
gradients = torch.stack(gradients).cpu()
nonzero = int((gradients != 0).any(dim=1).sum())
largest = gradients.abs().max().item()
moved = (a.detach() - start).abs().max().item()
print(f"gradients not exactly zero: {nonzero} of {learner_updates}")
print(f"largest gradient entry: {largest:.1e}")
print(f"largest step, lr * |gradient|: {lr * largest:.1e}")
# 1 and the float32 number just below it are 2**-24 apart
print(f"half the gap between 1 and the float32 just below it: {2**-25:.1e}")
print(
    f"after {learner_updates} updates a has moved by {moved:.1e} from (-1, 1)"
)
last_noise = (noise[batch] ** 2).mean().item()
print(f"loss of the last batch: {loss.item():.4f}")
print(f"mean square of its noise: {last_noise:.4f}")

# %%
# Every gradient is zero up to rounding. The residual ``x @ a - y`` is
# ``x @ a - (x @ a + noise)``, which is minus the noise whatever ``a`` is: moving the
# parameter moves the targets with it, so the loss cannot change, and each batch's loss is the
# mean square of its noise. Autograd follows both paths from the loss back to ``a``, through
# the predictions and through the targets; the two contributions are equal and opposite, and
# what is left is the rounding of two float32 sums added up in different orders. Each path
# contributes at most twice the largest noise times the largest input (the inputs and the noise
# lie within ±1), and each of its sums, of at most :math:`n` terms, is off by at most
# :math:`n` roundings of that size: the bound printed below.
#
# So ``a`` cannot go anywhere. Each update moves it by ``lr`` times a rounding error (the
# largest step is printed above); when that is less than half the gap between 1 and the
# float32 number just below it (also printed), the subtraction even rounds back to exactly the
# same ``a``. Either way it ends where it started, up to rounding. Make the targets from plain
# numbers (or from ``a.detach()``) before training, and never from the tensor being trained.

path_size = 2 * noise.abs().max().item() * x.abs().max().item()
bound = 2 * n * eps * path_size
print(f"rounding bound on a gradient entry: {bound:.1e}")
assert largest <= bound, f"a gradient of {largest:.1e} is not rounding"
assert moved <= learner_updates * lr * bound, f"a moved by {moved:.1e}"
assert math.isclose(loss.item(), last_noise, rel_tol=1e-5), (
    "the loss should be the mean square of the batch's noise"
)

# %%
# Batches, iterations and epochs
# ------------------------------
# A :term:`minibatch` is a subset of the samples; the :term:`batch size` :math:`b` is how
# many it holds. One :term:`iteration` (one update) computes the :term:`gradient` of the loss
# on one batch and takes a step. One :term:`epoch` is one pass over the whole data set, so with
# :math:`n` samples an epoch takes :math:`\lceil n / b \rceil` iterations:
#
# .. math::
#
#     \text{iterations} = \text{epochs} \times \left\lceil \frac{n}{b} \right\rceil
#
# :func:`~sgd_tutorial.sgd` counts the same way; its result holds one row per update.

per_epoch = -(-n // batch_size)  # ceiling division
print(f"n = {n}, batch size = {batch_size}, epochs = {epochs}")
print(f"iterations per epoch: {per_epoch}")
print(
    f"total iterations: {epochs * per_epoch} (sgd recorded {fit.steps} updates)"
)
slope, intercept = fit.coef.tolist()
print(
    f"SGD after {epochs} epochs: slope {slope:.4f}, intercept {intercept:.4f}"
)
assert fit.steps == epochs * per_epoch, "sgd() should count the same way"

# %%
# Every sample once per epoch
# ---------------------------
# :func:`~sgd_tutorial.sgd` shuffles the indices at the start of each epoch and cuts the
# shuffled list into consecutive batches: sampling *without replacement*. To see which samples
# each update used, run the same training lazily with :func:`~sgd_tutorial.iter_sgd`; every
# :class:`~sgd_tutorial.Step` it yields carries the batch's ``indices``.

two_epochs = list(
    iter_sgd(
        x, y, lr=0.1, epochs=2, batch_size=batch_size, seed=0, device=device
    )
)
first_batches = []
for epoch in range(2):
    in_epoch = [step for step in two_epochs if step.epoch == epoch]
    seen = torch.cat([step.indices.cpu() for step in in_epoch]).long()
    counts = torch.bincount(seen, minlength=n)
    first_batches.append(in_epoch[0].indices.tolist())
    print(f"epoch {epoch}: {len(in_epoch)} batches, first {first_batches[-1]}")
    print(
        f"  distinct samples seen: {int((counts > 0).sum())} of {n}, "
        f"each exactly once: {bool((counts == 1).all())}"
    )
    assert (counts == 1).all(), f"epoch {epoch} did not see each sample once"
assert first_batches[0] != first_batches[1], "each epoch should reshuffle"

# %%
# The two epochs start with different batches (a new shuffle each time), yet each touches
# every sample exactly once.
#
# The ``randint`` way
# -------------------
# A common first version draws each batch's indices independently, for instance with
# ``numpy.random.randint``. That is sampling *with replacement*: a sample can turn up twice in
# one epoch while another never turns up. Each of the :math:`n` draws of an epoch misses a
# given sample with probability :math:`1 - 1/n`, so the expected share of samples never seen
# in an epoch is
#
# .. math::
#
#     \left(1 - \frac{1}{n}\right)^{n} \;\to\; \frac{1}{e} \qquad (n \to \infty).
#
# Let us simulate many epochs of independent draws and count: the mean share should match
# the formula to within a few standard errors of the simulation (printed).

generator = torch.Generator().manual_seed(0)
n_epochs_simulated = 2000
draws = torch.randint(
    n, (n_epochs_simulated, per_epoch * batch_size), generator=generator
)
times_drawn = torch.zeros(n_epochs_simulated, n).scatter_add_(
    1, draws, torch.ones_like(draws).float()
)
unseen_share = (times_drawn == 0).double().mean(dim=1)
theory = (1 - 1 / n) ** n
standard_error = unseen_share.std().item() / math.sqrt(n_epochs_simulated)
print(
    f"one epoch with randint: {int((times_drawn[0] == 0).sum())} of {n} unseen"
)
mean_share = unseen_share.mean().item()
print(f"share unseen, mean of {n_epochs_simulated} epochs: {mean_share:.4f}")
print(f"its standard error: {standard_error:.4f}")
print(f"theory (1 - 1/n)^n: {theory:.4f}   limit 1/e: {math.exp(-1):.4f}")
assert abs(mean_share - theory) < 4 * standard_error, (
    "the simulated share of unseen samples is far from (1 - 1/n)^n"
)

# %%
# How often is each sample drawn in an epoch? With replacement the count follows a binomial
# law (close to a Poisson law with mean 1); without replacement it is always exactly one. The
# simulated shares below match the binomial law to within 0.01 (each is a mean over 200,000
# counts, so its standard error is below 0.0012).

max_count = 4
share_drawn = [
    (times_drawn == k).float().mean().item() for k in range(max_count + 1)
]
binomial = [
    math.comb(n, k) * (1 / n) ** k * (1 - 1 / n) ** (n - k)
    for k in range(max_count + 1)
]
print("times drawn | randint, simulated | binomial theory | shuffle")
for k in range(max_count + 1):
    print(
        f"{k:11d} | {share_drawn[k]:18.4f} | {binomial[k]:15.4f} | "
        f"{float(k == 1):7.4f}"
    )
worst = max(abs(s - b) for s, b in zip(share_drawn, binomial, strict=True))
assert worst < 0.01, f"a simulated share is {worst:.4f} from the binomial law"

fig, ax = plt.subplots(figsize=(6.4, 3.6))
ks = np.arange(max_count + 1)
ax.bar(
    ks - 0.2,
    share_drawn,
    width=0.4,
    label="with replacement (randint), simulated",
)
ax.bar(
    ks + 0.2,
    [float(k == 1) for k in ks],
    width=0.4,
    label="without replacement (shuffle)",
)
ax.plot(ks - 0.2, binomial, "k_", markersize=18, label="binomial theory")
ax.set_xlabel("times a sample is drawn in one epoch")
ax.set_ylabel("share of samples")
ax.set_title("One epoch of batches: who gets seen?")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# A second trap hides in the bounds. ``randint(low, high)`` includes ``low`` and excludes
# ``high``, so ``randint(1, n)`` (a version seen in the wild) can never pick the first sample,
# however long training runs:

rng = np.random.default_rng(0)
learner_draws = rng.integers(1, n, size=100_000)  # as randint(1, n)
print(f"smallest index in {len(learner_draws)} draws: {learner_draws.min()}")
print(f"sample 0 ever drawn: {bool((learner_draws == 0).any())}")
assert learner_draws.min() == 1, "randint(1, n) should never draw 0"

# %%
# With a shuffle per epoch neither problem can occur, which is why data loaders (and our
# :func:`~sgd_tutorial.sgd`) shuffle rather than draw.
#
# The noisy loss
# --------------
# The loss :func:`~sgd_tutorial.sgd` records at each update is the loss *of that update's
# batch*, five samples out of a hundred. Even with the parameters held fixed, five different
# samples give a different loss, so the curve jumps from step to step. To see the progress
# underneath, evaluate the loss on *all* the data at every recorded parameter vector (cheap
# here: ``fit.params`` holds the whole trajectory), and compare with full-batch
# :func:`~sgd_tutorial.gradient_descent` run for the same number of updates.
#
# Near the minimum the interesting number is how far above it a loss is, the *excess* over
# the least-squares minimum, and the full-data loss is the minimum plus
# :math:`\overline{(x_i^\top d)^2}`, the mean square of ``x @ d``, where :math:`d` is the
# distance from the least-squares point (the loss is quadratic, and its slope is zero
# there). Computed that way the excess is exact, with no difference of two nearly equal
# losses. Which batches a run sees depends on its seed, so we run it with 200 seeds and keep
# seed 0, the run above, to draw.

gd = gradient_descent(x, y, lr=0.1, steps=fit.steps, device=device)
hessian_half = xd.T @ xd / n  # the mean square of x @ d is d . (xᵀx / n) d


def excess(params):
    """Excess MSE over the least-squares minimum at each row of params."""
    d = params.double() - best
    return ((d @ hessian_half) * d).sum(-1)


seeds = range(200)
runs = [
    sgd(
        x, y, lr=lr, epochs=epochs, batch_size=batch_size, seed=s, device=device
    )
    for s in seeds
]
paths = torch.stack([run.params for run in runs])
batch_losses = torch.stack([run.losses for run in runs]).double()
full_losses = floor + excess(paths[:, :-1])  # before each update
half = fit.steps // 2
spread = batch_losses[:, half:].std(dim=1) / full_losses[:, half:].std(dim=1)
sgd_excess = excess(paths[:, half:]).median(dim=1).values
gd_excess = excess(gd.params)
print("seed 0, second half, lowest and highest loss:")
low, high = batch_losses[0, half:].min(), batch_losses[0, half:].max()
print(f"  of each batch:        {low:.4f} to {high:.4f}")
low, high = full_losses[0, half:].min(), full_losses[0, half:].max()
print(f"  on all the data:      {low:.4f} to {high:.4f}")
print(f"over {len(seeds)} seeds, the smallest")
print(f"  spread of batch losses / spread on all data: {spread.min():.1f}")
print(f"  median excess of SGD over the second half:   {sgd_excess.min():.1e}")
print(
    f"excess of gradient descent after {gd.steps} updates: {gd_excess[-1]:.1e}"
)

fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 5.6), sharex=True)
updates = np.arange(fit.steps)
top.plot(
    updates, batch_losses[0], lw=0.8, color="C1", label="loss of each batch"
)
top.plot(
    updates, full_losses[0], lw=1.5, color="C3", label="loss on all the data"
)
top.axhline(floor, color="k", ls="--", lw=1, label="least-squares minimum")
top.set_ylim(0, 4 * floor)
top.set_ylabel("MSE")
top.set_title(f"SGD, batch size {batch_size}, lr {lr} (seed 0)")
top.legend(fontsize="small", loc="upper right")
bottom.plot(updates, excess(fit.params[:-1]), lw=1.5, color="C3", label="SGD")
bottom.plot(
    updates, gd_excess[:-1], lw=1.5, color="C0", label="gradient descent"
)
for boundary in range(per_epoch, fit.steps, per_epoch):
    for ax in (top, bottom):
        ax.axvline(boundary, color="0.6", lw=0.6, ls=":", zorder=0)
bottom.set_yscale("log")
bottom.set_ylim(bottom=1e-10)
bottom.set_xlabel("update (iteration); dotted lines mark the epochs")
bottom.set_ylabel("excess MSE, on all the data")
bottom.legend(fontsize="small")
fig.tight_layout()
plt.show()

# %%
# Two kinds of noise are mixed in the orange curve. Most of the spread is *measurement*
# noise: five samples are a poor estimate of the loss on all the data (in every one of the
# 200 seeds the batch losses of the second half spread more than twice as widely, by their
# standard deviation). The red curve removes that and shows what is left: the parameters
# themselves keep moving, because each step follows one batch's gradient rather than the
# true one. It settles near the least-squares minimum but not on it (the lower panel, in
# excess over the minimum), while gradient descent (blue) glides straight down onto it: in
# every seed, SGD's median excess over the second half is more than a thousand times the
# excess gradient descent ends with.

assert spread.min() > 2, (
    f"in one seed the batch losses spread only {spread.min():.1f}x"
)
assert sgd_excess.min() > 1000 * gd_excess[-1], (
    "SGD should hover above GD's end"
)

# %%
# Two paths on one landscape
# --------------------------
# The :term:`loss landscape` is a bowl over the two coefficients (slope, intercept). Gradient
# descent walks down it along a smooth curve; SGD zig-zags around that curve, because every
# batch has its own slightly tilted bowl, and keeps wandering once it arrives: over its last
# 20 updates, its steps are more than ten times as long as gradient descent's, in every one
# of the 200 seeds (printed below).

sgd_steps = (paths[:, -20:] - paths[:, -21:-1]).double().norm(dim=2).mean(dim=1)
gd_steps = (gd.params[-20:] - gd.params[-21:-1]).double().norm(dim=1).mean()
print(f"mean length of the last 20 steps: gradient descent {gd_steps:.1e}")
print(f"SGD, shortest of {len(seeds)} seeds: {sgd_steps.min():.1e}")
assert sgd_steps.min() > 10 * gd_steps, "SGD should keep wandering"

fig, ax = plt.subplots(figsize=(6.4, 3.4))
plot_landscape(
    x,
    y,
    [gd, fit],
    labels=[
        f"gradient descent (all {n} samples)",
        f"SGD (batches of {batch_size})",
    ],
    ax=ax,
)
ax.set_aspect("equal")  # a unit as long on both axes
ax.set_title("Same start, same number of updates, same learning rate")
fig.tight_layout()
plt.show()

# %%
# Batch size and the noise floor
# ------------------------------
# How far above the minimum does SGD hover, and how does that depend on the batch size? The
# gradient of a batch is an average of :math:`b` per-sample gradients. When the samples are
# drawn independently, the variance of an average of :math:`b` of them is the variance of one
# divided by :math:`b`, and with a constant :term:`learning rate` :math:`\eta` the parameters
# settle into a jitter whose excess loss is, for small :math:`\eta`, proportional to
# :math:`\eta` times that variance:
#
# .. math::
#
#     \mathbb{E}\big[\mathrm{MSE}(p_t)\big] - \mathrm{MSE}_{\min} \;\propto\; \frac{\eta}{b}.
#
# To measure it, we start *at* the least-squares answer (so there is nothing left to learn),
# run a fixed number of updates with learning rate 0.1, and average the excess loss on all the
# data over the last two thirds of them (the first third lets the jitter build up), for 100
# independent runs at once, and take the mean of the runs (the formula is about a mean). The update is the MSE gradient
# written out, :math:`\nabla = \tfrac{2}{b} X_B^\top (X_B\,p - y_B)`, and the only thing that
# changes between the two experiments is the generator that hands out the batches.


def batches_with_replacement(n, b, runs, generator):
    """Forever: independent random indices, ``randint`` style."""
    while True:
        yield torch.randint(n, (runs, b), generator=generator)


def batches_without_replacement(n, b, runs, generator):
    """Forever: a new shuffle per epoch (one per run), cut into batches."""
    while True:
        order = torch.rand(runs, n, generator=generator).argsort(dim=1)
        for start in range(0, n - b + 1, b):
            yield order[:, start : start + b]


LR, UPDATES, RUNS = 0.1, 300, 100


def excess_loss(batches, b, lr=LR, updates=UPDATES, runs=RUNS):
    """Mean excess MSE over the last 2/3 of ``updates`` SGD steps, per run."""
    p = best.repeat(runs, 1)  # every run starts at the minimum
    total = torch.zeros(runs, dtype=torch.float64)
    for t, idx in enumerate(islice(batches, updates)):
        rows = idx.flatten()  # the batch's rows of x and y, for every run
        xb = xd.index_select(0, rows).view(runs, b, 2)
        yb = yd.index_select(0, rows).view(runs, b)
        # r: run, b: sample of the batch, k: feature
        residual = torch.einsum("rbk,rk->rb", xb, p) - yb
        p -= lr * 2 / b * torch.einsum("rbk,rb->rk", xb, residual)
        if t >= updates // 3:
            total += excess(p)
    return total / (updates - updates // 3)


batch_sizes = [1, 2, 5, 10, 20, 50]
with_repl, without_repl = [], []
for b in batch_sizes:
    g = torch.Generator().manual_seed(b)
    with_repl.append(
        excess_loss(batches_with_replacement(n, b, RUNS, g), b).mean().item()
    )
    without_repl.append(
        excess_loss(batches_without_replacement(n, b, RUNS, g), b).mean().item()
    )

print(f"lr {LR}, {UPDATES} updates per run, mean of {RUNS} runs")
print(
    "batch | with replacement | x batch | shuffled per epoch | shuffled / with"
)
for b, w, s in zip(batch_sizes, with_repl, without_repl, strict=True):
    print(f"{b:5d} | {w:16.2e} | {w * b:7.4f} | {s:18.2e} | {s / w:15.3f}")
slope = np.polyfit(np.log(batch_sizes), np.log(with_repl), 1)[0]
scaled = [w * b for w, b in zip(with_repl, batch_sizes, strict=True)]
drop = without_repl[0] / without_repl[-1]
print(f"log-log slope, with replacement: {slope:.2f}")
print(f"x batch column: from {min(scaled):.4f} to {max(scaled):.4f}")
print(
    f"shuffled, batch {batch_sizes[0]} over batch {batch_sizes[-1]}: {drop:.0f}"
)

# %%
# With independent draws, the column "× batch" is roughly constant (within 30 % of its
# smallest value): the excess loss falls like :math:`1/b`, and the log-log slope printed
# above is within 0.15 of −1. Doubling the batch halves the floor, but each update then
# reads twice as many samples: a larger batch buys a *steadier* answer, not a free one.

assert abs(slope + 1) < 0.15, f"the log-log slope is {slope:.2f}, not about -1"
assert max(scaled) < 1.3 * min(scaled), "excess x batch size is not constant"

# %%
# Shuffling does better at every batch size, and more so as the batch grows: from batch 1 to
# batch 50 its floor falls far more than the 50 times of :math:`1/b` (the ratio printed
# above). Within one epoch the batches partition the data, so at a fixed parameter their
# gradients add up to the full gradient times :math:`n/b`, the number of batches (checked
# below on one shuffle); SGD moves between batches, so during a run they cancel only in
# part, but what the first batches of an epoch get wrong, the last ones mostly correct. At
# :math:`b = n` a shuffled "batch" is the whole data set and SGD *is* gradient descent, with
# no floor at all.

ratios = [s / w for w, s in zip(with_repl, without_repl, strict=True)]
assert all(r < 1 for r in ratios), "shuffling should do better at every b"
assert drop > batch_sizes[-1] / batch_sizes[0], "it should fall faster than 1/b"

p_fixed = torch.tensor([-1.0, 1.0], dtype=torch.float64)  # any point will do
order = torch.randperm(n, generator=torch.Generator().manual_seed(0))
batch_gradients = [
    2 / batch_size * xd[i].T @ (xd[i] @ p_fixed - yd[i])
    for i in order.view(-1, batch_size)
]
full_gradient = 2 / n * xd.T @ (xd @ p_fixed - yd)
gap = (sum(batch_gradients) * batch_size / n - full_gradient).abs().max()
print(
    f"one epoch's batch gradients, summed, times b/n: {gap:.1e} from the full"
)
assert gap < 1e-12, f"the batch gradients add up to {gap:.1e} off the full one"

fig, ax = plt.subplots(figsize=(6.4, 4.2))
bs = np.array(batch_sizes, dtype=float)
ax.loglog(bs, with_repl, "o-", label="with replacement (randint)")
ax.loglog(
    bs, without_repl, "s-", label="without replacement (shuffle per epoch)"
)
ax.loglog(bs, with_repl[0] / bs, "k--", lw=1, label=r"$\propto 1/b$")
ax.set_xlabel("batch size b")
ax.set_ylabel("excess MSE above the least-squares minimum")
ax.set_title(f"The noise floor of SGD, lr {LR} (mean of {RUNS} runs)")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# What to take away
# -----------------
# * An :term:`epoch` is a pass over the data; with batches of :math:`b` it takes
#   :math:`\lceil n/b \rceil` iterations.
# * Shuffle once per epoch instead of drawing indices independently: independent draws skip
#   about :math:`1/e` of the samples in every epoch (measured above) and make the noise worse.
# * The loss recorded by SGD is the loss of one batch: noisy by construction. Judge a run by
#   the loss on all the data (or on held-out data), averaged over an epoch.
# * With a constant learning rate SGD never settles exactly. With independent draws the level
#   it hovers at falls like :math:`1/b`; with a shuffle per epoch it falls faster still.
#   Larger batches, a smaller learning rate late in training, or averaging the iterates all
#   lower it.
#
# Exercises
# ---------
#
# **Exercise 1.** With :math:`n` samples, batches of 30 and 3 epochs, predict how many updates
# :func:`~sgd_tutorial.sgd` records and the size of the last batch of each epoch; then run it.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 1</summary>

# %%
steps30 = list(
    iter_sgd(x, y, lr=0.1, epochs=3, batch_size=30, seed=0, device=device)
)
sizes = [len(step.indices) for step in steps30 if step.epoch == 0]
print(
    f"n = {n}: {len(steps30)} updates, batch sizes of the first epoch: {sizes}"
)
assert len(steps30) == 3 * -(-n // 30), "3 epochs of ceil(n / 30) batches"
assert sizes[-1] == n - 30 * (n // 30), "the last batch holds the remainder"

# %%
# :math:`\lceil n / 30 \rceil` batches per epoch, the last one holding what is left over.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 2.** ``drop_last=True`` drops that short last batch. Predict the number of updates
# and how many samples each epoch then never uses; count them.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 2</summary>

# %%
dropped = list(
    iter_sgd(
        x,
        y,
        lr=0.1,
        epochs=3,
        batch_size=30,
        drop_last=True,
        seed=0,
        device=device,
    )
)
unused = []
for epoch in range(3):
    used = torch.cat([s.indices.cpu() for s in dropped if s.epoch == epoch])
    unused.append(set(range(n)) - set(used.tolist()))
print(f"{len(dropped)} updates; samples unused in each epoch: {len(unused[0])}")
print(f"the same samples unused in epochs 0 and 1: {unused[0] == unused[1]}")
assert len(dropped) == 3 * (n // 30), "3 epochs of floor(n / 30) batches"
assert all(len(u) == n % 30 for u in unused), "n mod 30 unused per epoch"
assert unused[0] != unused[1], "each epoch should leave out other samples"

# %%
# A different remainder goes unused in every epoch, because each epoch has its own shuffle.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 3.** The noise floor grows with :math:`\eta / b`. Predict the floor at batch size
# 5 with half the learning rate, relative to the one measured above, then measure it with the
# same function.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 3</summary>

# %%
g = torch.Generator().manual_seed(5)
half_lr = (
    excess_loss(batches_with_replacement(n, 5, RUNS, g), 5, lr=LR / 2)
    .mean()
    .item()
)
full_lr = with_repl[batch_sizes.index(5)]
print(f"batch 5: excess {full_lr:.2e} at lr {LR}, {half_lr:.2e} at lr {LR / 2}")
print(f"ratio: {half_lr / full_lr:.2f}")
assert 0.4 < half_lr / full_lr < 0.6, "half the rate should about halve it"

# %%
# Halving the learning rate roughly halves the floor (the ratio printed, between 0.4 and
# 0.6), as halving the noise of each step by doubling the batch does.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 4.** In the mistake above, predict what happens if the targets are made from
# ``a.detach()`` instead of ``a``; then train the same way, without ``retain_graph``.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 4</summary>

# %%
a = nn.Parameter(start.clone())
y_fixed = x @ a.detach() + noise
target = least_squares(x, y_fixed)
generator = torch.Generator().manual_seed(seed)
for _ in range(learner_updates):
    batch = torch.randint(n, (batch_size,), generator=generator).to(device)
    mse(x[batch] @ a, y_fixed[batch]).backward()
    with torch.no_grad():
        a -= lr * a.grad
        a.grad.zero_()
before = (start - target).norm().item()
after = (a.detach() - target).norm().item()
print(f"after {learner_updates} updates: ({a[0]:.3f}, {a[1]:.3f})")
print(f"least squares on these targets: ({target[0]:.3f}, {target[1]:.3f})")
print(f"distance to it: {before:.3f} at the start, {after:.3f} at the end")
assert after < before / 2, "SGD should head for the least-squares answer"

# %%
# The targets are now fixed numbers (made with the starting parameters as the true line), the
# gradients are not zero, and SGD heads for their least-squares answer.
#
# .. raw:: html
#
#    </details>
