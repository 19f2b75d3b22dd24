"""
Devices and scale
=================

To run this page yourself, install the package first: see :doc:`/installation`.

The lesson's data set is tiny, and any loop fits it in the blink of an eye.
Real problems have millions of samples and often a GPU to run on. This
tutorial looks at the same :term:`SGD` fit from that side:

* which :term:`device` a :term:`tensor` lives on, and how the package picks one;
* the same fit on the CPU and, when the machine has one, on a GPU;
* how the time of one :term:`epoch` grows with the number of samples, for our
  engine and for the lesson's :term:`autograd` loop;
* why a training loop should not call ``.item()`` at every step, and how to
  time GPU code correctly;
* the one shortcut full-batch :func:`~sgd_tutorial.gradient_descent` takes, and
  why its recorded losses are still exact.

The timings are measured when this page is built, on whatever machine builds
it, so they are examples of the method rather than benchmarks to quote. The
project's benchmarks (``nox -s bench``) measure the same things at full size.
"""

# %%
# Setup
# -----
# Every tensor lives on one device: the CPU's memory, or a GPU's. An operation
# runs on the device of its inputs, and they must all be on the same one;
# ``tensor.to(device)`` makes a copy elsewhere.
# :func:`~sgd_tutorial.available_devices` lists what this machine can compute
# on, the CPU first. :func:`~sgd_tutorial.resolve_device` turns a name into one
# of them; ``"auto"`` prefers a CUDA GPU, then Apple's MPS, then the CPU.

import math
import time
from functools import partial

import matplotlib.pyplot as plt
import torch
from sgd_tutorial import (
    available_devices,
    gradient_descent,
    least_squares,
    make_linear_data,
    mse,
    resolve_device,
    sgd,
)

torch.manual_seed(0)
device = resolve_device("auto")
print(f"available devices: {', '.join(str(d) for d in available_devices())}")
print(f"resolve_device('auto') -> {device}")
if device.type == "cpu":
    print("no GPU found: every timing below is on the CPU")

# %%
# Asking for a device the machine does not have is an error that says what
# there is, rather than a failure deep inside the first operation.

for name in ("cpu", "cuda", "mps"):
    try:
        print(f"resolve_device({name!r}) -> {resolve_device(name)}")
    except ValueError as error:
        print(f"resolve_device({name!r}) -> ValueError: {error}")

# %%
# Timing code that may run on a GPU
# ---------------------------------
# A CUDA GPU works through a queue. Python puts each operation on the queue and
# moves on at once, long before the GPU has finished it. A stopwatch read right
# after the call would measure how fast Python can queue work, not how long the
# work takes. ``torch.cuda.synchronize()`` waits until the queue is empty, so
# we call it before starting and before stopping the clock. (On the CPU every
# operation has finished when it returns, and there is nothing to wait for.)
#
# Each measurement is repeated and the fastest run kept: the other runs were
# slowed down by something else on the machine, never sped up. When two ways
# are compared, their runs take turns, so a busy moment hits both alike.


def synchronize(dev):
    """Wait until everything queued on ``dev`` has run."""
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    elif dev.type == "mps":
        torch.mps.synchronize()


def best_times(*fns, dev, budget=0.5, max_repeats=5):
    """Fastest run of each of ``fns``, in seconds; repeats while under ``budget`` seconds."""
    times = [[] for _ in fns]
    while len(times[0]) < max_repeats and sum(map(sum, times)) < budget:
        for fn, record in zip(fns, times, strict=True):
            synchronize(dev)
            start = time.perf_counter()
            fn()
            synchronize(dev)
            record.append(time.perf_counter() - start)
    return [min(record) for record in times]


# %%
# CPU threads
# -----------
# On the CPU, PyTorch splits a large operation (tens of thousands of elements
# or more) across several threads, by default one per core. On a quiet machine
# with many cores that pays off. On a small machine that is busy with other
# work it can backfire: a split operation is done only when its slowest thread
# is, and a thread that the operating system has paused to run something else
# holds up the whole operation. Our engine works on the data in large blocks,
# so it is exposed to this; the lesson's loop works on small batches, which are
# mostly too small to split. Here is one epoch both ways.

threads = torch.get_num_threads()
probe = make_linear_data(100_000, seed=0)


def epoch_with_threads(count):
    """One SGD epoch on ``probe`` using ``count`` CPU threads."""
    torch.set_num_threads(count)
    sgd(probe.x, probe.y, epochs=1, batch_size=1024)


