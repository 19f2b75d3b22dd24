"""Animations: what is drawn, the mp4 / GIF / HTML files, atomic saves, errors, long runs."""

from __future__ import annotations

import ast
import base64
import errno
import math
import os
import pickle
import re
import resource
import shutil
import signal
import stat
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Iterator
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
    animation,
    gradient_descent,
    least_squares,
    make_linear_data,
    mse,
    plotting,
    sgd,
)
from sgd_tutorial.animation import frame_steps

SMALL = {"figsize": (2.4, 1.8), "dpi": 50}  # 120 × 90 pixels: quick to encode
WIDE = {"figsize": (8, 3), "dpi": 25}  # 200 × 75 pixels: room for two panels' legends


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
    shown = frame_steps(steps, count)
    assert shown[0] == 0
    assert shown[-1] == steps
    assert len(shown) == min(steps + 1, count)
    gaps = np.diff(shown)
    assert (gaps >= 1).all()  # strictly increasing
    assert (np.diff(gaps) >= -1).all()  # the gaps never shrink (up to rounding)


def test_the_titles_show_the_selected_steps(data: LinearData, gd: Fit) -> None:
    anim = animate_fit(data.x, data.y, gd, max_frames=5, **SMALL)
    # Frame i of 5 over 101 steps: i, plus the 101 - 5 steps not shown, spent along (i / 4)².
    expected = [i + round((101 - 5) * (i / 4) ** 2) for i in range(5)]
    assert shown_steps(anim) == expected == frame_steps(100, 5).tolist()
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


# -- runs that diverged, and figures made elsewhere ----------------------------------------------


@pytest.mark.parametrize("last", [math.nan, math.inf, 1e250])
def test_a_diverged_run_is_animated_up_to_its_last_finite_step(
    data: LinearData, gd: Fit, tmp_path: Path, last: float
) -> None:
    # Defect: a NaN row made animate_fit fail with "Axis limits cannot be NaN or Inf".
    runaway = torch.tensor([[last, -last]], dtype=torch.float64)
    bad = Fit(
        params=torch.cat([gd.params[:11].double(), runaway]),
        losses=torch.cat([gd.losses[:10].double(), runaway[0, :1].square()]),
        lr=gd.lr,
        momentum=0.0,
        batch_size=gd.batch_size,
    )
    anim = animate_fit(data.x, data.y, bad, **SMALL)
    assert shown_steps(anim) == list(range(11))  # the finite steps, 0 to 10
    (line,) = anim.figure.axes[0].get_lines()
    assert line.get_label() == "GD, lr 0.1 (diverged after step 10)"
    assert np.isfinite(anim.figure.axes[0].get_ylim()).all()
    with Image.open(anim.save(tmp_path / "bad.gif")) as image:
        assert image.n_frames == 11

    both = animate_descent(data.x, data.y, [gd, bad], labels=["GD", "bad"], max_frames=6, **WIDE)
    assert shown_steps(both) == frame_steps(100, 6).tolist()  # over the finite run
    left, right = both.figure.axes
    assert [line.get_label() for line in left.get_lines()][1] == "bad (diverged after step 10)"
    _, _, _, trail, head = right.get_lines()
    np.testing.assert_allclose(head.get_xydata()[0], gd.params[10].double(), rtol=1e-6)
    assert np.isfinite(trail.get_xydata()).all()  # it stays at its last finite step
    title = both.figure.get_suptitle()
    assert re.fullmatch(r"step 100  ·  loss GD: 0\.\d{4},  bad: \d\.\d{4}", title), title
    both.save(tmp_path / "both.mp4")


def test_huge_losses_are_shown_in_scientific_notation(data: LinearData) -> None:
    far = Fit(
        params=torch.tensor([[-1.0, 1.0], [-1e9, 1e9]]),
        losses=torch.ones(1),
        lr=5.0,
        momentum=0.0,
        batch_size=100,
    )
    title = animate_fit(data.x, data.y, far, **SMALL).figure.get_suptitle()
    loss = mse(data.x.double() @ far.coef.double(), data.y.double()).item()
    assert title == f"step 1  ·  loss {loss:.3e}"


