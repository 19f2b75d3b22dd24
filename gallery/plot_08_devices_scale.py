r"""
Devices and scale
=================

To run this page yourself, install the package first: see :doc:`/installation`.

The lesson's data set is tiny, and any loop fits it in the blink of an eye.
Real problems have millions of samples and often a GPU to run on. This
tutorial looks at the same :term:`SGD` fit from that side:

* which :term:`device` a :term:`tensor` lives on, and how the package picks one;
* how to time code that may run on a GPU, and the same fit on the CPU and,
  when the machine has one, on a GPU;
* how the time of one :term:`epoch` grows with the number of samples, for our
  engine and for the lesson's :term:`autograd` loop;
* why a training loop should not call ``.item()`` at every step;
* the one shortcut full-batch :func:`~sgd_tutorial.gradient_descent` takes, and
  why its recorded losses are still exact.

The timings are measured when this page is built, on whatever machine builds
it, and that machine may be busy with other work: they are examples of the
method, not benchmarks to quote. The checks on this page only assert what
holds with a wide margin. The :doc:`/performance` page gives the project's
benchmarks (``nox -s bench``), measured with care at full size.
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
devices_here = available_devices()
print(f"available devices: {', '.join(str(d) for d in devices_here)}")
print(f"resolve_device('auto') -> {device}")
if device.type == "cpu":
    print("no GPU found: every timing below is on the CPU")
preference = ["cpu", "mps", "cuda"]
assert devices_here[0] == torch.device("cpu"), "the CPU should come first"
assert preference.index(device.type) == max(
    preference.index(d.type) for d in devices_here
), f"'auto' picked {device}, not the most preferred of {devices_here}"

# %%
# Asking for a device the machine does not have is an error that says what
# there is, rather than a failure deep inside the first operation.

for name in ("cpu", "cuda", "mps"):
    try:
        print(f"resolve_device({name!r}) -> {resolve_device(name)}")
    except ValueError as error:
        message = str(error)
        print(f"resolve_device({name!r}) -> ValueError:")
        print(f"  {message}")
        assert "available devices: cpu" in message, "it should list them"

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
#
# On the CPU there is a second trap: a machine busy with other work makes the
# process wait for a core now and then, and the wall clock counts that wait.
# ``time.process_time()`` counts only the time the process itself computed, so
# on the CPU ``best_times`` reads that clock instead (with several threads it
# adds up theirs, so the timings below use one thread, see next).


def synchronize(dev):
    """Wait until everything queued on ``dev`` has run."""
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    elif dev.type == "mps":
        torch.mps.synchronize()


def best_times(*fns, dev, budget=0.5, max_repeats=5, clock=None):
    """Fastest run of each of ``fns``, in seconds, taking turns.

    Repeats while the runs took less than ``budget`` seconds in all. The clock
    is the process's CPU time on the CPU, the wall clock on a GPU.
    """
    if clock is None:
        clock = time.process_time if dev.type == "cpu" else time.perf_counter
    times = [[] for _ in fns]
    while len(times[0]) < max_repeats and sum(map(sum, times)) < budget:
        for fn, record in zip(fns, times, strict=True):
            synchronize(dev)
            start = clock()
            fn()
            synchronize(dev)
            record.append(clock() - start)
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
# mostly too small to split. Here is one epoch both ways, on the wall clock:
# how long you wait is what threads change.

threads = torch.get_num_threads()
probe = make_linear_data(300_000, seed=0)


def epoch_with_threads(count):
    """One SGD epoch on ``probe`` using ``count`` CPU threads."""
    torch.set_num_threads(count)
    sgd(probe.x, probe.y, epochs=1, batch_size=1024)


default, single = best_times(
    partial(epoch_with_threads, threads),
    partial(epoch_with_threads, 1),
    dev=probe.x.device,
    clock=time.perf_counter,
)
print(f"n = {probe.n:,}, batch size 1024, one epoch on the CPU, wall clock")
print(f"default, {threads} thread(s): {1e3 * default:8.2f} ms")
print(f"one thread:{'':>12} {1e3 * single:8.2f} ms")
torch.set_num_threads(1)

# %%
# The two numbers depend on how many cores the machine has and on how busy it
# was while this page was built: on your own machine, try both. The timings
# below are meant to show how the algorithms behave rather than how busy the
# build machine was, so they use one thread, as the project's benchmarks do,
# and the CPU time of this process; the last cell of the page gives PyTorch
# back its default.
#
# The same fit on every device
# ----------------------------
# :func:`~sgd_tutorial.make_linear_data` draws the data on the CPU and then
# moves it, so a seed gives the same numbers on every device, and
# :func:`~sgd_tutorial.sgd` draws its batch order on the CPU for the same
# reason. Passing ``device=`` moves the data there for the fit; the result,
# a :class:`~sgd_tutorial.Fit`, always comes back on the CPU. (The timings
# follow in the next section.)

n, batch_size = 100_000, 1024
data = make_linear_data(n, seed=0)
exact = least_squares(data.x, data.y)
print(f"n = {n:,}, batch size {batch_size}, one epoch")
print(f"least squares: slope {exact[0]:.4f}, intercept {exact[1]:.4f}")

devices = [torch.device("cpu")] + ([device] if device.type != "cpu" else [])
fits = {}
for dev in devices:
    fits[dev] = sgd(
        data.x, data.y, epochs=1, batch_size=batch_size, seed=0, device=dev
    )
    slope, intercept = fits[dev].coef.tolist()
    print(f"{dev!s:>8}: slope {slope:.4f}, intercept {intercept:.4f}")
    assert fits[dev].params.device.type == "cpu", "a Fit comes back on the CPU"
first, *others = fits.values()
for fit in others:
    gap = float((fit.params - first.params).abs().max())
    print(f"largest difference between the devices' trajectories: {gap:.2e}")
    assert gap < 1e-4, f"the devices' runs differ by {gap:.1e}, beyond rounding"
if not others:
    print("only the CPU here: on a machine with a GPU, this cell compares both")

# %%
# With the same seed every device sees the same data and the same batches, so
# on a machine with a GPU the two trajectories differ only by rounding, and the
# cell prints by how much.
#
# How the time of an epoch grows with n
# -------------------------------------
# With the :term:`batch size` fixed, an epoch of :math:`n` samples takes
# :math:`\lceil n/b \rceil` updates and reads every sample once, so once the
# data is large its time should grow in proportion to :math:`n`: a line of
# slope one on a log-log plot. For small :math:`n` a fixed cost per call
# (checking the arguments, setting up) matters more. The sizes stop at a
# million so that the page builds quickly; the benchmarks go further.
#
# The timings run on this page's device (the GPU, when there is one); the
# data is made there beforehand, so that no copy is counted. For comparison,
# here is the lesson's way written out: a :term:`gradient` from
# autograd for each batch, then the update under ``torch.no_grad()``. It takes
# the batches from a shuffle, as our engine does, so both do the same work:
# every sample once per epoch. It keeps each loss as a tensor; more on that
# below.


def lesson_epoch(x, y, lr=0.1, batch_size=1024, item=False):
    """One epoch of the lesson's loop; return the parameters and losses."""
    a = torch.nn.Parameter(torch.tensor([-1.0, 1.0], device=x.device))
    generator = torch.Generator().manual_seed(0)
    order = torch.randperm(len(x), generator=generator).to(x.device)
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


