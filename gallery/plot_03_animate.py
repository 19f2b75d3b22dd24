"""
Animate it: watching gradient descent work
==========================================

A list of losses says that training worked; a picture says *how*. In this tutorial we record
every step of a fit and play it back: first with matplotlib's own animation tools, as the lesson
did, then with the package's faster writer, as the line sliding onto the data and as the path
the two :term:`parameters` take across the :term:`loss landscape`. Then we race full-batch
:term:`gradient descent` against :term:`minibatch` :term:`SGD` on the same landscape.

The animations are videos you can play, pause and scrub on this page, and in a Jupyter
notebook. Their first frame shows the starting guess; press play. Run as a script, this page
writes them to video files and prints where.

To run this page yourself, install the package first: see :doc:`/installation`.
"""

# sphinx_gallery_thumbnail_number = 1

import math
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg
import matplotlib as mpl
import matplotlib.pyplot as plt
import torch
from matplotlib.animation import FuncAnimation
from sgd_tutorial import (
    animate_descent,
    animate_fit,
    gradient_descent,
    hessian_eigenvalues,
    least_squares,
    make_linear_data,
    mse,
    plot_landscape,
    sgd,
)

data = make_linear_data(100, coef=(3.0, 2.0), seed=0)
x, y, n = data.x, data.y, data.n
# In float64, to measure distances and small differences of losses finely
xd, yd = x.double(), y.double()
exact = least_squares(xd, yd)
floor = mse(xd @ exact, yd).item()
print(f"least-squares coefficients: ({exact[0]:.4f}, {exact[1]:.4f})")
print(f"smallest possible loss: {floor:.4f}")

# %%
# Record the whole run
# --------------------
#
# The loop of the previous tutorial printed the loss every ten steps and kept only the final
# parameters. :func:`sgd_tutorial.gradient_descent` keeps everything: ``fit.params`` holds the
# parameters before the first step and after every step, ``fit.losses`` the loss at each step.
# That history is all an animation needs.

gd = gradient_descent(x, y, init=(-1.0, 1.0), lr=0.1, steps=100)
print(
    "recorded parameters:",
    tuple(gd.params.shape),
    "| recorded losses:",
    tuple(gd.losses.shape),
)
(s0, i0), (s1, i1) = gd.params[0].tolist(), gd.coef.tolist()
print(f"start: ({s0:.4f}, {i0:.4f}) | end: ({s1:.4f}, {i1:.4f})")
first, last = gd.losses[0], gd.losses[-1]
print(f"loss at the first step {first:.4f}, at the last {last:.4f}")
print("step   slope  intercept")
for step in (0, 5, 10, 20, 50, 100):
    slope, intercept = gd.params[step].tolist()
    print(f"{step:4d}  {slope:6.3f}  {intercept:9.3f}")

# %%
# The lesson's way: ``FuncAnimation``
# -----------------------------------
#
# The lesson animated its fit with matplotlib's :class:`~matplotlib.animation.FuncAnimation`: draw
# the data and a line once, then give it a function that moves the line to frame ``i``. A
# notebook shows the result with ``to_jshtml()`` (every frame as a PNG image, played by a little
# JavaScript player) or ``to_html5_video()`` (an H.264 video, which needs ffmpeg). matplotlib
# looks for a program called ``ffmpeg``; the ``imageio-ffmpeg`` package, installed with ours,
# ships one under another name, so we point matplotlib at it. Both ways, timed on every
# twentieth recorded step (six frames are enough to compare the writers, and each frame
# costs about the same):

mpl.rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()
u, params = x[:, 0], gd.params
shown = range(0, len(params), 20)  # steps 0, 20, ..., 100

# matplotlib's default size, 640 x 480 pixels, as the package's
fig, ax = plt.subplots()
ax.scatter(u, y, s=12)
(line,) = ax.plot(u, u * params[0, 0] + params[0, 1], "C1")


def move_line(i):
    """Frame i: the line with the parameters after i steps."""
    line.set_ydata(u * params[i, 0] + params[i, 1])
    ax.set_title(f"step {i}")
    return (line,)


lesson_animation = FuncAnimation(fig, move_line, frames=shown, interval=50)
start = time.perf_counter()
jshtml = lesson_animation.to_jshtml()
jshtml_seconds = time.perf_counter() - start
start = time.perf_counter()
html5 = lesson_animation.to_html5_video()
html5_seconds = time.perf_counter() - start
# We only measure them: the JavaScript player loads its icons from another
# web site, and this site loads nothing from elsewhere. So neither is shown
# here; close the figure and let go of the animation (sphinx-gallery would
# otherwise embed it, as a notebook would show it).
plt.close(fig)
del lesson_animation
print(f"{len(shown)} frames of {fig.canvas.get_width_height()} pixels")
print(
    f"to_jshtml():      {jshtml_seconds:5.2f} s, {len(jshtml) / 1024:5.0f} KiB"
)
print(f"to_html5_video(): {html5_seconds:5.2f} s, {len(html5) / 1024:5.0f} KiB")

