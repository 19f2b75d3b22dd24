"""Batch size 1 against scikit-learn, time per sample against batch size, and the first call.

* **scikit-learn**: ``SGDRegressor`` (Cython, batch size 1, its only mode), one shuffled epoch
  over n = 1e6 at a constant learning rate, no penalty; against ``sgd(batch_size=1)``, which
  also records every update's parameters and loss, shuffled (the same run) and in order (the
  loop alone, without the permutation and its random reads). Best of 9 rounds, interleaved:
  the goals are at least 1.5 times scikit-learn's speed and at most 25 ns per update in order.
* **time per sample against batch size** (n = 1e6, one shuffled epoch): ours, the lesson's loop
  and DataLoader + ``torch.optim.SGD`` (timed on their first updates only: each update costs
  them the same), scikit-learn (batch 1 only) and the floor of a shuffled read. Full runs save
  the plot as ``benchmarks/time_per_sample.png`` for the docs.
* **first call in a fresh process**: ``import sgd_tutorial`` then one ``sgd`` call, timed in a
  new Python with an empty numba cache (so compilation included), then again with it warm.

Run: ``python benchmarks/bench_sklearn.py`` (``--quick`` for a smoke run at small sizes).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import matplotlib as mpl
import numpy as np
from _common import (
    RESULTS_ENV,
    cpu_model,
    emit,
    quick,
    set_threads,
    spread,
    table,
    time_rounds,
)
from bench_minibatch import dataloader_sgd, lesson_loop, shuffled_read
from sklearn.linear_model import SGDRegressor

from sgd_tutorial import make_linear_data, sgd

mpl.use("Agg")
import matplotlib.pyplot as plt

LR = 0.01
BATCHES = [1, 4, 16, 64, 256, 1024]
BASELINE_UPDATES = 2000  # the lesson's loop and the DataLoader are timed on this many updates
BATCH1_ROUNDS = 9  # best of: on a shared machine the best round is the least disturbed
GOAL_RATIO, GOAL_IN_ORDER_NS = 1.5, 25.0
PLOT = Path(__file__).with_name("time_per_sample.png")

FIRST_CALL = """
import time
start = time.perf_counter()
import sgd_tutorial
data = sgd_tutorial.make_linear_data(1000, seed=0)
sgd_tutorial.sgd(data.x, data.y, seed=0)
print(time.perf_counter() - start)
"""


def scikit_learn(x: np.ndarray, y: np.ndarray) -> None:
    model = SGDRegressor(
        loss="squared_error", penalty=None, learning_rate="constant", eta0=LR, max_iter=1,
        tol=None, shuffle=True, random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: one epoch is what we ask for
        model.fit(x, y)


def first_call() -> tuple[float, float]:
    """Seconds of import + first ``sgd`` in a new process: cache empty, then warm."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        run = [sys.executable, "-c", FIRST_CALL]
        cold, warm = (
            float(subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout)
            for _ in range(2)
        )
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    small = quick(parser.parse_args().quick)
    threads = set_threads()
    n, rounds = (20_000, 3) if small else (1_000_000, 5)
    data = make_linear_data(n, seed=0)
    x, y = data.x, data.y
    x_np, y_np = x[:, :1].double().numpy(), y.double().numpy()  # scikit-learn fits the intercept

    def ours(batch: int, shuffle: bool = True) -> object:
        return sgd(x, y, lr=LR, epochs=1, batch_size=batch, shuffle=shuffle, seed=0)

    # Batch size 1, the whole epoch for each.
    times = time_rounds(
        {
            "sklearn": lambda: scikit_learn(x_np, y_np),
            "ours": lambda: ours(1),
            "in order": lambda: ours(1, shuffle=False),
        },
        3 if small else BATCH1_ROUNDS,
    )
    ns = {k: [t / n * 1e9 for t in v] for k, v in times.items()}
    best = {k: min(v) for k, v in ns.items()}
    per_round = [s / o for s, o in zip(ns["sklearn"], ns["ours"], strict=True)]
    one = table(
        ["n", "scikit-learn ns/update", "ours, shuffled", "ours, in order",
         "scikit-learn / ours, best of rounds", "per round"],
        [[f"{n:,}", f"{best['sklearn']:.1f}", f"{best['ours']:.1f}", f"{best['in order']:.1f}",
          f"{best['sklearn'] / best['ours']:.2f}×",
          f"{min(per_round):.2f}–{max(per_round):.2f}×"]],
    )  # fmt: skip
    fast, tight = best["sklearn"] / best["ours"], best["in order"]
    goals = (
        f"- shuffled: {fast:.2f}× scikit-learn's speed (goal ≥ {GOAL_RATIO}×: "
        f"{'met' if fast >= GOAL_RATIO else 'NOT met'})\n- in order: {tight:.1f} ns per update "
        f"(goal ≤ {GOAL_IN_ORDER_NS:.0f} ns: {'met' if tight <= GOAL_IN_ORDER_NS else 'NOT met'})"
        f"\n- median (min–max) over the rounds, ns/update: scikit-learn "
        f"{spread(ns['sklearn'])}, ours {spread(ns['ours'])}, in order {spread(ns['in order'])}"
    )
    # Time per sample against batch size.
    curves: dict[str, list[float]] = {"ours": [], "lesson": [], "dataloader": [], "floor": []}
    rows = []
    for batch in BATCHES:
        updates = min(n // batch, BASELINE_UPDATES)
        per = time_rounds(
            {
                "ours": lambda b=batch: ours(b),
                "lesson": lambda b=batch, u=updates: lesson_loop(x, y, b, u),
                "dataloader": lambda b=batch, u=updates: dataloader_sgd(x, y, b, 1, u),
                "floor": lambda: shuffled_read(x, y, 1),
            },
            max(2, rounds - 2),
        )
        samples = {"ours": n, "floor": n, "lesson": updates * batch, "dataloader": updates * batch}  # fmt: skip
        for name, values in per.items():
            curves[name].append(statistics.median(values) / samples[name] * 1e9)
        rows.append([str(batch), *(f"{curves[k][-1]:,.1f}" for k in curves),
                     f"{curves['ours'][-1] / curves['floor'][-1]:.2f}×"])  # fmt: skip
        print("  " + " | ".join(rows[-1]), flush=True)
    sweep = table(
        ["batch", "ours ns/sample", "lesson's loop", "DataLoader + optim.SGD", "shuffled read",
         "ours / shuffled read"],
        rows,
    )  # fmt: skip
    sklearn_ns = best["sklearn"]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    labels = {"ours": "ours (sgd)", "lesson": "the lesson's loop",
              "dataloader": "DataLoader + optim.SGD", "floor": "floor: one shuffled read"}  # fmt: skip
    for name, label in labels.items():
        ax.plot(BATCHES, curves[name], "o-", label=label)
    ax.plot([1], [sklearn_ns], "k*", markersize=12, label="scikit-learn SGDRegressor (batch 1)")
    ax.set(xscale="log", yscale="log", xlabel="batch size", ylabel="ns per sample",
           title=f"One shuffled epoch, n = {n:,} (CPU, {threads} thread)")  # fmt: skip
    ax.legend(fontsize="small")
    fig.tight_layout()
    out = PLOT if not small else Path(os.environ.get(RESULTS_ENV, tempfile.mkdtemp())).with_name(PLOT.name)  # fmt: skip
    fig.savefig(out, dpi=100)
    cold, warm = first_call()
    emit(
        f"## Batch size 1: scikit-learn's SGDRegressor against ours ({cpu_model()}, "
        f"{threads} torch thread)\n\nOne epoch, lr {LR}, ns per update, best of "
        f"{len(ns['ours'])} rounds, interleaved, after a warm-up; the ratio's range is over the "
        "rounds. scikit-learn and ours shuffled make the same run; in order, ours reads the "
        "samples one after the other. Ours records every update's parameters and loss."
        f"\n\n{one}\n\n{goals}\n\n## Time per sample against batch size\n\nOne shuffled "
        f"epoch over n = {n:,}, ns per sample (median). The lesson's loop and the DataLoader "
        f"are timed on their first {BASELINE_UPDATES:,} updates (or the epoch, if shorter); "
        f"scikit-learn (batch 1 only, best round): {sklearn_ns:.1f} ns.\n\n{sweep}\n\n"
        "## First call in a fresh process"
        f"\n\n`import sgd_tutorial` and one `sgd` call on 1,000 samples, in a new Python: "
        f"**{cold:.2f} s** with an empty numba cache (compilation included), **{warm:.2f} s** "
        "with the cache warm."
    )


if __name__ == "__main__":
    main()
