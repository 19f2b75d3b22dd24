"""Animations: what is drawn, the mp4 / GIF / HTML files, atomic saves, errors, long runs."""

from __future__ import annotations

import base64
import errno
import math
import os
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
    Fit,
    FitAnimation,
    LinearData,
    animate_descent,
    animate_fit,
    gradient_descent,
    least_squares,
    make_linear_data,
    mse,
    sgd,
)
from sgd_tutorial.animation import _frames

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


def shown_steps(anim: FitAnimation) -> list[int]:
    """The step each frame shows, read back from the frames' titles."""
    steps = []
    for i in range(anim.frames):
        anim.update(i)
        steps.append(int(anim.figure.get_suptitle().split()[1]))
    anim.update(anim.frames - 1)
    return steps


# -- which steps are shown ------------------------------------------------------------------------


@given(steps=st.integers(0, 100_000), count=st.integers(2, 500))
def test_frames_include_first_and_last_and_are_denser_early(steps: int, count: int) -> None:
    shown = _frames(steps, count)
    assert shown[0] == 0
    assert shown[-1] == steps
    assert len(shown) == min(steps + 1, count)
    gaps = np.diff(shown)
    assert (gaps >= 1).all()  # strictly increasing
    assert (np.diff(gaps) >= -1).all()  # the gaps never shrink (up to rounding)


def test_the_titles_show_the_selected_steps(data: LinearData, gd: Fit) -> None:
    anim = animate_fit(data.x, data.y, gd, max_frames=5, **SMALL)
    assert shown_steps(anim) == [0, 7, 26, 57, 100] == _frames(100, 5).tolist()
    short = gradient_descent(data.x, data.y, lr=0.1, steps=3)
    assert shown_steps(animate_fit(data.x, data.y, short, **SMALL)) == [0, 1, 2, 3]


# -- what is drawn -------------------------------------------------------------------------------


def test_last_frame_matches_the_fit(data: LinearData, gd: Fit) -> None:
    anim = animate_fit(data.x, data.y, gd)
    assert anim.figure.canvas.get_width_height() == (640, 480)
    assert plt.fignum_exists(anim.figure.number)  # pyplot's: sphinx-gallery and plt.show see it
    ax = anim.figure.axes[0]
    (line,) = ax.get_lines()
    u = data.x[:, 0].double()
    ends = np.array([u.min().item(), u.max().item()])
    slope, intercept = gd.coef.double().tolist()
    np.testing.assert_allclose(line.get_xdata(), ends)
    np.testing.assert_allclose(line.get_ydata(), slope * ends + intercept, rtol=1e-6)
    loss = mse(data.x.double() @ gd.coef.double(), data.y.double()).item()
    assert anim.figure.get_suptitle() == f"step 100  ·  loss {loss:.4f}"
    assert line.get_label() == "GD, lr 0.1"

    # The pixels of the still figure: the middle of the line has the line's colour.
    anim.figure.canvas.draw()
    pixels = np.asarray(anim.figure.canvas.buffer_rgba())
    middle = ends.mean(), slope * ends.mean() + intercept
    px, py = ax.transData.transform(middle)
    np.testing.assert_allclose(
        pixels[480 - round(py), round(px), :3] / 255, to_rgb(line.get_color()), atol=0.05
    )


def test_first_frame_of_the_video_shows_the_start(
    data: LinearData, gd: Fit, tmp_path: Path
) -> None:
    anim = animate_fit(data.x, data.y, gd)
    ax = anim.figure.axes[0]
    (line,) = ax.get_lines()
    _, frames = read_mp4(anim.save(tmp_path / "fit.mp4"))
    assert len(frames) == 100
    # The starting line (-1, 1) goes through (0, 1); the final one (3, 2.5) does not.
    px, py = ax.transData.transform((0.0, 1.0))
    at = (480 - round(py), round(px))
    np.testing.assert_allclose(frames[0][at] / 255, to_rgb(line.get_color()), atol=0.15)
    assert frames[-1][at].min() > 200  # background
    assert not line.get_animated()  # rendering leaves the figure as it was


