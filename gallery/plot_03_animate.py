"""
Animate it: watching gradient descent work
==========================================

A list of losses says that training worked; a picture says *how*. In this tutorial we record
every step of a fit and play it back twice: as the line sliding onto the data, and as the path
the two :term:`parameters` take across the :term:`loss landscape`. Then we race full-batch
:term:`gradient descent` against :term:`minibatch` :term:`SGD` on the same landscape.

Both animations are videos you can play, pause and scrub on this page, and in a Jupyter
notebook. Their first frame shows the starting guess; press play.
"""

# sphinx_gallery_thumbnail_number = 1

import matplotlib.pyplot as plt

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
x, y = data.x, data.y
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
print("recorded parameters:", tuple(gd.params.shape), "| recorded losses:", tuple(gd.losses.shape))
print("start:", gd.params[0], "| end:", gd.coef)
print(f"loss at the first step {gd.losses[0]:.4f}, at the last {gd.losses[-1]:.4f}")
print("step   slope  intercept")
for step in (0, 5, 10, 20, 50, 100):
    slope, intercept = gd.params[step].tolist()
    print(f"{step:4d}  {slope:6.3f}  {intercept:9.3f}")

# %%
# The line finds the data
# -----------------------
#
# :func:`sgd_tutorial.animate_fit` draws the data once and, for each recorded step, the
# line ``x @ a`` with those parameters; the title gives the step and the loss. As the table above
# shows, the line first jumps up to about the right height (the intercept settles early) and then
# keeps turning for much longer (the slope is still changing when the intercept has stopped).
# Press play:

fit_animation = animate_fit(x, y, gd, max_frames=101, fps=20)
plt.close(fit_animation.figure)  # the video is enough here: no extra still of its last frame
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
    "curvature along the flat and the steep direction:", [round(v, 3) for v in curvatures.tolist()]
)
print(f"ratio: {(curvatures[-1] / curvatures[0]).item():.2f}")

# %%
# Stochastic gradient descent estimates the gradient from a :term:`minibatch` of samples at a
# time (tutorial 4 explains it in detail). Here it uses batches of 5 for 5 :term:`epochs
# <epoch>`, the same number of :term:`updates <iteration>` as gradient descent's 100:

mb = sgd(x, y, init=(-1.0, 1.0), lr=0.1, epochs=5, batch_size=5, seed=0)
print(f"SGD: {mb.steps} updates; GD: {gd.steps} updates")
print("SGD ends at", mb.coef, f"with loss {mse(x @ mb.coef.to(device), y).item():.4f}")
print("GD ends at ", gd.coef, f"with loss {mse(x @ gd.coef.to(device), y).item():.4f}")

# %%
# :func:`sgd_tutorial.animate_descent` plays both runs side by side: on the left the
# lines they draw through the data, on the right their paths over the contours of the loss.

descent_animation = animate_descent(
    x, y, [gd, mb], labels=["gradient descent (all 100 points)", "SGD (batches of 5)"], fps=20
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
plot_landscape(x, y, [gd, mb], labels=["gradient descent", "SGD, batch 5"], ax=ax)
ax.set_title("Paths of gradient descent and SGD over the MSE")
plt.show()

# %%
# The animations are saved as well as shown: ``fit_animation.save("fit.mp4")`` writes a video
# file (``.gif`` and ``.html`` work too), which is how you would put one in a slide. To see how
# the learning rate changes these paths, from a crawl to a wild zigzag, read on.
