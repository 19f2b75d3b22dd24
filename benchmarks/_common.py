"""Shared helpers of the benchmarks: timing in rounds, the machine, markdown tables.

Every benchmark times its baselines and ours in the same process, interleaved round by round, so
that load from other processes hits all of them alike: the ratios are what to read, the absolute
figures move with the machine. Run as a script, this module writes the header of the results
file, and at the end its reStructuredText twin that the docs include (they have no markdown
parser)::

    python benchmarks/_common.py header benchmarks/results.md
    python benchmarks/_common.py rst benchmarks/results.md   # -> benchmarks/results.rst

Each ``bench_*.py`` script prints its tables and, when the environment variable
``SGD_BENCH_RESULTS`` names a file, appends them to it (``nox -s bench`` does both).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

RESULTS_ENV = "SGD_BENCH_RESULTS"
THREADS_ENV = "SGD_BENCH_THREADS"
QUICK_ENV = "SGD_BENCH_QUICK"


def quick(flag: bool) -> bool:
    """Whether to run at small sizes: ``--quick`` given, or ``SGD_BENCH_QUICK=1``."""
    return flag or os.environ.get(QUICK_ENV) == "1"


def set_threads() -> int:
    """Set torch's CPU threads from ``SGD_BENCH_THREADS`` (default 1) and return the count.

    One thread by default: on a machine shared with other work, every parallel region of a
    multi-threaded op waits for the busiest core, which adds milliseconds at random to whichever
    way runs the larger ops (ours) and leaves the tiny ops of the baselines alone. One thread
    gives steady ratios, and if anything it favours the baselines: their ops are too small to
    run in parallel anyway. ``SGD_BENCH_THREADS=0`` keeps torch's default.
    """
    wanted = int(os.environ.get(THREADS_ENV, "1"))
    if wanted > 0:
        torch.set_num_threads(wanted)
    return torch.get_num_threads()


def cpu_model() -> str:
    """The CPU's model name, from ``/proc/cpuinfo`` where there is one."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    """Cores this process may run on (its affinity), else the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def machine() -> list[tuple[str, str]]:
    """What the figures depend on, as (what, value) pairs."""
    set_threads()
    rows = [
        ("date (UTC)", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")),
        ("CPU", cpu_model()),
        ("cores usable / in machine", f"{usable_cores()} / {os.cpu_count()}"),
        ("torch threads", str(torch.get_num_threads())),
        ("torch", torch.__version__),
        ("Python", platform.python_version()),
        ("OS", f"{platform.system()} {platform.release()}"),
    ]
    if torch.cuda.is_available():
        rows.append(("GPU", torch.cuda.get_device_name(0)))
    else:
        rows.append(("GPU", "none (CUDA benchmarks skipped)"))
    try:
        load = os.getloadavg()
        rows.append(("load average at start", " / ".join(f"{v:.2f}" for v in load)))
    except (AttributeError, OSError):
        pass
    return rows


def sync(device: str) -> None:
    """Wait for the device to finish, so a timer sees the work and not just its launch."""
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def time_rounds(
    methods: dict[str, Callable[[], object]],
    rounds: int,
    *,
    device: str = "cpu",
    warmup: int = 1,
) -> dict[str, list[float]]:
    """Time each method ``rounds`` times, interleaved, after ``warmup`` untimed calls each.

    Returns the seconds of every timed call, per method.
    """
    for fn in methods.values():
        for _ in range(warmup):
            fn()
            sync(device)
    times: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(rounds):
        for name, fn in methods.items():
            gc.collect()
            sync(device)
            start = time.perf_counter()
            fn()
            sync(device)
            times[name].append(time.perf_counter() - start)
    return times


def spread(values: Sequence[float], scale: float = 1.0, digits: int = 1) -> str:
    """``median (min–max)`` of ``values × scale``."""
    v = [x * scale for x in values]
    return f"{_num(statistics.median(v), digits)} ({_num(min(v), digits)}–{_num(max(v), digits)})"


def _num(value: float, digits: int) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def ratio(slow: Sequence[float], fast: Sequence[float]) -> str:
    """Ratio of the medians, and its range over rounds (each round's slow over its fast)."""
    per_round = [s / f for s, f in zip(slow, fast, strict=True)]
    mid = statistics.median(slow) / statistics.median(fast)
    return f"{_ratio(mid)}× ({_ratio(min(per_round))}–{_ratio(max(per_round))})"


def _ratio(value: float) -> str:
    return f"{value:.0f}" if value >= 20 else f"{value:.1f}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A markdown pipe table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def emit(text: str) -> None:
    """Print a section of results, and append it to the results file if one is named."""
    print(text, flush=True)
    target = os.environ.get(RESULTS_ENV)
    if target:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(text.rstrip("\n") + "\n\n")


def header() -> str:
    """The top of the results file: what this is and the machine it came from."""
    rows = [(f"{what}", value) for what, value in machine()]
    return (
        "# Benchmark results\n\n"
        "Written by `nox -s bench` (the scripts in `benchmarks/`). Every table compares ways "
        "timed in the same run, interleaved round by round; figures are medians over the "
        "rounds with the (min–max) range in brackets, and ratios are baseline / ours. The "
        "machine may be shared, so read the ratios rather than the absolute times.\n\n"
        "## Machine\n\n" + table(["what", "value"], rows) + "\n"
    )


def _inline(text: str) -> str:
    """Markdown inline code ```x``` to reStructuredText ````x````."""
    return re.sub(r"`([^`]+)`", r"``\1``", text)


def markdown_to_rst(markdown: str) -> str:
    """Convert the markdown these scripts write (headings, paragraphs, pipe tables, bullets).

    The docs build has no markdown parser, so ``docs/performance.rst`` includes this
    conversion of results.md. The top ``#`` heading is dropped: the page has its own title.
    """
    out: list[str] = []
    rows: list[list[str]] = []

    def flush_table() -> None:
        if not rows:
            return
        out.extend([".. list-table::", "   :header-rows: 1", ""])
        for row in rows:
            for i, cell in enumerate(row):
                out.append(("   * - " if i == 0 else "     - ") + _inline(cell))
        out.append("")
        rows.clear()

    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= {"-", ":"} for c in cells):  # skip the |---| rule
                rows.append(cells)
            continue
        flush_table()
        if line.startswith("# "):
            continue
        if line.startswith("## "):
            title = _inline(line[3:].strip())
            out.extend([title, "~" * len(title)])
        else:
            out.append(_inline(line))
    flush_table()
    return "\n".join(out).strip() + "\n"


if __name__ == "__main__":
    usage = (
        "usage: python benchmarks/_common.py header RESULTS.md  (start the results file)\n"
        "       python benchmarks/_common.py rst RESULTS.md     (write RESULTS.rst beside it)"
    )
    if len(sys.argv) != 3 or sys.argv[1] not in {"header", "rst"}:
        sys.exit(usage)
    path = Path(sys.argv[2])
    if sys.argv[1] == "header":
        path.write_text(header() + "\n", encoding="utf-8")
        print(header())
    else:
        rst = markdown_to_rst(path.read_text(encoding="utf-8"))
        path.with_suffix(".rst").write_text(rst, encoding="utf-8")
