"""Animations of a fit: the line sliding into place, and the path through the loss landscape.

:func:`animate_fit` and :func:`animate_descent` return a :class:`FitAnimation`, which shows itself
in Jupyter and in sphinx-gallery output (``_repr_html_``: an inline H.264 video with controls), can
be saved as ``.mp4``, ``.gif`` or a standalone ``.html`` page, and keeps the last frame in
:attr:`FitAnimation.figure` for a static picture.

Why it is fast: the parts of the figure that do not move (axes, data, contours, legend) are drawn
once; each frame redraws only the moving artists over a copy of that background (blitting) and
pipes the raw RGBA pixels straight into ffmpeg's stdin. ``matplotlib.animation`` redraws the whole
figure for every frame, which is more than ten times slower for these plots.

ffmpeg comes from the ``imageio-ffmpeg`` wheel (a static binary, a dependency of this package) or
else from ``ffmpeg`` on the ``PATH``; matplotlib's ``animation.ffmpeg_path`` setting is not used,
because sphinx-gallery resets matplotlib's settings before every example. Without any ffmpeg the
animations fall back to animated GIFs, with an :class:`FFmpegNotFoundWarning`.

To write the lesson's fit as a sample video::

    python -c "from sgd_tutorial.animation import main; main(['fit.mp4'])"
"""

from __future__ import annotations

import argparse
import base64
import html
import math
import os
import secrets
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from fractions import Fraction
from io import BytesIO
from pathlib import Path
from typing import cast

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from numpy.typing import NDArray
from PIL import Image
from torch import Tensor

from sgd_tutorial._checks import check_real
from sgd_tutorial.data import make_linear_data
from sgd_tutorial.optimize import Fit, gradient_descent, sgd
from sgd_tutorial.plotting import (
    Array,
    _check_fit,
    _check_fits,
    _draw_landscape,
    _params,
    _Problem,
    _problem,
    _scatter,
    _width,
)

__all__ = [
    "FFmpegNotFoundWarning",
    "FitAnimation",
    "animate_descent",
    "animate_fit",
    "find_ffmpeg",
    "select_frames",
]

SUFFIXES = (".gif", ".html", ".mp4")
# Browsers show GIF frames shorter than 20 ms at 100 ms, so GIFs are never faster than 50 fps.
_MIN_GIF_MS = 20


class FFmpegNotFoundWarning(UserWarning):
    """No ffmpeg was found, so an animation is written as an animated GIF instead of an mp4.

    Install ``imageio-ffmpeg`` (``pip install imageio-ffmpeg``) or put an ``ffmpeg`` on the
    ``PATH`` to get small H.264 videos.
    """


def find_ffmpeg() -> str | None:
    """The ffmpeg executable to use, or ``None`` when there is none.

    Returns
    -------
    str or None
        The binary shipped by ``imageio-ffmpeg`` (or the one ``IMAGEIO_FFMPEG_EXE`` names),
        else ``ffmpeg`` from the ``PATH``, else ``None``.
    """
    try:
        import imageio_ffmpeg  # noqa: PLC0415 - optional at run time, see the fallback

        exe: str = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        return shutil.which("ffmpeg")
    return exe


def _int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        msg = f"{name} must be an integer, got {value!r}"
        raise TypeError(msg)
    if value < minimum:
        msg = f"{name} must be an integer >= {minimum}, got {value!r}"
        raise ValueError(msg)
    return int(value)


def _check_fps(fps: object) -> float:
    value = check_real("fps", fps)
    if not (math.isfinite(value) and value > 0):
        msg = f"fps must be a finite number > 0, got {fps!r}"
        raise ValueError(msg)
    return value


