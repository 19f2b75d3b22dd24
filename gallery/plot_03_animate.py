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
    resolve_device,
    sgd,
)

device = resolve_device("auto")
print(f"running on {device}")

data = make_linear_data(100, coef=(3.0, 2.0), seed=0, device=device)
x, y, n = data.x, data.y, data.n
exact = least_squares(x, y)
floor = mse(x @ exact, y).item()
print("least-squares coefficients:", exact.cpu())
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
print("start:", gd.params[0], "| end:", gd.coef)
print(
    f"loss at the first step {gd.losses[0]:.4f}, at the last {gd.losses[-1]:.4f}"
)
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
# ships one under another name, so we point matplotlib at it. Both ways, one frame per recorded
# step, timed:

mpl.rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()
u, params = x[:, 0].cpu(), gd.params

fig, ax = (
    plt.subplots()
)  # matplotlib's default size, 640 x 480 pixels, as the package's
ax.scatter(u, y.cpu(), s=12)
(line,) = ax.plot(u, u * params[0, 0] + params[0, 1], "C1")


def move_line(i):
    """Frame i: the line with the parameters after i steps."""
    line.set_ydata(u * params[i, 0] + params[i, 1])
    ax.set_title(f"step {i}")
    return (line,)


lesson_animation = FuncAnimation(
    fig, move_line, frames=len(params), interval=50
)
start = time.perf_counter()
jshtml = lesson_animation.to_jshtml()
jshtml_seconds = time.perf_counter() - start
start = time.perf_counter()
html5 = lesson_animation.to_html5_video()
html5_seconds = time.perf_counter() - start
# We only measure them: the JavaScript player loads its icons from another web site, and this
# site loads nothing from elsewhere. So neither is shown here; close the figure and let go of
# the animation (sphinx-gallery would otherwise embed it, as a notebook would show it).
plt.close(fig)
del lesson_animation
print(f"{len(params)} frames of {fig.canvas.get_width_height()} pixels")
print(
    f"to_jshtml():      {jshtml_seconds:5.2f} s, {len(jshtml) / 1024:7.0f} KiB of HTML"
)
print(
    f"to_html5_video(): {html5_seconds:5.2f} s, {len(html5) / 1024:7.0f} KiB of HTML"
)

# %%
# The line finds the data
# -----------------------
#
# :func:`sgd_tutorial.animate_fit` makes the same animation (with the loss in the title), and
# writes it faster: it draws the unchanging parts of the figure once, redraws only the moving line
# for each frame, and pipes the raw pixels straight to ffmpeg, where ``FuncAnimation`` redraws the
# whole figure and saves every frame as an image first. The same frames, timed the same way:

fit_animation = animate_fit(x, y, gd, max_frames=len(params), fps=20)
start = time.perf_counter()
ours = fit_animation.to_html()
ours_seconds = time.perf_counter() - start
size = fit_animation.figure.canvas.get_width_height()
print(f"animate_fit, {fit_animation.frames} frames of {size} pixels")
print(
    f"to_html():        {ours_seconds:5.2f} s, {len(ours) / 1024:7.0f} KiB of HTML"
)
print(
    f"against to_html5_video(): {html5_seconds / ours_seconds:.1f} times faster, "
    f"{len(html5) / len(ours):.1f} times smaller; against to_jshtml(): "
    f"{len(jshtml) / len(ours):.0f} times smaller"
)

# %%
# The numbers are this run's, on this machine. As the table earlier shows, the line first jumps
# up to about the right height (the intercept settles early) and then keeps turning for much
# longer (the slope is still changing when the intercept has stopped). Press play:

plt.close(
    fit_animation.figure
)  # the video is enough here: no extra still of its last frame
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
# answer) sits at the bottom of a bowl. Its contours are ellipses, not circles: the loss changes
# faster when we move the intercept than when we move the slope, because the ones column is
# larger on average than the inputs drawn from (-1, 1). The :term:`gradient` is perpendicular to
# the contours, so gradient descent heads across the steep direction first and then runs along
# the flat valley. The curvature of the loss in each direction is an eigenvalue of its
# :term:`Hessian` (tutorial 6 puts them to work):

