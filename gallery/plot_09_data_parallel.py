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

* why averaging the workers' gradients gives the gradient of the big batch;
* what one data-parallel step does, written out with ``all_reduce``;
* a two-process run, executed while this page was built, that trains the same model three
  ways (by hand, with PyTorch's ``DistributedDataParallel``, and with
  :func:`~sgd_tutorial.sgd_distributed`) and checks how far apart they end up.
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

import os
import runpy
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

import matplotlib.pyplot as plt
import torch
from sgd_tutorial import iter_sgd, make_linear_data, mse, resolve_device, sgd

# This check runs on your best device; the two-process run below, on the CPU.
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
gap = float((average - whole).abs().max())
print(f"whole batch ({len(xb)} rows): {whole.cpu().numpy().round(5)}")
print(f"first {half} rows:          {halves[0].cpu().numpy().round(5)}")
print(
    f"last {len(xb) - half} rows:           {halves[1].cpu().numpy().round(5)}"
)
print(f"average of the two:      {average.cpu().numpy().round(5)}")
print(f"largest difference from the whole batch: {gap:.1e}")
assert gap <= 1e-6 * float(whole.abs().max()), (
    f"the average differs from the whole batch by {gap:.1e}, beyond rounding"
)

# %%
# The workers must agree on more than the gradient: they must all see the same batches. Each
# one draws the same random permutation of the samples every :term:`epoch` from the same seed,
# and takes its contiguous slice of every global batch. Only the gradients then need to
# travel between them.
#
# The program every worker runs
# -----------------------------
# Every worker (every :term:`rank`) runs the same program; ``torchrun`` starts the processes
# and tells each one its rank, the number of ranks (the *world size*) and the address of the
# first one, through environment variables. The program joins the process group with
# ``torch.distributed.init_process_group("gloo")``, which reads them. Here is the program,
# in four parts that this page joins and writes to a file. First the set-up, the same on
# every rank: the data, the batches of :func:`~sgd_tutorial.iter_sgd`, and this rank's slice
# of each batch.

SETUP = '''\
"""Data-parallel SGD three ways: by hand, with DistributedDataParallel, and
sgd_tutorial.sgd_distributed. Run: torchrun --nproc-per-node 2 this_file.py"""

import argparse
import gc

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from sgd_tutorial import iter_sgd, make_linear_data, mse, sgd, sgd_distributed

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--samples", type=int, default=2_000)
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--lr", type=float, default=0.05)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--save", help="where rank 0 saves the results")
args = parser.parse_args()
dist.init_process_group("gloo")  # reads the rank, world size and address
rank, world = dist.get_rank(), dist.get_world_size()
data = make_linear_data(args.samples, seed=args.seed)  # the same on every rank
settings = {
    "lr": args.lr,
    "epochs": args.epochs,
    "batch_size": args.batch_size,
    "seed": args.seed,
    "drop_last": True,  # so that every batch splits evenly between the ranks
}
batches = [step.indices for step in iter_sgd(data.x, data.y, **settings)]
mine = [  # this rank's rows of every batch
    batch[len(batch) * rank // world : len(batch) * (rank + 1) // world]
    for batch in batches
]
'''

# %%
# One data-parallel step
# ----------------------
# The operation that combines the ranks' numbers is an *all-reduce*: every rank contributes a
# tensor, and every rank receives the sum. A data-parallel step is the lesson's step with one
# line added: compute the gradient of the loss on this rank's slice, ``all_reduce`` it,
# divide by the number of ranks, and update. At the first step each rank also gathers every
# rank's own gradient, for the printout.

BY_HAND = """
p = torch.tensor([-1.0, 1.0], requires_grad=True)  # 1. the lesson's loop
by_hand = [p.detach().clone()]
for t, rows in enumerate(mine):
    (g,) = torch.autograd.grad(mse(data.x[rows] @ p, data.y[rows]), p)
    if t == 0:  # every rank's own gradient, gathered for the printout
        own = [torch.empty_like(g) for _ in range(world)]
        dist.all_gather(own, g)
    dist.all_reduce(g)  # the sum over the ranks...
    g /= world  # ...divided by their number: the whole batch's gradient
    if t == 0:
        reduced = g.clone()
    with torch.no_grad():
        p -= args.lr * g
    by_hand.append(p.detach().clone())
"""