def test_a_run_with_nothing_finite_or_a_single_step(data: LinearData, tmp_path: Path) -> None:
    start = torch.tensor([[-1.0, 1.0]])
    for params, label in [(start, "GD, lr 0.1"), (start * math.nan, "GD, lr 0.1 (diverged)")]:
        fit = Fit(params=params, losses=torch.zeros(0), lr=0.1, momentum=0.0, batch_size=100)
        anim = animate_descent(data.x, data.y, fit, **WIDE)
        assert anim.frames == 1
        assert anim.figure.axes[0].get_lines()[0].get_label() == label
        with Image.open(anim.save(tmp_path / "one.gif")) as image:
            assert image.n_frames == 1


def test_a_figure_made_elsewhere_as_tutorial_10_makes_it(tmp_path: Path) -> None:
    # Tutorial 10 draws its own figure: two axes, a moving line and a text, marked animated.
    figure, (curve_ax, loss_ax) = plt.subplots(1, 2, figsize=(4, 2), dpi=40)
    curve_ax.scatter([0, 1, 2], [0, 1, 0], color="0.5")
    (moving,) = curve_ax.plot([], [], color="red", lw=3, animated=True)
    caption = loss_ax.text(0.1, 0.5, "", transform=loss_ax.transAxes, animated=True)
    figure.suptitle("a figure of its own")

    def update(i: int) -> tuple[Line2D, object]:  # returns its artists, as tutorial 10's does
        moving.set_data([0, 2], [0, i])
        caption.set_text(f"update {i}")
        return moving, caption

    anim = FitAnimation(figure, [moving, caption], update, 7, fps=20, description="a fit")
    meta, frames = read_mp4(anim.save(tmp_path / "own.mp4"))
    assert len(frames) == 7
    assert meta["fps"] == 20
    assert caption.get_text() == "update 6"  # the figure holds the last frame
    assert moving.get_animated()  # left as the tutorial set it
    assert caption.get_animated()
    # The text and the line change from frame to frame.
    box, height = caption.get_window_extent().padded(2), frames[0].shape[0]
    rows = slice(int(height - box.y1), int(height - box.y0))
    columns = slice(int(box.x0), int(box.x1))
    assert frames[0][rows, columns].size > 0
    assert not np.array_equal(frames[0][rows, columns], frames[6][rows, columns])
    assert not np.array_equal(frames[1], frames[2])


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


@pytest.mark.parametrize("clean_up_fails", [False, True])
def test_a_failed_rename_names_the_target_and_leaves_nothing(
    small: FitAnimation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_up_fails: bool
) -> None:
    # Defects: the error named the hidden temporary file; and when removing that file failed
    # too, the clean-up's own error replaced the one that made the save fail.
    existing = tmp_path / "fit.gif"
    existing.write_bytes(b"old")

    def fail(self: Path, target: Path) -> Path:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self), str(target))

    def cannot_remove(self: Path, missing_ok: bool = False) -> None:  # noqa: ARG001
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))

    monkeypatch.setattr(Path, "replace", fail)
    if clean_up_fails:
        monkeypatch.setattr(Path, "unlink", cannot_remove)
    with pytest.raises(OSError, match="No space left") as error:
        small.save(existing)
    assert str(error.value).endswith(f": {str(existing)!r}")
    assert ".part" not in str(error.value)
    assert existing.read_bytes() == b"old"
    if not clean_up_fails:  # (else the temporary file stays: it could not be removed)
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


# -- saving through links, over files the user may not write, with long names -------------------


def as_a_user(action: Callable[[], object], file_size: int | None = None) -> BaseException | None:
    """Run ``action`` in a child process as a user without root's powers; return what it raised.

    Root may write any file, so when the tests run as root the child becomes the user
    ``nobody`` (uid 65534) first. ``file_size`` limits the size of the files it writes.
    """
    read, write = os.pipe()
    with warnings.catch_warnings():  # (Python 3.12+ warns on forking a threaded process; the
        warnings.simplefilter("ignore", DeprecationWarning)  # child only writes files)
        pid = os.fork()
    if pid == 0:  # the child
        status = 1
        try:
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            if file_size is not None:  # writing past it fails with EFBIG, not a signal
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
            try:
                action()
                raised = None
            except Exception as error:  # noqa: BLE001 (handed to the parent)
                raised = error
            os.write(write, pickle.dumps(raised))
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        report = pipe.read()
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0, "the child process failed"
    return pickle.loads(report)  # type: ignore[no-any-return]