# %%
# The line finds the data
# -----------------------
#
# :func:`sgd_tutorial.animate_fit` makes the same animation (with the loss in the title), and
# writes it faster: it draws the unchanging parts of the figure once, redraws only the moving line
# for each frame, and pipes the raw pixels straight to ffmpeg, where ``FuncAnimation`` redraws the
# whole figure and saves every frame as an image first. As many frames, timed the same way:

timed = animate_fit(x, y, gd, max_frames=len(shown), fps=20)
start = time.perf_counter()
ours = timed.to_html()
ours_seconds = time.perf_counter() - start
plt.close(timed.figure)
size = timed.figure.canvas.get_width_height()
print(f"animate_fit, {timed.frames} frames of {size} pixels")
print(f"to_html():        {ours_seconds:5.2f} s, {len(ours) / 1024:5.0f} KiB")
print(f"to_html5_video() took {html5_seconds / ours_seconds:.1f} times as long")

# %%
# The times are this run's, on this machine, and a busy machine makes them noisy, so we
# claim only what holds with room to spare: ``animate_fit`` is the faster, and both videos
# are far smaller than the pages of PNG images.

assert ours_seconds < html5_seconds, (
    f"animate_fit took {ours_seconds:.2f} s, to_html5_video() "
    f"{html5_seconds:.2f} s: was the machine busy?"
)
assert len(jshtml) > 2 * max(len(ours), len(html5)), (
    "the PNG frames should take far more room than a video"
)

# %%
# Here are all 101 recorded steps. As the table earlier shows, the line first jumps up to
# about the right height (the intercept settles early) and then keeps turning for much longer
# (the slope is still changing when the intercept has stopped): after 20 steps, less than a
# tenth of the intercept's starting error is left, and more than a fifth of the slope's.

left = (
    (gd.params[20].double() - exact) / (gd.params[0].double() - exact)
).abs()
print(
    f"error left after 20 steps: slope {left[0]:.1%}, intercept {left[1]:.1%}"
)
assert left[1] < 0.1, f"{left[1]:.1%} of the intercept's error is left"
assert left[0] > 0.2, f"only {left[0]:.1%} of the slope's error is left"

# %%
# Press play:

fit_animation = animate_fit(x, y, gd, max_frames=len(params), fps=20)
plt.close(fit_animation.figure)  # the video is enough: no still of its end
fit_animation

# %%
# Why does it slow down? Near the answer the gradient is small, and the step is the gradient
# times the :term:`learning rate`. Gradient descent takes big steps while it is far from the
# minimum and ever smaller ones as it gets close. How fast they shrink depends on the direction,
# and that is why the intercept and the slope settle at different speeds; the loss landscape
# shows it.
#
# The path over the loss landscape
# --------------------------------
#
# With two parameters the loss is a surface over the plane of (slope, intercept). Seen from
# above, contour lines join the points of equal loss, and the minimum (the least-squares
# answer) sits at the bottom of a bowl. The bowl is not round: the loss rises faster when we
# move the intercept than when we move the slope, because the ones column is larger on
# average than the inputs drawn from (-1, 1). Step away from the minimum by 1 along each axis
# and measure the rise of the loss (in float64, so that the small differences are exact):

rise = {}
for name, step in (("slope", (1.0, 0.0)), ("intercept", (0.0, 1.0))):
    moved = exact + torch.tensor(step, dtype=torch.float64)
    rise[name] = mse(xd @ moved, yd).item() - floor
    print(f"loss rise, {name:>9} moved by 1: {rise[name]:.3f}")
mean_square = (u.double() ** 2).mean().item()
print(f"mean square of u: {mean_square:.3f}, of the ones column: 1")

# %%
# Each rise is the mean square of that column of ``x`` (the loss is quadratic, with its
# minimum at the least-squares point), and about a third is far below 1:

assert math.isclose(rise["slope"], mean_square, rel_tol=1e-9), (
    f"moving the slope by 1 raised the loss by {rise['slope']:.6f}"
)
assert math.isclose(rise["intercept"], 1, rel_tol=1e-9), (
    f"moving the intercept by 1 raised the loss by {rise['intercept']:.6f}"
)

# %%
# So the contours
# are ellipses stretched along the slope's axis. How stretched? Walk out from the minimum in
# every direction until the loss has risen by a fixed amount: along a straight line the rise
# grows with the square of the distance, so the distance is the square root of the fixed
# amount over the rise at distance 1. The curvature of the loss in each direction is an
# eigenvalue of its :term:`Hessian` (tutorial 6 puts them to work), and theory says the
# longest distance over the shortest is the square root of their ratio:

angles = torch.linspace(0, math.pi, 1801, dtype=torch.float64)
directions = torch.stack([angles.cos(), angles.sin()], dim=1)  # length 1
rises = ((xd @ (exact + directions).T - yd[:, None]) ** 2).mean(0) - floor
radii = (1 / rises).sqrt()  # distance to where the loss has risen by 1
curvatures = hessian_eigenvalues(x)
print(
    "curvature along the flat and the steep direction:",
    ", ".join(f"{v:.3f}" for v in curvatures),
)
predicted = math.sqrt(curvatures[-1] / curvatures[0])
measured = (radii.max() / radii.min()).item()
print(f"longest over shortest distance, measured: {measured:.4f}")
print(f"square root of the curvatures' ratio:     {predicted:.4f}")
assert math.isclose(measured, predicted, rel_tol=1e-3), (
    f"the contours are stretched {measured:.4f} times, not {predicted:.4f}"
)

# %%
# The :term:`gradient` is perpendicular to the contours, so gradient descent heads across the
# steep direction first and then runs along the flat valley: the intercept settles first, as
# we saw.
#
# Stochastic gradient descent estimates the gradient from a :term:`minibatch` of samples at a
# time (tutorial 4 explains it in detail). Here it uses batches of 5 for 5 :term:`epochs
# <epoch>`, as many :term:`updates <iteration>` as gradient descent's, each reading a twentieth
# of the data. Which batches it sees depends on the seed of its shuffle, so we run it with
# 200 seeds and look at the distribution, and keep seed 0 to draw:

batch_size = 5
epochs = gd.steps * batch_size // n  # as many updates as gradient descent
seeds = range(200)
runs = [
    sgd(x, y, lr=0.1, epochs=epochs, batch_size=batch_size, seed=seed)
    for seed in seeds
]
mb = runs[0]
read = mb.steps * batch_size
print(f"SGD: {mb.steps} updates of {batch_size} samples, {read} read")
print(f"GD:  {gd.steps} updates of {n} samples, {gd.steps * n} read")
ends = torch.stack([run.coef for run in runs]).double()
sgd_distance = (ends - exact).norm(dim=1)
gd_distance = (gd.coef.double() - exact).norm().item()
# Full-batch updates that read as many samples as SGD's 100 updates did
same_reading = read // n
gd_same_reading = (gd.params[same_reading].double() - exact).norm().item()
farther = (sgd_distance > gd_distance).double().mean().item()
rows = [
    (f"GD, {gd.steps} updates", gd_distance),
    (f"SGD, median of {len(seeds)} seeds", sgd_distance.median()),
    (f"SGD, largest of {len(seeds)} seeds", sgd_distance.max()),
    (f"GD, {same_reading} updates (as many samples)", gd_same_reading),
]
print("distance from least squares at the end:")
for name, distance in rows:
    print(f"  {name:<35} {distance:.4f}")
print(f"seeds in which SGD ends farther than GD: {farther:.0%}")

# %%
# After the same number of updates, SGD ends farther from the least-squares answer than
# gradient descent in almost every seed (the share printed above; we check at least 90 %):
# its last steps follow noisy gradients. But it read a twentieth of the samples. Given the
# same reading, five full-batch updates, gradient descent is still far from the answer,
# farther than SGD in every one of the 200 seeds: each SGD update costs a twentieth of one of
# gradient descent's, and far from the minimum a noisy step downhill does about as much good
# as an exact one. In the Explorer, `see this SGD run (seed 0)
# <../explorer.html?lr=0.1&momentum=0&batch=5&steps=100&seed=0>`__ and `this run of gradient
# descent <../explorer.html?lr=0.1&momentum=0&batch=full&steps=100&seed=0>`__, and change the
# settings yourself.

assert farther >= 0.9, (
    f"SGD ends farther than GD in only {farther:.0%} of seeds"
)
assert gd_same_reading > sgd_distance.max(), (
    "with as many samples read, gradient descent should be farther than SGD"
)

# %%
# :func:`sgd_tutorial.animate_descent` plays both runs side by side: on the left the
# lines they draw through the data, on the right their paths over the contours of the loss.

descent_animation = animate_descent(
    x,
    y,
    [gd, mb],
    labels=[
        f"gradient descent (all {n} points)",
        f"SGD (batches of {batch_size})",
    ],
    fps=20,
)
plt.close(descent_animation.figure)
descent_animation

# %%
# Gradient descent follows a smooth curve: every step uses the exact gradient of the full loss.
# SGD's path is ragged, because each batch of five points pulls towards the line that fits
# *those* points best; on average the pulls point downhill, so it gets to the same region, but
# it keeps jittering once there instead of settling: over its last 20 updates its steps are
# more than ten times as long as gradient descent's, in every one of the 200 seeds.

