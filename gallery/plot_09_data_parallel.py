r"""
Beyond one machine: data-parallel SGD
=====================================

To run this page yourself, install the package first: see :doc:`/installation`.

Every fit so far ran in one process. When the data, or the work per :term:`minibatch`, outgrows
one machine, :term:`SGD` is run :term:`data-parallel`: several workers each hold a copy of the
:term:`parameters`, each takes its own slice of every batch, and before each :term:`update`
they average their :term:`gradients <gradient>` so that all of them take the same step.
PyTorch ships the machinery for this in :mod:`torch.distributed`: process groups, collective
operations such as the :term:`all-reduce`, the gloo backend for CPUs and NCCL for GPUs, and
the ``torchrun`` launcher.

This tutorial covers:

* why averaging the workers' gradients gives exactly the gradient of the big batch;
* what one data-parallel step does, written out with ``all_reduce``;
* a two-process run, executed while this page was built, that trains the same model three
  ways (by hand, with PyTorch's ``DistributedDataParallel``, and with
  :func:`~sgd_tutorial.sgd_distributed`) and prints how far apart they end up.
"""

# %%
# Averaging gradients is a bigger batch
# -------------------------------------
# Take one batch of :math:`b` rows and cut it into two slices, one per worker. The loss of
# the batch is a mean over its rows, so its gradient is a mean of per-row gradients, and a mean
# over all rows is the average of the means over two equal halves:
#
# .. math::
#
#     \nabla L_B = \frac{1}{b} \sum_{i \in B} \nabla \ell_i
#     = \frac{1}{2} \left( \nabla L_{B_1} + \nabla L_{B_2} \right)
#     \quad \text{when } |B_1| = |B_2| = b / 2.
#
# Two workers that each compute the gradient on :math:`b / 2` rows and average the results
# therefore take the step of one worker on the whole batch, up to rounding. The
# :term:`learning rate` and the :term:`batch size` mean what they meant before; the *global*
# batch is what counts. Let us check it with :term:`autograd` on one batch.

import inspect
import os
import shlex
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from sgd_tutorial import (
    data_parallel_demo,
    iter_sgd,
    make_linear_data,
    mse,
    resolve_device,
    sgd,
)

# This check runs on your best device; the two-process run below uses gloo on the CPU.
device = resolve_device("auto")
data = make_linear_data(100, coef=(3.0, 2.0), seed=0, device=device)
xb, yb = data.x[:10], data.y[:10]  # one batch of 10 rows
p = torch.tensor([-1.0, 1.0], requires_grad=True, device=device)


