"""Peak memory of a fit at n = 10,000,000, as a multiple of the data's size.

Each case runs in a fresh Python process, which makes the data (``make_linear_data``, float32),
then measures

    (peak RSS during the fit − RSS just before it) / (x.nbytes + y.nbytes)

where the peak is Linux's high-water mark ``VmHWM`` of ``/proc/self/status``, reset just before
the fit by writing ``5`` to ``/proc/self/clear_refs``. So it counts everything the fit allocates
at its worst moment: the permutation, the gathered batches, the statistics, the trajectory it
returns (shown separately). The data itself is not counted: it exists before the fit.

Run: ``python benchmarks/bench_memory.py`` (``--quick`` for n = 1,000,000).
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
from pathlib import Path

import torch
from _common import emit, quick, set_threads, table

# (label, function, keyword arguments): all at lr 0.1 from (-1, 1).
CASES = [
    ("`sgd`, 1 epoch, batch 64, shuffled", "sgd", {"epochs": 1, "batch_size": 64}),
    ("`sgd`, 1 epoch, batch 1024, shuffled", "sgd", {"epochs": 1, "batch_size": 1024}),
    (
        "`sgd`, 1 epoch, batch 1024, in order",
        "sgd",
        {"epochs": 1, "batch_size": 1024, "shuffle": False},
    ),
    ("`gradient_descent`, 100 steps", "gradient_descent", {"steps": 100}),
]


def _status(field: str) -> int:
    """A ``/proc/self/status`` field, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    msg = f"no {field} in /proc/self/status"
    raise RuntimeError(msg)


def child(n: int, function: str, kwargs: dict[str, object]) -> None:
    """Make the data, fit once, print the measures as JSON."""
    import sgd_tutorial
    from sgd_tutorial import make_linear_data

    set_threads()
    data = make_linear_data(n, seed=0)
    x, y = data.x, data.y
    fit_fn = getattr(sgd_tutorial, function)
    fit_fn(x[:1000], y[:1000], lr=0.1, **kwargs)  # load what a first call loads, outside the peak
    gc.collect()
    before = _status("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    fit = fit_fn(x, y, lr=0.1, **kwargs)
    peak = _status("VmHWM")
    print(
        json.dumps(
            {
                "data": x.nbytes + y.nbytes,
                "before": before,
                "peak": peak,
                "result": fit.params.nbytes + fit.losses.nbytes,
                "steps": fit.steps,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 1,000,000, for a smoke run")
    parser.add_argument("--child", nargs=3, metavar=("N", "FUNCTION", "KWARGS"), help="internal")
    args = parser.parse_args()
    if args.child:
        n, function, kwargs = args.child
        child(int(n), function, json.loads(kwargs))
        return
    if not Path("/proc/self/clear_refs").exists():
        emit("## Peak memory\n\nSkipped: needs Linux's /proc/self/status and clear_refs.")
        return

    n = 1_000_000 if quick(args.quick) else 10_000_000
    mb = 1e6
    rows, worst = [], 0.0
    for label, function, kwargs in CASES:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(n), function, json.dumps(kwargs)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        m = json.loads(out.strip().splitlines()[-1])
        growth = m["peak"] - m["before"]
        worst = max(worst, growth / m["data"])
        rows.append(
            [
                label,
                f"{m['steps']:,}",
                f"{m['data'] / mb:,.0f}",
                f"{m['before'] / mb:,.0f}",
                f"{m['peak'] / mb:,.0f}",
                f"{growth / mb:,.1f}",
                f"{m['result'] / mb:,.1f}",
                f"{growth / m['data']:.2f}×",
            ]
        )
        print("  " + " | ".join(rows[-1]), flush=True)
    header = [
        "fit",
        "updates",
        "data MB (x + y)",
        "RSS before fit, MB",
        "peak RSS during fit, MB",
        "growth, MB",
        "of which the returned trajectory, MB",
        "growth ÷ data",
    ]
    verdict = "met" if worst <= 1.5 else "NOT met"
    emit(
        f"## Peak memory, n = {n:,}, float32 (CPU)\n\n"
        "Each fit in a fresh process, after the data is made. Growth = peak RSS during the fit "
        "(`VmHWM`, reset just before it) − RSS just before it; the data, made earlier, is not in "
        "the growth. The returned trajectory (every update's parameters and loss) is part of "
        "the growth.\n\n"
        + table(header, rows)
        + f"\n\n- worst case: {worst:.2f}× the data's size (goal ≤ 1.5×: {verdict})"
    )
    if torch.cuda.is_available():
        cuda_memory(n)
    else:
        emit("## Peak GPU memory\n\nSkipped: no CUDA GPU on this machine.")


def cuda_memory(n: int) -> None:
    """The same fits with the data on the GPU: growth of PyTorch's allocated GPU memory."""
    import sgd_tutorial
    from sgd_tutorial import make_linear_data

    data = make_linear_data(n, seed=0, device="cuda")
    x, y = data.x, data.y
    rows, worst = [], 0.0
    for label, function, kwargs in CASES:
        fit_fn = getattr(sgd_tutorial, function)
        fit_fn(x[:1000], y[:1000], lr=0.1, **kwargs)
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        fit_fn(x, y, lr=0.1, **kwargs)
        torch.cuda.synchronize()
        growth = torch.cuda.max_memory_allocated() - before
        data_bytes = x.nbytes + y.nbytes
        worst = max(worst, growth / data_bytes)
        rows.append([label, f"{growth / 1e6:,.1f}", f"{growth / data_bytes:.2f}×"])
    emit(
        f"## Peak GPU memory, n = {n:,}, float32 (CUDA, {torch.cuda.get_device_name(0)})\n\n"
        "Growth of `torch.cuda.max_memory_allocated()` during the fit over the memory "
        "allocated just before it (the data on the GPU).\n\n"
        + table(["fit", "growth, MB", "growth ÷ data"], rows)
        + f"\n\n- worst case: {worst:.2f}× the data's size"
    )


if __name__ == "__main__":
    main()