def test_descent_draws_paths_and_the_minimum(data: LinearData, gd: Fit, mb: Fit) -> None:
    anim = animate_descent(data.x, data.y, [gd, mb], labels=["GD", "SGD"], max_frames=12, **SMALL)
    assert anim.frames == 12  # over the longer run: max(100, 40) steps
    left, right = anim.figure.axes
    assert [line.get_label() for line in left.get_lines()] == ["GD", "SGD"]
    star, gd_trail, gd_head, mb_trail, mb_head = right.get_lines()
    best = least_squares(data.x.double(), data.y.double()).numpy()
    np.testing.assert_allclose(star.get_xydata()[0], best, rtol=1e-6)
    steps = shown_steps(anim)
    for trail, head, fit in [(gd_trail, gd_head, gd), (mb_trail, mb_head, mb)]:
        rows = np.minimum(steps, fit.steps)  # the SGD run is shorter: it stays at its end
        np.testing.assert_allclose(trail.get_xydata(), fit.params[rows].double(), rtol=1e-6)
        np.testing.assert_allclose(head.get_xydata()[0], fit.coef.double(), rtol=1e-6)
    title = anim.figure.get_suptitle()
    assert title.startswith("step 100  ·  loss GD: ")
    assert ",  SGD: " in title


def test_descent_accepts_one_fit_and_default_labels(data: LinearData, gd: Fit) -> None:
    anim = animate_descent(data.x, data.y, gd, max_frames=3, **SMALL)
    assert [line.get_label() for line in anim.figure.axes[0].get_lines()] == ["GD, lr 0.1"]


def test_losses_are_exact_when_the_targets_are_large(data: LinearData) -> None:
    # Defect: the MSE was computed as pᵀGp - 2pᵀc + yᵀy, which cancels when y is large.
    x, y = data.x.double(), data.y.double() + 1e8
    best = least_squares(x, y)
    params = torch.stack([best, best + torch.tensor([0.5, 0.0], dtype=torch.float64)])
    fit = Fit(params=params, losses=torch.ones(1), lr=0.1, momentum=0.0, batch_size=100)
    anim = animate_descent(x, y, fit, **SMALL)
    shown = float(anim.figure.get_suptitle().split()[-1])  # the last frame's loss
    assert shown == pytest.approx(mse(x @ params[-1], y).item(), abs=1e-4)
    assert shown > 0.1  # well above the minimum (about 0.08): not cancelled to nothing


