"""Benchmark: the lesson's fit as a 100-frame, 640 × 480 mp4, two ways, in one run.

1. ``FitAnimation.save`` (this package): background drawn once, only the moving artists redrawn
   (blitting), raw RGBA frames piped into ffmpeg's stdin.
2. ``matplotlib.animation.FuncAnimation(...).save(..., FFMpegWriter)`` on the same figure with the
   same update function: matplotlib redraws the whole figure for every frame.

Both use the same ffmpeg (imageio-ffmpeg's) and libx264. Prints both times, their ratio and the
sizes (the mp4 files and the ``<video>`` element that ``to_html`` embeds)::

    python benchmarks/bench_animation.py [--repeat 3]

Each way is timed ``--repeat`` times from scratch (a fresh figure, nothing cached) and the best
time is reported: other work on the machine only ever adds time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg
import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.animation import FFMpegWriter, FuncAnimation

from sgd_tutorial import animate_fit, gradient_descent, make_linear_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timings per way (best is shown)")
    args = parser.parse_args()

    data = make_linear_data(100, seed=0)
    fit = gradient_descent(data.x, data.y, lr=0.1, steps=100)
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    # matplotlib finds ffmpeg only through this setting (imageio-ffmpeg's binary is not named
    # "ffmpeg"); the package itself never relies on it.
    mpl.rcParams["animation.ffmpeg_path"] = ffmpeg

    ours: list[float] = []
    theirs: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        ours_path = Path(folder) / "blit.mp4"
        theirs_path = Path(folder) / "funcanimation.mp4"
        html_size = 0
        for _ in range(args.repeat):
            anim = animate_fit(data.x, data.y, fit, max_frames=100, fps=30)
            start = time.perf_counter()
            anim.save(ours_path)
            ours.append(time.perf_counter() - start)
            html_size = len(anim.to_html().encode())  # cached: no second encoding
            frames, size = anim.frames, anim.size
            plt.close(anim.figure)

        for _ in range(args.repeat):
            anim = animate_fit(data.x, data.y, fit, max_frames=100, fps=30)
            update = anim._update
            reference = FuncAnimation(
                anim.figure, update, frames=anim.frames, interval=1000 / 30, blit=False
            )
            start = time.perf_counter()
            reference.save(
                theirs_path, writer=FFMpegWriter(fps=30, codec="libx264"), dpi=anim.figure.dpi
            )
            theirs.append(time.perf_counter() - start)
            plt.close(anim.figure)

        ours_size = ours_path.stat().st_size
        theirs_size = theirs_path.stat().st_size

    best_ours, best_theirs = min(ours), min(theirs)
    print(f"animation: {frames} frames, {size[0]} × {size[1]}, best of {args.repeat}")
    print(f"ffmpeg: {ffmpeg}")
    print(
        f"FitAnimation.save (blit + pipe):       {best_ours:7.3f} s   "
        f"mp4 {ours_size / 1024:6.1f} KiB   to_html {html_size / 1024:6.1f} KiB"
    )
    print(
        f"FuncAnimation.save (FFMpegWriter):     {best_theirs:7.3f} s   "
        f"mp4 {theirs_size / 1024:6.1f} KiB"
    )
    print(f"speed-up: {best_theirs / best_ours:.1f}×  (goal: ≥ 10×)")
    print(
        f"all timings (s): ours {[round(t, 3) for t in ours]}, "
        f"FuncAnimation {[round(t, 3) for t in theirs]}"
    )


if __name__ == "__main__":
    main()
