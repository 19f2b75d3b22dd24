"""Data-parallel minibatch SGD on CPU processes, checked against single-process SGD.

Launch it with ``torchrun``, which starts the processes and tells each its rank::

    torchrun --nproc-per-node 2 examples/data_parallel_sgd.py

Every process builds the same data (same seed), joins a gloo process group and calls
:func:`sgd_tutorial.sgd_distributed`. Rank 0 then prints the fit, the result of every rank, and
how far it is from :func:`sgd_tutorial.sgd` run in one process with the same global batch and
seed. ``--save PATH`` also writes the data-parallel trajectory (``params``, ``losses``) and the
settings with :func:`torch.save`, for the tutorial to plot.
Run ``python examples/data_parallel_sgd.py --help`` for the other options.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist

from sgd_tutorial import least_squares, make_linear_data, sgd, sgd_distributed


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000, help="number of samples")
    parser.add_argument("--batch-size", type=int, default=64, help="global batch size")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--momentum", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and the batches")
    parser.add_argument("--backend", default="gloo", help="gloo (CPU) or nccl (one GPU per rank)")
    parser.add_argument("--save", type=Path, help="rank 0 saves the fit here")
    return parser.parse_args()


def main() -> None:
    """Fit on every rank, then compare on rank 0."""
    args = parse_args()
    if "RANK" not in os.environ:
        msg = f"start it with torchrun: torchrun --nproc-per-node 2 {sys.argv[0]}"
        raise SystemExit(msg)
    dist.init_process_group(args.backend)  # torchrun provides the address, rank and world size
    try:
        rank, world = dist.get_rank(), dist.get_world_size()
        device = f"cuda:{rank % torch.cuda.device_count()}" if args.backend == "nccl" else "cpu"
        data = make_linear_data(args.samples, seed=args.seed)  # the same data on every rank
        settings = {
            "lr": args.lr,
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "momentum": args.momentum,
            "seed": args.seed,
        }
        start = time.perf_counter()
        fit = sgd_distributed(data.x, data.y, device=device, **settings)
        seconds = time.perf_counter() - start

        # Every rank's result, gathered to compare them.
        coefs = [torch.empty_like(fit.coef) for _ in range(world)]
        dist.all_gather(coefs, fit.coef.to(device))
        if rank != 0:
            return

        single = sgd(data.x, data.y, **settings)
        param_gap = float((fit.params - single.params).abs().max())
        loss_gap = float((fit.losses - single.losses).abs().max())
        per_rank = args.batch_size // world
        print(f"world size {world} ({args.backend}), global batch {args.batch_size} ", end="")
        print(f"= {world} x {per_rank} rows, {args.epochs} epochs of {args.samples} samples")
        print(f"data-parallel fit: {fit.steps} updates in {seconds:.2f} s")
        for r, coef in enumerate(coefs):
            print(f"  rank {r} coef: {[round(c, 5) for c in coef.cpu().tolist()]}")
        print(f"single-process sgd coef: {[round(c, 5) for c in single.coef.tolist()]}")
        exact = [round(c, 5) for c in least_squares(data.x, data.y).tolist()]
        print(f"least squares (exact):   {exact}")
        print(f"max |difference| from single-process sgd over all {fit.steps} updates:")
        print(f"  params {param_gap:.2e}, losses {loss_gap:.2e}")
        if args.save is not None:
            saved = {"params": fit.params, "losses": fit.losses, "world": world, **settings}
            torch.save(saved, args.save)
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
