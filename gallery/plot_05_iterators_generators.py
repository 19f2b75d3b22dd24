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

left, fresh = list(it), list(iter(readings))
print(f"what is left in the used-up iterator: {left}")
print(f"a fresh iterator over the list: {fresh}")
assert left == [], "a used-up iterator should stay used up"
assert fresh == readings, "a fresh iterator should start from the front"

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
print(f"iter(DataLoader) gives a {type(batches).__name__}")
print(f"{len(loader)} batches per epoch")
sizes = []
for _ in range(len(loader)):
    xb, yb = next(batches)
    sizes.append(len(xb))
    print(f"next: a batch of x {tuple(xb.shape)} and y {tuple(yb.shape)}")
try:
    next(batches)
except StopIteration:
    print("next: StopIteration (the epoch is over)")
first = next(iter(loader))[0]
print(
    f"a fresh iter(loader) starts a new epoch: first batch {tuple(first.shape)}"
)

# %%
# The last batch holds what is left over, and a ``for xb, yb in loader`` loop is exactly these
# calls.

assert sizes == [40, 40, data.n - 80], f"batches of {sizes}"

# %%
# With ``shuffle=True`` each ``iter(loader)`` would draw a new order: one epoch per
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
        # next() raises StopIteration when the numbers run out, which ends
        # our iteration too.
        return next(self._numbers) ** 2


print(f"Squares([1, 2, 3]): {list(Squares([1, 2, 3]))}")
assert list(Squares([1, 2, 3])) == [1, 4, 9], "Squares should square"

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

first_four = list(itertools.islice(squares(itertools.count(1)), 4))
print(f"the first four squares of 1, 2, 3, ...: {first_four}")
assert first_four == [1, 4, 9, 16], f"got {first_four}"

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


pairs = list(with_next_naive(k * k for k in range(4)))
print(f"pairs of a list: {list(with_next_naive(readings))}")
print(f"pairs of a generator: {pairs}")
assert pairs == [(0, 1), (1, 4), (4, 9)], f"got {pairs}"

# %%
# Now give it nothing. The first ``next(iterator)`` raises ``StopIteration`` *inside* the
# generator's body. Before Python 3.7 that exception simply escaped and looked, to the loop
# consuming the generator, like a normal end: a bug silently turned into "no items". Since
# :pep:`479` Python refuses to guess and turns a ``StopIteration`` escaping from a generator's
# body into a ``RuntimeError``:

try:
    list(with_next_naive([]))
except RuntimeError as error:
    cause = error.__cause__
    print(f"RuntimeError: {error}")
    print(f"caused by: {type(cause).__name__}")
assert isinstance(cause, StopIteration), "PEP 479 should wrap StopIteration"

# %%
# The fix is to decide what empty input means and say so: no item, so no pairs. The
# package's :func:`~sgd_tutorial.with_next` takes the first item with a ``for`` loop instead
# of ``next``: on empty input the loop body never runs, and the generator simply ends.

print(f"with_next([]): {list(with_next([]))}")
print(f"with_next([1]): {list(with_next([1]))}")
print(f"with_next(generator): {list(with_next(k * k for k in range(4)))}")
assert list(with_next([])) == [], "no items, no pairs"
assert list(with_next(k * k for k in range(4))) == pairs, "as the naive one"

# %%
# Differences between successive losses
# -------------------------------------
# Now the tool meets the training loop. Fit the lesson's data twice with the same
# :term:`learning rate`: full-batch gradient descent, and SGD with batches of 5. Both record
# one loss per update; ``with_next`` turns each list of losses into the list of changes
# :math:`\Delta_t = L_{t+1} - L_t`. Which batches SGD sees depends on its seed, so we run it
# with 200 seeds, draw seed 0, and check what we say about SGD on all of them.
#
# We will also want the loss on *all* the data at every SGD iterate, and how far above the
# least-squares minimum a loss is. As in tutorial 4, that *excess* is the mean square of
# ``x @ d``, where :math:`d` is the distance from the least-squares point: exact, with no
# difference of two nearly equal numbers.

xd, yd = x.cpu().double(), y.cpu().double()
best = least_squares(xd, yd)
floor = mse(xd @ best, yd).item()
hessian_half = xd.T @ xd / data.n  # mean square of x @ d = d . (xᵀx / n) d


