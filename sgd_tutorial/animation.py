"""Animations of a fit: the line finding the data, and the paths over the loss landscape."""

from __future__ import annotations

import base64
import html
import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from subprocess import PIPE, Popen
from typing import Any

import imageio_ffmpeg
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import NDArray
from torch import Tensor

from sgd_tutorial import plotting
from sgd_tutorial._checks import check_int, check_lr, check_real
from sgd_tutorial.records import Fit

# Browsers play H.264 in yuv420p (even sides: pad), index first (faststart); GIF: one palette.
_OUTPUT = {
    ".mp4": "-vf pad=ceil(iw/2)*2:ceil(ih/2)*2:color=white -c:v libx264 -preset veryfast "
    "-tune animation -crf 28 -pix_fmt yuv420p -movflags +faststart",
    ".gif": "-vf split[a][b];[a]palettegen[p];[b][p]paletteuse=dither=none",
}
_FPS = (0.01, 100.0)  # ffmpeg fails at 1e-5 fps; a GIF's frames last 1/100 s to 655.35 s
_PAGE = '<!DOCTYPE html>\n<html lang="en">\n<meta charset="utf-8">\n<title>{}</title>\n{}\n'


@dataclass(eq=False)
class FitAnimation:
    """An animation that plays inline (in Jupyter, on web pages) and saves as a video or page.

    ``figure`` holds the last frame, so it also shows as a still picture. :func:`animate_fit` and
    :func:`animate_descent` make one; ``update(i)`` moves ``artists`` to frame ``i``. Any
    figure works: several axes, text among the artists; ``fps`` is from 0.01 to 100.
    """

    figure: Figure  # drawn once, but for the artists
    artists: Sequence[Artist]
    update: Callable[[int], object]  # update(i) moves the artists to frame i
    frames: int
    fps: float = 30
    description: str = "Animation"  # what it shows, for screen readers

    def __post_init__(self) -> None:
        self.frames = check_int("frames", self.frames, 1)
        self.fps = _check_fps(self.fps)

    def _render(self) -> Iterator[memoryview]:
        """Yield each frame's pixels, redrawing only the artists (blitting), not the figure."""
        figure, canvas = self.figure, self.figure.canvas
        agg = canvas if isinstance(canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
        animated = [artist.get_animated() for artist in self.artists]
        for artist in self.artists:
            artist.set_animated(True)  # so that agg.draw() leaves it out of the background
        try:
            agg.draw()  # type: ignore[no-untyped-call]
            background = agg.copy_from_bbox(figure.bbox)  # type: ignore[no-untyped-call]
            for i in range(self.frames):
                agg.restore_region(background)  # type: ignore[no-untyped-call]
                self.update(i)
                for artist in self.artists:
                    figure.draw_artist(artist)
                yield agg.buffer_rgba()  # type: ignore[no-untyped-call]
        finally:
            for artist, was in zip(self.artists, animated, strict=True):
                artist.set_animated(was)
            figure.set_canvas(canvas)

    def _encode(self, suffix: str) -> bytes:
        """The bytes of a ``.html`` page, or of a ``.mp4`` or ``.gif`` made by ffmpeg."""
        if suffix == ".html":
            return _PAGE.format(html.escape(self.description), self.to_html()).encode()
        width, height = self.figure.canvas.get_width_height(physical=True)
        raw = f"-v error -f rawvideo -pix_fmt rgba -s {width}x{height} -framerate {self.fps} -i -"
        command = [imageio_ffmpeg.get_ffmpeg_exe(), *raw.split(), *_OUTPUT[suffix].split()]
        with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as folder:
            out, log = Path(folder, "out" + suffix), Path(folder, "log")
            with (
                suppress(BrokenPipeError),  # ffmpeg quit early: its log says why
                log.open("wb") as errors,
                Popen([*command, out], stdin=PIPE, stderr=errors) as ffmpeg,  # waits for it
            ):
                ffmpeg.stdin.writelines(self._render())  # type: ignore[union-attr]
            if ffmpeg.returncode != 0:
                msg = f"ffmpeg failed (exit status {ffmpeg.returncode}): {log.read_text().strip()}"
                raise RuntimeError(msg)
            return out.read_bytes()

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write a ``.mp4``, ``.gif`` or ``.html`` page whole or not at all; return its path.

        A symbolic link is written through (the file it points to gets the video); a file that
        opening for writing would refuse is refused; a replaced file keeps its mode.
        """
        target = Path(path)
        if target.suffix.lower() not in (".gif", ".html", ".mp4"):
            msg = f"cannot save {target.name!r}: supported suffixes are .gif, .html, .mp4"
            raise ValueError(msg)
        data = self._encode(target.suffix.lower())
        try:
            _replace(Path(os.path.realpath(target)), data)
        except OSError as error:
            if error.errno is None:
                raise
            # Name the user's path, not the linked file or our temporary file.
            raise type(error)(error.errno, error.strerror, str(target)) from None
        return target

    def to_html(self) -> str:
        """A ``<video controls loop>`` with the mp4 inline, that loads nothing from elsewhere.

        No poster: browsers show the first frame, and a still (WebP) would add 9-23 KiB.
        """
        width, height = (side + side % 2 for side in self.figure.canvas.get_width_height())
        mp4 = base64.b64encode(self._encode(".mp4")).decode()
        label = html.escape(self.description)
        return (
            f'<video controls loop muted playsinline width="{width}" height="{height}" '
            f'style="max-width: 100%; height: auto" aria-label="{label}" title="{label}">'
            f'<source type="video/mp4" src="data:video/mp4;base64,{mp4}"></video>'
        )

    _repr_html_ = to_html


def _check_fps(fps: object) -> float:
    """Return ``fps`` if it is a rate that ffmpeg encodes and a GIF can hold."""
    rate = check_lr(fps, "fps")
    low, high = _FPS
    want = f"between {low:g} and {high:g} frames per second"
    return check_real("fps", rate, lambda v: low <= v <= high, want)


def _replace(file: Path, data: bytes) -> None:
    """Put ``data`` at ``file`` in one step: readers see the old file or the new one, whole."""
    try:
        with file.open("r+b", buffering=0) as old:  # refuses what writing in place would refuse
            before = os.fstat(old.fileno())
    except FileNotFoundError:
        before = None
    if before is not None and not stat.S_ISREG(before.st_mode):  # a pipe or a device, written
        file.write_bytes(data)  # (no file there to replace)
        return
    part = file.with_name(f".{os.urandom(4).hex()}.part")  # short, so any valid name fits
    try:
        with part.open("xb") as new:
            new.write(data)
            os.fsync(new.fileno())  # on disk before the rename
        if before is not None:  # a replaced file keeps its mode, and its owner where allowed
            with suppress(PermissionError, AttributeError):  # (Windows has no chown)
                os.chown(part, before.st_uid, before.st_gid)
            part.chmod(stat.S_IMODE(before.st_mode))
        part.replace(file)
    except BaseException:
        with suppress(OSError):  # an error here must not hide the first one
            part.unlink(missing_ok=True)
        raise


def frame_steps(last: int, count: int) -> NDArray[np.int64]:
    """The steps shown: all, or ``count`` of them, denser at the start, where lines move most."""
    i = np.arange(min(count, last + 1))
    # i keeps the steps increasing; the square spends the others mostly towards the end.
    return i + np.round((last + 1 - len(i)) * (i / max(len(i) - 1, 1)) ** 2).astype(np.int64)


def _animate(x: Tensor, y: Tensor, fits: object, landscape: bool, **kw: Any) -> FitAnimation:
    """The data and each fit's line (left) and, with ``landscape``, their paths (right)."""
    data, fps = plotting.Landscape(x, y), _check_fps(kw.pop("fps"))
    runs, names = plotting.check_fits(fits, kw.pop("labels"), "fits" if landscape else "fit", 2)
    max_frames = check_int("max_frames", kw.pop("max_frames"), 2)
    kept = [data.drawable_rows(fit.params.double().numpy()) for fit in runs]  # (diverged: less)
    steps = frame_steps(max(max(kept) - 1, 0), max_frames)
    paths, labels = [], []  # only the rows shown, however long the runs
    for fit, k, name in zip(runs, kept, names, strict=True):  # one that ends stays at its end
        path = fit.params[np.minimum(steps, max(k - 1, 0))].double().numpy()
        paths.append(path if k else np.full_like(path, np.nan))  # nothing finite to draw
        labels.append(plotting.drawn_label(name, k, len(fit.params)))
    heads = np.stack(paths)  # (fit, frame, parameter)
    heights = heads[..., :1] * data.ends + heads[..., 1:]  # (fit, frame, end of the line)
    figure = plt.figure(**{"figsize": (10, 4.4) if landscape else (6.4, 4.8), **kw})
    left = plotting.plot_data(x, y, ax=figure.add_subplot(1, 1 + landscape, 1))
    lines = left.plot(data.ends, heights[:, -1].T, lw=2.5, label=labels)  # one line per fit
    low, high, drawn = data.y.min(), data.y.max(), heights[np.isfinite(heights)]
    pad = max(high - low, 1e-3)  # the lines show up to one data span beyond the data
    bottom, top = drawn.min(initial=low), drawn.max(initial=high)
    left.set_ylim(np.clip(bottom, low - pad, low), np.clip(top, high, high + pad))
    left.legend(loc="upper left", fontsize="small")
    if landscape:  # its lines after the star are each path, then the dot at its head
        plotting.plot_landscape(x, y, runs, labels=names, ax=figure.add_subplot(1, 2, 2))
    trails = figure.axes[1].get_lines()[1:] if landscape else []
    title = figure.suptitle(" ")

    def update(j: int) -> None:
        for line, height in zip(lines, heights, strict=True):
            line.set_ydata(height[j])
        for trail, head, path in zip(trails[::2], trails[1::2], paths, strict=False):
            trail.set_data(*path[: j + 1].T)
            head.set_data(*path[j : j + 1].T)
        losses = [f"{v:.4f}" if v < 1e5 else f"{v:.3e}" for v in data.loss(heads[:, j])]
        each = [f"{n}: {loss}" for n, loss in zip(names, losses, strict=True)]
        text = losses[0] if len(paths) == 1 else ",  ".join(each)
        title.set_text(f"step {steps[j]}  ·  loss {text}")

    update(len(steps) - 1)
    figure.tight_layout()
    description = f"Animation of {steps[-1]} updates of {', '.join(names)}"
    return FitAnimation(figure, [*lines, *trails, title], update, len(steps), fps, description)


def animate_fit(
    x: Tensor, y: Tensor, fit: Fit, *, max_frames: int = 100, fps: float = 30, **figure: Any
) -> FitAnimation:
    """Animate ``fit``'s line over the data ``x, y`` (as for :func:`~sgd_tutorial.plot_data`).

    At most ``max_frames`` frames (at least 2: the first and last step), denser at the start,
    where the line moves most. ``figure`` goes to :func:`matplotlib.pyplot.figure` (``figsize``,
    default 6.4 × 4.8 inches; ``dpi``).
    """
    return _animate(x, y, fit, False, labels=None, max_frames=max_frames, fps=fps, **figure)


def animate_descent(
    x: Tensor,
    y: Tensor,
    fits: Fit | Sequence[Fit],
    *,
    labels: Sequence[str] | None = None,
    max_frames: int = 100,
    fps: float = 30,
    **figure: Any,
) -> FitAnimation:
    """Animate the fits' paths over the loss landscape, beside their lines through the data.

    A shorter run stays at its end. ``labels`` are as for :func:`~sgd_tutorial.plot_losses`, the
    rest as for :func:`animate_fit` (but the default ``figsize`` is 10 × 4.4 inches).
    """
    return _animate(x, y, fits, True, labels=labels, max_frames=max_frames, fps=fps, **figure)