def select_frames(steps: int, max_frames: int) -> list[int]:
    """Which rows of a fit's trajectory (``0`` to ``steps``) to show as frames.

    Every row is used when there are at most ``max_frames`` of them. Otherwise the frames are
    spaced quadratically: dense at the start, where the parameters change fast, sparse at the
    end, where they barely move.

    Parameters
    ----------
    steps : int
        Number of updates of the fit (its trajectory has ``steps + 1`` rows), >= 0.
    max_frames : int
        Most frames wanted, >= 2.

    Returns
    -------
    list of int
        Strictly increasing row indices; the first is 0 and the last is ``steps``, and there are
        ``min(steps + 1, max_frames)`` of them.

    Examples
    --------
    >>> select_frames(3, 10)
    [0, 1, 2, 3]
    >>> select_frames(100, 5)
    [0, 7, 26, 57, 100]
    """
    steps = _int("steps", steps, 0)
    max_frames = _int("max_frames", max_frames, 2)
    if steps + 1 <= max_frames:
        return list(range(steps + 1))
    # Frame i is i + round(extra * (i / (m - 1))²): the first term keeps the frames strictly
    # increasing, the second is non-decreasing and puts the remaining steps mostly at the end.
    last = max_frames - 1
    extra = steps - last
    return [i + round(extra * (i / last) ** 2) for i in range(max_frames)]