def gradient(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The gradient of the batch's mean squared error at ``p``."""
    (grad,) = torch.autograd.grad(mse(x @ p, y), p)
    return grad


half = len(xb) // 2
whole = gradient(xb, yb)
halves = [gradient(xb[:half], yb[:half]), gradient(xb[half:], yb[half:])]
average = (halves[0] + halves[1]) / 2
print(
    f"gradient of the whole batch ({len(xb)} rows): {whole.cpu().numpy().round(5)}"
)
print(
    f"gradient of the first {half} rows:         {halves[0].cpu().numpy().round(5)}"
)
print(
    f"gradient of the last {len(xb) - half} rows:          {halves[1].cpu().numpy().round(5)}"
)
print(f"average of the two:                  {average.cpu().numpy().round(5)}")
print(
    f"largest difference from the whole:  {float((average - whole).abs().max()):.1e}"
)

# %%
# The workers must agree on more than the gradient: they must all see the same batches. Each
# one draws the same random permutation of the samples every :term:`epoch` from the same seed,
# and takes its contiguous slice of every global batch. Only the gradients then need to
# travel between them.
#
# One data-parallel step
# ----------------------
# The operation that combines the workers' numbers is an *all-reduce*: every worker (every
# :term:`rank`) contributes a tensor, and every rank receives the sum. A data-parallel step is
# the lesson's step with one line added: compute the gradient of the loss on this rank's
# slice, ``all_reduce`` it, divide by the number of ranks, and update. Here is that loop as the
# package's module :mod:`sgd_tutorial.data_parallel_demo` writes it (printed from the
# installed module, so it is the code that runs below):

source = inspect.getsource(data_parallel_demo).splitlines()
first = next(
    i for i, line in enumerate(source) if "1. the lesson's loop" in line
)
last = next(i for i, line in enumerate(source) if "2. DDP" in line)
print("\n".join(line[4:] for line in source[first : last - 1]))

# %%
# The rest of the module trains the same model twice more, on the same batches:
#
# * with ``torch.nn.parallel.DistributedDataParallel`` (DDP), PyTorch's wrapper for this job,
#   around an ``nn.Linear(2, 1, bias=False)`` whose weight plays our parameter vector (the ones
#   column of ``x`` stands in for the bias); DDP all-reduces and averages the gradients inside
#   ``backward()``, so the loop itself is the single-process one with ``torch.optim.SGD``;
# * with :func:`~sgd_tutorial.sgd_distributed`, the package's data-parallel SGD.
#
# Rank 0 then prints the first step's gradients, every rank's result, and the largest
# difference between the package's trajectory and each of the others (and single-process
# :func:`~sgd_tutorial.sgd` with the same global batch and seed).
#
# The command
# -----------
# Every worker runs the same program. ``torchrun`` starts the processes and tells each one its
# rank and the address of the others; the program joins the process group with
# ``torch.distributed.init_process_group("gloo")``. Two processes on this machine, with gloo on
# the CPU:
#
# .. code-block:: console
#
#     torchrun --nproc-per-node 2 -m sgd_tutorial.data_parallel_demo
#
# On several machines, run it on each with ``--nnodes``, ``--node-rank`` and
# ``--master-addr`` pointing at the first one.
#
# A two-process run
# -----------------
# Here the same command runs while the page is built, on the loopback address 127.0.0.1 and a
# free port. ``python -m torch.distributed.run`` is what the ``torchrun`` command runs; calling
# it through ``sys.executable`` uses the Python that runs this page.


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


settings = {
    "samples": 10_000,
    "batch_size": 64,
    "epochs": 5,
    "lr": 0.05,
    "seed": 0,
}
options = [
    f"--{key.replace('_', '-')}={value}" for key, value in settings.items()
]
launcher = [
    "--nproc-per-node",
    "2",
    "--master-addr",
    "127.0.0.1",
    "--master-port",
]
with tempfile.TemporaryDirectory() as folder:
    saved = Path(folder) / "fit.pt"
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        *launcher,
        str(free_port()),
    ]
    command += [
        "-m",
        "sgd_tutorial.data_parallel_demo",
        *options,
        f"--save={saved}",
    ]
    # One thread per process: two workers share this machine's cores.
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        msg = (
            f"the two-process run failed:\n{done.stdout}\n{done.stderr[-3000:]}"
        )
        raise RuntimeError(msg)
    result = torch.load(
        saved, weights_only=True
    )  # rank 0's trajectory, for the plot below
print("$", shlex.join(["torchrun", *command[3:-1], "--save=fit.pt"]))
print(done.stdout)

# %%
# Read the output from the top. At the first step each rank has the gradient of its own
# rows only, and after the all-reduce every rank holds their average, the gradient of the
# whole batch. Every rank ends with the coefficients printed for it, and the last lines give
# the largest difference between the package's trajectory and each of the others over all
# updates. The written-out loop and DDP compute in float32 with one rounding per operation,
# while the package accumulates in float64, so rounding is the difference to expect; for
# scale, the spacing of float32 numbers near the coefficients is printed below.
#
# Below, the package's two-process trajectory (saved by rank 0) is drawn over single-process
# :func:`~sgd_tutorial.sgd` run here with the same global batch and seed:

data = make_linear_data(settings["samples"], seed=settings["seed"])
single = sgd(
    data.x,
    data.y,
    lr=settings["lr"],
    epochs=settings["epochs"],
    batch_size=settings["batch_size"],
    seed=settings["seed"],
    drop_last=True,
)
gap = float((result["params"] - single.params).abs().max())
print(
    f"workers: {result['world']}, updates: {single.steps}, largest difference: {gap:.2e}"
)
top = single.params.abs().max()
spacing = float(torch.nextafter(top, 2 * top) - top)
print(f"spacing of float32 numbers near {float(top):.3g}: {spacing:.2e}")

steps = torch.arange(single.steps + 1)
fig, (ax_loss, ax_coef) = plt.subplots(
    1, 2, figsize=(10, 3.8), layout="constrained"
)
ax_loss.plot(single.losses, color="0.6", lw=2.5, label="one process")
ax_loss.plot(
    result["losses"], color="C1", lw=0.8, label=f"{result['world']} processes"
)
ax_loss.set(
    yscale="log",
    xlabel="update",
    ylabel="batch loss (MSE)",
    title="Loss per update",
)
ax_loss.legend()
for j, name in enumerate(["slope", "intercept"]):
    ax_coef.plot(steps, single.params[:, j], color="0.6", lw=2.5)
    ax_coef.plot(
        steps, result["params"][:, j], color=f"C{j}", lw=0.8, label=name
    )
ax_coef.set(
    xlabel="update", ylabel="value", title="Coefficients (grey: one process)"
)
ax_coef.legend()
plt.show()

