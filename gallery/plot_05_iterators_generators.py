"""
Iterators and generators
========================

A training loop is a stream: one batch after another, one loss after another, for as long as
we care to keep going. Python's tools for streams are *iterators* and *generators*. They let
us write the loop once and then decide, from the outside, how much of it to run and which parts
to look at.

This tutorial covers:

* the iterator protocol: ``iter``, ``next`` and ``StopIteration``, on a list and on PyTorch's
  ``DataLoader``;
* generator functions, which write iterators for us;
* ``with_next``, a generator of successive pairs, and the ``RuntimeError`` its naive version
  raises on empty input;
* what the differences between successive losses say about the :term:`convergence` of
  gradient descent and of :term:`SGD`;
* a training run consumed lazily from :func:`~sgd_tutorial.iter_sgd`: stopped early by a
  condition, and sampled every k-th step with :func:`itertools.islice`.

To run this page yourself, install the package first: see :doc:`/installation`.
"""

# %%
# The iterator protocol
# ---------------------
# Anything a ``for`` loop accepts is an *iterable*: ``iter(obj)`` gives an *iterator* for it.
# An iterator has one job: each call of ``next(it)`` returns the following item, and when
# there are none left it raises ``StopIteration``. A ``for`` loop is that, spelled out for us:
# call ``iter`` once, call ``next`` until ``StopIteration``, and swallow the exception.

import itertools

import matplotlib.pyplot as plt
import numpy as np
import torch
from sgd_tutorial import (
    gradient_descent,
    hessian_eigenvalues,
    iter_sgd,
    least_squares,
    make_linear_data,
    mse,
    resolve_device,
    sgd,
    with_next,
)
from torch.utils.data import DataLoader, TensorDataset

# sphinx_gallery_thumbnail_number = 1

readings = [7.5, 5.0, 4.25]
it = iter(readings)
print(f"iter(list) gives a {type(it).__name__}")
print(f"next: {next(it)}")
print(f"next: {next(it)}")
print(f"next: {next(it)}")
try:
    next(it)
except StopIteration:
    print("next: StopIteration (the iterator is used up)")

# %%
# An iterator remembers where it is, and it only goes forward: once used up it stays used up.
# The list itself is not changed, and a fresh ``iter(readings)`` starts again from the front.

print(f"what is left in the used-up iterator: {list(it)}")
print(f"a fresh iterator over the list: {list(iter(readings))}")

# %%
# A ``DataLoader`` is an iterable too
# -----------------------------------
# PyTorch's :class:`~torch.utils.data.DataLoader`, which hands out the batches in the training
# loops of tutorial 4, follows the same protocol: ``iter(loader)`` starts an epoch, each
# ``next`` returns the following batch, and ``StopIteration`` ends the epoch. Here it holds the
# lesson's data and no shuffling, so the batches come in order:

device = resolve_device("auto")
data = make_linear_data(100, seed=0, device=device)
x, y = data.x, data.y
loader = DataLoader(TensorDataset(x, y), batch_size=40)
batches = iter(loader)
print(
    f"iter(DataLoader) gives a {type(batches).__name__}, {len(loader)} batches per epoch"
)
for _ in range(len(loader)):
    xb, yb = next(batches)
    print(f"next: a batch of x {tuple(xb.shape)} and y {tuple(yb.shape)}")
try:
    next(batches)
except StopIteration:
    print("next: StopIteration (the epoch is over)")
print(
    f"a fresh iter(loader) starts a new epoch: first batch {tuple(next(iter(loader))[0].shape)}"
)

# %%
# The last batch holds what is left over, and a ``for xb, yb in loader`` loop is exactly these
# calls. With ``shuffle=True`` each ``iter(loader)`` would draw a new order: one epoch per
# ``iter``.
#
# Writing the protocol by hand means a class with ``__iter__`` and ``__next__``:


class Squares:
    """Iterator over the squares of the items of another iterable."""

    def __init__(self, numbers):
        self._numbers = iter(numbers)

    def __iter__(self):
        return self

    def __next__(self):
        # next() raises StopIteration when the numbers run out, which ends our iteration too.
        return next(self._numbers) ** 2


print(f"Squares([1, 2, 3]): {list(Squares([1, 2, 3]))}")

# %%
# Generator functions
# -------------------
# A function that contains ``yield`` is a *generator function*. Calling it runs none of its
# body: it returns a generator, an iterator whose ``next`` runs the body up to the following
# ``yield``, hands out that value and pauses there, local variables intact. Returning (or
# falling off the end) raises ``StopIteration`` for us. The class above shrinks to three lines:


def squares(numbers):
    """Yield the square of each number, one at a time."""
    for number in numbers:
        print(f"  (computing {number} squared)")
        yield number**2


