"""Full-batch gradient descent at n = 10,000,000 (float32): ours, autograd, the memory floor.

* **memory floor**: reading ``x`` and ``y`` once, ``x.sum() + y.sum()``. No full-batch step can
  beat it, since every step's gradient depends on every sample.
* **autograd loop**: ``loss = ((x @ a - y) ** 2).mean()``, ``backward()``, then ``sub_`` and
  ``grad.zero_()`` under ``torch.no_grad()``, as in the lesson. It is slow, so it is timed on
  10 steps per round and reported per step.
* **ours**: :func:`sgd_tutorial.gradient_descent` with ``steps=100``, the whole call: the data
  checks, its two passes over the data (``xᵀx`` and ``xᵀy``, then the residuals at the
  least-squares point that make every recorded loss exact), the 100 updates and the trajectory
  it returns, divided by 100. The one-off part (the same call with ``steps=0``) is also shown.

Run: ``python benchmarks/bench_full_batch.py`` (``--quick`` for n = 1,000,000).
"""

from __future__ import annotations

import argparse
import statistics

import torch
from _common import emit, quick, ratio, set_threads, spread, table, time_rounds

from sgd_tutorial import gradient_descent, make_linear_data

LR = 0.1
INIT = (-1.0, 1.0)
STEPS = 100
AUTOGRAD_STEPS = 10
FLOOR_REPEATS = 10


def autograd_steps(x: torch.Tensor, y: torch.Tensor, steps: int) -> torch.Tensor:
    """The lesson's full-batch loop with autograd; returns the final parameters."""
    a = torch.tensor(INIT, dtype=x.dtype, device=x.device, requires_grad=True)
    for _ in range(steps):
        loss = ((x @ a - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            a.sub_(LR * a.grad)  # type: ignore[operator]
            a.grad.zero_()  # type: ignore[union-attr]
    return a.detach()


def floor(x: torch.Tensor, y: torch.Tensor) -> None:
    """Read x and y once, ``FLOOR_REPEATS`` times."""
    for _ in range(FLOOR_REPEATS):
        x.sum() + y.sum()


def bench(n: int, device: str, rounds: int) -> tuple[str, float]:
    """Return the markdown table for one device and ours / floor (ratio of medians)."""
    data = make_linear_data(n, seed=0, device=device)
    x, y = data.x, data.y
    methods = {
        "floor": lambda: floor(x, y),
        "autograd": lambda: autograd_steps(x, y, AUTOGRAD_STEPS),
        "ours": lambda: gradient_descent(x, y, INIT, lr=LR, steps=STEPS),
        "once": lambda: gradient_descent(x, y, INIT, lr=LR, steps=0),
    }
    times = time_rounds(methods, rounds, device=device)
    per = {
        "floor": [t / FLOOR_REPEATS for t in times["floor"]],
        "autograd": [t / AUTOGRAD_STEPS for t in times["autograd"]],
        "ours": [t / STEPS for t in times["ours"]],
    }
    once = times["once"]
    ms = 1e3
    rows = [
        ["memory floor: `x.sum() + y.sum()`", spread(per["floor"], ms, 2), "1×", ""],
        [
            f"autograd loop (timed on {AUTOGRAD_STEPS} steps)",
            spread(per["autograd"], ms, 2),
            ratio(per["autograd"], per["floor"]),
            ratio(per["autograd"], per["ours"]),
        ],
        [
            f"ours: `gradient_descent(steps={STEPS})`, whole call / {STEPS}",
            spread(per["ours"], ms, 2),
            ratio(per["ours"], per["floor"]),
            "1×",
        ],
        [
            "ours, one-off part (`steps=0`: checks + two passes over the data), whole",
            spread(once, ms, 1),
            ratio(once, per["floor"]),
            "",
        ],
    ]
    fit = gradient_descent(x, y, INIT, lr=LR, steps=STEPS)
    reference = autograd_steps(x, y, STEPS)
    agree = float((fit.coef.to(reference.device) - reference).abs().max())
    text = (
        table(["way", "ms per step", "÷ memory floor", "÷ ours"], rows)
        + f"\n\nAfter {STEPS} steps ours and the autograd loop agree to {agree:.1e} "
        f"(max abs difference of the coefficients, {fit.coef.tolist()})."
    )
    return text, statistics.median(per["ours"]) / statistics.median(per["floor"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 1,000,000, for a smoke run")
    args = parser.parse_args()
    n = 1_000_000 if quick(args.quick) else 10_000_000
    threads = set_threads()
    data_mb = n * (2 + 1) * 4 / 1e6

    text, vs_floor = bench(n, "cpu", rounds=5)
    verdict = "met" if vs_floor <= 3 else "NOT met"
    emit(
        f"## Full-batch gradient descent, n = {n:,}, float32 "
        f"(CPU, {threads} torch thread{'s' if threads > 1 else ''})\n\n"
        f"x and y together are {data_mb:,.0f} MB. Medians (min–max) over 5 rounds; ratios of "
        "medians, with the range of the per-round ratios.\n\n"
        + text
        + f"\n\n- ours is {vs_floor:.2f}× the memory floor per step (goal ≤ 3×: {verdict})"
    )

    if not torch.cuda.is_available():
        emit("## Full-batch gradient descent (CUDA)\n\nSkipped: no CUDA GPU on this machine.")
        return
    text, vs_floor = bench(n, "cuda", rounds=5)
    emit(
        f"## Full-batch gradient descent, n = {n:,}, float32 "
        f"(CUDA, {torch.cuda.get_device_name(0)})\n\n"
        "Timings wait for the GPU (`torch.cuda.synchronize()`); the floor is the GPU's own "
        "(reading x and y from GPU memory once).\n\n"
        + text
        + f"\n\n- ours is {vs_floor:.2f}× the GPU's memory floor per step"
    )


if __name__ == "__main__":
    main()
