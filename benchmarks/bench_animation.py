"""Benchmark: the lesson's fit as a 100-frame, 640 × 480 mp4, two ways, in one run.

* **ours**: ``animate_fit(...).save("fit.mp4")``: the background is drawn once, each frame
  redraws only the line and the title over it (blitting), and the raw RGBA pixels are piped
  into ffmpeg's stdin.
* **FuncAnimation**: ``matplotlib.animation.FuncAnimation(...).save(..., FFMpegWriter)`` on the
  same figure with the same update function: matplotlib redraws the whole figure every frame.

Both write figures made by ``animate_fit`` (before the timing) and use the same ffmpeg
(imageio-ffmpeg's) and libx264. Also prints the sizes of the files and of the ``<video>``
element that ``to_html`` embeds. Run: ``python benchmarks/bench_animation.py`` (``--quick``:
one round).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import imageio_ffmpeg
import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt
from _common import emit, quick, ratio, spread, table, time_rounds
from matplotlib.animation import FFMpegWriter, FuncAnimation

from sgd_tutorial import FitAnimation, animate_fit, gradient_descent, make_linear_data

FPS = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round, for a smoke run")
    rounds = 1 if quick(parser.parse_args().quick) else 5

    data = make_linear_data(100, seed=0)
    fit = gradient_descent(data.x, data.y, lr=0.1, steps=100)
    # matplotlib finds ffmpeg only through this setting (imageio-ffmpeg's binary is not named
    # "ffmpeg"); the package itself never relies on it.
    mpl.rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()

    def build() -> FitAnimation:
        return animate_fit(data.x, data.y, fit, max_frames=100, fps=FPS)

    with tempfile.TemporaryDirectory() as folder:
        ours_path, theirs_path = Path(folder, "blit.mp4"), Path(folder, "funcanimation.mp4")

        # A fresh animation for every call, built before the timing:
        # what is timed is the writing alone.
        fresh = {way: [build() for _ in range(rounds + 1)] for way in ("ours", "theirs")}

        def ours() -> None:
            anim = fresh["ours"].pop()
            anim.save(ours_path)
            plt.close(anim.figure)

        def theirs() -> None:
            anim = fresh["theirs"].pop()
            reference = FuncAnimation(anim.figure, anim.update, frames=anim.frames, blit=False)
            writer = FFMpegWriter(fps=FPS, codec="libx264")
            reference.save(theirs_path, writer=writer, dpi=anim.figure.dpi)
            plt.close(anim.figure)

        times = time_rounds({"ours": ours, "theirs": theirs}, rounds, warmup=1)
        anim = build()
        html_size = len(anim.to_html().encode())
        frames, (width, height) = anim.frames, anim.figure.canvas.get_width_height()
        plt.close(anim.figure)
        ours_kib, theirs_kib = (f"{p.stat().st_size / 1024:.1f}" for p in (ours_path, theirs_path))

    speedup = statistics.median(times["theirs"]) / statistics.median(times["ours"])
    rows = [
        ["ours: `FitAnimation.save` (blit + pipe)", spread(times["ours"], 1, 3), ours_kib, "1×"],
        [
            "`FuncAnimation.save(FFMpegWriter)`",
            spread(times["theirs"], 1, 3),
            theirs_kib,
            ratio(times["theirs"], times["ours"]),
        ],
    ]
    emit(
        f"## Animation: the lesson's fit, {frames} frames, {width} × {height}, mp4\n\n"
        f"Medians (min–max) over {rounds} round{'s' if rounds > 1 else ''}, each from a fresh "
        "figure.\n\n"
        + table(["way", "seconds", "mp4 KiB", "÷ ours"], rows)
        + f"\n\n- speed-up {speedup:.1f}× (goal ≥ 10×: {'met' if speedup >= 10 else 'NOT met'})"
        + f"\n- `to_html()` embeds {html_size / 1024:.1f} KiB "
        + f"(goal ≤ 100 KB: {'met' if html_size <= 100_000 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