def test_a_long_run_draws_at_most_max_frames_points_per_frame(
    data: LinearData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Defect: the trail was redrawn through every step so far, each frame (12.8 s for 1M steps).
    steps = 1_000_000
    walk = torch.linspace(0, 1, steps + 1)[:, None] * torch.tensor([4.0, 1.5])
    fit = Fit(
        params=walk + torch.tensor([-1.0, 1.0]),
        losses=torch.ones(steps),
        lr=0.1,
        momentum=0.0,
        batch_size=5,
        epochs=1,
    )
    drawn: list[int] = []
    draw_artist = Figure.draw_artist

    def spy(self: Figure, artist: object) -> None:
        if isinstance(artist, Line2D):
            drawn.append(len(artist.get_xydata()))
        draw_artist(self, artist)

    monkeypatch.setattr(Figure, "draw_artist", spy)
    anim = animate_descent(data.x, data.y, fit, max_frames=10, figsize=(6, 3), dpi=40)
    _, frames = read_mp4(anim.save(tmp_path / "long.mp4"))
    assert len(frames) == 10
    assert len(drawn) == 10 * 3  # the line, the trail and the head, each frame
    assert max(drawn) <= 10
    assert all(len(line.get_xydata()) <= 10 for line in anim.figure.axes[1].get_lines())


def test_data_that_requires_grad_or_is_on_a_device(device: str, gd: Fit) -> None:
    data = make_linear_data(50, seed=0, device=device)
    x, y = data.x.requires_grad_(), data.y.requires_grad_()
    anim = animate_descent(x, y, gd, max_frames=4, **SMALL)
    assert anim.figure.get_suptitle().startswith("step 100 ")
    assert animate_fit(x, y, gd, max_frames=3, **SMALL).frames == 3


# -- the files -----------------------------------------------------------------------------------


def test_mp4_decodes_to_the_frames(small: FitAnimation, tmp_path: Path) -> None:
    path = small.save(tmp_path / "fit.mp4")
    assert path == tmp_path / "fit.mp4"
    data = path.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # faststart: plays while loading
    meta, frames = read_mp4(path)
    assert meta["codec"] == "h264"
    assert meta["size"] == (120, 90)
    assert meta["fps"] == pytest.approx(10)
    assert len(frames) == small.frames
    small.figure.canvas.draw()  # the still figure is the last frame, up to compression
    still = np.asarray(small.figure.canvas.buffer_rgba())[..., :3].astype(float)
    assert np.abs(frames[-1].astype(float) - still).mean() < 6
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_mp4_of_odd_size_is_padded_to_even(data: LinearData, gd: Fit, tmp_path: Path) -> None:
    anim = animate_fit(data.x, data.y, gd, max_frames=3, figsize=(2.42, 1.82), dpi=50)
    assert anim.figure.canvas.get_width_height() == (121, 91)
    meta, frames = read_mp4(anim.save(tmp_path / "odd.mp4"))
    assert meta["size"] == (122, 92)
    assert len(frames) == 3


def test_gif_has_the_frames(small: FitAnimation, tmp_path: Path) -> None:
    path = small.save(tmp_path / "FIT.GIF")  # the suffix in any case
    with Image.open(path) as image:
        assert image.format == "GIF"
        assert image.n_frames == small.frames
        assert image.size == (120, 90)
        assert image.info["loop"] == 0
        assert image.info["duration"] == 100  # 10 fps


def test_html_page_has_a_playable_video(small: FitAnimation, tmp_path: Path) -> None:
    page = small.save(tmp_path / "fit.html").read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">\n<meta charset="utf-8">')
    assert "<title>Animation of 100 updates of GD, lr 0.1" in page
    assert page.count("<video controls loop") == 1
    encoded = re.search(r'src="data:video/mp4;base64,([^"]+)"', page)
    assert encoded is not None
    mp4 = tmp_path / "inline.mp4"
    mp4.write_bytes(base64.b64decode(encoded.group(1)))
    assert len(read_mp4(mp4)[1]) == small.frames


def test_to_html_is_an_accessible_inline_video(small: FitAnimation) -> None:
    html = small.to_html()
    assert html.startswith("<video controls loop muted playsinline ")
    assert 'aria-label="Animation of 100 updates of GD, lr 0.1' in html
    assert 'type="video/mp4" src="data:video/mp4;base64,' in html
    assert "http" not in html  # loads nothing from elsewhere
    assert small._repr_html_() == html


def test_embedded_lesson_video_is_small(data: LinearData, gd: Fit) -> None:
    anim = animate_fit(data.x, data.y, gd)  # the tutorial's: 100 steps, 640 × 480
    assert anim.frames == 100
    assert len(anim.to_html()) < 100 * 1024


def test_a_bare_figure_is_rendered_with_agg(tmp_path: Path) -> None:
    fig = Figure(figsize=(1, 1), dpi=40)  # not pyplot's: a plain FigureCanvasBase
    canvas = fig.canvas
    (line,) = fig.add_subplot().plot([0, 1], [0, 1])
    anim = FitAnimation(fig, [line], lambda i: line.set_ydata([0, i]), 3, fps=5)
    with Image.open(anim.save(tmp_path / "bare.gif")) as image:
        assert image.n_frames == 3
    assert fig.canvas is canvas


def test_a_failing_update_leaves_a_bare_figure_as_it_was(tmp_path: Path) -> None:
    # Defect: after a failure, rendering ran the failing update again and kept Agg's canvas.
    fig = Figure(figsize=(1, 1), dpi=40)
    canvas = fig.canvas
    (line,) = fig.add_subplot().plot([0, 1], [0, 1])

    def update(i: int) -> None:
        if i == 2:
            raise ArithmeticError("frame 2 cannot be drawn")
        line.set_ydata([0, i])

    with pytest.raises(ArithmeticError, match="frame 2"):
        FitAnimation(fig, [line], update, 3).save(tmp_path / "bare.gif")
    assert fig.canvas is canvas
    assert not line.get_animated()
    assert list(tmp_path.iterdir()) == []


# -- saving: whole or not at all -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["fit.avi", "fit", "fit.mp4.bak"])
def test_unknown_suffix_lists_the_supported_ones(
    small: FitAnimation, tmp_path: Path, name: str
) -> None:
    with pytest.raises(ValueError, match=r"supported suffixes are \.gif, \.html, \.mp4"):
        small.save(tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_new_file_has_the_usual_mode_and_a_replaced_file_keeps_its_own(
    small: FitAnimation, tmp_path: Path
) -> None:
    # Defect: replacing a file reset its permissions.
    umask = os.umask(0o022)
    os.umask(umask)
    new = small.save(tmp_path / "new.gif")
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
    existing = tmp_path / "fit.gif"
    existing.write_bytes(b"old")
    existing.chmod(0o640)
    small.save(existing)
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    assert existing.read_bytes().startswith(b"GIF89a")


def test_a_failed_rename_names_the_target_and_leaves_nothing(
    small: FitAnimation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Defect: the error named the hidden temporary file.
    existing = tmp_path / "fit.gif"
    existing.write_bytes(b"old")

    def fail(self: Path, target: Path) -> Path:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self), str(target))

    monkeypatch.setattr(Path, "replace", fail)
    with pytest.raises(OSError, match="No space left") as error:
        small.save(existing)
    assert str(error.value).endswith(f": {str(existing)!r}")
    assert ".part" not in str(error.value)
    assert existing.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [existing]


def test_saving_onto_a_folder_names_the_target(small: FitAnimation, tmp_path: Path) -> None:
    folder = tmp_path / "fit.mp4"
    folder.mkdir()
    with pytest.raises(IsADirectoryError) as error:
        small.save(folder)
    assert ".part" not in str(error.value)
    assert str(folder) in str(error.value)
    assert list(tmp_path.iterdir()) == [folder]
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "no" / "fit.gif"))):
        small.save(tmp_path / "no" / "fit.gif")