paths = torch.stack([run.params for run in runs]).double()
sgd_steps = (paths[:, -20:] - paths[:, -21:-1]).norm(dim=2).mean(dim=1)
gd_steps = (gd.params[-20:] - gd.params[-21:-1]).double().norm(dim=1).mean()
print(f"mean length of the last 20 steps: GD {gd_steps:.1e}")
print(f"SGD, shortest of {len(seeds)} seeds {sgd_steps.min():.1e}")
assert sgd_steps.min() > 10 * gd_steps, "SGD should keep jittering"
#
# A static picture
# ----------------
#
# For a report or a paper, :func:`sgd_tutorial.plot_landscape` draws the same contours
# and paths as one still image:

fig, ax = plt.subplots(figsize=(6.4, 3.3))
plot_landscape(
    x, y, [gd, mb], labels=["gradient descent", "SGD, batch 5"], ax=ax
)
ax.set_aspect("equal")  # a unit as long on both axes: ellipses look elliptic
ax.set_title("Paths of gradient descent and SGD over the MSE")
fig.tight_layout()
plt.show()

# %%
# Save the animations
# -------------------
#
# ``save`` writes an animation to a file: ``.mp4`` (H.264, which browsers and slides play),
# ``.gif`` or ``.html``. Here they go to a new temporary folder, whose path is printed: run as a
# script, this is where to find the videos.

folder = Path(tempfile.mkdtemp(prefix="sgd-tutorial-animations-"))
for name, animation in (("fit", fit_animation), ("descent", descent_animation)):
    path = animation.save(folder / f"{name}.mp4")
    print(f"{path}, {path.stat().st_size / 1024:.0f} KiB")

# %%
# To see how the learning rate changes these paths, from a crawl to a wild zigzag, read on.
#
# Exercises
# ---------
#
# **Exercise 1.** ``to_jshtml()`` stores every frame as a PNG image. Predict how many images
# its HTML holds and about how large each is, from the frame count and the size printed above;
# then count them.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 1</summary>

# %%
images = jshtml.count("data:image/png;base64,")
each = len(jshtml) / images / 1024
print(f"{images} PNG images, {each:.1f} KiB each on average")
assert images == len(shown), f"{images} images for {len(shown)} frames"

# %%
# One image per frame. A video is smaller because it stores mostly what *changes* from one frame
# to the next, and here only a line moves.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 2.** With the batch size equal to the number of samples, every SGD update reads
# all the data. Predict how far ``sgd`` with ``batch_size=n`` then ends from gradient descent
# after the same number of updates, then run both.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 2</summary>

# %%
full = sgd(x, y, lr=0.1, epochs=gd.steps, batch_size=n, seed=0)
gap = (full.params - gd.params).abs().max().item()
print(f"max |sgd(batch_size=n) - gradient_descent|: {gap:.1e}")
assert gap < 1e-5, f"they differ by {gap:.1e}, more than float32 rounding"

# %%
# The same up to rounding (far below a hundred-thousandth): with one batch holding all the
# samples, SGD *is* gradient descent (the shuffle only changes the order of a sum).
#
# .. raw:: html
#
#    </details>
#
# **Exercise 3.** The contours are stretched because the inputs, in (-1, 1), are smaller on
# average than the ones column. Predict the ratio of the two curvatures for inputs in (-2, 2),
# and which direction is now the steep one; then compute them.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 3</summary>

# %%
wide = make_linear_data(n, coef=(3.0, 2.0), low=-2.0, high=2.0, seed=0)
wide_curvatures = hessian_eigenvalues(wide.x)
wide_ratio = (wide_curvatures[-1] / wide_curvatures[0]).item()
wide_mean_square = (wide.x[:, 0] ** 2).mean().item()
print(
    "curvatures, inputs in (-2, 2):",
    ", ".join(f"{v:.3f}" for v in wide_curvatures),
)
print(f"ratio: {wide_ratio:.2f}")
print(f"mean square of the inputs: {wide_mean_square:.3f} (ones column: 1)")

# %%
# The curvature along a parameter is twice the mean square of its column. Inputs uniform in
# (-2, 2) have mean square 4/3, more than the ones column's 1: the slope is now the steep
# direction, and the ratio is near 4/3, a rounder bowl. "Near": the mean square of 100 draws
# wanders by about 0.12 around 4/3 (the standard deviation of :math:`u^2`, about 1.19, over
# :math:`\sqrt{100}`), so we allow three times that.

assert wide_mean_square > 1, "the inputs' column should now be the larger one"
assert abs(wide_ratio - 4 / 3) < 3 * 0.12, (
    f"the ratio {wide_ratio:.2f} is far from 4/3"
)
assert wide_ratio < curvatures[-1] / curvatures[0], "the bowl should be rounder"

# %%
# .. raw:: html
#
#    </details>