def excess(params):
    """Excess MSE over the least-squares minimum at each row of params."""
    d = params.double() - best
    return ((d @ hessian_half) * d).sum(-1)


gd = gradient_descent(x, y, lr=0.1, steps=200, device=device)
seeds = range(200)
runs = [
    sgd(x, y, lr=0.1, epochs=10, batch_size=5, seed=s, device=device)
    for s in seeds
]
mb = runs[0]

gd_diffs = np.array([b - a for a, b in with_next(gd.losses.tolist())])
mb_diffs = np.array([b - a for a, b in with_next(mb.losses.tolist())])
# The loss on all the data at every SGD iterate: what the batch losses estimate
mb_full = floor + excess(mb.params)
mb_full_diffs = np.array([b - a for a, b in with_next(mb_full.tolist())])

half = len(mb_diffs) // 2
print(f"device: {device}; {gd.steps} updates each")
print(f"least-squares minimum {floor:.5f}")
print(f"GD:  first difference {gd_diffs[0]:.3g}, last {gd_diffs[-1]:.3g}")
print(
    f"SGD (seed 0), second half: {(mb_diffs[half:] < 0).mean():.0%} negative,"
)
print(
    f"  mean {mb_diffs[half:].mean():+.1e}, "
    f"spread (standard deviation) {mb_diffs[half:].std():.1e}"
)
print(f"SGD, loss on all the data: spread {mb_full_diffs[half:].std():.1e}")

fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 6.0), sharex=True)
# Exact zeros (GD once it is down to rounding) have no logarithm: leave them out.
top.plot(np.abs(mb_diffs), color="C1", lw=0.8, label="SGD, batch losses")
top.plot(
    np.abs(mb_full_diffs),
    color="C3",
    lw=0.8,
    label="SGD, loss on all the data",
)
top.plot(
    np.where(gd_diffs != 0, np.abs(gd_diffs), np.nan),
    color="C0",
    label="gradient descent",
)
top.set_yscale("log")
top.set_ylabel(r"$|L_{t+1} - L_t|$")
top.set_title("Size of the change in loss per update (SGD: seed 0)")
top.legend(fontsize="small")
bottom.axhline(0, color="k", lw=0.8)
bottom.plot(mb_diffs, color="C1", lw=0.8, label="SGD, batch losses")
bottom.plot(
    mb_full_diffs, color="C3", lw=1.2, label="SGD, loss on all the data"
)
bottom.plot(gd_diffs, color="C0", lw=1.2, label="gradient descent")
bottom.set_ylim(-0.3, 0.3)
bottom.set_xlabel("update t")
bottom.set_ylabel(r"$L_{t+1} - L_t$")
bottom.set_title("Signed change (clipped to a narrow band around zero)")
bottom.legend(fontsize="small", loc="lower right")
fig.tight_layout()
plt.show()

# %%
# Gradient descent's differences are all negative, the loss only goes down, until the loss
# is within rounding of the minimum. From there on a step lowers the loss by less than the
# spacing of the numbers the losses are recorded in (float32 here), and the differences are
# rounding: zero, or a hair either side of it. Near the end each step lowers the excess by the share
# :math:`1 - (1 - \eta\lambda_{\min})^2` of it (we meet this factor below), so a difference
# can fail to be negative only once the excess is below the spacing over that share. We allow
# twice that:

lam_flat, lam_steep = hessian_eigenvalues(x).tolist()
flat_factor = (1 - 0.1 * lam_flat) ** 2
# the spacing of float32 numbers near the minimum: the losses are recorded at
# least as finely as the data's float32
spacing = torch.finfo(x.dtype).eps * floor
gd_excess = excess(gd.params[:-1])  # before each update, as the losses
not_negative = np.flatnonzero(gd_diffs >= 0)
limit = 2 * spacing / (1 - flat_factor)
if len(not_negative):
    t = not_negative[0]
    print(f"GD: first difference that is not negative: update {t}")
    print(f"  excess there {gd_excess[t]:.1e}; allowed {limit:.1e}")
else:
    print("GD: every difference is negative")
worst = gd_excess[not_negative].max() if len(not_negative) else 0
assert worst <= limit, f"GD's loss rose with an excess of {worst:.1e} left"