@contextmanager
def _agg_canvas(figure: Figure) -> Iterator[FigureCanvasAgg]:
    """An Agg canvas for ``figure``: its own if it has one, else a temporary one."""
    canvas = figure.canvas
    if isinstance(canvas, FigureCanvasAgg):
        yield canvas
        return
    agg = FigureCanvasAgg(figure)  # a bare Figure, or a vector or Cairo backend
    try:
        yield agg
    finally:
        figure.set_canvas(canvas)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file beside ``path``, then rename it onto ``path``.

    A failure leaves no partial file and whatever was at ``path`` untouched.
    """
    part = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        with part.open("xb") as file:  # created with the usual permissions (umask)
            file.write(data)
        part.replace(path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


class FitAnimation:
    """An animation of a fit: save it, embed it, or look at its last frame.

    Usually made by :func:`animate_fit` or :func:`animate_descent`. Nothing is rendered until
    the animation is first shown or saved; the encoded video is then cached, so showing it again
    or saving it as ``.mp4`` or ``.html`` does not encode it again. (Changes to the figure after
    that first render are therefore not seen in the video.)

    Parameters
    ----------
    figure : Figure
        The figure to animate. It should use the Agg canvas (any non-interactive backend, or
        the inline backend of Jupyter); another canvas is swapped for Agg while rendering.
    artists : sequence of Artist
        The artists that change from frame to frame. Everything else is drawn only once.
    update : callable
        ``update(i)`` sets the moving artists to frame ``i`` (from 0 to ``frames - 1``).
    frames : int
        Number of frames, >= 1.
    fps : float, default 30
        Frames per second.
    description : str, default "Animation"
        What the animation shows, in words: the video's accessible label and the GIF's alt text.
    crf : int, default 28
        H.264 quality, from 0 (lossless) to 51 (worst): each step of 6 halves or doubles the
        size. Flat colours, text and thin lines stay crisp up to about 30.

    Attributes
    ----------
    figure : Figure
        The figure, left at the last frame: the static picture (and the sphinx-gallery
        thumbnail) of the animation.
    frames : int
        Number of frames.
    fps : float
        Frames per second.
    description : str
        The text alternative of the animation.

    Notes
    -----
    In Jupyter or a sphinx-gallery example, make the animation the *last expression* of a cell
    (``anim = animate_fit(...)`` then ``anim`` on its own line): the video then appears below
    the cell, and the static figure as well.
    """

    def __init__(
        self,
        figure: Figure,
        artists: Sequence[Artist],
        update: Callable[[int], object],
        frames: int,
        *,
        fps: float = 30,
        description: str = "Animation",
        crf: int = 28,
    ) -> None:
        if not isinstance(cast(object, figure), Figure):
            msg = f"figure must be a matplotlib Figure, got {type(figure).__name__}"
            raise TypeError(msg)
        if not all(isinstance(artist, Artist) for artist in artists):
            msg = f"artists must be matplotlib Artists, got {artists!r}"
            raise TypeError(msg)
        if not callable(cast(object, update)):
            msg = f"update must be callable, got {type(update).__name__}"
            raise TypeError(msg)
        if not isinstance(cast(object, description), str):
            msg = f"description must be a str, got {type(description).__name__}"
            raise TypeError(msg)
        self.figure = figure
        self.frames = _int("frames", frames, 1)
        self.fps = _check_fps(fps)
        self.description = description
        self.crf = _int("crf", crf, 0)
        if self.crf > 51:
            msg = f"crf must be an integer from 0 to 51, got {crf!r}"
            raise ValueError(msg)
        self._artists = list(artists)
        self._update = update
        self._cache: dict[str, bytes] = {}
        self._size: tuple[int, int] | None = None
        update(self.frames - 1)

    def __repr__(self) -> str:
        width, height = self.size
        return f"<FitAnimation: {self.frames} frames at {self.fps:g} fps, {width}×{height}>"

    @property
    def size(self) -> tuple[int, int]:
        """Width and height of a frame in pixels."""
        if self._size is None:
            width, height = self.figure.bbox.size
            return int(width), int(height)
        return self._size

    # -- rendering ---------------------------------------------------------------------------

    def _render(
        self, sink: Callable[[NDArray[np.uint8]], object], which: Sequence[int] | None = None
    ) -> None:
        """Render frames (all, or those in ``which``) and pass each one's RGBA buffer to ``sink``.

        The buffer is the canvas's own, valid only until the next frame is drawn.
        """
        figure = self.figure
        with _agg_canvas(figure) as canvas:
            for artist in self._artists:
                artist.set_animated(True)
            try:
                # Everything but the animated artists: the background, drawn once.
                canvas.draw()  # type: ignore[no-untyped-call]
                background = canvas.copy_from_bbox(figure.bbox)  # type: ignore[no-untyped-call]
                for index in range(self.frames) if which is None else which:
                    canvas.restore_region(background)  # type: ignore[no-untyped-call]
                    self._update(index)
                    for artist in self._artists:
                        figure.draw_artist(artist)
                    pixels: NDArray[np.uint8] = np.asarray(
                        canvas.buffer_rgba()  # type: ignore[no-untyped-call]
                    )
                    self._size = (pixels.shape[1], pixels.shape[0])
                    sink(pixels)
            finally:
                for artist in self._artists:
                    artist.set_animated(False)
                self._update(self.frames - 1)

    def frame(self, index: int) -> NDArray[np.uint8]:
        """Render one frame.

        Parameters
        ----------
        index : int
            Frame number, from 0 to ``frames - 1``; negative numbers count from the end.

        Returns
        -------
        ndarray
            RGBA pixels, shape ``(height, width, 4)``, ``uint8``.
        """
        position = _int("index", index, -self.frames)
        if position >= self.frames:
            msg = f"index must be < frames={self.frames}, got {index!r}"
            raise IndexError(msg)
        pixels: list[NDArray[np.uint8]] = []
        self._render(lambda buffer: pixels.append(np.array(buffer)), [position % self.frames])
        return pixels[0]

    def _encode_mp4(self, ffmpeg: str, target: Path) -> None:
        """Pipe the frames to ffmpeg, which writes an H.264 mp4 to ``target``."""
        process: subprocess.Popen[bytes] | None = None
        with tempfile.TemporaryFile() as log:

            def sink(buffer: NDArray[np.uint8]) -> None:
                nonlocal process
                if process is None:
                    height, width = buffer.shape[:2]
                    rate = Fraction(self.fps).limit_denominator(1_000_000)
                    command = [
                        *(ffmpeg, "-hide_banner", "-loglevel", "error", "-y"),
                        *("-f", "rawvideo", "-pix_fmt", "rgba", "-s", f"{width}x{height}"),
                        *("-framerate", f"{rate.numerator}/{rate.denominator}"),
                        *("-i", "pipe:0"),
                        # yuv420p needs even dimensions: pad an odd one with a white pixel.
                        *("-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2:color=white"),
                        *("-c:v", "libx264", "-preset", "veryfast", "-tune", "animation"),
                        *("-crf", str(self.crf)),
                        *("-pix_fmt", "yuv420p", "-movflags", "+faststart"),
                        *("-f", "mp4", str(target)),
                    ]
                    process = subprocess.Popen(
                        command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log
                    )
                assert process.stdin is not None
                process.stdin.write(buffer.data)

            try:
                self._render(sink)
            except BrokenPipeError:
                pass  # ffmpeg stopped reading: its exit status and log say why, below
            except BaseException:
                if process is not None:
                    process.kill()
                    process.wait()
                raise
            finally:
                if process is not None and process.stdin is not None:
                    with suppress(BrokenPipeError):
                        process.stdin.close()
            assert process is not None  # _render draws at least one frame
            status = process.wait()
            if status != 0:
                log.seek(0)
                message = log.read().decode(errors="replace").strip()
                msg = f"ffmpeg ({ffmpeg}) failed with exit status {status}: {message}"
                raise RuntimeError(msg)

    def _mp4(self, ffmpeg: str) -> bytes:
        if "mp4" not in self._cache:
            with tempfile.TemporaryDirectory(prefix="sgd-tutorial-") as folder:
                target = Path(folder) / "animation.mp4"
                self._encode_mp4(ffmpeg, target)
                self._cache["mp4"] = target.read_bytes()
        return self._cache["mp4"]

    def _gif(self) -> bytes:
        if "gif" not in self._cache:
            images: list[Image.Image] = []

            def rgb(buffer: NDArray[np.uint8]) -> Image.Image:
                height, width = buffer.shape[:2]
                return Image.frombytes("RGBA", (width, height), bytes(buffer)).convert("RGB")

            # One palette for every frame, from the last one (all the moving artists are there),
            # and no dithering: both keep the frames' differences, and so the file, small.
            palette = rgb(self.frame(-1)).quantize(255, dither=Image.Dither.NONE)

            def sink(buffer: NDArray[np.uint8]) -> None:
                images.append(rgb(buffer).quantize(palette=palette, dither=Image.Dither.NONE))

            self._render(sink)
            out = BytesIO()
            images[0].save(
                out,
                format="GIF",
                save_all=True,
                append_images=images[1:],
                duration=max(_MIN_GIF_MS, round(1000 / self.fps)),
                loop=0,
            )
            self._cache["gif"] = out.getvalue()
        return self._cache["gif"]

    def _video(self, purpose: str) -> tuple[str, bytes]:
        """The best format available: ``("mp4", bytes)``, or ``("gif", bytes)`` with a warning."""
        if "mp4" in self._cache:
            return "mp4", self._cache["mp4"]
        ffmpeg = find_ffmpeg()
        if ffmpeg is None:
            msg = (
                f"no ffmpeg found (neither imageio-ffmpeg's nor one on the PATH), so {purpose} "
                f"an animated GIF instead of an H.264 mp4 video; install imageio-ffmpeg for "
                f"smaller, sharper videos"
            )
            warnings.warn(msg, FFmpegNotFoundWarning, stacklevel=3)
            return "gif", self._gif()
        return "mp4", self._mp4(ffmpeg)

    # -- output ------------------------------------------------------------------------------

    def _html(self, kind: str, data: bytes, *, autoplay: bool) -> str:
        width, height = self.size
        label = html.escape(self.description, quote=True)
        encoded = base64.b64encode(data).decode("ascii")
        style = 'style="max-width: 100%; height: auto;"'
        if kind == "gif":
            return (
                f'<img src="data:image/gif;base64,{encoded}" alt="{label}" '
                f'width="{width}" height="{height}" {style}>'
            )
        play = " autoplay" if autoplay else ""
        return (
            f'<video controls loop muted playsinline{play} width="{width + width % 2}" '
            f'height="{height + height % 2}" {style} aria-label="{label}" title="{label}">'
            f'<source type="video/mp4" src="data:video/mp4;base64,{encoded}">'
            f"{label} (your browser cannot play this H.264 video)</video>"
        )

    def to_html(self, *, autoplay: bool = False) -> str:
        """An HTML ``<video>`` element with the H.264 video inline, for notebooks and web pages.

        Parameters
        ----------
        autoplay : bool, default False
            Start playing as soon as the page shows it (muted, looping). Off by default: the
            reader starts it with the controls.

        Returns
        -------
        str
            ``<video controls loop muted playsinline ...>`` with the mp4 as a base64 data URI
            and :attr:`description` as its accessible label. Without ffmpeg (with an
            :class:`FFmpegNotFoundWarning`), an ``<img>`` of an animated GIF with
            :attr:`description` as its alt text.
        """
        if not isinstance(cast(object, autoplay), bool):
            msg = f"autoplay must be True or False, got {autoplay!r}"
            raise TypeError(msg)
        kind, data = self._video("the HTML embeds")
        return self._html(kind, data, autoplay=autoplay)

    def _repr_html_(self) -> str:
        return self.to_html()

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the animation to a file, choosing the format by the file's suffix.

        The file is written under a temporary name in the same folder and then renamed, so a
        failure leaves no partial file and never damages an existing one.

        Parameters
        ----------
        path : str or os.PathLike
            ``*.mp4`` (H.264, plays in every browser), ``*.gif`` (animated GIF) or ``*.html``
            (a standalone page with the video inline and its controls).

        Returns
        -------
        Path
            The file written. Without ffmpeg (with an :class:`FFmpegNotFoundWarning`) an
            ``.mp4`` is written as a GIF with the suffix ``.gif`` instead, and an ``.html``
            page holds a GIF.

        Raises
        ------
        ValueError
            If the suffix is not one of ``.gif``, ``.html`` or ``.mp4``.
        FileNotFoundError
            If the folder does not exist.
        """
        if not isinstance(cast(object, path), (str, os.PathLike)):
            msg = f"path must be a str or os.PathLike, got {type(path).__name__}"
            raise TypeError(msg)
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix not in SUFFIXES:
            msg = (
                f"cannot save an animation as {suffix or 'a file without a suffix'!r} "
                f"({target.name!r}); supported suffixes: {', '.join(SUFFIXES)}"
            )
            raise ValueError(msg)
        folder = target.parent
        if not folder.is_dir():
            msg = f"the folder {str(folder)!r} to save {target.name!r} in does not exist"
            raise FileNotFoundError(msg)
        if suffix == ".gif":
            data = self._gif()
        elif suffix == ".mp4":
            kind, data = self._video(f"{target.name!r} is written as")
            if kind == "gif":
                target = target.with_suffix(".gif")
        else:
            kind, data = self._video("the page embeds")
            title = html.escape(self.description)
            page = (
                '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f"<title>{title}</title>\n</head>\n<body>\n"
                f"{self._html(kind, data, autoplay=False)}\n</body>\n</html>\n"
            )
            data = page.encode("utf-8")
        _atomic_write(target, data)
        return target


