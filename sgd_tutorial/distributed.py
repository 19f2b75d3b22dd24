"""Data-parallel minibatch SGD on a ``torch.distributed`` process group.

Each of ``W`` processes (ranks, launched by ``torchrun``) takes a slice of every batch, runs
the lesson's loop (``_steps`` in :mod:`sgd_tutorial.optimize`) on it, and before each update
averages the gradients of all ranks with one ``all_reduce``, as ``DistributedDataParallel`` does. Every rank
then makes the same update.
"""

from __future__ import annotations

import secrets
from dataclasses import fields
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor

from sgd_tutorial._checks import SeedLike
from sgd_tutorial.engine import START, Settings
from sgd_tutorial.optimize import Run
from sgd_tutorial.records import Fit


def _world(group: dist.ProcessGroup | None) -> tuple[int, int]:
    if not (dist.is_available() and dist.is_initialized()):
        msg = (
            "sgd_distributed needs an initialised torch.distributed process group: call "
            "torch.distributed.init_process_group('gloo') (NCCL for GPUs) in every process "
            "first, or launch the script with torchrun, which sets up the environment for it"
        )
        raise RuntimeError(msg)
    if dist.get_rank(group) < 0:
        msg = "this process is not a member of the process group passed as group"
        raise ValueError(msg)
    return dist.get_rank(group), dist.get_world_size(group)


def sgd_distributed(
    x: Tensor,
    y: Tensor,
    init: object = START,
    *,
    lr: float = 0.1,
    epochs: int = 10,
    batch_size: int = 8,
    shuffle: bool = True,
    drop_last: bool = False,
    momentum: float = 0.0,
    seed: SeedLike = None,
    device: str | torch.device | None = None,
    group: dist.ProcessGroup | None = None,
) -> Fit:
    """Fit ``y ≈ x @ p`` by data-parallel minibatch SGD: :func:`~sgd_tutorial.sgd` over ranks.

    Call it in every rank of ``group`` (None: all) with the same arguments and the full data.
    Each epoch the ranks draw one order from ``seed`` (None: rank 0's draw); each global batch
    of ``batch_size`` rows, a multiple of the world size, is split into one slice per rank.
    ``device``: this rank's (gloo for CPUs, NCCL with ``device=f"cuda:{local_rank}"``).

    Returns
    -------
    Fit
        The same on every rank, equal to ``sgd`` with the same settings up to rounding.
    """
    # Before any rank can raise, the ranks share whether their own checks passed, and their
    # settings: a bad argument then raises the same error on every rank, leaving none waiting.
    rank, world = _world(group)
    error, shared = None, {}
    try:
        settings = Settings.checked(
            lr=lr, epochs=epochs, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
            momentum=momentum, seed=seed, device=device,
        )  # fmt: skip
        run = Run(x, y, init, settings)
        if settings.batch_size % world:
            msg = (
                f"batch_size={settings.batch_size} (the global batch) must be a multiple of the "
                f"world size {world}, so that every rank gets batch_size / {world} rows of each "
                "batch"
            )
            raise ValueError(msg)
        if dist.get_backend(group) == "nccl" and run.x.device.type != "cuda":
            msg = (
                f"the nccl backend needs the data on a CUDA device, not {run.x.device}: "
                "pass device='cuda:<local rank>' or use gloo"
            )
            raise ValueError(msg)
        # Every setting but the device (each rank has its own); a seed by the state it gives.
        shared = {f.name: getattr(settings, f.name) for f in fields(settings)}
        del shared["device"]
        if seed is not None:
            shared["seed"] = run.generator.get_state().numpy().tobytes()
        shared |= {"data shape": tuple(run.x.shape), "init": run.start.tolist()}
    except (TypeError, ValueError) as failed:
        error = failed
    everyone: list[Any] = [None] * world  # (error, settings, draw) of each rank
    dist.all_gather_object(everyone, (error, shared, secrets.randbits(62)), group=group)
    for where, (problem, _, _) in enumerate(everyone):
        if problem is not None:
            msg = f"rank {where} of {world}: {problem}"
            raise type(problem)(msg)
    differ = [name for name in shared if any(s[name] != shared[name] for _, s, _ in everyone)]
    if differ:
        msg = (
            f"the {world} ranks called sgd_distributed with different values of "
            f"{', '.join(differ)}; every rank must pass the same settings"
        )
        raise ValueError(msg)
    if seed is None:  # one fresh draw, rank 0's, for every rank
        run.generator.manual_seed(everyone[0][2])

    def average(g: Tensor, loss: Tensor, rows: int) -> tuple[Tensor, Tensor]:
        # Weighted by rows: a short last batch may split unevenly, or leave a rank no rows.
        packed = torch.zeros(len(g) + 2, dtype=g.dtype, device=g.device)
        if rows:
            packed[:-2], packed[-2], packed[-1] = g * rows, loss * rows, rows
        dist.all_reduce(packed, group=group)  # the one collective per update
        return packed[:-2] / packed[-1], packed[-2] / packed[-1]

    return run.run(rank, world, average)