# %%
# The same model twice more, on the same batches. PyTorch's wrapper for this job,
# ``torch.nn.parallel.DistributedDataParallel`` (DDP), goes around an
# ``nn.Linear(2, 1, bias=False)`` whose weight plays our parameter vector (the ones column of
# ``x`` stands in for the bias); DDP all-reduces and averages the gradients inside
# ``backward()``, so the loop itself is the single-process one with ``torch.optim.SGD``.
# Then :func:`~sgd_tutorial.sgd_distributed`, the package's data-parallel SGD.

DDP_AND_PACKAGE = """
linear = torch.nn.Linear(2, 1, bias=False)  # 2. DDP; x's ones column: the bias
linear.weight = torch.nn.Parameter(torch.tensor([[-1.0, 1.0]]))
model = DistributedDataParallel(linear)  # averages gradients in backward()
optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
ddp = [linear.weight.detach()[0].clone()]
for rows in mine:
    optimizer.zero_grad()
    mse(model(data.x[rows])[:, 0], data.y[rows]).backward()
    optimizer.step()
    ddp.append(linear.weight.detach()[0].clone())

fit = sgd_distributed(data.x, data.y, **settings)  # 3. the package
"""

# %%
# Last, rank 0 compares: every rank's final coefficients, and the largest difference between
# the package's trajectory and each of the others (and single-process
# :func:`~sgd_tutorial.sgd` with the same global batch and seed). It prints them and saves
# them, with the trajectory, for the checks and the plot below.

REPORT = """
coefs = [torch.empty_like(fit.coef) for _ in range(world)]
dist.all_gather(coefs, fit.coef)
if rank == 0:
    single = sgd(data.x, data.y, **settings)
    paths = {"by hand": by_hand, "DDP": ddp}
    paths["single-process sgd"] = single.params
    gaps = {
        name: float((torch.stack(list(path)) - fit.params).abs().max())
        for name, path in paths.items()
    }
    print(f"{world} ranks, global batch {args.batch_size}, {fit.steps} updates")
    for r, gradient in enumerate(own):
        print(f"step 0, rank {r}'s gradient: {gradient.numpy().round(5)}")
    print(f"step 0, all_reduce sum / {world}: {reduced.numpy().round(5)}")
    for r, coef in enumerate(coefs):
        print(f"rank {r}'s final coefficients: {coef.numpy().round(5)}")
    for name, gap in gaps.items():
        print(f"max |sgd_distributed - {name}| over all updates: {gap:.2e}")
    if args.save:
        results = {"params": fit.params, "losses": fit.losses, "gaps": gaps}
        results |= {"world": world, "steps": fit.steps, "reduced": reduced}
        results |= {"coefs": torch.stack(coefs), "own": torch.stack(own)}
        torch.save(results, args.save)
del model  # DDP must go before its process group, or the exit can abort
gc.collect()  # (it holds reference cycles)
dist.destroy_process_group()
"""
demo = SETUP + BY_HAND + DDP_AND_PACKAGE + REPORT

# %%
# The command
# -----------
# Saved as ``data_parallel_demo.py``, the program runs on two processes of this machine, with
# gloo on the CPU, as
#
# .. code-block:: console
#
#     torchrun --standalone --nproc-per-node 2 data_parallel_demo.py
#
# (``--standalone``: one machine, any free port.) On several machines, run it on each with
# ``--nnodes``, ``--node-rank`` and ``--master-addr`` pointing at the first one.
#
# A two-process run
# -----------------
# Here the program is written to a temporary file and run while the page is built.
# ``python -m torch.distributed.run`` is what the ``torchrun`` command runs; calling it
# through ``sys.executable`` uses the Python that runs this page. Each process gets one
# thread, as two workers share this machine's cores.

