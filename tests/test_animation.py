"""Animations: frame selection, the mp4 / GIF / HTML writers, fallbacks, atomic saves, errors."""

from __future__ import annotations

import base64
import math
import re
import stat
import subprocess
from pathlib import Path

import imageio_ffmpeg
import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from sgd_tutorial import (
    FFmpegNotFoundWarning,
    Fit,
    FitAnimation,
    LinearData,
    animate_descent,
    animate_fit,
    animation,
    gradient_descent,
    least_squares,
    make_linear_data,
    mse,
    select_frames,
    sgd,
)

SMALL = {"figsize": (2.4, 1.8), "dpi": 50}  # 120 × 90 pixels: quick to encode


@pytest.fixture(scope="module")
def gd(data: LinearData) -> Fit:
    return gradient_descent(data.x, data.y, lr=0.1, steps=100)


@pytest.fixture(scope="module")
def mb(data: LinearData) -> Fit:
    return sgd(data.x, data.y, lr=0.1, epochs=2, batch_size=5, seed=0)


@pytest.fixture
def small(data: LinearData, gd: Fit) -> FitAnimation:
    """Eight frames of 120 × 90 pixels."""
    return animate_fit(data.x, data.y, gd, max_frames=8, fps=10, **SMALL)


@pytest.fixture
def no_ffmpeg(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Neither imageio-ffmpeg's binary nor an ffmpeg on the PATH."""

    def missing() -> str:
        raise RuntimeError("No ffmpeg exe could be found.")

    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", missing)
    monkeypatch.setenv("PATH", str(tmp_path_factory.mktemp("empty-bin")))


def read_mp4(path: Path) -> tuple[dict[str, object], list[np.ndarray]]:
    """Decode a video with imageio-ffmpeg's ffmpeg: codec, size, fps, and the frames (RGB)."""
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    # Without an output ffmpeg describes the input and exits with status 1.
    probe = subprocess.run(
        [exe, "-hide_banner", "-i", str(path)], capture_output=True, text=True, check=False
    )
    stream = re.search(r"Video: (\w+).*?, (\d+)x(\d+)[ ,].*?([\d.]+) fps", probe.stderr)
    assert stream is not None, probe.stderr
    width, height = int(stream.group(2)), int(stream.group(3))
    meta = {"codec": stream.group(1), "size": (width, height), "fps": float(stream.group(4))}
    decoded = subprocess.run(
        [exe, "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
        capture_output=True,
        check=True,
    ).stdout
    frames = list(np.frombuffer(decoded, np.uint8).reshape(-1, height, width, 3))
    return meta, frames


# -- frame selection -----------------------------------------------------------------------------


def test_select_frames_uses_every_step_when_there_are_few() -> None:
    assert select_frames(0, 2) == [0]
    assert select_frames(5, 6) == [0, 1, 2, 3, 4, 5]
    assert select_frames(5, 100) == list(range(6))


def test_select_frames_is_dense_at_the_start() -> None:
    frames = select_frames(1000, 50)
    gaps = np.diff(frames)
    assert gaps[0] == 1
    assert gaps[-1] > 10 * gaps[0]


@given(steps=st.integers(0, 100_000), max_frames=st.integers(2, 500))
def test_select_frames_properties(steps: int, max_frames: int) -> None:
    frames = select_frames(steps, max_frames)
    assert frames[0] == 0
    assert frames[-1] == steps
    assert len(frames) == min(steps + 1, max_frames)
    gaps = np.diff(frames)
    assert (gaps >= 1).all()  # strictly increasing
    assert (np.diff(gaps) >= -1).all()  # gaps never shrink (up to rounding): denser at the start
    assert all(isinstance(frame, int) for frame in frames)


@pytest.mark.parametrize(
    ("steps", "max_frames", "error", "match"),
    [
        (10, 1, ValueError, r"max_frames must be an integer >= 2, got 1"),
        (10, 0, ValueError, r"max_frames"),
        (10, 2.0, TypeError, r"max_frames must be an integer, got 2.0"),
        (10, True, TypeError, r"max_frames"),
        (-1, 10, ValueError, r"steps must be an integer >= 0, got -1"),
        ("10", 10, TypeError, r"steps"),
    ],
)
def test_select_frames_rejects_bad_arguments(
    steps: object, max_frames: object, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        select_frames(steps, max_frames)  # type: ignore[arg-type]


# -- what is drawn -------------------------------------------------------------------------------


def test_frames_follow_select_frames(data: LinearData, gd: Fit) -> None:
    assert animate_fit(data.x, data.y, gd, max_frames=10, **SMALL).frames == 10
    short = gradient_descent(data.x, data.y, lr=0.1, steps=5)
    assert animate_fit(data.x, data.y, short, **SMALL).frames == 6


def test_last_frame_matches_the_fit(data: LinearData, gd: Fit) -> None:
    anim = animate_fit(data.x, data.y, gd)
    assert anim.size == (640, 480)
    ax = anim.figure.axes[0]
    (line,) = [a for a in ax.get_lines() if a.get_label() == "model"]
    u = data.x[:, 0].double()
    ends = np.array([u.min().item(), u.max().item()])
    slope, intercept = gd.coef.double().tolist()
    np.testing.assert_allclose(line.get_xdata(), ends)
    np.testing.assert_allclose(line.get_ydata(), slope * ends + intercept, rtol=1e-6)
    loss = mse(data.x.double() @ gd.coef.double(), data.y.double()).item()
    assert ax.get_title() == f"step 100  ·  loss {loss:.4f}"

    # The pixels: the middle of the line, in the rendered last frame, has the line's colour.
    pixels = anim.frame(-1)
    assert pixels.shape == (480, 640, 4)
    middle = ends.mean(), slope * ends.mean() + intercept
    px, py = ax.transData.transform(middle)
    colour = pixels[480 - round(py), round(px), :3] / 255
    np.testing.assert_allclose(colour, to_rgb(line.get_color()), atol=0.05)


def test_first_frame_shows_the_start(data: LinearData, gd: Fit) -> None:
    anim = animate_fit(data.x, data.y, gd)
    ax = anim.figure.axes[0]
    (line,) = [a for a in ax.get_lines() if a.get_label() == "model"]
    pixels = anim.frame(0)
    # The starting line (-1, 1) goes through (0, 1); the final one (3, 2.5) does not.
    px, py = ax.transData.transform((0.0, 1.0))
    colour = pixels[480 - round(py), round(px), :3] / 255
    np.testing.assert_allclose(colour, to_rgb(line.get_color()), atol=0.05)
    # Rendering a frame leaves the figure at the last frame.
    assert ax.get_title().startswith("step 100 ")
    assert not line.get_animated()


def test_figure_is_the_last_frame_and_known_to_pyplot(small: FitAnimation) -> None:
    assert isinstance(small.figure, Figure)
    assert plt.fignum_exists(small.figure.number)
    assert small.figure.axes[0].get_title().startswith("step 100 ")
    assert repr(small) == "<FitAnimation: 8 frames at 10 fps, 120×90>"


def test_descent_draws_paths_and_the_minimum(data: LinearData, gd: Fit, mb: Fit) -> None:
    anim = animate_descent(data.x, data.y, [gd, mb], labels=["GD", "SGD"], max_frames=12, **SMALL)
    assert anim.frames == 12  # over the longer run: max(100, 40) steps
    left, right = anim.figure.axes
    lines = {line.get_label(): line for line in left.get_lines()}
    assert set(lines) == {"GD", "SGD"}
    trails = [line for line in right.get_lines() if len(line.get_xdata()) > 1]
    assert len(trails) == 2
    for trail, fit in zip(trails, [gd, mb], strict=True):
        np.testing.assert_allclose(trail.get_xydata(), fit.params.double().numpy(), rtol=1e-6)
    (star,) = [line for line in right.get_lines() if line.get_label() == "least squares"]
    best = least_squares(data.x.double(), data.y.double()).numpy()
    np.testing.assert_allclose(star.get_xydata()[0], best, rtol=1e-6)
    title = anim.figure.get_suptitle()
    assert title.startswith("step 100 ")
    assert "GD" in title
    assert "SGD" in title
    pixels = anim.frame(5)
    assert pixels.shape == (90, 120, 4)


def test_descent_accepts_one_fit_and_default_labels(data: LinearData, gd: Fit) -> None:
    anim = animate_descent(data.x, data.y, gd, max_frames=3, **SMALL)
    labels = [line.get_label() for line in anim.figure.axes[0].get_lines()]
    assert labels == ["GD, lr 0.1"]


# -- writers -------------------------------------------------------------------------------------


def test_mp4_decodes_to_the_frames(small: FitAnimation, tmp_path: Path) -> None:
    path = small.save(tmp_path / "fit.mp4")
    assert path == tmp_path / "fit.mp4"
    data = path.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # +faststart: plays while loading
    meta, frames = read_mp4(path)
    assert meta["codec"] == "h264"
    assert meta["size"] == (120, 90)
    assert meta["fps"] == pytest.approx(10)
    assert len(frames) == small.frames
    # The decoded last frame is the rendered one, up to compression.
    rendered = small.frame(-1)[..., :3].astype(float)
    assert np.abs(frames[-1].astype(float) - rendered).mean() < 6
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_mp4_of_odd_size_is_padded_to_even(data: LinearData, gd: Fit, tmp_path: Path) -> None:
    anim = animate_fit(data.x, data.y, gd, max_frames=3, figsize=(2.42, 1.82), dpi=50)
    assert anim.size == (121, 91)
    meta, frames = read_mp4(anim.save(tmp_path / "odd.mp4"))
    assert meta["size"] == (122, 92)
    assert len(frames) == 3


def test_gif_has_the_frames(small: FitAnimation, tmp_path: Path) -> None:
    path = small.save(tmp_path / "fit.gif")
    with Image.open(path) as image:
        assert image.format == "GIF"
        assert image.n_frames == small.frames
        assert image.size == (120, 90)
        assert image.info["loop"] == 0
        assert image.info["duration"] == 100  # 10 fps


def test_html_page_has_a_playable_video(small: FitAnimation, tmp_path: Path) -> None:
    path = small.save(tmp_path / "fit.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in page
    video = re.search(r"<video [^>]*>", page)
    assert video is not None
    assert "controls" in video.group()
    assert "<title>Animation: the fitted line" in page
    encoded = re.search(r'src="data:video/mp4;base64,([^"]+)"', page)
    assert encoded is not None
    mp4 = tmp_path / "inline.mp4"
    mp4.write_bytes(base64.b64decode(encoded.group(1)))
    assert len(read_mp4(mp4)[1]) == small.frames


def test_to_html_is_an_accessible_inline_video(small: FitAnimation) -> None:
    html = small.to_html()
    assert html.startswith("<video controls loop muted playsinline ")
    assert "autoplay" not in html
    assert 'aria-label="Animation: the fitted line' in html
    assert 'type="video/mp4" src="data:video/mp4;base64,' in html
    assert small._repr_html_() == html
    assert " autoplay " in small.to_html(autoplay=True)
    with pytest.raises(TypeError, match="autoplay must be True or False"):
        small.to_html(autoplay=1)  # type: ignore[arg-type]


def test_the_video_is_encoded_once(
    small: FitAnimation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    encode = FitAnimation._encode_mp4

    def spy(self: FitAnimation, ffmpeg: str, target: Path) -> None:
        calls.append(target)
        encode(self, ffmpeg, target)

    monkeypatch.setattr(FitAnimation, "_encode_mp4", spy)
    first = small.to_html()
    assert small.to_html() == first
    small.save(tmp_path / "a.mp4")
    small.save(tmp_path / "b.html")
    assert len(calls) == 1
    encoded = re.search(r'base64,([^"]+)"', first)
    assert encoded is not None
    assert (tmp_path / "a.mp4").read_bytes() == base64.b64decode(encoded.group(1))


def test_embedded_lesson_video_is_small(data: LinearData, gd: Fit) -> None:
    anim = animate_fit(data.x, data.y, gd)  # the tutorial's: 100 steps, 640 × 480
    assert anim.frames == 100
    assert len(anim.to_html()) < 100 * 1024


def test_suffix_is_case_insensitive(small: FitAnimation, tmp_path: Path) -> None:
    path = small.save(str(tmp_path / "FIT.GIF"))
    with Image.open(path) as image:
        assert image.format == "GIF"


@pytest.mark.parametrize("name", ["fit.avi", "fit", "fit.mp4.bak"])
def test_unknown_suffix_lists_the_supported_ones(
    small: FitAnimation, tmp_path: Path, name: str
) -> None:
    with pytest.raises(ValueError, match=r"supported suffixes: \.gif, \.html, \.mp4"):
        small.save(tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_save_rejects_a_bad_path(small: FitAnimation, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"path must be a str or os\.PathLike, got int"):
        small.save(3)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        small.save(tmp_path / "missing" / "fit.gif")


def test_saved_file_has_normal_permissions(small: FitAnimation, tmp_path: Path) -> None:
    path = small.save(tmp_path / "fit.gif")
    assert stat.S_IMODE(path.stat().st_mode) & 0o044  # readable by others, as the umask allows


# -- without ffmpeg ------------------------------------------------------------------------------


def test_find_ffmpeg_prefers_imageio_ffmpeg() -> None:
    assert animation.find_ffmpeg() == imageio_ffmpeg.get_ffmpeg_exe()


@pytest.mark.usefixtures("no_ffmpeg")
def test_find_ffmpeg_falls_back_to_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert animation.find_ffmpeg() is None
    folder = tmp_path / "bin"
    folder.mkdir()
    fake = folder / "ffmpeg"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))
    assert animation.find_ffmpeg() == str(fake)


@pytest.mark.usefixtures("no_ffmpeg")
def test_no_ffmpeg_saves_a_gif_with_a_warning(small: FitAnimation, tmp_path: Path) -> None:
    with pytest.warns(FFmpegNotFoundWarning, match="no ffmpeg found.*GIF"):
        path = small.save(tmp_path / "fit.mp4")
    assert path == tmp_path / "fit.gif"
    assert list(tmp_path.iterdir()) == [path]
    with Image.open(path) as image:
        assert image.n_frames == small.frames


@pytest.mark.usefixtures("no_ffmpeg")
def test_no_ffmpeg_html_embeds_a_gif(small: FitAnimation, tmp_path: Path) -> None:
    with pytest.warns(FFmpegNotFoundWarning):
        html = small.to_html()
    assert html.startswith('<img src="data:image/gif;base64,')
    assert 'alt="Animation: the fitted line' in html
    with pytest.warns(FFmpegNotFoundWarning):
        page = small.save(tmp_path / "fit.html").read_text(encoding="utf-8")
    assert "data:image/gif;base64," in page


# -- failures leave nothing behind ---------------------------------------------------------------


@pytest.fixture
def broken_ffmpeg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = tmp_path / "tools" / "ffmpeg"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\necho 'Unknown encoder libx264' >&2\nexit 1\n")
    script.chmod(0o755)
    monkeypatch.setattr(animation, "find_ffmpeg", lambda: str(script))


@pytest.mark.usefixtures("broken_ffmpeg")
def test_failing_ffmpeg_does_not_clobber(small: FitAnimation, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    existing = out / "fit.mp4"
    existing.write_bytes(b"the old video")
    with pytest.raises(RuntimeError, match=r"ffmpeg .* exit status 1: Unknown encoder libx264"):
        small.save(existing)
    assert existing.read_bytes() == b"the old video"
    assert list(out.iterdir()) == [existing]


def test_failing_render_leaves_nothing(tmp_path: Path) -> None:
    fig = plt.figure(figsize=(1, 1), dpi=40)
    (line,) = fig.add_subplot().plot([0, 1], [0, 1])

    def update(i: int) -> None:
        if i == 2:
            raise ArithmeticError("frame 2 cannot be drawn")
        line.set_ydata([0, i])

    anim = FitAnimation(fig, [line], update, 4)
    existing = tmp_path / "anim.gif"
    existing.write_bytes(b"old")
    for name in ("anim.gif", "anim.mp4", "new.gif"):
        with pytest.raises(ArithmeticError, match="frame 2"):
            anim.save(tmp_path / name)
    assert existing.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [existing]
    assert not line.get_animated()


def test_failing_rename_removes_the_temporary_file(
    small: FitAnimation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = tmp_path / "fit.gif"
    existing.write_bytes(b"old")

    def fail(*_: object) -> Path:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        small.save(existing)
    assert existing.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [existing]


# -- bad arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"max_frames": 1}, ValueError, r"max_frames must be an integer >= 2, got 1"),
        ({"max_frames": 10.5}, TypeError, r"max_frames must be an integer, got 10.5"),
        ({"fps": 0}, ValueError, r"fps must be a finite number > 0, got 0"),
        ({"fps": -5}, ValueError, r"fps must be a finite number > 0, got -5"),
        ({"fps": math.nan}, ValueError, r"fps must be a finite number > 0, got nan"),
        ({"fps": math.inf}, ValueError, r"fps"),
        ({"fps": "30"}, TypeError, r"fps must be a real number"),
        ({"figsize": (0, 3)}, ValueError, r"figsize must be two finite numbers > 0"),
        ({"figsize": 4}, ValueError, r"figsize"),
        ({"dpi": 0}, ValueError, r"dpi must be a finite number > 0, got 0"),
    ],
)
def test_animate_fit_rejects_bad_arguments(
    data: LinearData, gd: Fit, kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        animate_fit(data.x, data.y, gd, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(error, match=match):
        animate_descent(data.x, data.y, gd, **kwargs)  # type: ignore[arg-type]


def test_mismatched_dimensions(data: LinearData, gd: Fit) -> None:
    wide = make_linear_data(50, coef=(1.0, 2.0, 3.0), seed=0)
    with pytest.raises(ValueError, match=r"fit has 2 parameters per step but x has 3 columns"):
        animate_fit(wide.x, wide.y, gd)
    wide_fit = gradient_descent(wide.x, wide.y, init=(0.0, 0.0, 0.0), steps=3)
    with pytest.raises(ValueError, match=r"fits\[1\] has 2 parameters per step but x has 3"):
        animate_descent(wide.x, wide.y, [wide_fit, gd])
    with pytest.raises(ValueError, match=r"fit has 3 parameters per step but x has 2 columns"):
        animate_fit(data.x, data.y, wide_fit)
    with pytest.raises(ValueError, match=r"x must have shape \(n, 2\).*got shape \(50, 3\)"):
        animate_fit(wide.x, wide.y, wide_fit)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda d, f: (d.x.numpy(), d.y, f), TypeError, r"x must be a torch.Tensor"),
        (lambda d, f: (d.x, d.y[:-1], f), ValueError, r"x and y must have the same length"),
        (lambda d, f: (d.x, d.y, f.params), TypeError, r"fit must be a Fit.*got Tensor"),
        (lambda d, f: (d.x * 2, d.y, f), ValueError, r"last column must be all ones"),
    ],
)
def test_animate_fit_rejects_bad_data(
    data: LinearData, gd: Fit, change: object, error: type[Exception], match: str
) -> None:
    x, y, fit = change(data, gd)  # type: ignore[operator]
    with pytest.raises(error, match=match):
        animate_fit(x, y, fit)


def test_animate_descent_rejects_bad_fits(data: LinearData, gd: Fit) -> None:
    with pytest.raises(ValueError, match="at least one Fit"):
        animate_descent(data.x, data.y, [])
    with pytest.raises(TypeError, match=r"fits\[1\] must be a Fit"):
        animate_descent(data.x, data.y, [gd, "sgd"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"labels must have one label per fit \(2\), got 1"):
        animate_descent(data.x, data.y, [gd, gd], labels=["GD"])
    with pytest.raises(TypeError, match="labels must be a sequence of str"):
        animate_descent(data.x, data.y, [gd], labels="GD")


def test_fit_animation_checks_its_arguments() -> None:
    fig = plt.figure(figsize=(1, 1), dpi=20)
    (line,) = fig.add_subplot().plot([0, 1])
    with pytest.raises(TypeError, match="figure must be a matplotlib Figure"):
        FitAnimation("fig", [line], print, 2)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="artists must be matplotlib Artists"):
        FitAnimation(fig, ["line"], print, 2)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="update must be callable"):
        FitAnimation(fig, [line], 3, 2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="frames must be an integer >= 1, got 0"):
        FitAnimation(fig, [line], print, 0)
    with pytest.raises(ValueError, match="crf must be an integer from 0 to 51, got 52"):
        FitAnimation(fig, [line], print, 2, crf=52)
    with pytest.raises(TypeError, match="description must be a str"):
        FitAnimation(fig, [line], print, 2, description=None)  # type: ignore[arg-type]
    anim = FitAnimation(fig, [line], lambda i: line.set_ydata([0, i]), 3)
    with pytest.raises(IndexError, match="index must be < frames=3, got 3"):
        anim.frame(3)
    with pytest.raises(ValueError, match="index must be an integer >= -3, got -4"):
        anim.frame(-4)
    assert isinstance(line, Line2D)


def test_main_writes_the_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert animation.main([str(tmp_path / "lesson.mp4")]) == 0
    assert "wrote" in capsys.readouterr().out
    meta, frames = read_mp4(tmp_path / "lesson.mp4")
    assert meta["size"] == (640, 480)
    assert len(frames) == 100
    assert not plt.get_fignums()


def test_float64_data(data: LinearData) -> None:
    x, y = data.x.double(), data.y.double()
    fit = gradient_descent(x, y, steps=4)
    anim = animate_fit(x, y, fit, **SMALL)
    assert anim.frames == 5
    loss = mse(x @ fit.coef, y).item()
    assert anim.figure.axes[0].get_title() == f"step 4  ·  loss {loss:.4f}"
    assert fit.params.dtype == torch.float64


def test_a_figure_without_an_agg_canvas_is_rendered_with_one(tmp_path: Path) -> None:
    fig = Figure(figsize=(1, 1), dpi=40)  # not pyplot's: a bare FigureCanvasBase
    canvas = fig.canvas
    (line,) = fig.add_subplot().plot([0, 1], [0, 1])
    anim = FitAnimation(fig, [line], lambda i: line.set_ydata([0, i]), 3, fps=5)
    assert anim.frame(1).shape == (40, 40, 4)
    with Image.open(anim.save(tmp_path / "bare.gif")) as image:
        assert image.n_frames == 3
    assert fig.canvas is canvas


def test_main_rejects_an_unknown_suffix(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        animation.main(["fit.avi"])
    assert exit_info.value.code == 2
    assert "must end in one of .gif, .html, .mp4" in capsys.readouterr().err