default, single = best_times(
    partial(epoch_with_threads, threads),
    partial(epoch_with_threads, 1),
    dev=probe.x.device,
)
print(f"n = {probe.n:,}, batch size 1024, one epoch on the CPU")
print(f"default, {threads} thread(s): {1e3 * default:8.2f} ms")
print(f"one thread:{'':>12} {1e3 * single:8.2f} ms")
torch.set_num_threads(threads if default < single else 1)
print(
    f"from here on: {torch.get_num_threads()} thread(s), the faster of the two just now"
)

# %%
# The two numbers depend on how busy the machine was while this page was
# built. The timings below are meant to show how the algorithms behave rather
# than how busy the build machine was, so they use whichever setting was faster
# just now; the last cell of the page gives PyTorch back its default. On your
# own machine, try both.

# %%
# The same fit on every device
# ----------------------------
# :func:`~sgd_tutorial.make_linear_data` draws the data on the CPU and then
# moves it, so a seed gives the same numbers on every device, and
# :func:`~sgd_tutorial.sgd` draws its batch order on the CPU for the same
# reason. Passing ``device=`` moves the data there for the fit; the result,
# a :class:`~sgd_tutorial.Fit`, always comes back on the CPU. For the timing
# the data is moved once beforehand, so that the copy is not counted.

n, batch_size = 100_000, 1024
data = make_linear_data(n, seed=0)
exact = least_squares(data.x, data.y)
print(f"n = {n:,}, batch size {batch_size}, one epoch")
print(
    f"least squares: slope {float(exact[0]):.4f}, intercept {float(exact[1]):.4f}"
)

devices = (
    [torch.device("cpu")]
    if device.type == "cpu"
    else [torch.device("cpu"), device]
)
fits = {}
for dev in devices:
    fits[dev] = sgd(
        data.x, data.y, epochs=1, batch_size=batch_size, seed=0, device=dev
    )
    x, y = data.x.to(dev), data.y.to(dev)
    (seconds,) = best_times(
        partial(sgd, x, y, epochs=1, batch_size=batch_size), dev=dev
    )
    slope, intercept = fits[dev].coef.tolist()
    print(
        f"{dev!s:>8}: {1e3 * seconds:8.2f} ms per epoch, slope {slope:.4f}, intercept {intercept:.4f}"
    )
if len(fits) > 1:
    first, *others = fits.values()
    gap = max(float((fit.params - first.params).abs().max()) for fit in others)
    print(f"largest difference between the devices' trajectories: {gap:.2e}")
else:
    print(
        "only the CPU here; on a machine with a GPU this cell fits there too and compares"
    )

# %%
# With the same seed every device sees the same data and the same batches, so
# on a machine with a GPU the two trajectories differ only by rounding, and the
# cell prints by how much.

# %%
# How the time of an epoch grows with n
# -------------------------------------
# With the :term:`batch size` fixed, an epoch of :math:`n` samples takes
# :math:`\lceil n/b \rceil` updates and reads every sample once, so once the
# data is large its time should grow in proportion to :math:`n`: a line of
# slope one on a log-log plot. For small :math:`n` a fixed cost per call
# (checking the arguments, setting up) matters more. The sizes stop at a
# million so that the page builds quickly; the benchmarks go further.
#
# For comparison, here is the lesson's way written out: a :term:`gradient` from
# autograd for each batch, then the update under ``torch.no_grad()``. It takes
# the batches from a shuffle, as our engine does, so both do the same work:
# every sample once per epoch. It keeps each loss as a tensor; more on that
# below.


