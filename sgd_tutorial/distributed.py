"""Data-parallel minibatch SGD on a ``torch.distributed`` process group.

When the data outgrows one machine, minibatch SGD is run data-parallel: ``W`` workers (ranks)
each take a slice of every global batch, compute their share, and combine the shares with an
all-reduce so that every worker makes the same update. PyTorch provides the transport
(:mod:`torch.distributed`: gloo on CPUs, NCCL on GPUs, launched by ``torchrun``); this module
provides the bookkeeping and reuses the single-process engine of :mod:`sgd_tutorial.optimize`
(its batch statistics, its affine-map trainer and its argument checks). The Notes of
:func:`sgd_distributed` explain why summing the workers' batch statistics is the same as
averaging their gradients.
"""

from __future__ import annotations

import secrets
import struct
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor

from sgd_tutorial._checks import SeedLike, check_positive_int, check_seed
from sgd_tutorial.optimize import Fit, _batch_statistics, _SGDRun

__all__ = ["sgd_distributed"]

# The settings every rank must agree on, in the order they are packed for the check.
_AGREED = (
    "n",
    "k",
    "init",
    "batch_size",
    "epochs",
    "shuffle",
    "drop_last",
    "lr",
    "momentum",
    "seed",
)


def _float_bits(value: float) -> int:
    """The IEEE-754 bits of ``value`` as an int, so floats compare exactly across ranks."""
    return int(struct.unpack("<q", struct.pack("<d", value))[0])


def _world(group: dist.ProcessGroup | None) -> tuple[int, int]:
    """Return ``(rank, world_size)`` of this process in ``group``, or say how to get a group."""
    if not dist.is_available():
        msg = "sgd_distributed needs torch.distributed, which this build of torch does not have"
        raise RuntimeError(msg)
    if not dist.is_initialized():
        msg = (
            "sgd_distributed needs an initialised torch.distributed process group: call "
            "torch.distributed.init_process_group('gloo') (NCCL for GPUs) in every process "
            "first, or launch the script with torchrun, which sets up the environment for it"
        )
        raise RuntimeError(msg)
    rank = dist.get_rank(group)
    if rank < 0:
        msg = "this process is not a member of the process group passed as group"
        raise ValueError(msg)
    return rank, dist.get_world_size(group)