# %%
# How fast do gradient descent's changes shrink? Divide each change by the one before it. The
# recorded losses are rounded to the spacing printed above, too coarse for this once the loss
# is close to the minimum, so we use the exact excess over the first 100 updates instead.
# Theory predicts two factors: along each direction of the loss's :term:`Hessian`, with
# curvature :math:`\lambda`, a step of gradient descent multiplies the distance to the
# minimum by :math:`1 - \eta\lambda`, so that direction's share of the loss shrinks by
# :math:`(1 - \eta\lambda)^2` per step.

gd_changes = np.diff(excess(gd.params[:101]).numpy())
gd_ratios = gd_changes[1:] / gd_changes[:-1]
for t in (0, 1, 5, 10, 20, 40, 60, 90):
    print(f"update {t:3d}: change / previous change = {gd_ratios[t]:.4f}")
steep_factor = (1 - 0.1 * lam_steep) ** 2
print(
    f"(1 - lr * lambda)^2: steep direction {steep_factor:.4f}, "
    f"flat direction {flat_factor:.4f}"
)

# %%
# The two curves tell different stories.
#
# * **Gradient descent**: every difference is negative and their size shrinks, but not by a
#   constant factor at first. Early on, both directions still contribute and the ratio
#   (printed above) lies between the two predicted factors, climbing as the steep direction,
#   whose share shrinks faster, dies out. Once only the flat direction is left, the ratio
#   stays at its factor :math:`(1 - \eta\lambda_{\min})^2` (printed; by update 60 they agree to
#   within 0.001), and the curve on the log scale becomes a straight line. That is what
#   convergence looks like. It goes on until the loss agrees with the minimum to the
#   precision the losses are recorded in; after that the differences are rounding, and the
#   run is over.

early = gd_ratios[:61]  # a ratio is a weighted mean of the two factors
assert early.min() >= steep_factor - 1e-4, "a ratio below the steep factor"
assert early.max() <= flat_factor + 1e-4, "a ratio above the flat factor"
assert (np.diff(early) >= -1e-4).all(), "the ratio should climb"
assert abs(gd_ratios[60] - flat_factor) < 1e-3, (
    f"at update 60 the ratio is {gd_ratios[60]:.4f}, not {flat_factor:.4f}"
)

# %%
# * **SGD**: after a short descent the differences hover around zero, roughly half positive
#   and half negative (between 30 % and 70 % negative in every seed), with a spread that does
#   not shrink (from the third quarter of the run to the fourth, the spread changes by less
#   than 20 % in the median seed). Each loss comes from a different batch, so the difference
#   of two of them mostly measures how different the batches are, not how much the
#   parameters improved. Even on all the data (red) the loss keeps moving up and down (it
#   rises at least 30 % of the time in every seed), because each step follows a single
#   batch's gradient.

losses = torch.stack([run.losses for run in runs]).double()
diffs = losses.diff(dim=1)[:, half:]  # the second half of every seed
quarter = diffs.shape[1] // 2
full_diffs = excess(torch.stack([run.params for run in runs])).diff(dim=1)
negative = (diffs < 0).double().mean(dim=1)
spread_change = diffs[:, quarter:].std(dim=1) / diffs[:, :quarter].std(dim=1)
full_rises = (full_diffs[:, half:] > 0).double().mean(dim=1)
arrived = diffs.mean(dim=1).abs() / diffs.std(dim=1)
print(f"over {len(seeds)} seeds, second half of each run:")
low, high = negative.min(), negative.max()
print(f"  share of negative differences: {low:.2f} to {high:.2f}")
print(f"  spread, last quarter / third, median: {spread_change.median():.2f}")
print(f"  share of rises on all the data, smallest: {full_rises.min():.2f}")
print(f"  |mean| / spread of the differences, largest: {arrived.max():.3f}")
assert ((negative > 0.3) & (negative < 0.7)).all(), "not roughly half negative"
assert 0.8 < spread_change.median() < 1.25, "the spread should not shrink"
assert full_rises.min() > 0.3, "on all the data the loss should go up and down"

# %%
# So SGD does not converge to a point at a constant learning rate: it converges *in
# distribution*, to a cloud around the minimum. The differences can tell that it has
# arrived (their mean is near zero: under a tenth of their spread in every seed), not that it
# has stopped; to tell the two apart, average over an epoch or look at the loss on all the
# data.

