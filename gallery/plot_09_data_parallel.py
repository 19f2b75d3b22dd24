"""
Beyond one machine: data-parallel SGD
=====================================

Every fit so far ran in one process. When the data, or the work per :term:`minibatch`, outgrows
one machine, :term:`SGD` is run *data-parallel*: several workers each hold a copy of the
:term:`parameters`, each takes its own slice of every batch, and before each :term:`update`
they average their :term:`gradients <gradient>` so that all of them take the same step.
PyTorch ships the machinery for this in :mod:`torch.distributed`: process groups, collective
operations such as *all-reduce*, the gloo backend for CPUs and NCCL for GPUs, and the
``torchrun`` launcher.

This tutorial covers:

* why averaging the workers' gradients gives exactly the gradient of the big batch;
* :func:`~sgd_tutorial.sgd_distributed`, and the command that starts it on two processes;
* a two-process run, executed while this page was built, and its agreement with the
  single-process :func:`~sgd_tutorial.sgd` on the same :term:`batch size` and seed.
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
# therefore take the step of one worker on the whole batch, up to float32 rounding. The :term:`learning rate`
# and the batch size mean what they meant before; the *global* batch is what counts. Let us
# check it with :term:`autograd` on one batch.

import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch

from sgd_tutorial import make_linear_data, mse, resolve_device, sgd

# This check runs on your best device; the two-process run below uses gloo on the CPU.
device = resolve_device("auto")
data = make_linear_data(100, coef=(3.0, 2.0), seed=0, device=device)
xb, yb = data.x[:10], data.y[:10]  # one batch of 10 rows
p = torch.tensor([-1.0, 1.0], requires_grad=True, device=device)


def gradient(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The gradient of the batch's mean squared error at ``p``."""
    (grad,) = torch.autograd.grad(mse(x @ p, y), p)
    return grad


whole = gradient(xb, yb)
halves = [gradient(xb[:5], yb[:5]), gradient(xb[5:], yb[5:])]
average = (halves[0] + halves[1]) / 2
print(f"gradient of the whole batch:        {whole.cpu().numpy().round(5)}")
print(f"gradient of the first half:         {halves[0].cpu().numpy().round(5)}")
print(f"gradient of the second half:        {halves[1].cpu().numpy().round(5)}")
print(f"average of the halves:              {average.cpu().numpy().round(5)}")
print(f"largest difference from the whole:  {float((average - whole).abs().max()):.1e}")

# %%
# The workers must agree on more than the gradient: they must all see the same batches. Each
# one draws the same random permutation of the samples every :term:`epoch` from the same seed,
# and takes its contiguous slice of every global batch. Nothing but the gradient information
# travels between them.
#
# The operation that combines the workers' numbers is an *all-reduce*: every worker
# contributes a tensor, and every worker receives the sum. Deep-learning frameworks
# (``torch.nn.parallel.DistributedDataParallel``) all-reduce the gradients themselves, once per
# update. For linear regression there is a cheaper equivalent. The gradient of a batch,
# :math:`\tfrac{2}{b} (X_B^\top X_B\, p - X_B^\top y_B)`, depends on the data only through the
# sums :math:`X_B^\top X_B` and :math:`X_B^\top y_B`, which add up over slices exactly as the
# gradients do:

gram_whole = xb.T @ xb
gram_slices = xb[:5].T @ xb[:5] + xb[5:].T @ xb[5:]
print(f"XᵀX of the batch:\n{gram_whole.cpu().numpy().round(4)}")
print(f"sum of the slices' XᵀX:\n{gram_slices.cpu().numpy().round(4)}")

# %%
# Summing these statistics over the workers is the same computation as averaging their
# gradients (the Notes of :func:`~sgd_tutorial.sgd_distributed` write it out, including a
# last batch that does not split evenly). Since the statistics do not depend on the
# parameters, :func:`~sgd_tutorial.sgd_distributed` sums those of many batches in a single
# all-reduce and then runs all of their updates, instead of paying one round of communication
# per update. That shortcut is special to least squares: a neural network's gradient depends
# on the current parameters and has to be all-reduced at every step.
#
# The program and the command
# ---------------------------
# Every worker runs the same script. ``torchrun`` starts the processes and tells each one its
# rank and the address of the others; the script joins the process group and calls
# :func:`~sgd_tutorial.sgd_distributed` with the same data and settings on every rank:
#
# .. code-block:: python
#
#     import torch.distributed as dist
#     from sgd_tutorial import make_linear_data, sgd_distributed
#
#     dist.init_process_group("gloo")        # torchrun provides rank and world size
#     data = make_linear_data(10_000, seed=0) # the same data on every rank
#     fit = sgd_distributed(data.x, data.y, lr=0.05, epochs=5, batch_size=64, seed=0)
#     dist.destroy_process_group()
#
# The repository's ``examples/data_parallel_sgd.py`` is that script, plus a comparison with
# :func:`~sgd_tutorial.sgd` printed by rank 0. Two processes on this machine, with gloo on the
# CPU:
#
# .. code-block:: console
#
#     torchrun --nproc-per-node 2 examples/data_parallel_sgd.py
#
# On several machines, run it on each with ``--nnodes``, ``--node-rank`` and
# ``--master-addr`` pointing at the first one; on GPUs, pass ``--backend nccl`` so each rank
# computes on its own GPU.
#
# A two-process run
# -----------------
# Here the same command runs while the page is built, on the loopback address 127.0.0.1 and a
# free port. (sphinx-gallery runs this page from its folder without ``__file__``; the script
# is found relative to that folder.)