class _DataParallelRun(_SGDRun):
    """An SGD run whose batch statistics are summed over the ranks of a process group."""

    def __init__(
        self,
        run_args: tuple[Any, ...],
        group: dist.ProcessGroup | None,
        rank: int,
        world: int,
    ) -> None:
        super().__init__(*run_args)
        self.group, self.rank, self.world = group, rank, world
        backend = str(dist.get_backend(group))
        if backend == "nccl" and self.x.device.type != "cuda":
            msg = (
                f"the process group's backend is nccl, which needs the data on a CUDA device, "
                f"but it is on {self.x.device}: pass device='cuda:<local rank>' or use gloo"
            )
            raise ValueError(msg)

    def agree(self, seed: SeedLike) -> None:
        """Check that every rank got the same settings, and share a seed when none was given.

        One all-reduce of ``[v, -v]`` with ``MAX`` gives each setting's maximum and minimum over
        the ranks; they differ exactly when the ranks disagree. Every rank sees the same result,
        so every rank raises the same error instead of some of them waiting forever.
        """
        k = int(self.x.shape[1])
        # Any int seed maps to a value >= 0; -1 stands for None and -2 for a Generator.
        seed_value = seed % 2**62 if isinstance(seed, int) else (-1 if seed is None else -2)
        # The starting point hashed to one number, so the tensor has the same length on every rank
        # even when k differs (tuples of floats hash the same in every process).
        init = hash(tuple(self.trainer.state[:k].tolist())) % 2**62
        mine = [
            self.n,
            k,
            init,
            self.batch_size,
            self.epochs,
            int(self.shuffle),
            int(self.drop_last),
            _float_bits(self.trainer.lr),
            _float_bits(self.trainer.momentum),
            seed_value,
        ]
        # A fresh seed per rank; the maximum over the ranks is the one they all use.
        draw = secrets.randbits(62)
        packed = torch.tensor([*mine, draw], dtype=torch.int64, device=self.x.device)
        both = torch.cat([packed, -packed])
        dist.all_reduce(both, op=dist.ReduceOp.MAX, group=self.group)
        high, low = both[: len(packed)].tolist(), (-both[len(packed) :]).tolist()
        differ = [name for name, a, b in zip(_AGREED, high[:-1], low[:-1], strict=True) if a != b]
        if differ:
            msg = (
                f"the {self.world} ranks called sgd_distributed with different values of "
                f"{', '.join(differ)}; every rank must pass the same data shape and settings"
            )
            raise ValueError(msg)
        if seed is None:
            self.generator = torch.Generator(device="cpu")
            self.generator.manual_seed(int(high[-1]))

    def _share(self, size: int) -> tuple[int, int]:
        """Return the rows ``[lo, hi)`` of a global batch of ``size`` rows that this rank takes."""
        return size * self.rank // self.world, size * (self.rank + 1) // self.world

    def statistics(
        self, rows: Tensor | slice, count: int, size: int
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Reduce this rank's share of each batch, then sum the statistics over the ranks."""
        a, e = self._share(size)  # may be empty: a short last batch has fewer rows than ranks
        k = self.x.shape[1]
        if isinstance(rows, slice):
            xb = self.x[rows].view(count, size, k)[:, a:e]
            yb = self.y[rows].view(count, size)[:, a:e]
        else:
            xs, ys = self.gather(rows.view(count, size)[:, a:e].reshape(-1))
            xb, yb = xs.view(count, e - a, k), ys.view(count, e - a)
        gram, xty, yty = _batch_statistics(xb, yb, self.trainer.acc)
        # One all-reduce per chunk: the sums of this chunk's statistics over the ranks are the
        # statistics of the global batches.
        packed = torch.cat([gram.reshape(count, k * k), xty, yty[:, None]], dim=1)
        dist.all_reduce(packed, op=dist.ReduceOp.SUM, group=self.group)
        return packed[:, : k * k].reshape(count, k, k), packed[:, k * k : -1], packed[:, -1]

    def train(self) -> Fit:
        """Run every epoch, one all-reduce per chunk of batches, and return the fit."""
        for _ in self.chunks():
            pass
        return self.fit()


def sgd_distributed(
    x: Tensor,
    y: Tensor,
    init: object = (-1.0, 1.0),
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
    r"""Fit ``y ≈ x @ p`` by data-parallel minibatch SGD on a ``torch.distributed`` group.

    Call it in every process of an initialised process group, with the same arguments. Every
    rank draws the same permutation of the samples each epoch (from the same seed, on the CPU,
    as :func:`~sgd_tutorial.sgd` does), takes its contiguous slice of each global batch of
    ``batch_size`` rows, reduces its slice to the batch statistics ``xᵀx``, ``xᵀy`` and ``yᵀy``,
    and sums them over the ranks with an all-reduce: the sums are the global batch's statistics,
    and the gradient is linear in them, so this is exactly averaging the workers' gradients (see
    Notes). All ranks then make the same updates and return the same
    :class:`~sgd_tutorial.Fit`, which equals ``sgd(x, y, ...)`` run in one process with the
    same global ``batch_size`` and ``seed`` up to rounding.

    The statistics of many batches (up to about 65 000 rows) travel in a single all-reduce, so
    the number of collective calls per epoch is small, not one per update.

    Parameters
    ----------
    x : Tensor
        Inputs, shape ``(n, k)``, a floating-point dtype. Every rank passes the full data (the
        same ``n`` rows, for example a memory-mapped file or a tensor built from the same
        seed); each rank reads only the rows of its slices.
    y : Tensor
        Targets, shape ``(n,)``.
    init : sequence of float or Tensor, default (-1.0, 1.0)
        Starting parameters, ``k`` of them.
    lr : float, default 0.1
        Learning rate, finite and > 0.
    epochs : int, default 10
        Passes over the data, >= 0.
    batch_size : int, default 8
        Samples per update over all ranks together (the global batch); it must be a multiple
        of the world size, and each rank handles ``batch_size / world_size`` of them.
    shuffle : bool, default True
        Draw a new random order every epoch.
    drop_last : bool, default False
        Skip the last, smaller batch of each epoch. If it is kept, it is split across the ranks
        as evenly as it goes (some ranks may get one row more, or none); since the statistics
        are sums, the result is still exactly that batch's gradient.
    momentum : float, default 0.0
        Heavy-ball momentum in ``[0, 1)``, as in ``torch.optim.SGD``.
    seed : int, torch.Generator or None
        Seed for the batch order. ``None`` draws one and shares it between the ranks; a
        ``torch.Generator`` must be in the same state on every rank.
    device : str, torch.device or None
        Where this rank computes; ``None`` means where ``x`` already is. The process group's
        backend must handle tensors there: gloo for CPUs, NCCL for CUDA (one GPU per rank,
        e.g. ``device=f"cuda:{local_rank}"``).
    group : torch.distributed.ProcessGroup or None
        The ranks to train on; ``None`` means the default (world) group.

    Returns
    -------
    Fit
        The whole trajectory, one row per global update, on the CPU; the same on every rank.

    Raises
    ------
    RuntimeError
        If no process group is initialised (call ``torch.distributed.init_process_group``, or
        launch with ``torchrun``).
    ValueError
        If ``batch_size`` is not a multiple of the world size, if the ranks were given different
        data shapes or settings (checked with one all-reduce before training), or if the
        backend cannot handle the data's device.
    DivergenceError
        If the loss or parameters become non-finite, on every rank at the same step.

    See Also
    --------
    sgd_tutorial.sgd : The same fit in a single process.

    Notes
    -----
    The gradient of the mean squared error on a batch :math:`B` of :math:`b` rows is

    .. math::

        g_B = \frac{2}{b} \left(X_B^\top X_B\, p - X_B^\top y_B\right).

    It depends on the data only through the sums :math:`X_B^\top X_B` and
    :math:`X_B^\top y_B`, and linearly. Split :math:`B` into the ranks' slices
    :math:`B_1, \dots, B_W` of :math:`b_r` rows, with gradients :math:`g_r`. The sums split too,
    :math:`X_B^\top X_B = \sum_r X_r^\top X_r` and :math:`X_B^\top y_B = \sum_r X_r^\top y_r`,
    hence

    .. math::

        g_B = \sum_r \frac{b_r}{b}\, g_r,

    the row-weighted average of the ranks' gradients: the plain average
    :math:`\frac{1}{W} \sum_r g_r` when every slice has :math:`b / W` rows, which is what
    gradient-averaging data parallelism (``DistributedDataParallel``) computes. Summing the
    statistics over the ranks is therefore the same computation as averaging the gradients.
    Because these statistics do not depend on :math:`p`, the statistics of many batches can be
    summed in one all-reduce before their updates are run, a shortcut specific to linear least
    squares: a neural network's gradient depends on the current parameters, and needs one
    all-reduce per update.

    Examples
    --------
    Save as ``fit.py`` and run ``torchrun --nproc-per-node 2 fit.py``:

    >>> import torch.distributed as dist                      # doctest: +SKIP
    >>> from sgd_tutorial import make_linear_data, sgd_distributed
    >>> dist.init_process_group("gloo")                       # doctest: +SKIP
    >>> data = make_linear_data(1000, seed=0)                 # the same data on every rank
    >>> fit = sgd_distributed(data.x, data.y, batch_size=32, seed=0)  # doctest: +SKIP
    >>> dist.destroy_process_group()                          # doctest: +SKIP
    """
    rank, world = _world(group)
    batch_size = check_positive_int("batch_size", batch_size)
    if batch_size % world:
        msg = (
            f"batch_size={batch_size} (the global batch) must be a multiple of the world size "
            f"{world}, so that every rank gets batch_size / {world} rows of each batch"
        )
        raise ValueError(msg)
    seed = check_seed(seed)
    run_args = (x, y, init, lr, epochs, batch_size, shuffle, drop_last, momentum, seed, device)
    run = _DataParallelRun(run_args, group, rank, world)
    run.agree(seed)
    return run.train()