# -- the animations of the tutorials ------------------------------------------------------------


def _new_figure(figsize: object, dpi: object) -> Figure:
    """A pyplot-managed figure (so sphinx-gallery's scraper and ``plt.show`` see it)."""
    if not (
        isinstance(figsize, Sequence)
        and len(figsize) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in figsize)
        and all(math.isfinite(v) and v > 0 for v in figsize)
    ):
        msg = f"figsize must be two finite numbers > 0 (width, height in inches), got {figsize!r}"
        raise ValueError(msg)
    resolution = check_real("dpi", dpi)
    if not (math.isfinite(resolution) and resolution > 0):
        msg = f"dpi must be a finite number > 0, got {dpi!r}"
        raise ValueError(msg)
    return plt.figure(figsize=(float(figsize[0]), float(figsize[1])), dpi=resolution)


def _ylim(problem: _Problem, heights: Array) -> tuple[float, float]:
    """Vertical range: the data, and the lines as far as one data span beyond it."""
    low, high = float(problem.y.min()), float(problem.y.max())
    span = max(high - low, 1e-3)
    low = max(min(low, float(heights.min())), low - span)
    high = min(max(high, float(heights.max())), high + span)
    margin = 0.05 * (high - low)
    return low - margin, high + margin


def animate_fit(
    x: Tensor,
    y: Tensor,
    fit: Fit,
    *,
    max_frames: int = 100,
    fps: float = 30,
    figsize: tuple[float, float] = (6.4, 4.8),
    dpi: float = 100,
) -> FitAnimation:
    """The data and the fitted line at each recorded step of a fit.

    Parameters
    ----------
    x : Tensor
        Inputs of shape ``(n, 2)``: the feature, then a column of ones.
    y : Tensor
        Targets of shape ``(n,)``.
    fit : Fit
        The run to show, from :func:`~sgd_tutorial.gradient_descent` or :func:`~sgd_tutorial.sgd`.
    max_frames : int, default 100
        Most frames; longer runs are sampled densely at the start (:func:`select_frames`).
    fps : float, default 30
        Frames per second.
    figsize : (float, float), default (6.4, 4.8)
        Size in inches; with ``dpi`` 100, 640 × 480 pixels.
    dpi : float, default 100
        Pixels per inch.

    Returns
    -------
    FitAnimation
        The title of each frame gives the step and the loss (MSE on all of ``x`` and ``y``).

    Examples
    --------
    >>> from sgd_tutorial import gradient_descent, make_linear_data
    >>> data = make_linear_data(100, seed=0)
    >>> fit = gradient_descent(data.x, data.y, lr=0.1, steps=100)
    >>> anim = animate_fit(data.x, data.y, fit, max_frames=50)
    >>> anim.frames
    50
    """
    fit = _check_fit(fit, "fit", _width(x))
    problem = _problem(x, y)
    max_frames = _int("max_frames", max_frames, 2)
    fps = _check_fps(fps)
    steps = select_frames(fit.steps, max_frames)
    params = _params(fit)[steps]
    losses = problem.losses(params)
    ends, heights = problem.lines(params)

    figure = _new_figure(figsize, dpi)
    ax = figure.add_subplot()
    _scatter(ax, problem)
    (line,) = ax.plot(ends, heights[-1], color="C0", linewidth=2.5, label="model", zorder=3)
    margin = 0.04 * (ends[1] - ends[0] or 1.0)
    ax.set_xlim(ends[0] - margin, ends[1] + margin)
    ax.set_ylim(*_ylim(problem, heights))
    ax.legend(loc="upper left")
    title = ax.set_title(" ")

    def update(i: int) -> None:
        line.set_ydata(heights[i])
        title.set_text(f"step {steps[i]}  ·  loss {losses[i]:.4f}")

    update(len(steps) - 1)
    figure.tight_layout()
    slope, intercept = params[-1]
    description = (
        f"Animation: the fitted line moving to the data over {fit.steps} updates "
        f"(lr {fit.lr:g}); it ends at slope {slope:.3g}, intercept {intercept:.3g}, "
        f"loss {losses[-1]:.4f}."
    )
    return FitAnimation(
        figure, [line, title], update, len(steps), fps=fps, description=description
    )