def lesson_epoch(x, y, lr=0.1, batch_size=1024, item=False):
    """One epoch of the lesson's loop; returns the parameters and the batch losses."""
    a = torch.nn.Parameter(torch.tensor([-1.0, 1.0], device=x.device))
    order = torch.randperm(
        len(x), generator=torch.Generator().manual_seed(0)
    ).to(x.device)
    losses = []
    for start in range(0, len(x), batch_size):
        batch = order[start : start + batch_size]
        loss = ((x[batch] @ a - y[batch]) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            a.sub_(lr * a.grad)
            a.grad.zero_()
        losses.append(loss.item() if item else loss.detach())
    return a.detach(), losses


sizes = [1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000]
compared = {100_000, 1_000_000}
ours, theirs = {}, {}
print(f"device: {device}, batch size {batch_size}, one epoch")
print(
    f"{'n':>9} {'updates':>8} {'ours ms':>9} {'us/update':>10} {'lesson ms':>10} {'ratio':>6}"
)
for size in sizes:
    sample = make_linear_data(size, seed=0, device=device)
    x, y = sample.x, sample.y
    updates = -(-size // batch_size)
    run_ours = partial(sgd, x, y, epochs=1, batch_size=batch_size)
    if size in compared:
        ours[size], theirs[size] = best_times(
            run_ours, partial(lesson_epoch, x, y), dev=device
        )
    else:
        (ours[size],) = best_times(run_ours, dev=device)
    row = f"{size:9,d} {updates:8d} {1e3 * ours[size]:9.2f} {1e6 * ours[size] / updates:10.1f}"
    if size in compared:
        row += f" {1e3 * theirs[size]:10.2f} {theirs[size] / ours[size]:6.1f}"
    print(row)

big, bigger = sorted(compared)
growth = math.log(ours[bigger] / ours[big]) / math.log(bigger / big)
print(
    f"log-log slope of our times between n = {big:,} and n = {bigger:,}: {growth:.2f}"
)
# The slope of a straight line fitted to log(time) against log(n) over the large sizes.
large = [s for s in sizes if s >= big]
fitted = torch.linalg.lstsq(
    torch.tensor([[math.log(s), 1.0] for s in large], dtype=torch.float64),
    torch.tensor([[math.log(ours[s])] for s in large], dtype=torch.float64),
).solution[0, 0]
fitted = float(fitted)
if fitted < 0.9:
    reading = (
        "less than in proportion to n: fixed costs still weigh on these sizes"
    )
elif fitted <= 1.1:
    reading = "about in proportion to n, as reading every sample once predicts"
else:
    reading = "faster than in proportion to n: the cost per sample rose with n"
print(
    f"fitted log-log slope for n >= {big:,}: {fitted:.2f}; on this run the time grew {reading}"
)

fig, ax = plt.subplots(figsize=(6.4, 4.2))
ax.loglog(sizes, [1e3 * ours[s] for s in sizes], "o-", label="sgd_tutorial.sgd")
ax.loglog(
    sorted(theirs),
    [1e3 * theirs[s] for s in sorted(theirs)],
    "s",
    ms=8,
    label="lesson's loop",
)
reference = [1e3 * ours[bigger] * s / bigger for s in sizes]
ax.loglog(sizes, reference, ":", color="0.5", label="proportional to n")
ax.set_xlabel("samples n")
ax.set_ylabel("time per epoch (ms)")
ax.set_title(f"One epoch, batch size {batch_size}, on {device}")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Read the ``us/update`` column from the top. The smallest epochs are a
# handful of updates, so the fixed cost of a call (checking the arguments,
# setting up the history) is shared by few of them and the cost per update is
# high; it falls as :math:`n` grows. For the large sizes, the slope of a line
# fitted to log(time) against log(n) measures how fast the time grows: 1 would
# be exactly in proportion to :math:`n`. The last line printed reads it for this
# run; the figure depends on the machine and on how busy it was. Below 1, fixed
# costs still matter at these sizes; above 1, the cost per sample rose with
# :math:`n`, which can happen because a shuffled batch gathers rows from all
# over the data, and once the data is larger than the processor's caches each
# row is a trip to main memory.
#
# The ratio column divides the lesson's time by ours, for the same epoch:
# above 1, the lesson's loop was the slower on this run. Its cost per update is a chain of small operations, each
# dispatched from Python: indexing, a product, the loss, a backward pass
# through the graph autograd recorded, and the update. Our engine runs the
# same update without building a graph.
#
# Why not call ``.item()`` at every step?
# ---------------------------------------
# The lesson's loop prints or stores ``loss.item()`` at every step. ``.item()``
# turns a tensor into a Python number, and that number has to be on the CPU.
# On a GPU, that means the CPU stops, waits for the GPU to finish everything
# queued so far, and copies the value back: a :term:`host-device synchronisation`.
# While it waits, no new work is queued, so after the copy the GPU sits idle
# until Python has prepared the next step. Doing this at every step takes
# away the overlap that makes a GPU fast. Keeping the loss as a tensor
# (``loss.detach()``) and turning the whole history into numbers once, at the
# end, avoids it; our engine goes further and keeps the whole trajectory on the
# device until the fit is done.
#
# On the CPU there is no queue: every operation has finished when it returns,
# so ``.item()`` only converts a number. The cell below times the lesson's loop
# both ways, and also times ``.item()`` on its own (many calls on a scalar
# that is already computed), on the CPU and, when there is one, on the GPU.


def read_items(scalar, count=10_000):
    """Call ``.item()`` ``count`` times on an already computed scalar."""
    for _ in range(count):
        scalar.item()


print(
    f"lesson's loop, n = {n:,}, batch size {batch_size}, one epoch; times per update in us"
)
print(
    f"{'device':>8} {'tensor losses':>14} {'.item() losses':>15} {'difference':>11} {'one .item()':>12}"
)
updates = -(-n // batch_size)
for dev in devices:
    x, y = data.x.to(dev), data.y.to(dev)
    lesson_epoch(x, y)  # a first run pays one-off setup costs
    kept, synced = best_times(
        partial(lesson_epoch, x, y),
        partial(lesson_epoch, x, y, item=True),
        dev=dev,
        budget=1.0,
    )
    (reads,) = best_times(
        partial(read_items, torch.ones((), device=dev)), dev=dev, budget=0.2
    )
    kept, synced = 1e6 * kept / updates, 1e6 * synced / updates
    print(
        f"{dev!s:>8} {kept:14.1f} {synced:15.1f} {synced - kept:11.1f} {1e6 * reads / 1e4:12.2f}"
    )

# %%
# Compare the ``difference`` column with the last one. On the CPU there is no
# queue to wait for, so the ``.item()`` calls cost about what the last column
# says each; a difference much larger than that comes from the machine's
# run-to-run noise, not from ``.item()`` (on a busy machine it can even come
# out negative). On a GPU each ``.item()`` in the loop is a full round trip:
# wait for the queue to drain, copy, and only then queue the next step. When
# this page is built on a machine with a GPU, its row in the table shows what
# that costs there.
# ``torch.cuda.set_sync_debug_mode("warn")`` reports every such hidden
# synchronisation, which is how you find the ones you did not mean to write.
#
# Two more habits follow from the same idea. When you time GPU code,
# synchronise before reading the clock (``best_times`` above does). And when
# you do need a number during training, say to print progress, read it every
# few hundred steps, not every step.

# %%
# Full-batch gradient descent: one pass over the data
# ---------------------------------------------------
# :func:`~sgd_tutorial.sgd` reads its batch at every update, as the lesson's
# loop does. Full-batch :func:`~sgd_tutorial.gradient_descent` takes one
# shortcut. Its gradient at :math:`p`,
#
# .. math::
#
#    \nabla L(p) = \tfrac{2}{n}\left(X^\top X\, p - X^\top y\right),
#
# needs the data only through :math:`X^\top X` (:math:`k \times k`) and
# :math:`X^\top y` (:math:`k` numbers), which are the same at every step. So
# it computes them once, in one pass over the data, and each step then costs
# :math:`O(k^2)` operations, whatever :math:`n`. If that is so, timing the
# function with 0 steps gives the one-off pass alone, and more steps add a cost
# per step that does not grow with :math:`n`. Here are both, at the smallest
# and the largest :math:`n` of the table above:

few, many = 0, 4000
per_step = {}
print(f"gradient_descent on {device}; times in ms")
print(
    f"{'n':>9} {f'{few} steps':>10} {f'{many} steps':>11} {'us per step':>12}"
)
for size in (sizes[0], sizes[-1]):
    sample = make_linear_data(size, seed=0, device=device)
    run = partial(gradient_descent, sample.x, sample.y)
    once, more = best_times(
        partial(run, steps=few), partial(run, steps=many), dev=device
    )
    per_step[size] = (more - once) / (many - few)
    print(
        f"{size:9,d} {1e3 * once:10.2f} {1e3 * more:11.2f} {1e6 * per_step[size]:12.2f}"
    )
grew = sizes[-1] // sizes[0]
change = per_step[sizes[-1]] / per_step[sizes[0]]
if change < 10:
    verdict = "far less than n: the steps do not read the data"
else:
    verdict = (
        "by a large factor: on this run something else slowed the larger case"
    )
print(f"n grew {grew:,}x; the time per step changed {change:.2f}x, {verdict}")

# %%
# The time with 0 steps is the pass over the data, and it grows with
# :math:`n`; the time per step is the difference divided by the number of
# steps. The last line compares how the two :math:`n` differ with how the time
# per step differs, on this run.
#
# Exact losses without rereading the data
# ---------------------------------------
# The loss the fit records at every step could also be written with those two
# sums, :math:`L(p) = (p^\top X^\top X p - 2 p^\top X^\top y + y^\top y)/n`. That
# form subtracts large numbers to get a small one, and loses every digit when
# the targets are large compared with the residuals. The package writes the
# same quadratic around the least-squares answer :math:`p^\ast` instead:
# :math:`L(p) = L(p^\ast) + \tfrac12 (p - p^\ast)^\top H (p - p^\ast)`, plus the
# (rounding-size) gradient at :math:`p^\ast`, with :math:`H = \tfrac{2}{n}X^\top X`
# and :math:`L(p^\ast)` measured from the residuals in the one pass. Every term is
# small, so nothing cancels. To see it, add :math:`10^8` to every target (in
# float64), start near the answer, and compare the recorded losses with the MSE
# computed from the residuals, and with the expanded form:

offset = 1e8
shifted = make_linear_data(1_000, seed=0, dtype=torch.float64)
x64, y64 = shifted.x, shifted.y + offset
star = least_squares(x64, y64)
near = star + torch.tensor([0.5, -0.5], dtype=torch.float64)
fit = gradient_descent(x64, y64, near, lr=0.5, steps=20)
gram, xty, yty = x64.T @ x64, x64.T @ y64, y64 @ y64
print(f"targets + {offset:g}, n = {shifted.n:,}, float64")
print(
    f"{'step':>4} {'recorded':>12} {'from residuals':>15} {'expanded form':>14}"
)
for t in (0, 1, 5, fit.steps - 1):
    q = fit.params[t]
    residual = float(mse(x64 @ q, y64))
    expanded = float((q @ gram @ q - 2 * q @ xty + yty) / shifted.n)
    print(
        f"{t:4d} {float(fit.losses[t]):12.6f} {residual:15.6f} {expanded:14.6g}"
    )
truth = torch.stack([mse(x64 @ q, y64) for q in fit.params[:-1]])
gap = float(((fit.losses - truth).abs() / truth).max())
print(
    f"largest relative difference, recorded vs from residuals, over {fit.steps} steps: {gap:.1e}"
)

# %%
# The recorded column matches the losses computed from the residuals (the last
# line gives the largest relative difference over all steps), while the
# expanded form, built from the very same sums, is off by the amounts printed.
#
# Exercises
# ---------
#
# **Exercise 1.** Predict how many updates one epoch of :math:`n = 250{,}000`
# samples takes at batch size 1024, and how many rows its last batch has; then
# with ``drop_last=True``. Then run :func:`~sgd_tutorial.sgd` for one epoch and
# read ``fit.steps``.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 1</summary>

# %%
quarter = make_linear_data(250_000, seed=0)
full_batches, last_rows = divmod(quarter.n, batch_size)
print(f"predicted: {full_batches} full batches and one of {last_rows} rows")
for drop in (False, True):
    fit = sgd(
        quarter.x,
        quarter.y,
        epochs=1,
        batch_size=batch_size,
        drop_last=drop,
        seed=0,
    )
    print(f"drop_last={drop}: {fit.steps} updates")

# %%
# .. raw:: html
#
#    </details>
#
# **Exercise 2.** From the two timings of ``gradient_descent`` at the largest
# :math:`n` above, predict how long 4 times as many steps take (one-off pass
# plus steps times the cost per step). Then time it.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 2</summary>

# %%
largest = make_linear_data(sizes[-1], seed=0, device=device)
(one_off,) = best_times(
    partial(gradient_descent, largest.x, largest.y, steps=0), dev=device
)
predicted = one_off + 4 * many * per_step[sizes[-1]]
(measured,) = best_times(
    partial(gradient_descent, largest.x, largest.y, steps=4 * many), dev=device
)
print(
    f"{4 * many} steps at n = {largest.n:,}: predicted {1e3 * predicted:.1f} ms, "
    f"measured {1e3 * measured:.1f} ms"
)

# %%
# Both numbers come from this run's machine; how close they are says how well
# "one pass, then a fixed cost per step" describes it.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 3.** Predict which of the three columns of the exactness table
# survive an offset of :math:`10^{4}` and which survive :math:`10^{12}`. Then
# run both.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 3</summary>

# %%
for offset in (1e4, 1e12):
    y_off = shifted.y + offset
    start = least_squares(x64, y_off) + torch.tensor(
        [0.5, -0.5], dtype=torch.float64
    )
    fit = gradient_descent(x64, y_off, start, lr=0.5, steps=5)
    q = fit.params[0]
    residual = float(mse(x64 @ q, y_off))
    gram, xty, yty = x64.T @ x64, x64.T @ y_off, y_off @ y_off
    expanded = float((q @ gram @ q - 2 * q @ xty + yty) / shifted.n)
    print(
        f"offset {offset:g}: recorded {float(fit.losses[0]):.6f}, "
        f"from residuals {residual:.6f}, expanded {expanded:.6g}"
    )

# %%
# The expanded form's error grows with the square of the offset (its terms are
# of the order of :math:`y^\top y / n`), while the recorded loss follows the
# residuals.
#
# .. raw:: html
#
#    </details>

torch.set_num_threads(threads)  # back to the default for whatever runs next

# sphinx_gallery_thumbnail_number = 1