gen = squares([1, 2, 3])
print(f"calling squares() gives a {type(gen).__name__}; nothing computed yet")
print(f"next: {next(gen)}")
print(f"next: {next(gen)}")
print(f"the rest: {list(gen)}")

# %%
# The values are computed only when asked for: the lines "computing ..." appear between the
# ``next`` calls, not all at once. That laziness makes an endless stream harmless, as long as
# we only take what we need. :func:`itertools.count` counts forever; :func:`itertools.islice`
# takes a slice of any iterator, like ``[start:stop:step]`` on a list:

first_four = itertools.islice(squares(itertools.count(1)), 4)
print(f"the first four squares of 1, 2, 3, ...: {list(first_four)}")

# %%
# ``with_next``: items in successive pairs
# ----------------------------------------
# Often we want each item together with the one after it, for instance to take differences.
# With a list, indexing works (``readings[i + 1] - readings[i]``), but not with a generator,
# which cannot be indexed or sliced. A small generator does it for any iterable: take the first
# item by hand, then pair each new item with the previous one.


def with_next_naive(iterable):
    """Yield (current, following) pairs. Fails on empty input; see below."""
    iterator = iter(iterable)
    current = next(iterator)
    for following in iterator:
        yield current, following
        current = following


print(f"pairs of a list: {list(with_next_naive(readings))}")
print(f"pairs of a generator: {list(with_next_naive(x * x for x in range(4)))}")

# %%
# Now give it nothing. The first ``next(iterator)`` raises ``StopIteration`` *inside* the
# generator's body. Before Python 3.7 that exception simply escaped and looked, to the loop
# consuming the generator, like a normal end: a bug silently turned into "no items". Since
# :pep:`479` Python refuses to guess and turns a ``StopIteration`` escaping from a generator's
# body into a ``RuntimeError``:

try:
    list(with_next_naive([]))
except RuntimeError as error:
    print(f"RuntimeError: {error}")
    print(f"caused by: {type(error.__cause__).__name__}")

# %%
# The fix is to decide what empty input means and say so: no item, so no pairs. The
# package's :func:`~sgd_tutorial.with_next` catches the first ``StopIteration`` and returns:

print(f"with_next([]): {list(with_next([]))}")
print(f"with_next([1]): {list(with_next([1]))}")
print(f"with_next(generator): {list(with_next(x * x for x in range(4)))}")

# %%
# Differences between successive losses
# -------------------------------------
# Now the tool meets the training loop. Fit the lesson's data twice with the same
# :term:`learning rate`: full-batch gradient descent, and SGD with batches of 5. Both record
# one loss per update; ``with_next`` turns each list of losses into the list of changes
# :math:`\Delta_t = L_{t+1} - L_t`.

torch.manual_seed(0)
floor = float(mse(x @ least_squares(x, y), y))

gd = gradient_descent(x, y, lr=0.1, steps=200, device=device)
mb = sgd(x, y, lr=0.1, epochs=10, batch_size=5, seed=0, device=device)

gd_diffs = np.array([b - a for a, b in with_next(gd.losses.tolist())])
mb_diffs = np.array([b - a for a, b in with_next(mb.losses.tolist())])

# The loss on *all* the data at every SGD iterate: what the noisy batch losses estimate.
x_cpu, y_cpu = x.cpu().double(), y.cpu().double()
mb_full = ((x_cpu @ mb.params.double().T - y_cpu[:, None]) ** 2).mean(dim=0)
mb_full_diffs = np.array([b - a for a, b in with_next(mb_full.tolist())])

half = len(mb_diffs) // 2
print(
    f"device: {device}; {gd.steps} updates each; least-squares minimum {floor:.5f}"
)
not_negative = np.flatnonzero(gd_diffs >= 0)
print(
    f"GD:  differences negative up to update {not_negative[0]}, where the loss is "
    f"{gd.losses[not_negative[0]]:.7f} (float32 rounding from then on)"
)
print(
    f"GD:  first difference {gd_diffs[0]:.3g}, last difference {gd_diffs[-1]:.3g}"
)
print(
    f"SGD: share of negative differences, second half: {(mb_diffs[half:] < 0).mean():.2f}"
)
print(
    f"SGD: differences, second half: mean {mb_diffs[half:].mean():+.2e}, "
    f"std {mb_diffs[half:].std():.2e}"
)
print(
    f"SGD: differences of the full-data loss, second half: std {mb_full_diffs[half:].std():.2e}"
)

fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 6.0), sharex=True)
# Exact zeros (GD once it is down to rounding) have no logarithm: leave them out.
top.plot(
    np.abs(mb_diffs), color="tab:orange", lw=0.8, label="SGD, batch losses"
)
top.plot(
    np.abs(mb_full_diffs),
    color="tab:red",
    lw=0.8,
    label="SGD, loss on all the data",
)
top.plot(
    np.where(gd_diffs != 0, np.abs(gd_diffs), np.nan),
    color="tab:blue",
    label="gradient descent",
)
top.set_yscale("log")
top.set_ylabel(r"$|L_{t+1} - L_t|$")
top.set_title("Size of the change in loss per update")
top.legend(fontsize="small")
bottom.axhline(0, color="k", lw=0.8)
bottom.plot(mb_diffs, color="tab:orange", lw=0.8, label="SGD, batch losses")
bottom.plot(
    mb_full_diffs, color="tab:red", lw=1.2, label="SGD, loss on all the data"
)
bottom.plot(gd_diffs, color="tab:blue", lw=1.2, label="gradient descent")
bottom.set_ylim(-0.3, 0.3)
bottom.set_xlabel("update t")
bottom.set_ylabel(r"$L_{t+1} - L_t$")
bottom.set_title("Signed change (clipped to a narrow band around zero)")
bottom.legend(fontsize="small", loc="lower right")
fig.tight_layout()
plt.show()

# %%
# How fast do gradient descent's changes shrink? Divide each change by the one before it. To
# see the ratio beyond float32's rounding we recompute, in float64, the loss of the parameters
# recorded over the first 100 updates (after that the float32 parameters themselves stop
# changing). Theory predicts two factors: along each direction of the loss's
# :term:`Hessian`, with curvature :math:`\lambda`, a step of gradient descent multiplies the
# distance to the minimum by :math:`1 - \eta\lambda`, so that direction's share of the loss
# shrinks by :math:`(1 - \eta\lambda)^2` per step.

gd_full = (
    ((x_cpu @ gd.params[:101].double().T - y_cpu[:, None]) ** 2)
    .mean(dim=0)
    .numpy()
)
gd_ratios = np.diff(gd_full)[1:] / np.diff(gd_full)[:-1]
for t in (0, 1, 5, 10, 20, 40, 60, 90):
    print(f"update {t:3d}: change / previous change = {gd_ratios[t]:.4f}")
lam_flat, lam_steep = hessian_eigenvalues(x).tolist()
print(
    f"(1 - lr * lambda)^2: steep direction {(1 - 0.1 * lam_steep) ** 2:.4f}, "
    f"flat direction {(1 - 0.1 * lam_flat) ** 2:.4f}"
)

# %%
# The two curves tell different stories.
#
# * **Gradient descent**: every difference is negative (the loss only goes down) and their
#   size shrinks, but not by a constant factor at first. Early on, both directions still
#   contribute and the ratio (printed above) lies between the two predicted factors, climbing
#   as the steep direction, whose share shrinks faster, dies out. Once only the flat direction
#   is left, the ratio stays at its factor :math:`(1 - \eta\lambda_{\min})^2` (printed), and
#   the curve on the log scale becomes a straight line. That is what convergence looks like.
#   It goes on until the loss agrees with the minimum to the precision of float32 (the update
#   printed above); after that the differences are rounding, zero or a hair either side of
#   it, and the run is over.
# * **SGD**: after a short descent the differences hover around zero, roughly half positive
#   and half negative, with a spread that does not shrink. Each loss comes from a different
#   batch, so the difference of two of them mostly measures how different the batches are,
#   not how much the parameters improved. Even on all the data (red) the loss keeps moving
#   up and down, because each step follows a single batch's gradient.
#
# So SGD does not converge to a point at a constant learning rate: it converges *in
# distribution*, to a cloud around the minimum. The differences can tell that it has
# arrived (their mean is near zero, as printed above), not that it has stopped; to tell the
# two apart, average over an epoch or look at the loss on all the data.
#
# A training loop as a stream
# ---------------------------
# :func:`~sgd_tutorial.sgd` runs every epoch it is asked for and returns the whole history.
# :func:`~sgd_tutorial.iter_sgd` takes the same arguments but returns a generator of
# :class:`~sgd_tutorial.Step` objects, one per update, computed only as they are asked for.
# The caller decides when to stop. Here we ask for many epochs but stop at the end of the
# first epoch whose full-data loss is within a small tolerance of the least-squares minimum
# (both printed below). Reading a number from a tensor (``float(...)``) makes a GPU wait, so
# we check once per epoch, not once per update.

batch_size, max_epochs, tolerance = 5, 200, 0.02
per_epoch = data.n // batch_size
print(
    f"{per_epoch} updates per epoch, at most {max_epochs} epochs, tolerance {tolerance:.0%}"
)
steps = iter_sgd(
    x,
    y,
    lr=0.1,
    epochs=max_epochs,
    batch_size=batch_size,
    seed=0,
    device=device,
)
print(f"iter_sgd returned a {type(steps).__name__}; nothing has run yet")
for step in steps:
    if (step.index + 1) % per_epoch == 0:  # the last update of an epoch
        full_loss = float(mse(x @ step.params, y))
        if full_loss < (1 + tolerance) * floor:
            break
