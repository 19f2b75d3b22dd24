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
torch.manual_seed(0)
data = make_linear_data(100, coef=(3.0, 2.0), seed=0, device=device)
x, y = data.x, data.y
n = data.n

best = least_squares(x, y)
floor = float(mse(x @ best, y))
print(f"device: {device}")
print(f"least-squares coefficients: {best.cpu().numpy().round(4)}")
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
    """Minibatch SGD from (-1, 1); returns the parameters before and after every update."""
    generator = torch.Generator().manual_seed(
        seed
    )  # on the CPU: the same order on any device
    a = nn.Parameter(torch.tensor([-1.0, 1.0], device=x.device))
    history = [a.detach().clone()]
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator).to(
            x.device
        )  # a fresh shuffle
        for start in range(0, len(x), batch_size):
            batch = order[
                start : start + batch_size
            ]  # the next slice of the shuffle
            loss = mse(
                x[batch] @ a, y[batch]
            )  # predict, and the loss of this batch only
            loss.backward()
            with torch.no_grad():
                a -= lr * a.grad
                a.grad.zero_()
            history.append(a.detach().clone())
    return torch.stack(history).cpu()


by_hand = sgd_by_hand(x, y, lr, epochs, batch_size, seed)
print(f"{len(by_hand) - 1} updates; ends at {by_hand[-1].numpy().round(4)}")

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
    """The indices of a fresh ``randperm`` each time a DataLoader starts an epoch."""

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

package = sgd(
    x, y, lr=lr, epochs=epochs, batch_size=batch_size, seed=seed, device=device
)
print(
    f"updates: by hand {len(by_hand) - 1}, sgd {package.steps}, DataLoader {len(with_torch) - 1}"
)
print(
    f"largest difference, by hand vs sgd():        {(by_hand - package.params).abs().max():.1e}"
)
print(
    f"largest difference, by hand vs DataLoader:   {(by_hand - with_torch).abs().max():.1e}"
)

# %%
# Three implementations, one trajectory, step for step, to float32 rounding (the differences
# printed above, over every parameter of every update). `See this run in the explorer
# <../explorer.html?lr=0.1&momentum=0&batch=5&steps=200&seed=0>`__, and try other batch sizes.
#
# A mistake that trains nothing
# -----------------------------
# One learner's version of the lesson made its data *after* creating the parameter, with the
# same name: ``a = nn.Parameter(...)`` and then ``y = x @ a + noise``. The targets are then a
# function of the parameter. Each ``backward()`` frees the graph it walked, and that graph
# included the targets, so the second update fails:

noise = torch.rand(n, generator=torch.Generator().manual_seed(seed + 1)).to(
    device
)
a = nn.Parameter(torch.tensor([-1.0, 1.0], device=device))
y_from_a = x @ a + noise
for attempt in range(2):
    try:
        mse(x[:batch_size] @ a, y_from_a[:batch_size]).backward()
    except RuntimeError as error:
        print(
            f"backward() #{attempt + 1}: RuntimeError: {str(error).split('.')[0]}"
        )
    else:
        print(f"backward() #{attempt + 1}: fine")
    a.grad = None

# %%
# The learner silenced it with ``loss.backward(retain_graph=True)``, which keeps the graph. The
# loop then runs (made again from the start here, with its batches drawn by ``randint`` as the
# learner's were), but look at the gradients and where the parameters end:

a = nn.Parameter(torch.tensor([-1.0, 1.0], device=device))
y_from_a = x @ a + noise
learner_updates = epochs * (n // batch_size)
generator = torch.Generator().manual_seed(seed)
for t in range(learner_updates):
    batch = torch.randint(n, (batch_size,), generator=generator).to(device)
    loss = mse(x[batch] @ a, y_from_a[batch])
    loss.backward(retain_graph=True)
    if t == 0:
        print("gradient at the first update:", a.grad)
    with torch.no_grad():
        a -= lr * a.grad
        a.grad.zero_()
print(
    f"after {learner_updates} updates: a = {a.detach().cpu().numpy()} (it started at [-1.  1.])"
)
print(f"loss of the last batch: {loss.item():.4f}")

# %%
# Every gradient is exactly zero. The residual ``x @ a - y`` is ``x @ a - (x @ a + noise)``,
# which is minus the noise whatever ``a`` is: moving the parameter moves the targets with it, so
# the loss cannot change and ``a`` never moves: each batch's loss is the mean square of its
# noise, whatever ``a`` is. Make the targets from plain numbers (or from ``a.detach()``) before training, and never
# from the tensor being trained.

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
fit = package  # the run above: lr 0.1, 10 epochs of batches of 5
print(f"n = {n}, batch size = {batch_size}, epochs = {epochs}")
print(f"iterations per epoch: {per_epoch}")
print(
    f"total iterations: {epochs * per_epoch} (sgd recorded {fit.steps} updates)"
)
print(f"SGD coefficients after {epochs} epochs: {fit.coef.numpy().round(4)}")

# %%
# Every sample once per epoch
# ---------------------------
# :func:`~sgd_tutorial.sgd` shuffles the indices at the start of each epoch and cuts the
# shuffled list into consecutive batches: sampling *without replacement*. To see which samples
# each update used, run the same training lazily with :func:`~sgd_tutorial.iter_sgd`; every
# :class:`~sgd_tutorial.Step` it yields carries the batch's ``indices``.

steps = list(
    iter_sgd(
        x, y, lr=0.1, epochs=2, batch_size=batch_size, seed=0, device=device
    )
)
for epoch in range(2):
    in_epoch = [step for step in steps if step.epoch == epoch]
    seen = torch.cat([step.indices.cpu() for step in in_epoch]).long()
    counts = torch.bincount(seen, minlength=n)
    print(
        f"epoch {epoch}: {len(in_epoch)} batches, first batch {in_epoch[0].indices.tolist()}, "
        f"distinct samples seen: {int((counts > 0).sum())} of {n}, "
        f"each exactly once: {bool((counts == 1).all())}"
    )

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
# Let us simulate many epochs of independent draws and count.

generator = torch.Generator().manual_seed(0)
n_epochs_simulated = 2000
draws = torch.randint(
    n, (n_epochs_simulated, per_epoch * batch_size), generator=generator
)
times_drawn = torch.zeros(n_epochs_simulated, n).scatter_add_(
    1, draws, torch.ones_like(draws).float()
)
unseen_share = (times_drawn == 0).float().mean(dim=1)

print(
    f"one epoch with randint: {int((times_drawn[0] == 0).sum())} of {n} samples unseen"
)
print(
    f"share unseen, mean over {n_epochs_simulated} epochs: {unseen_share.mean():.4f}"
)
print(
    f"theory (1 - 1/n)^n: {(1 - 1 / n) ** n:.4f}   limit 1/e: {np.exp(-1):.4f}"
)

# %%
# How often is each sample drawn in an epoch? With replacement the count follows a binomial
# law (close to a Poisson law with mean 1); without replacement it is always exactly one.

max_count = 4
share_drawn = [
    (times_drawn == k).float().mean().item() for k in range(max_count + 1)
]
binomial = [
    math.comb(n, k) * (1 / n) ** k * (1 - 1 / n) ** (n - k)
    for k in range(max_count + 1)
]
print(
    "times drawn in an epoch | share with randint | binomial theory | without replacement"
)
for k in range(max_count + 1):
    print(
        f"{k:23d} | {share_drawn[k]:18.4f} | {binomial[k]:15.4f} | {float(k == 1):.4f}"
    )

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
learner_draws = rng.integers(
    1, n, size=100_000
)  # the same bounds as randint(1, n)
print(
    f"smallest index drawn by randint(1, n) in {len(learner_draws)} draws: {learner_draws.min()}"
)
print(f"sample 0 ever drawn: {bool((learner_draws == 0).any())}")

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

gd = gradient_descent(x, y, lr=0.1, steps=fit.steps, device=device)
x_cpu, y_cpu = x.cpu(), y.cpu()
sgd_full_loss = ((x_cpu @ fit.params.T - y_cpu[:, None]) ** 2).mean(dim=0)[:-1]
half = fit.steps // 2
print(f"first batch loss: {fit.losses[0]:.3f}")
print(
    f"batch losses, second half: min {fit.losses[half:].min():.4f}, "
    f"max {fit.losses[half:].max():.4f}"
)
print(
    f"full-data loss of the SGD iterates, second half: min {sgd_full_loss[half:].min():.4f}, "
    f"max {sgd_full_loss[half:].max():.4f}"
)
print(f"gradient descent loss after {gd.steps} updates: {gd.losses[-1]:.5f}")

fig, ax = plt.subplots(figsize=(6.4, 4.0))
updates = np.arange(fit.steps)
ax.plot(
    updates,
    fit.losses,
    lw=0.8,
    color="tab:orange",
    alpha=0.7,
    label="SGD: loss of each batch",
)
ax.plot(
    updates,
    sgd_full_loss,
    lw=1.5,
    color="tab:red",
    label="SGD: loss on all the data",
)
ax.plot(
    np.arange(gd.steps),
    gd.losses,
    lw=1.5,
    color="tab:blue",
    label="gradient descent",
)
ax.axhline(floor, color="k", ls="--", lw=1, label="least-squares minimum")
for boundary in range(per_epoch, fit.steps, per_epoch):
    ax.axvline(boundary, color="0.85", lw=0.6, zorder=0)
ax.set_yscale("log")
ax.set_xlabel("update (iteration); grey lines mark the epochs")
ax.set_ylabel("MSE")
ax.set_title(f"SGD, batch size {batch_size}, lr {lr}")
ax.legend(fontsize="small")
fig.tight_layout()
plt.show()

# %%
# Two kinds of noise are mixed in the orange curve. Most of the spread is *measurement*
# noise: five samples are a poor estimate of the loss on all the data. The red curve removes
# that and shows what is left: the parameters themselves keep moving, because each step
# follows one batch's gradient rather than the true one. It settles near the least-squares
# minimum but not on it, while gradient descent (blue) glides straight down onto it.
#
# Two paths on one landscape
# --------------------------
# The :term:`loss landscape` is a bowl over the two coefficients (slope, intercept). Gradient
# descent walks down it along a smooth curve; SGD zig-zags around that curve, because every
# batch has its own slightly tilted bowl, and keeps wandering once it arrives.

gd_path = gradient_descent(x, y, lr=0.1, steps=100, device=device)
sgd_path = sgd(
    x, y, lr=0.1, epochs=5, batch_size=batch_size, seed=1, device=device
)
print(
    f"gradient descent, {gd_path.steps} updates, ends at {gd_path.coef.numpy().round(4)}"
)
print(
    f"SGD, {sgd_path.steps} updates, ends at {sgd_path.coef.numpy().round(4)}"
)

fig, ax = plt.subplots(figsize=(6.4, 5.0))
plot_landscape(
    x,
    y,
    [gd_path, sgd_path],
    labels=[
        f"gradient descent (all {n} samples)",
        f"SGD (batches of {batch_size})",
    ],
    ax=ax,
)
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
# data over the second half of them, for several independent runs at once (the settings are
# printed below the code). The update is the MSE gradient written out,
# :math:`\nabla = \tfrac{2}{b} X_B^\top (X_B\,p - y_B)`, and the only thing that changes
# between the two experiments is the generator that hands out the batches.


def batches_with_replacement(n, b, runs, generator):
    """Forever: independent random indices, ``randint`` style."""
    while True:
        yield torch.randint(n, (runs, b), generator=generator)


def batches_without_replacement(n, b, runs, generator):
    """Forever: a new shuffle per epoch (one per run), cut into consecutive batches."""
    while True:
        order = torch.rand(runs, n, generator=generator).argsort(dim=1)
        for start in range(0, n - b + 1, b):
            yield order[:, start : start + b]


LR, UPDATES, RUNS = 0.1, 1000, 5


def excess_loss(batches, b, lr=LR, updates=UPDATES, runs=RUNS):
    """Mean excess MSE over the second half of ``updates`` SGD steps, one value per run."""
    xd, yd = x.cpu().double(), y.cpu().double()
    best_d = least_squares(xd, yd)
    floor_d = mse(xd @ best_d, yd)
    p = best_d.repeat(runs, 1)  # every run starts at the minimum
    total = torch.zeros(runs, dtype=torch.float64)
    for t, idx in enumerate(islice(batches, updates)):
        xb, yb = xd[idx], yd[idx]  # shapes (runs, b, 2) and (runs, b)
        residual = (xb @ p[..., None])[..., 0] - yb
        p -= lr * 2 / b * (xb.mT @ residual[..., None])[..., 0]
        if t >= updates // 2:
            total += ((xd @ p.T - yd[:, None]) ** 2).mean(dim=0) - floor_d
    return total / (updates - updates // 2)


batch_sizes = [1, 2, 5, 10, 20, 50]
with_repl, without_repl = [], []
for b in batch_sizes:
    g = torch.Generator().manual_seed(b)
    with_repl.append(
        excess_loss(batches_with_replacement(n, b, RUNS, g), b).median().item()
    )
    without_repl.append(
        excess_loss(batches_without_replacement(n, b, RUNS, g), b)
        .median()
        .item()
    )

print(
    f"lr {LR}, {UPDATES} updates per run, excess averaged over the last {UPDATES // 2}, "
    f"median of {RUNS} runs"
)
print(
    "batch size | excess, with replacement | x batch size | excess, shuffled per epoch"
)
for b, w, s in zip(batch_sizes, with_repl, without_repl, strict=True):
    print(f"{b:10d} | {w:24.2e} | {w * b:12.4f} | {s:26.2e}")
slope = np.polyfit(np.log(batch_sizes), np.log(with_repl), 1)[0]
print(
    f"log-log slope of the excess against batch size (with replacement): {slope:.2f}"
)

# %%
# With independent draws, the column "× batch size" is roughly constant: the excess loss
# falls like :math:`1/b`, and the log-log slope printed above is close to −1. Doubling the
# batch halves the floor, but each update then reads twice as many samples: a larger batch
# buys a *steadier* answer, not a free one.
#
# Shuffling does better, and more so as the batch grows: within one epoch the batches
# partition the data, so their gradients add up to exactly the full gradient and part of the
# noise cancels. At :math:`b = n` a shuffled "batch" is the whole data set and SGD *is*
# gradient descent, with no floor at all.

fig, ax = plt.subplots(figsize=(6.4, 4.2))
bs = np.array(batch_sizes, dtype=float)
ax.loglog(bs, with_repl, "o-", label="with replacement (randint)")
ax.loglog(
    bs, without_repl, "s-", label="without replacement (shuffle per epoch)"
)
ax.loglog(bs, with_repl[0] / bs, "k--", lw=1, label=r"$\propto 1/b$")
ax.set_xlabel("batch size b")
ax.set_ylabel("excess MSE above the least-squares minimum")
ax.set_title(f"The noise floor of SGD, lr {LR} (median of {RUNS} runs)")
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
# * With a constant learning rate SGD never settles exactly; the level it hovers at falls
#   like :math:`1/b`. Larger batches, a smaller learning rate late in training, or averaging
#   the iterates all lower it.
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
print(
    f"n = {n}: {len(steps30)} updates, batch sizes of the first epoch:", end=" "
)
print([len(step.indices) for step in steps30 if step.epoch == 0])

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
used = torch.cat(
    [step.indices.cpu() for step in dropped if step.epoch == 0]
).unique()
print(
    f"{len(dropped)} updates; samples unused in the first epoch: {n - len(used)}"
)

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
    .median()
    .item()
)
full_lr = with_repl[batch_sizes.index(5)]
print(f"batch 5: excess {full_lr:.2e} at lr {LR}, {half_lr:.2e} at lr {LR / 2}")
print(f"ratio: {half_lr / full_lr:.2f}")

# %%
# Halving the learning rate roughly halves the floor (the ratio printed), as halving the noise
# of each step by doubling the batch does.
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
a = nn.Parameter(torch.tensor([-1.0, 1.0], device=device))
y_fixed = x @ a.detach() + noise
generator = torch.Generator().manual_seed(seed)
for _ in range(learner_updates):
    batch = torch.randint(n, (batch_size,), generator=generator).to(device)
    mse(x[batch] @ a, y_fixed[batch]).backward()
    with torch.no_grad():
        a -= lr * a.grad
        a.grad.zero_()
print(
    f"after {learner_updates} updates: a = {a.detach().cpu().numpy().round(3)}"
)
print(
    f"least squares on these targets: {least_squares(x, y_fixed).cpu().numpy().round(3)}"
)

# %%
# The targets are now fixed numbers (made with the starting parameters as the true line), the
# gradients are not zero, and SGD heads for their least-squares answer.
#
# .. raw:: html
#
#    </details>