settings = {"samples": 2_000, "batch_size": 64, "epochs": 5, "lr": 0.05}
options = [f"--{key.replace('_', '-')}={v}" for key, v in settings.items()]
launch = [
    "-m",
    "torch.distributed.run",
    "--standalone",
    "--nproc-per-node",
    "2",
]
with tempfile.TemporaryDirectory() as folder:
    script, saved = (
        Path(folder, "data_parallel_demo.py"),
        Path(folder, "fit.pt"),
    )
    script.write_text(demo, encoding="utf-8")
    command = [
        sys.executable,
        *launch,
        str(script),
        *options,
        f"--save={saved}",
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        msg = (
            f"the two-process run failed:\n{done.stdout}\n{done.stderr[-3000:]}"
        )
        raise RuntimeError(msg)
    result = torch.load(saved, weights_only=True)  # what rank 0 saved
print("$", shlex.join(["torchrun", *launch[2:], script.name]), "\\")
print("   ", shlex.join(options))
print(done.stdout)

# %%
# Read the output from the top. At the first step each rank has the gradient of its own
# rows only, and after the all-reduce every rank holds their average, the gradient of the
# whole batch. Every rank ends with the same coefficients, to the last bit. And the three
# ways agree to rounding over every update: the written-out loop and DDP compute in float32
# with one rounding per operation, while the package accumulates in float64, so a few
# spacings between neighbouring float32 numbers near the coefficients is the difference to
# expect (the checks allow fifty). The checks:

expected_steps = settings["epochs"] * (
    settings["samples"] // settings["batch_size"]
)
top = result["params"].abs().max().float()
spacing = float(torch.nextafter(top, 2 * top) - top)  # float32's, near the top
print(f"workers: {result['world']}, updates: {result['steps']}")
print(f"spacing of float32 numbers near {float(top):.3g}: {spacing:.2e}")
for name, gap in result["gaps"].items():
    print(f"{name:>18}: {gap / spacing:5.1f} spacings")
assert result["world"] == 2, f"expected 2 ranks, got {result['world']}"
assert result["steps"] == expected_steps, f"expected {expected_steps} updates"
torch.testing.assert_close(
    result["own"].mean(dim=0),
    result["reduced"],
    msg="the all-reduce divided by 2 should be the ranks' average gradient",
)
assert torch.equal(result["coefs"][0], result["coefs"][1]), (
    f"the ranks ended apart: {result['coefs'].tolist()}"
)
for name, gap in result["gaps"].items():
    assert gap < 50 * spacing, f"{name} is {gap:.1e} off, more than rounding"
assert "RuntimeWarning" not in done.stderr, done.stderr

# %%
# Below, the package's two-process trajectory (saved by rank 0) is drawn over single-process
# :func:`~sgd_tutorial.sgd` run here with the same global batch and seed:

data = make_linear_data(settings["samples"], seed=0)
single = sgd(
    data.x,
    data.y,
    lr=settings["lr"],
    epochs=settings["epochs"],
    batch_size=settings["batch_size"],
    seed=0,
    drop_last=True,
)
gap = float((result["params"] - single.params).abs().max())
print(f"largest difference, two processes vs one: {gap:.2e}")
assert gap < 50 * spacing, f"two processes and one differ by {gap:.1e}"

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
# The first three run in one process: a loop over the slices stands in for the ranks, and a
# sum over them for the all-reduce.
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
plain_gap = float((plain - whole).abs().max())
weighted_gap = float((weighted - whole).abs().max())
print(f"whole batch:        {whole.cpu().numpy().round(5)}")
print(f"plain average:      {plain.cpu().numpy().round(5)}")
print(f"weighted by rows:   {weighted.cpu().numpy().round(5)}")
print(f"largest difference, plain:    {plain_gap:.2e}")
print(f"largest difference, weighted: {weighted_gap:.2e}")
scale = float(whole.abs().max())
assert weighted_gap <= 1e-6 * scale, "weighted by rows, it is the whole batch"
assert plain_gap > 1e-3 * scale, "the plain average should miss"

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
    """Largest difference between ``world`` simulated workers and iter_sgd."""
    q = torch.tensor([-1.0, 1.0], requires_grad=True)
    gap = 0.0
    for step in steps16:
        grads = []
        for rows in step.indices.chunk(world):  # each worker's slice
            (g,) = torch.autograd.grad(mse(small.x[rows] @ q, small.y[rows]), q)
            grads.append(g)
        with torch.no_grad():  # the all-reduce, then the average
            q -= 0.1 * torch.stack(grads).sum(0) / world
        gap = max(gap, float((q.detach() - step.params).abs().max()))
    return gap


print(f"largest difference from iter_sgd over {len(steps16)} updates")
simulated = {world: simulate(world) for world in (1, 2, 4, 8)}
for world, gap in simulated.items():
    print(f"W = {world}: {gap:.2e}, {gap / spacing:4.1f} float32 spacings")
assert max(simulated.values()) < 50 * spacing, "more than rounding apart"

# %%
# The number of workers changes only how the gradient's sum over the rows is grouped, so
# every :math:`W` gives the same trajectory up to rounding: a few float32 spacings at most
# (the check allows fifty, as for the two-process run).
#
# .. raw:: html
#
#    </details>
#
# **Exercise 3.** Keep 32 rows *per worker* instead, so the global batch is :math:`32W`.
# Predict the number of updates in 5 epochs of the run's 2,000 samples for
# :math:`W = 1, 2, 4`, and whether the final coefficients stay the same. Then run it (one
# process with the global batch gives the same trajectory, as the run above showed).
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 3</summary>

# %%
per_worker = {}
for world in (1, 2, 4):
    per_worker[world] = sgd(
        data.x,
        data.y,
        lr=0.05,
        epochs=5,
        batch_size=32 * world,
        seed=0,
        drop_last=True,
    )
    fit = per_worker[world]
    print(
        f"W = {world}: global batch {32 * world:3d}, {fit.steps:4d} updates, "
        f"coef {fit.coef.numpy().round(4)}"
    )
for world, fit in per_worker.items():
    assert fit.steps == 5 * (data.n // (32 * world)), f"W = {world}: updates"
assert not torch.equal(per_worker[1].coef, per_worker[2].coef), (
    "a different global batch should give a different run"
)

# %%
# Doubling the workers halves the number of updates per epoch (rounded down, as the last
# short batch is dropped), and the coefficients change: a different global batch is a
# different run of SGD.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 4.** ``torchrun`` does two things: it starts the processes, and it tells each
# one its rank, the world size and an address through environment variables. Set those by
# hand (rank 0 of a world of 1, port 0: any free one) and run the program in this very
# process, with a small run of 64 samples in batches of 8. Predict the number of updates and
# the differences between the three ways.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 4</summary>

# %%
one = {"RANK": "0", "WORLD_SIZE": "1", "MASTER_ADDR": "127.0.0.1"}
one["MASTER_PORT"] = "0"
small_run = ["--samples=64", "--batch-size=8", "--epochs=1"]
with tempfile.TemporaryDirectory() as folder:
    script, saved = (
        Path(folder, "data_parallel_demo.py"),
        Path(folder, "fit.pt"),
    )
    script.write_text(demo, encoding="utf-8")
    argv = [script.name, *small_run, f"--save={saved}"]
    with mock.patch.dict(os.environ, one), mock.patch.object(sys, "argv", argv):
        runpy.run_path(str(script), run_name="__main__")
    alone = torch.load(saved, weights_only=True)
assert alone["world"] == 1, "a world of one"
assert alone["steps"] == 8, (
    f"64 samples in batches of 8: {alone['steps']} updates"
)
assert max(alone["gaps"].values()) < 50 * spacing, "the three ways should agree"

# %%
# One rank is a world too: it gets the whole of every batch, the all-reduce returns its own
# gradient, and the three ways agree as before. Nothing in the program knows how it was
# started.
#
# .. raw:: html
#
#    </details>

# sphinx_gallery_thumbnail_number = 1