# %%
# What changes at scale
# ---------------------
# * **Who holds the data.** Here every rank holds all of it and reads only its slices; a
#   larger job gives each rank its own shard on disk, and
#   ``torch.utils.data.distributed.DistributedSampler`` plays the part of the shared
#   permutation.
# * **The cost is communication.** Each worker computes on a fraction of the batch, but every
#   update waits for an all-reduce, which costs latency and bandwidth. DDP overlaps it with the
#   backward pass of large models by reducing the gradients in buckets as they are ready.
# * **Same batch, same answer.** Adding workers while keeping the global batch fixed changes
#   nothing in the result, only who does the work. Adding workers while keeping the batch
#   *per worker* fixed makes the global batch bigger, which changes the noise of SGD and,
#   usually, the learning rate that works best.
#
# Exercises
# ---------
# These run in one process: a loop over the slices stands in for the ranks, and a sum over
# them for the all-reduce.
#
# **Exercise 1.** Cut the batch of 10 rows above unevenly, 3 rows and 7. Predict whether the
# plain average of the two slices' gradients still equals the whole batch's gradient, and
# what weights would make it equal. Then run it.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 1</summary>

# %%
cut = 3  # rows in the first slice
short, long_ = gradient(xb[:cut], yb[:cut]), gradient(xb[cut:], yb[cut:])
plain = (short + long_) / 2
weighted = (cut * short + (len(xb) - cut) * long_) / len(xb)
print(f"whole batch:        {whole.cpu().numpy().round(5)}")
print(f"plain average:      {plain.cpu().numpy().round(5)}")
print(f"weighted by rows:   {weighted.cpu().numpy().round(5)}")
print(f"largest difference, plain:    {float((plain - whole).abs().max()):.2e}")
print(
    f"largest difference, weighted: {float((weighted - whole).abs().max()):.2e}"
)

# %%
# Each slice's gradient is a mean over its own rows, so the slices must be weighted by their
# numbers of rows. That is why the global batch is split evenly (and why the run above drops
# the last, short batch of each epoch: DDP averages with equal weights).
#
# .. raw:: html
#
#    </details>
#
# **Exercise 2.** Simulate :math:`W` workers in one process: for every batch of
# :func:`~sgd_tutorial.iter_sgd`, split it into :math:`W` equal slices, average their
# gradients and step. Predict how the largest difference from
# :func:`~sgd_tutorial.iter_sgd`'s own trajectory changes from :math:`W = 1` to
# :math:`W = 8`, with the global batch fixed at 16. Then run it.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 2</summary>

# %%
small = make_linear_data(400, seed=1)
steps16 = list(
    iter_sgd(small.x, small.y, lr=0.1, epochs=2, batch_size=16, seed=0)
)


def simulate(world: int) -> float:
    """Largest difference between ``world`` simulated workers and ``iter_sgd``."""
    q = torch.tensor([-1.0, 1.0], requires_grad=True)
    gap = 0.0
    for step in steps16:
        grads = []
        for rows in step.indices.chunk(world):  # each worker's slice
            (g,) = torch.autograd.grad(mse(small.x[rows] @ q, small.y[rows]), q)
            grads.append(g)
        with torch.no_grad():
            q -= (
                0.1 * torch.stack(grads).sum(0) / world
            )  # the all-reduce, then the average
        gap = max(gap, float((q.detach() - step.params).abs().max()))
    return gap


for world in (1, 2, 4, 8):
    print(
        f"W = {world}: largest difference from iter_sgd over {len(steps16)} updates "
        f"{simulate(world):.2e}"
    )

# %%
# The number of workers changes only how the gradient's sum over the rows is grouped, so
# every :math:`W` gives the same trajectory up to rounding: compare the differences printed
# with the spacing of float32 numbers printed earlier.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 3.** Keep 32 rows *per worker* instead, so the global batch is :math:`32W`.
# Predict the number of updates in 5 epochs of 10,000 samples for :math:`W = 1, 2, 4`, and
# whether the final coefficients stay the same. Then run it (one process with the global
# batch gives the same trajectory, as the run above showed).
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 3</summary>

# %%
for world in (1, 2, 4):
    fit = sgd(
        data.x,
        data.y,
        lr=0.05,
        epochs=5,
        batch_size=32 * world,
        seed=0,
        drop_last=True,
    )
    print(
        f"W = {world}: global batch {32 * world:3d}, {fit.steps:4d} updates, "
        f"coef {fit.coef.numpy().round(4)}"
    )

# %%
# Doubling the workers halves the number of updates per epoch, and the coefficients change:
# a different global batch is a different run of SGD.
#
# .. raw:: html
#
#    </details>

# sphinx_gallery_thumbnail_number = 1