sizes = [1_000, 10_000, 100_000, 1_000_000]
compared = [n, sizes[-1]]  # the lesson loop is timed at these two
ours, theirs = {}, {}
print(f"device: {device}, batch size {batch_size}, one epoch")
header = f"{'n':>9} {'updates':>8} {'ours ms':>9} {'us/update':>10}"
print(f"{header} {'lesson ms':>10} {'ratio':>6}")
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
    per_update = 1e6 * ours[size] / updates
    row = f"{size:9,d} {updates:8d} {1e3 * ours[size]:9.2f} {per_update:10.1f}"
    if size in compared:
        row += f" {1e3 * theirs[size]:10.2f} {theirs[size] / ours[size]:6.1f}"
    print(row)
big, bigger = compared
growth = math.log(ours[bigger] / ours[big]) / math.log(bigger / big)
print(
    f"log-log slope of our times from n = {big:,} to {bigger:,}: {growth:.2f}"
)

fig, ax = plt.subplots(figsize=(6.4, 4.2))
ax.loglog(sizes, [1e3 * ours[s] for s in sizes], "o-", label="sgd_tutorial.sgd")
ax.loglog(
    compared,
    [1e3 * theirs[s] for s in compared],
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
# Read the ``us/update`` column from the top. The smallest epoch is a single
# update, so the fixed cost of a call (checking the arguments, setting up the
# history) is all of its time, and the cost per update is high; from
# :math:`n = 100{,}000` on, that cost is shared by about a hundred updates or
# more, and an update costs less than half as much (the line under the table
# compares them). The largest epoch, a thousand times the data, took more than
# ten times as long as the smallest. For the large sizes, the log-log slope
# printed under the table says how fast the time grew on this run: 1 would be
# exactly in proportion to :math:`n`. It depends on the machine and on how
# busy it was. Below 1, fixed costs still matter at these sizes; above 1, the
# cost per sample rose with :math:`n`, which happens when the machine was busy,
# and can also happen because a shuffled batch gathers rows from all over the
# data, and once the data is larger than the processor's caches each row is a
# trip to main memory.
#
# The ratio column divides the lesson's time by ours, for the same epoch: the
# lesson's loop was more than twice as slow at both sizes. Its cost per update
# is a chain of small operations, each dispatched from Python: indexing, a
# product, the loss, a backward pass through the graph autograd recorded, and
# the update. Our engine runs the same update without building a graph.

smallest, largest = sizes[0], sizes[-1]
per_update = ours[big] / -(-big // batch_size)  # at n = 100,000
print(
    f"cost of the one update at n = {smallest:,}: "
    f"{ours[smallest] / per_update:.1f} x an update at n = {big:,}"
)
assert ours[smallest] > 2 * per_update, (
    "the one-update epoch should cost over twice an update of a large one"
)
assert ours[largest] > 10 * ours[smallest], (
    f"a thousand times the data took only {ours[largest] / ours[smallest]:.1f}x"
)
for size in compared:
    assert theirs[size] > 2 * ours[size], (
        f"n = {size:,}: the lesson's loop took {theirs[size] / ours[size]:.1f}x"
    )

# %%
# Why not call ``.item()`` at every step?
# ---------------------------------------
# The lesson's loop prints or stores ``loss.item()`` at every step. ``.item()``
# turns a tensor into a Python number, and that number has to be on the CPU.
# On a GPU, that means the CPU stops, waits for the GPU to finish everything
# queued so far, and copies the value back: a :term:`host-device
# synchronisation`. While it waits, no new work is queued, so after the copy
# the GPU sits idle until Python has prepared the next step. Doing this at every
# step takes away the overlap that makes a GPU fast. Keeping the loss as a
# tensor (``loss.detach()``) and turning the whole history into numbers once,
# at the end, avoids it; our engine goes further and keeps the whole trajectory
# on the device until the fit is done.
#
# On the CPU there is no queue: every operation has finished when it returns,
# so ``.item()`` only converts a number. The cell below times ``.item()`` on its
# own (many calls on a scalar that is already computed), and compares the
# epoch's calls, one per update, with the lesson's epoch at
# :math:`n = 100{,}000` (timed in the table above). On a GPU it also times the
# loop both ways, since there the calls are round trips.


def read_items(scalar, count=10_000):
    """Call ``.item()`` ``count`` times on an already computed scalar."""
    for _ in range(count):
        scalar.item()


updates = -(-n // batch_size)
print(f"lesson's loop, n = {n:,}, batch size {batch_size}: {updates} updates")
for dev in devices:
    x, y = data.x.to(dev), data.y.to(dev)
    (reads,) = best_times(
        partial(read_items, torch.ones((), device=dev)), dev=dev, budget=0.2
    )
    one_item = reads / 10_000
    if dev == device:  # timed in the table above
        epoch = theirs[n]
    else:
        (epoch,) = best_times(partial(lesson_epoch, x, y), dev=dev)
    share = updates * one_item / epoch
    print(
        f"{dev!s:>8}: one .item() {1e6 * one_item:.2f} us, epoch "
        f"{1e3 * epoch:.1f} ms; {updates} calls would be {share:.2%} of it"
    )
    if dev.type == "cpu":
        assert share < 0.05, f"on the CPU, .item() calls took {share:.1%}"
    else:
        kept, synced = best_times(
            partial(lesson_epoch, x, y),
            partial(lesson_epoch, x, y, item=True),
            dev=dev,
        )
        print(
            f"{'':>8}  per update: losses kept {1e6 * kept / updates:.1f} us, "
            f"with .item() {1e6 * synced / updates:.1f} us"
        )

# %%
# On the CPU the ``.item()`` calls are a small fraction of the epoch (less than
# 5 %), because there is no queue to wait for: each call only converts a number
# that is already there. On a GPU each ``.item()`` in the loop is a full round
# trip: wait for the queue to drain, copy, and only then queue the next step.
# When this page is built on a machine with a GPU, its lines show what that
# costs there. ``torch.cuda.set_sync_debug_mode("warn")`` reports every such
# hidden synchronisation, which is how you find the ones you did not mean to
# write.
#
# Two more habits follow from the same idea. When you time GPU code,
# synchronise before reading the clock (``best_times`` above does). And when
# you do need a number during training, say to print progress, read it every
# few hundred steps, not every step.
#
# Full-batch gradient descent: the data read twice, then never again
# -------------------------------------------------------------------
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
# it computes what it needs before the first step, in two passes over the data
# (the second measures the loss at the least-squares point, below), and each
# step then costs :math:`O(k^2)` operations, whatever :math:`n`. Timing it with
# 0 steps gives the passes alone. If each step read the data instead, a
# thousand steps would take about a thousand times as long as one pass; the
# cell measures how long the whole call takes, passes and steps together.

many = 1000
sample = make_linear_data(sizes[-1], seed=0, device=device)
run = partial(gradient_descent, sample.x, sample.y)
passes, with_steps = best_times(
    partial(run, steps=0), partial(run, steps=many), dev=device
)
one_pass = passes / 2
share = with_steps / (many * one_pass)
print(f"gradient_descent on {device}, n = {sample.n:,}")
print(f"{'steps=0 (the two passes):':<26}{1e3 * passes:8.1f} ms")
print(f"{f'steps={many}:':<26}{1e3 * with_steps:8.1f} ms")
print(f"{many} passes over the data: about {many * one_pass:.1f} s")
print(f"the call with {many} steps took {share:.2%} of that")
assert share < 0.1, f"{many} steps took {with_steps:.2f} s, as if reading data"

# %%
# The whole call took less than a tenth of what reading the data at every step
# would have cost (the share is printed): the steps do not read it. The time of
# the passes grows with :math:`n`, the time of a step does not.
#
# Exact losses without rereading the data
# ---------------------------------------
# The loss the fit records at every step could also be written with those two
# sums, :math:`L(p) = (p^\top X^\top X p - 2 p^\top X^\top y + y^\top y)/n`.
# That form subtracts large numbers to get a small one, and loses every digit
# when the targets are large compared with the residuals. The package writes
# the same quadratic around the least-squares answer :math:`p^\ast` instead:
# :math:`L(p) = L(p^\ast) + \tfrac12 (p - p^\ast)^\top H (p - p^\ast)`, plus
# the (rounding-size) gradient at :math:`p^\ast`, with
# :math:`H = \tfrac{2}{n}X^\top X` and :math:`L(p^\ast)` measured from the
# residuals in the second pass. Every term is small, so nothing cancels. To see
# it, add :math:`10^8` to every target (in float64), start near the answer, and
# compare the recorded losses with the MSE computed from the residuals, and
# with the expanded form:

offset = 1e8
shifted = make_linear_data(1_000, seed=0, dtype=torch.float64)
x64, y64 = shifted.x, shifted.y + offset
star = least_squares(x64, y64)
near = star + torch.tensor([0.5, -0.5], dtype=torch.float64)
fit = gradient_descent(x64, y64, near, lr=0.5, steps=20)
gram, xty, yty = x64.T @ x64, x64.T @ y64, y64 @ y64
print(f"targets + {offset:g}, n = {shifted.n:,}, float64")
print(f"{'step':>4} {'recorded':>12} {'from residuals':>15} {'expanded':>12}")
worst_expanded = 0.0
for t in range(fit.steps):
    q = fit.params[t].double()
    residual = float(mse(x64 @ q, y64))
    expanded = float((q @ gram @ q - 2 * q @ xty + yty) / shifted.n)
    worst_expanded = max(worst_expanded, abs(expanded / residual - 1))
    if t in (0, 1, 5, fit.steps - 1):
        recorded = float(fit.losses[t])
        print(f"{t:4d} {recorded:12.6f} {residual:15.6f} {expanded:12.6g}")
truth = torch.stack([mse(x64 @ q.double(), y64) for q in fit.params[:-1]])
gap = float(((fit.losses.double() - truth).abs() / truth).max())
print(f"largest relative difference over {fit.steps} steps:")
print(f"  recorded vs from residuals: {gap:.1e}")
print(f"  expanded vs from residuals: {worst_expanded:.1e}")
assert gap < 1e-6, f"the recorded losses are {gap:.1e} off the residuals'"
assert worst_expanded > 0.1, "the expanded form should lose its digits here"

# %%
# The recorded column matches the losses computed from the residuals to within
# the rounding of the residuals themselves (the last lines give the largest
# relative differences over all steps), while the expanded form, built from
# the very same sums, is off by more than 10 %.
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
    expected = full_batches + (0 if drop else last_rows > 0)
    assert fit.steps == expected, f"expected {expected} updates"

# %%
# .. raw:: html
#
#    </details>
#
# **Exercise 2.** The gradient needs the data only through :math:`X^\top X` and
# :math:`X^\top y`. Compute the two for the million samples above, run 100
# steps of :math:`p \leftarrow p - \eta \tfrac{2}{n}(X^\top X p - X^\top y)` by
# hand from :math:`(-1, 1)` with :math:`\eta = 0.1`, and predict how far you end
# from ``gradient_descent(steps=100)``. Then run it.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 2</summary>

# %%
x64, y64 = sample.x.double(), sample.y.double()
gram, xty = x64.T @ x64, x64.T @ y64  # the only pass over the data
p = torch.tensor([-1.0, 1.0], dtype=torch.float64, device=gram.device)
for _ in range(100):
    p = p - 0.1 * 2 / sample.n * (gram @ p - xty)
packaged = gradient_descent(sample.x, sample.y, steps=100).coef.double()
gap = float((p.cpu() - packaged).abs().max())
print(f"by hand: {p.cpu().numpy().round(6)}")
print(f"gradient_descent: {packaged.numpy().round(6)}")
print(f"largest difference: {gap:.1e}")
assert gap < 1e-5, f"by hand and gradient_descent differ by {gap:.1e}"

# %%
# The two agree to rounding: the million rows entered the loop only through a
# 2 × 2 matrix and a vector of two numbers.
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
errors = {}
for offset in (1e4, 1e12):
    y_off = shifted.y + offset
    x64 = shifted.x
    start = least_squares(x64, y_off) + torch.tensor(
        [0.5, -0.5], dtype=torch.float64
    )
    fit = gradient_descent(x64, y_off, start, lr=0.5, steps=5)
    q = fit.params[0].double()
    residual = float(mse(x64 @ q, y_off))
    gram, xty, yty = x64.T @ x64, x64.T @ y_off, y_off @ y_off
    expanded = float((q @ gram @ q - 2 * q @ xty + yty) / shifted.n)
    recorded = float(fit.losses[0])
    print(
        f"offset {offset:g}: recorded {recorded:.6f}, "
        f"from residuals {residual:.6f}, expanded {expanded:.6g}"
    )
    errors[offset] = (
        abs(recorded / residual - 1),
        abs(expanded / residual - 1),
    )
assert max(errors[1e4]) < 1e-5, "at 1e4 all three should agree"
assert errors[1e12][0] < 1e-3, "at 1e12 the recorded loss should still follow"
assert errors[1e12][1] > 1, "at 1e12 the expanded form should be far off"

# %%
# The expanded form's error grows with the square of the offset (its terms are
# of the order of :math:`y^\top y / n`): at :math:`10^4` all three agree, at
# :math:`10^{12}` the expanded form is off by orders of magnitude, while the
# recorded loss still follows the residuals.
#
# .. raw:: html
#
#    </details>

torch.set_num_threads(threads)  # back to the default for whatever runs next

# sphinx_gallery_thumbnail_number = 1
# sphinx_gallery_parallel = False