here = Path(__file__).parent if "__file__" in globals() else Path.cwd()
script = here.parent / "examples" / "data_parallel_sgd.py"
if not script.is_file():
    msg = f"{script} not found: run this page from a checkout of the sgd-tutorial repository"
    raise FileNotFoundError(msg)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


settings = {"samples": 10_000, "batch_size": 64, "epochs": 5, "lr": 0.05, "seed": 0}
saved = Path(tempfile.mkdtemp()) / "fit.pt"
command = [
    sys.executable,
    "-m",
    "torch.distributed.run",  # what the torchrun command runs
    "--nproc-per-node",
    "2",
    "--master-addr",
    "127.0.0.1",
    "--master-port",
    str(free_port()),
    str(script),
    *(f"--{key.replace('_', '-')}={value}" for key, value in settings.items()),
    f"--save={saved}",
]
# One thread per process: two workers share this machine's cores.
env = {**os.environ, "OMP_NUM_THREADS": "1"}
done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
if done.returncode != 0:
    msg = f"the two-process run failed:\n{done.stdout}\n{done.stderr[-3000:]}"
    raise RuntimeError(msg)
result = torch.load(saved, weights_only=True)  # rank 0's trajectory, for the check below
shutil.rmtree(saved.parent)
shown = ["torchrun", *command[3:]]
shown[shown.index(str(script))] = "examples/data_parallel_sgd.py"
shown[-1] = "--save=fit.pt"  # a temporary folder, really
print("$", shlex.join(shown))
print(done.stdout)

# %%
# Both ranks end with the same coefficients, and rank 0 reports how far the whole trajectory
# is from single-process SGD with the same global batch and seed. We check it again here,
# from the trajectory the run saved, against a fit computed in this process:

data = make_linear_data(settings["samples"], seed=settings["seed"])
single = sgd(
    data.x,
    data.y,
    lr=settings["lr"],
    epochs=settings["epochs"],
    batch_size=settings["batch_size"],
    seed=settings["seed"],
)
param_gap = float((result["params"] - single.params).abs().max())
loss_gap = float((result["losses"] - single.losses).abs().max())
print(f"workers: {result['world']}, updates: {single.steps}")
print(f"max |difference| of the parameters over all updates: {param_gap:.2e}")
print(f"max |difference| of the batch losses over all updates: {loss_gap:.2e}")

# %%
# The two runs draw the same batches and take the same steps, so their curves lie on top of
# each other:

steps = torch.arange(single.steps + 1)
fig, (ax_loss, ax_coef) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
ax_loss.plot(single.losses, color="0.6", lw=2.5, label="one process")
ax_loss.plot(result["losses"], color="C1", lw=0.8, label=f"{result['world']} processes")
ax_loss.set(yscale="log", xlabel="update", ylabel="batch loss (MSE)", title="Loss per update")
ax_loss.legend()
for j, name in enumerate(["slope", "intercept"]):
    ax_coef.plot(steps, single.params[:, j], color="0.6", lw=2.5)
    ax_coef.plot(steps, result["params"][:, j], color=f"C{j}", lw=0.8, label=name)
ax_coef.set(xlabel="update", ylabel="value", title="Coefficients (grey: one process)")
ax_coef.legend()
plt.show()

# %%
# What changes at scale
# ---------------------
# * **Who holds the data.** Here every rank holds all of it and reads only its slices; a
#   larger job gives each rank its own shard on disk, and
#   ``torch.utils.data.distributed.DistributedSampler`` plays the part of the shared
#   permutation.
# * **The cost is communication.** Each worker computes on a fraction of the batch, but an
#   all-reduce costs latency and bandwidth on every round. A network pays it at every
#   update; our least-squares shortcut pays it once per chunk of updates.
# * **Same batch, same answer.** Adding workers while keeping the global batch fixed changes
#   nothing in the result, only who does the work. Adding workers while keeping the batch
#   *per worker* fixed makes the global batch bigger, which changes the noise of SGD and,
#   usually, the learning rate that works best.

# sphinx_gallery_thumbnail_number = 1