def test_failing_ffmpeg_does_not_clobber(
    small: FitAnimation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "ffmpeg"
    script.write_text("#!/bin/sh\necho 'Unknown encoder libx264' >&2\nexit 1\n")
    script.chmod(0o755)
    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", lambda: str(script))
    out = tmp_path / "out"
    out.mkdir()
    existing = out / "fit.mp4"
    existing.write_bytes(b"the old video")
    with pytest.raises(RuntimeError, match=r"ffmpeg failed \(exit status 1\): Unknown encoder"):
        small.save(existing)
    assert existing.read_bytes() == b"the old video"
    assert list(out.iterdir()) == [existing]
    assert not any(artist.get_animated() for artist in small.artists)


def test_failing_render_leaves_nothing(tmp_path: Path) -> None:
    fig = plt.figure(figsize=(1, 1), dpi=40)
    (line,) = fig.add_subplot().plot([0, 1], [0, 1])

    def update(i: int) -> None:
        if i == 2:
            raise ArithmeticError("frame 2 cannot be drawn")
        line.set_ydata([0, i])

    anim = FitAnimation(fig, [line], update, 2 + 1)
    existing = tmp_path / "anim.gif"
    existing.write_bytes(b"old")
    for name in ("anim.gif", "anim.mp4", "new.gif"):
        with pytest.raises(ArithmeticError, match="frame 2"):
            anim.save(tmp_path / name)
    assert existing.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [existing]
    assert not line.get_animated()


# -- bad arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"max_frames": 1}, ValueError, r"max_frames must be an integer >= 2, got 1"),
        ({"max_frames": 0}, ValueError, r"max_frames must be an integer >= 2, got 0"),
        ({"max_frames": 10.5}, TypeError, r"max_frames must be an integer, got 10.5"),
        ({"max_frames": True}, TypeError, r"max_frames"),
        ({"fps": 0}, ValueError, r"fps must be a finite number > 0, got 0"),
        ({"fps": -5}, ValueError, r"fps must be a finite number > 0, got -5"),
        ({"fps": math.nan}, ValueError, r"fps must be a finite number > 0, got nan"),
        ({"fps": math.inf}, ValueError, r"fps"),
        ({"fps": "30"}, TypeError, r"fps must be a real number"),
        ({"dpi": 0}, ValueError, r"dpi must be positive"),
    ],
)
def test_animations_reject_bad_arguments(
    data: LinearData, gd: Fit, kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        animate_fit(data.x, data.y, gd, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(error, match=match):
        animate_descent(data.x, data.y, gd, **kwargs)  # type: ignore[arg-type]


def test_mismatched_dimensions(data: LinearData, gd: Fit) -> None:
    wide = make_linear_data(50, coef=(1.0, 2.0, 3.0), seed=0)
    wide_fit = gradient_descent(wide.x, wide.y, init=(0.0, 0.0, 0.0), steps=3)
    with pytest.raises(ValueError, match=r"fit has 3 parameters per step but x has 2 columns"):
        animate_fit(data.x, data.y, wide_fit)
    with pytest.raises(ValueError, match=r"fits\[1\] has 3 parameters per step but x has 2"):
        animate_descent(data.x, data.y, [gd, wide_fit])
    with pytest.raises(ValueError, match=r"x must have shape \(n, 2\).*got \(50, 3\)"):
        animate_fit(wide.x, wide.y, wide_fit)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda d, f: (d.x.numpy(), d.y, f), TypeError, r"x must be a torch.Tensor"),
        (lambda d, f: (d.x, d.y[:-1], f), ValueError, r"x and y must have the same length"),
        (lambda d, f: (d.x, d.y, f.params), TypeError, r"fit must be a Fit.*got Tensor"),
        (lambda d, f: (d.x * 2, d.y, f), ValueError, r"a feature then a column of ones"),
    ],
)
def test_animate_fit_rejects_bad_data(
    data: LinearData, gd: Fit, change: object, error: type[Exception], match: str
) -> None:
    x, y, fit = change(data, gd)  # type: ignore[operator]
    with pytest.raises(error, match=match):
        animate_fit(x, y, fit)


def test_animate_descent_rejects_bad_fits(data: LinearData, gd: Fit) -> None:
    with pytest.raises(TypeError, match="fits must be a Fit or a non-empty sequence"):
        animate_descent(data.x, data.y, [])
    with pytest.raises(TypeError, match=r"fits\[1\] must be a Fit.*got str"):
        animate_descent(data.x, data.y, [gd, "sgd"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"labels must give one label per fit \(2\)"):
        animate_descent(data.x, data.y, [gd, gd], labels=["GD"])
    with pytest.raises(ValueError, match=r"labels must give one label per fit \(2\), got 'GD'"):
        animate_descent(data.x, data.y, [gd, gd], labels="GD")


def test_fit_animation_checks_frames_and_fps() -> None:
    fig = plt.figure(figsize=(1, 1), dpi=20)
    (line,) = fig.add_subplot().plot([0, 1])
    with pytest.raises(ValueError, match="frames must be an integer >= 1, got 0"):
        FitAnimation(fig, [line], print, 0)
    with pytest.raises(ValueError, match="fps must be a finite number > 0, got -1"):
        FitAnimation(fig, [line], print, 2, fps=-1)
