"""Data-parallel SGD three ways: by hand, with ``DistributedDataParallel``, and the package's.

Run ``torchrun --nproc-per-node 2 -m sgd_tutorial.data_parallel_demo`` (``--help``: options).
"""

import argparse
import gc

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from sgd_tutorial import iter_sgd, make_linear_data, mse, sgd, sgd_distributed


def main(argv: list[str] | None = None) -> None:
    """Run the three fits on this rank; rank 0 prints how far apart they are."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", help="where rank 0 saves sgd_distributed's fit")
    args = parser.parse_args(argv)
    dist.init_process_group("gloo")  # torchrun sets the address, this rank and the world size
    rank, world = dist.get_rank(), dist.get_world_size()
    data = make_linear_data(args.samples, seed=args.seed)  # the same data on every rank
    settings = {
        "lr": args.lr,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "drop_last": True,  # so that every batch splits evenly between the ranks
    }
    batches = [s.indices for s in iter_sgd(data.x, data.y, **settings)]
    mine = [b[len(b) * rank // world : len(b) * (rank + 1) // world] for b in batches]

    p = torch.tensor([-1.0, 1.0], requires_grad=True)  # 1. the lesson's loop, plus all_reduce
    by_hand = [p.detach().clone()]
    for t, rows in enumerate(mine):
        (g,) = torch.autograd.grad(mse(data.x[rows] @ p, data.y[rows]), p)
        if t == 0:  # for the printout: every rank's own gradient, gathered
            own = [torch.empty_like(g) for _ in range(world)]
            dist.all_gather(own, g)
        dist.all_reduce(g)  # the sum over the ranks...
        g /= world  # ...divided by their number: the gradient of the whole batch
        with torch.no_grad():
            p -= args.lr * g
        by_hand.append(p.detach().clone())
        if t == 0 and rank == 0:
            each = [[round(v, 5) for v in gradient.tolist()] for gradient in own]
            print(f"step 0, each rank's gradient on its {len(rows)} rows:", each)
            print(f"step 0, all_reduce sum / {world}:", [round(v, 5) for v in g.tolist()])

    linear = torch.nn.Linear(2, 1, bias=False)  # 2. DDP; x's ones column plays the bias
    linear.weight = torch.nn.Parameter(torch.tensor([[-1.0, 1.0]]))
    model = DistributedDataParallel(linear)  # all-reduces and averages gradients in backward()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    ddp = [linear.weight.detach()[0].clone()]
    for rows in mine:
        optimizer.zero_grad()
        mse(model(data.x[rows])[:, 0], data.y[rows]).backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        ddp.append(linear.weight.detach()[0].clone())

    fit = sgd_distributed(data.x, data.y, **settings)  # 3. the package
    coefs = [torch.empty_like(fit.coef) for _ in range(world)]
    dist.all_gather(coefs, fit.coef)
    if rank == 0:
        single = sgd(data.x, data.y, **settings)
        print(f"{world} ranks, global batch {args.batch_size}, {fit.steps} updates")
        each = [[round(c, 5) for c in coef.tolist()] for coef in coefs]
        print(f"sgd_distributed, final coef on each rank: {each}")
        others = {"by hand": torch.stack(by_hand), "DDP": torch.stack(ddp)}
        for name, path in {**others, "single-process sgd": single.params}.items():
            gap = float((path - fit.params).abs().max())
            print(f"max |sgd_distributed - {name}| over all updates: {gap:.2e}")
        if args.save:
            torch.save({"params": fit.params, "losses": fit.losses, "world": world}, args.save)
    del model  # DDP must be freed before its process group is, or the exit can abort
    gc.collect()  # (it holds reference cycles)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