@pytest.fixture
def shared() -> Iterator[Path]:
    """A new folder every user may write in (pytest's own are its user's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="sgd-tutorial-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture
def encoded(monkeypatch: pytest.MonkeyPatch) -> bytes:
    """What ``save`` writes, without ffmpeg: these tests are about the file, not the video."""
    video = b"GIF89a" + bytes(1000)
    monkeypatch.setattr(FitAnimation, "_encode", lambda self, suffix: video)  # noqa: ARG005
    return video


def open_for_writing(path: Path) -> None:
    with path.open("r+b"):
        pass


def old_file(path: Path, mode: int) -> Path:
    """A file at ``path`` that holds ``b"old"``, with permissions ``mode``."""
    path.write_bytes(b"old")
    path.chmod(mode)
    return path


def test_save_writes_through_a_symbolic_link(small: FitAnimation, tmp_path: Path) -> None:
    # Defect: the link was replaced by a file, and the linked file kept its old content.
    folder = tmp_path / "videos"
    folder.mkdir()
    real = old_file(folder / "real.gif", 0o640)
    link, chain, dangling = tmp_path / "fit.gif", tmp_path / "chain.gif", tmp_path / "new.gif"
    link.symlink_to(Path("videos", "real.gif"))  # relative to the link's folder
    chain.symlink_to(link)
    dangling.symlink_to(folder / "new.gif")  # a file not made yet
    assert small.save(link) == link
    assert link.readlink() == Path("videos", "real.gif")
    assert real.read_bytes().startswith(b"GIF89a")
    assert stat.S_IMODE(real.stat().st_mode) == 0o640  # the linked file keeps its mode
    small.save(chain)
    small.save(dangling)
    assert (folder / "new.gif").read_bytes() == real.read_bytes()
    assert all(path.is_symlink() for path in (link, chain, dangling))
    names = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*"))
    assert names == [
        "chain.gif",
        "fit.gif",
        "new.gif",
        "videos",
        "videos/new.gif",
        "videos/real.gif",
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_save_through_a_link_to_a_pipe_writes_into_the_pipe(
    small: FitAnimation, tmp_path: Path
) -> None:
    # A pipe or a device (/dev/null) is written, never replaced by a file.
    pipe, link = tmp_path / "pipe", tmp_path / "fit.gif"
    os.mkfifo(pipe)
    link.symlink_to(pipe)
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
    try:
        small.save(link)
        received = os.read(reader, 1 << 20)
    finally:
        os.close(reader)
    assert received == small.save(tmp_path / "file.gif").read_bytes()
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert link.is_symlink()


def test_save_refuses_what_opening_for_writing_refuses(
    small: FitAnimation, shared: Path, encoded: bytes
) -> None:
    # Defect: a rename needs only the folder's permission, so a read-only file was replaced.
    locked = old_file(shared / "locked.mp4", 0o444)
    link = shared / "link.mp4"
    link.symlink_to(locked)
    for path in (locked, link):
        refused = as_a_user(lambda path=path: open_for_writing(path))
        error = as_a_user(lambda path=path: small.save(path))
        assert isinstance(refused, PermissionError)
        assert isinstance(error, PermissionError)
        assert error.errno == refused.errno
        assert error.filename == str(path)  # the user's path, not the linked one
    assert locked.read_bytes() == b"old"
    assert stat.S_IMODE(locked.stat().st_mode) == 0o444
    # A file the user may write is replaced, whole, and keeps its mode.
    free = old_file(shared / "free.mp4", 0o666)
    assert as_a_user(lambda: small.save(free)) is None
    assert free.read_bytes() == encoded
    assert stat.S_IMODE(free.stat().st_mode) == 0o666
    assert sorted(path.name for path in shared.iterdir()) == ["free.mp4", "link.mp4", "locked.mp4"]


def test_save_refuses_exactly_what_opening_refuses_for_this_user(
    small: FitAnimation, tmp_path: Path, encoded: bytes
) -> None:
    # The check itself, as whoever runs the tests: root may write a read-only file, and so may
    # save over it; anyone else gets the same error from both.
    locked = old_file(tmp_path / "locked.mp4", 0o444)
    refused: OSError | None = None
    try:
        open_for_writing(locked)
    except PermissionError as denied:
        refused = denied
    if refused is None:
        small.save(locked)
        assert locked.read_bytes() == encoded
    else:
        with pytest.raises(PermissionError) as error:
            small.save(locked)
        assert error.value.errno == refused.errno
        assert locked.read_bytes() == b"old"
    assert stat.S_IMODE(locked.stat().st_mode) == 0o444
    assert list(tmp_path.iterdir()) == [locked]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another user")
def test_a_file_root_replaces_keeps_its_owner(small: FitAnimation, tmp_path: Path) -> None:
    # Defect: a file saved over by root became root's (the rename put a new file in its place).
    existing = old_file(tmp_path / "fit.gif", 0o640)
    os.chown(existing, 65534, 65534)
    small.save(existing)
    assert (existing.stat().st_uid, existing.stat().st_gid) == (65534, 65534)
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    assert existing.read_bytes().startswith(b"GIF89a")


def test_the_longest_valid_name_saves(small: FitAnimation, tmp_path: Path) -> None:
    # Defect: the temporary name added 15 characters to the user's, past what a name may have.
    longest = os.pathconf(tmp_path, "PC_NAME_MAX")  # 255 on most file systems
    path = tmp_path / ("f" * (longest - 4) + ".gif")
    assert len(path.name) == longest
    assert small.save(path).read_bytes().startswith(b"GIF89a")
    too_long = tmp_path / ("f" * (longest - 3) + ".gif")
    with pytest.raises(OSError, match="File name too long") as error:
        small.save(too_long)
    assert error.value.errno == errno.ENAMETOOLONG
    assert error.value.filename == str(too_long)
    assert list(tmp_path.iterdir()) == [path]


def test_a_write_cut_short_leaves_the_old_file(
    small: FitAnimation, shared: Path, encoded: bytes
) -> None:
    # A disk that fills up mid-write (here: a limit on file sizes) leaves nothing half-written.
    existing = old_file(shared / "fit.gif", 0o666)
    error = as_a_user(lambda: small.save(existing), file_size=len(encoded) // 2)
    assert isinstance(error, OSError)
    assert error.errno == errno.EFBIG
    assert error.filename == str(existing)
    assert existing.read_bytes() == b"old"
    assert list(shared.iterdir()) == [existing]


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
        (
            {"fps": 1e-5},
            ValueError,
            r"fps must be between 0\.01 and 100 frames per second, got 1e-05",
        ),
        (
            {"fps": 100.5},
            ValueError,
            r"fps must be between 0\.01 and 100 frames per second, got 100\.5",
        ),
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
    with pytest.raises(ValueError, match=r"fps must be between 0\.01 and 100 frames per second"):
        FitAnimation(fig, [line], print, 2, fps=1e-5)


@pytest.mark.parametrize("fps", [0.01, 0.3, 100])
def test_every_fps_the_check_accepts_is_encoded(fps: float, tmp_path: Path) -> None:
    # Defect: fps=1e-5 passed the check, then ffmpeg failed; a GIF can hold 1/100 s to 655 s.
    fig = Figure(figsize=(1, 1), dpi=40)
    (line,) = fig.add_subplot().plot([0, 1], [0, 1])
    anim = FitAnimation(fig, [line], lambda i: line.set_ydata([0, i]), 3, fps=fps)
    meta, frames = read_mp4(anim.save(tmp_path / "slow.mp4"))
    assert len(frames) == 3
    assert meta["fps"] == pytest.approx(fps, rel=0.01)
    with Image.open(anim.save(tmp_path / "slow.gif")) as image:
        assert image.n_frames == 3
        assert image.info["duration"] == pytest.approx(1000 / fps, abs=5)  # whole 1/100 s


def test_the_drawing_modules_share_only_public_names() -> None:
    # Issue 21: animation.py imported plotting's _Data and _fits, private names of another module.
    for module in (animation, plotting):
        tree = ast.parse(Path(str(module.__file__)).read_text(encoding="utf-8"))
        imports = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        ours = [n for n in imports if (n.module or "").startswith("sgd_tutorial")]
        names = {alias.asname or alias.name for node in ours for alias in node.names}
        assert not [name for name in names if name.startswith("_")], module.__name__
        used = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute)]
        private = [
            f"{n.value.id}.{n.attr}"
            for n in used
            if isinstance(n.value, ast.Name) and n.value.id in names and n.attr.startswith("_")
        ]
        assert not private, f"{module.__name__} uses {private}"