assert arrived.max() < 0.1, "the mean difference should be near zero"

# %%
# A training loop as a stream
# ---------------------------
# :func:`~sgd_tutorial.sgd` runs every epoch it is asked for and returns the whole history.
# :func:`~sgd_tutorial.iter_sgd` takes the same arguments but returns a generator of
# :class:`~sgd_tutorial.Step` objects, one per update, computed only as they are asked for.
# The caller decides when to stop. Here we ask for many epochs but stop at the end of the
# first epoch whose full-data loss is within a small tolerance of the least-squares minimum
# (both printed below). Bringing a number from a GPU to the CPU (``.cpu()``, ``float(...)``)
# makes the program wait for the GPU, so we check once per epoch, not once per update.

batch_size, max_epochs, tolerance = 5, 200, 0.02
per_epoch = data.n // batch_size
planned = max_epochs * per_epoch
print(f"{per_epoch} updates per epoch, at most {max_epochs} epochs")
print(f"tolerance: {tolerance:.0%} above the minimum")
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
        # .cpu() waits for the GPU, if any: once per epoch
        full_loss = floor + excess(step.params.cpu()).item()
        if full_loss < (1 + tolerance) * floor:
            break
print(f"stopped after update {step.index} (epoch {step.epoch}) of {planned}")
slope, intercept = step.params.tolist()
print(
    f"full-data loss {full_loss:.5f}; stop below {(1 + tolerance) * floor:.5f}"
)
print(f"parameters: slope {slope:.4f}, intercept {intercept:.4f}")
assert full_loss < (1 + tolerance) * floor, "stopped before the tolerance"
assert step.index + 1 < planned, "it should stop long before the plan"

# %%
# The remaining epochs were never computed: the generator was simply not asked for more. It
# is still there, paused; asked again, it carries on from the next update:

following = next(steps)
print(f"next(steps): update {following.index}, epoch {following.epoch}")
assert following.index == step.index + 1, "the stream should carry on"

# %%
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
# The snapshots are the same numbers the full run ``mb`` above stored (to float32 rounding,
# whatever type each records in), because the same seed draws the same batches; we just kept
# one row per epoch. Checked, then plotted over the whole trajectory:

index, slope, intercept = np.array(rows).T
# params row t + 1 holds the result of update t
stored = mb.params[index.astype(int) + 1].double().numpy()
gap = np.abs(stored - np.stack([slope, intercept], axis=1)).max()
print(f"largest difference from the stored trajectory: {gap:.1e}")
assert gap < 1e-6, f"the snapshots differ from the run by {gap:.1e}"

fig, ax = plt.subplots(figsize=(6.4, 3.6))
ax.plot(mb.params[:, 0], lw=0.8, color="C1", label="slope, every update")
ax.plot(mb.params[:, 1], lw=0.8, color="C2", label="intercept, every update")
ax.plot(index + 1, slope, "o", color="C1", label="slope, every k-th (islice)")
ax.plot(
    index + 1,
    intercept,
    "s",
    color="C2",
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
assert count == len(loader30) == data.n // 30, "floor(n / 30) full batches"

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
slow_changes = np.diff(excess(slow.params[:101]).numpy())
slow_ratios = slow_changes[1:] / slow_changes[:-1]
slow_factor = (1 - 0.05 * lam_flat) ** 2
print(f"measured at update 90: {slow_ratios[90]:.4f}")
print(f"(1 - 0.05 * lambda_min)^2: {slow_factor:.4f}")
assert abs(slow_ratios[90] - slow_factor) < 1e-3, "not the flat factor"
assert slow_ratios[90] > flat_factor, "a smaller step should shrink it less"

# %%
# A smaller step shrinks the remaining distance less per step, so the ratio is closer to 1
# (than the one at lr 0.1, printed further up).
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
batch_pairs = list(with_next(loader))
print(f"{len(loader)} batches, {len(batch_pairs)} pairs; sizes of each pair:")
print([(len(first[1]), len(second[1])) for first, second in batch_pairs])
assert len(batch_pairs) == len(loader) - 1, "one pair fewer than batches"

# %%
# One pair fewer than there are items: every batch but the last has a following one.
#
# .. raw:: html
#
#    </details>