print(
    f"stopped after update {step.index} (epoch {step.epoch}) of {max_epochs * per_epoch} planned"
)
print(
    f"full-data loss {full_loss:.5f}, minimum {floor:.5f}, "
    f"parameters {step.params.cpu().numpy().round(4)}"
)

# %%
# The remaining epochs were never computed: the generator was simply not asked for more.
#
# Every k-th step
# ---------------
# :func:`itertools.islice` works on this stream like on any other.
# ``islice(steps, start, None, k)`` keeps every k-th step; with ``k = per_epoch`` (the number
# of batches per epoch, printed above) that is one snapshot per epoch, and starting at
# ``per_epoch - 1`` makes it the last update of each epoch.

snapshots = itertools.islice(
    iter_sgd(
        x, y, lr=0.1, epochs=10, batch_size=batch_size, seed=0, device=device
    ),
    per_epoch - 1,
    None,
    per_epoch,
)
print(" update | epoch | batch loss | slope  | intercept")
rows = []
for step in snapshots:
    slope, intercept = step.params.tolist()
    rows.append((step.index, slope, intercept))
    print(
        f"{step.index:7d} | {step.epoch:5d} | {float(step.loss):10.4f} | "
        f"{slope:.4f} | {intercept:.4f}"
    )

# %%
# The snapshots are the same numbers the full run ``mb`` above stored, because the same seed
# draws the same batches; we just kept one row per epoch. Checked, then plotted over the
# whole trajectory:

index, slope, intercept = np.array(rows).T
stored = mb.params[
    index.astype(int) + 1
]  # params row t + 1 holds the result of update t
same = np.allclose(stored[:, 0], slope) and np.allclose(stored[:, 1], intercept)
print(f"snapshots match the stored trajectory: {same}")

fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.plot(
    mb.params[:, 0], lw=0.8, color="tab:orange", label="slope, every update"
)
ax.plot(
    mb.params[:, 1], lw=0.8, color="tab:green", label="intercept, every update"
)
ax.plot(
    index + 1,
    slope,
    "o",
    color="tab:orange",
    label="slope, every k-th (islice)",
)
ax.plot(
    index + 1,
    intercept,
    "s",
    color="tab:green",
    label="intercept, every k-th (islice)",
)
ax.set_xlabel("update")
ax.set_ylabel("parameter value")
ax.set_title("SGD's parameters, and one snapshot per epoch")
ax.legend(fontsize="small", ncols=2)
fig.tight_layout()
plt.show()

# %%
# Exercises
# ---------
#
# **Exercise 1.** A ``DataLoader`` over the same data with ``batch_size=30`` and
# ``drop_last=True``: predict ``len(loader)`` and how many batches a ``for`` loop over it gets,
# then count them with ``next`` until ``StopIteration``.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 1</summary>

# %%
loader30 = DataLoader(TensorDataset(x, y), batch_size=30, drop_last=True)
batches30 = iter(loader30)
count = 0
while True:
    try:
        next(batches30)
    except StopIteration:
        break
    count += 1
print(f"len(loader) = {len(loader30)}, batches counted = {count}, n = {data.n}")

# %%
# :math:`\lfloor n / 30 \rfloor` full batches; the remainder is dropped.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 2.** Predict the ratio of successive loss changes that gradient descent settles
# at with half the learning rate, 0.05, then measure it as above.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 2</summary>

# %%
slow = gradient_descent(x, y, lr=0.05, steps=200, device=device)
slow_full = (
    ((x_cpu @ slow.params[:101].double().T - y_cpu[:, None]) ** 2)
    .mean(dim=0)
    .numpy()
)
slow_ratios = np.diff(slow_full)[1:] / np.diff(slow_full)[:-1]
print(f"measured at update 90: {slow_ratios[90]:.4f}")
print(f"(1 - 0.05 * lambda_min)^2: {(1 - 0.05 * lam_flat) ** 2:.4f}")

# %%
# A smaller step shrinks the remaining distance less per step, so the ratio is closer to 1.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 3.** ``with_next`` works on any iterable. Predict how many pairs it yields over the
# ``DataLoader`` above (batches of 40), then check by pairing each batch with the next.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 3</summary>

# %%
pairs = list(with_next(loader))
print(f"{len(loader)} batches, {len(pairs)} pairs; sizes of each pair:")
print([(len(first[1]), len(second[1])) for first, second in pairs])

# %%
# One pair fewer than there are items: every batch but the last has a following one.
#
# .. raw:: html
#
#    </details>