def animate_descent(
    x: Tensor,
    y: Tensor,
    fits: Fit | Sequence[Fit],
    *,
    labels: Sequence[str] | None = None,
    max_frames: int = 100,
    fps: float = 30,
    figsize: tuple[float, float] = (10.0, 4.4),
    dpi: float = 100,
) -> FitAnimation:
    """Fits moving through the loss landscape, beside the lines they draw through the data.

    Left: the data and each fit's current line. Right: contours of the MSE over
    (slope, intercept), the least-squares minimum (a star) and the path of each fit so far.

    Parameters
    ----------
    x : Tensor
        Inputs of shape ``(n, 2)``: the feature, then a column of ones.
    y : Tensor
        Targets of shape ``(n,)``.
    fits : Fit or sequence of Fit
        One or more runs, for example full-batch gradient descent and SGD from the same start.
        They are shown update by update; a shorter run stays at its end.
    labels : sequence of str, optional
        One label per fit; by default from how each fit was made (``"GD, lr 0.1"``).
    max_frames : int, default 100
        Most frames; longer runs are sampled densely at the start (:func:`select_frames`).
    fps : float, default 30
        Frames per second.
    figsize : (float, float), default (10.0, 4.4)
        Size in inches.
    dpi : float, default 100
        Pixels per inch.

    Returns
    -------
    FitAnimation
        The title of each frame gives the step and each fit's loss (MSE on all the data).
    """
    checked, names = _check_fits(fits, labels, _width(x))
    problem = _problem(x, y)
    max_frames = _int("max_frames", max_frames, 2)
    fps = _check_fps(fps)
    longest = max(fit.steps for fit in checked)
    steps = select_frames(longest, max_frames)
    paths = [_params(fit) for fit in checked]
    # Row shown of each fit at each frame, and its line and loss there.
    rows = [np.minimum(steps, fit.steps) for fit in checked]
    losses = [problem.losses(path[row]) for path, row in zip(paths, rows, strict=True)]
    ends, _ = problem.lines(np.zeros(2))
    heights = [problem.lines(path[row])[1] for path, row in zip(paths, rows, strict=True)]

    figure = _new_figure(figsize, dpi)
    left, right = figure.subplots(1, 2)
    _scatter(left, problem)
    _draw_landscape(right, problem, paths)
    moving: list[Artist] = []
    fit_lines: list[Line2D] = []
    trails: list[Line2D] = []
    heads: list[Line2D] = []
    for i, name in enumerate(names):
        color = f"C{i % 10}"
        (fit_line,) = left.plot(ends, heights[i][-1], color=color, linewidth=2.2, label=name)
        (trail,) = right.plot(*paths[i][:1].T, color=color, linewidth=1.4, zorder=3)
        (head,) = right.plot(*paths[i][0], marker="o", color=color, markeredgecolor="white")
        head.set_zorder(5)
        fit_lines.append(fit_line)
        trails.append(trail)
        heads.append(head)
        moving += [fit_line, trail, head]
    every = np.concatenate([h.ravel() for h in heights])
    margin = 0.04 * (ends[1] - ends[0] or 1.0)
    left.set_xlim(ends[0] - margin, ends[1] + margin)
    left.set_ylim(*_ylim(problem, every))
    left.legend(loc="upper left", fontsize="small")
    right.legend(loc="upper right", fontsize="small")
    title: Text = figure.suptitle(" ")
    moving.append(title)

    def update(j: int) -> None:
        for i in range(len(checked)):
            row = int(rows[i][j])
            fit_lines[i].set_ydata(heights[i][j])
            trails[i].set_data(paths[i][: row + 1, 0], paths[i][: row + 1, 1])
            heads[i].set_data([paths[i][row, 0]], [paths[i][row, 1]])
        parts = [f"{name} {loss[j]:.4f}" for name, loss in zip(names, losses, strict=True)]
        title.set_text(f"step {steps[j]}  ·  loss: " + ",  ".join(parts))

    update(len(steps) - 1)
    figure.tight_layout()
    finals = "; ".join(
        f"{name} ends at slope {path[-1, 0]:.3g}, intercept {path[-1, 1]:.3g}"
        for name, path in zip(names, paths, strict=True)
    )
    best = problem.best
    description = (
        f"Animation: {len(checked)} fit(s) moving over the contours of the loss in "
        f"(slope, intercept) towards the least-squares minimum at ({best[0]:.3g}, "
        f"{best[1]:.3g}), with their lines through the data beside. {finals}."
    )
    return FitAnimation(
        figure, moving, update, len(steps), fps=fps, description=description, crf=30
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Write a sample animation of the lesson's fit, from the command line.

    Run it as ``python -c "from sgd_tutorial.animation import main; main(['fit.mp4'])"``; add
    ``'--descent'`` to the list for gradient descent and SGD over the loss landscape.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (by default ``sys.argv[1:]``): the output path, whose suffix chooses
        the format (``.mp4``, ``.gif`` or ``.html``), and optionally ``--descent``.

    Returns
    -------
    int
        0, the exit status.
    """
    parser = argparse.ArgumentParser(
        prog="sgd_tutorial.animation.main",
        description="Write the lesson's fit (100 steps of gradient descent, lr 0.1) as an "
        "animation; the format follows the suffix (.mp4, .gif or .html).",
    )
    parser.add_argument("path", help="output file, for example fit.mp4")
    parser.add_argument(
        "--descent", action="store_true", help="GD and SGD over the loss landscape instead"
    )
    args = parser.parse_args(argv)
    if Path(args.path).suffix.lower() not in SUFFIXES:
        parser.error(f"the path must end in one of {', '.join(SUFFIXES)}, got {args.path!r}")
    data = make_linear_data(100, seed=0)
    gd = gradient_descent(data.x, data.y, lr=0.1, steps=100)
    if args.descent:
        mb = sgd(data.x, data.y, lr=0.1, epochs=5, batch_size=5, seed=0)
        anim = animate_descent(data.x, data.y, [gd, mb], labels=["GD", "SGD, batch 5"])
    else:
        anim = animate_fit(data.x, data.y, gd)
    written = anim.save(args.path)
    plt.close(anim.figure)
    print(f"wrote {written} ({written.stat().st_size / 1024:.0f} KiB, {anim!r})")
    return 0
