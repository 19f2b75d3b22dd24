"""Data-parallel minibatch SGD on a ``torch.distributed`` process group.

Each of ``W`` processes (ranks, launched by ``torchrun``) takes a slice of every batch, runs the
lesson's loop (:func:`sgd_tutorial.optimize._steps`) on it, and before each update averages the
gradients of all ranks with one ``all_reduce``, as ``DistributedDataParallel`` does. Every rank
then makes the same update.
"""

from __future__ import annotations

import secrets

import torch
import torch.distributed as dist
from torch import Tensor

from sgd_tutorial._checks import SeedLike
from sgd_tutorial.optimize import Fit, _Run

__all__ = ["sgd_distributed"]

_AGREED = ("n", "k", "init", "batch_size", "epochs", "shuffle", "drop_last", "lr", "momentum", "seed")  # fmt: skip


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
    x: Tensor, y: Tensor, init: object = (-1.0, 1.0), *, lr: float = 0.1, epochs: int = 10,
    batch_size: int = 8, shuffle: bool = True, drop_last: bool = False, momentum: float = 0.0,
    seed: SeedLike = None, device: str | torch.device | None = None,
    group: dist.ProcessGroup | None = None,
) -> Fit:  # fmt: skip
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
    # The ranks first exchange their settings and whether their own checks passed, so a bad
    # argument raises the same error on every rank instead of leaving the others waiting.
    rank, world = _world(group)
    try:
        run = _Run(x, y, init, lr, epochs, batch_size, shuffle, drop_last, momentum, seed, device)
        if run.batch_size % world:
            msg = (
                f"batch_size={run.batch_size} (the global batch) must be a multiple of the world "
                f"size {world}, so that every rank gets batch_size / {world} rows of each batch"
            )
            raise ValueError(msg)
        if dist.get_backend(group) == "nccl" and run.x.device.type != "cuda":
            msg = f"the nccl backend needs the data on a CUDA device, not {run.x.device}: pass device='cuda:<local rank>' or use gloo"  # fmt: skip
            raise ValueError(msg)
        state = None if seed is None else run.generator.get_state().numpy().tobytes()
        settings = (*run.x.shape, run.start.tolist(), run.batch_size, run.epochs, run.shuffle, run.drop_last, run.lr, run.momentum, state)  # fmt: skip
        mine: tuple[object, ...] = (None, settings, secrets.randbits(62))
    except (TypeError, ValueError) as failed:
        mine = (failed, None, None)
    everyone: list[tuple[object, ...]] = [()] * world
    dist.all_gather_object(everyone, mine, group=group)  # the outcomes of all ranks' checks
    for where, (outcome, _, _) in enumerate(everyone):
        if isinstance(outcome, Exception):
            msg = f"rank {where} of {world}: {outcome}"
            raise type(outcome)(msg)
    differ = [name for i, name in enumerate(_AGREED) if len({repr(s[1][i]) for s in everyone}) > 1]  # type: ignore[index]  # fmt: skip
    if differ:
        msg = f"the {world} ranks called sgd_distributed with different values of {', '.join(differ)}; every rank must pass the same data shape and settings"  # fmt: skip
        raise ValueError(msg)
    if seed is None:
        run.generator.manual_seed(int(everyone[0][2]))  # type: ignore[call-overload]

    def average(g: Tensor, loss: Tensor, rows: int) -> tuple[Tensor, Tensor]:
        # Weighted by rows: a short last batch may split unevenly, or leave a rank no rows.
        packed = torch.zeros(len(g) + 2, dtype=g.dtype, device=g.device)
        if rows:
            packed[:-2], packed[-2], packed[-1] = g * rows, loss * rows, rows
        dist.all_reduce(packed, group=group)  # the one collective per update
        return packed[:-2] / packed[-1], packed[-2] / packed[-1]

    return run.run(rank, world, average)