curvatures = hessian_eigenvalues(x)
print(
    "curvature along the flat and the steep direction:",
    [round(v, 3) for v in curvatures.tolist()],
)
print(f"ratio: {(curvatures[-1] / curvatures[0]).item():.2f}")

# %%
# Stochastic gradient descent estimates the gradient from a :term:`minibatch` of samples at a
# time (tutorial 4 explains it in detail). Here it uses batches of 5 for 5 :term:`epochs
# <epoch>`, as many :term:`updates <iteration>` as gradient descent's, each reading a twentieth
# of the data:

batch_size = 5
epochs = gd.steps * batch_size // n  # as many updates as gradient descent
mb = sgd(
    x, y, init=(-1.0, 1.0), lr=0.1, epochs=epochs, batch_size=batch_size, seed=0
)
print(
    f"SGD: {mb.steps} updates of {batch_size} samples; GD: {gd.steps} updates of {n} samples"
)
print(f"samples read: SGD {mb.steps * batch_size}, GD {gd.steps * n}")
exact_cpu = exact.cpu()
for name, run in (("SGD", mb), ("GD ", gd)):
    distance = torch.linalg.vector_norm(run.coef - exact_cpu).item()
    loss = mse(x @ run.coef.to(device), y).item()
    print(
        f"{name} ends at {run.coef}, {distance:.4f} from least squares, loss {loss:.4f}"
    )

# %%
# After the same number of updates, SGD ends no farther from the least-squares answer than
# gradient descent (the two distances above), having read a twentieth of the samples: each of
# its updates costs a twentieth of one of gradient descent's, and far from the minimum a noisy
# step downhill does about as much good as an exact one. `See both in the explorer
# <../explorer.html?lr=0.1&momentum=0&batch=5&steps=100&seed=0>`__ (set the batch to 100 for
# gradient descent) and change the settings yourself.

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
# it keeps jittering once there instead of settling.
#
# A static picture
# ----------------
#
# For a report or a paper, :func:`sgd_tutorial.plot_landscape` draws the same contours
# and paths as one still image:

fig, ax = plt.subplots(figsize=(6, 4.5))
plot_landscape(
    x, y, [gd, mb], labels=["gradient descent", "SGD, batch 5"], ax=ax
)
ax.set_title("Paths of gradient descent and SGD over the MSE")
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
    print(
        f"{name} animation written to {path} ({path.stat().st_size / 1024:.0f} KiB)"
    )

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
print(
    f"{images} PNG images, {len(jshtml) / images / 1024:.1f} KiB of HTML each on average"
)

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
full = sgd(
    x, y, init=(-1.0, 1.0), lr=0.1, epochs=gd.steps, batch_size=n, seed=0
)
print(
    f"max |sgd(batch_size=n) - gradient_descent|: {(full.params - gd.params).abs().max():.1e}"
)

# %%
# The same up to rounding: with one batch holding all the samples, SGD *is* gradient descent
# (the shuffle only changes the order of a sum).
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
print(
    "curvatures, inputs in (-2, 2):",
    [round(v, 3) for v in wide_curvatures.tolist()],
)
print(f"ratio: {(wide_curvatures[-1] / wide_curvatures[0]).item():.2f}")
print(
    f"mean square of the inputs: {(wide.x[:, 0] ** 2).mean().item():.3f} (ones column: 1)"
)

# %%
# The curvature along a parameter is twice the mean square of its column. Inputs uniform in
# (-2, 2) have mean square 4/3, more than the ones column's 1: the slope is now the steep
# direction, and the ratio is close to 4/3, a rounder bowl.
#
# .. raw:: html
#
#    </details>
