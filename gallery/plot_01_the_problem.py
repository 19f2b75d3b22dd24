"""
The problem: fit a line to noisy points
=======================================

Before any training we need three things: data, a :term:`model` with :term:`parameters` to
adjust, and a :term:`loss function` that says how wrong a given choice of parameters is. This
tutorial builds all three for the simplest case there is, a straight line through noisy points,
and meets the two shape mistakes that catch almost everyone writing it for the first time.

To run this page yourself, install the package first: see :doc:`/installation`.
"""

# sphinx_gallery_thumbnail_number = 2

import matplotlib.pyplot as plt
import torch
from sgd_tutorial import (
    least_squares,
    make_linear_data,
    mse,
    plot_data,
    plot_fit,
    resolve_device,
)

# A GPU when there is one, else the CPU; the numbers below do not depend on it.
device = resolve_device("auto")
print(f"running on {device}")

# %%
# The data: one feature and a column of ones
# ------------------------------------------
#
# A line is :math:`y = a_1 u + a_2`: a slope times the input plus an intercept (the bias).
# Instead of treating the intercept as a special case, we give every sample a second input that is
# always 1. Then each sample is a row :math:`x_i = (u_i, 1)`, and the prediction for all of them is
# a single matrix-vector product, ``x @ a``:
#
# .. math::
#
#    \hat y_i = a_1 u_i + a_2 \cdot 1 = x_i^\top a
#
# The bias has become just another weight. This is why deep-learning libraries can treat every
# layer as "multiply by a matrix": the bias is folded in, or kept as one more learned vector.
#
# We draw the inputs ``u`` uniformly between -1 and 1. A seeded :class:`torch.Generator` makes
# the draws the same on every run, so the numbers printed on this page are reproducible.

n = 100
generator = torch.Generator().manual_seed(0)

x = torch.ones(n, 2)  # every row starts as (1, 1) ...
x[:, 0].uniform_(
    -1.0, 1.0, generator=generator
)  # ... then column 0 gets the inputs u
print(x[:5])
print("shape of x:", tuple(x.shape))

# %%
# The true coefficients and the noise
# -----------------------------------
#
# We pick the answer ourselves, a slope of 3 and an intercept of 2, and make targets from it. Real
# data is never exactly on a line, so we add noise, as the lesson does, drawn uniformly from
# [0, 1): :math:`\varepsilon \sim U(0, 1)`.

true_coef = torch.tensor([3.0, 2.0])
noise = torch.rand(n, generator=generator)
y = x @ true_coef + noise
slope_true, intercept_true = true_coef.tolist()
true_line = f"y = {slope_true:g}u + {intercept_true:g}"
print("true coefficients:", true_coef.tolist())
print(
    f"mean of the noise: {noise.mean().item():.3f}  (the uniform distribution's mean is 0.5)"
)
print(
    f"smallest and largest height above the line {true_line}: "
    f"{(y - x @ true_coef).min().item():.3f}, {(y - x @ true_coef).max().item():.3f}"
)

# %%
# That noise is never negative, so every point lies *above* the line we chose (the smallest
# height printed is not below zero), and it does not average out: its mean is about one half. A
# line cannot tell a constant offset from its intercept, so the line that fits these points best
# has an intercept near the true 2 plus the mean of the noise, about 2.5, not 2. The exact best
# line for this sample, its :term:`least squares` solution (the next tutorials check every fit
# against it), confirms it:

best_intercept = true_coef[1] + noise.mean()
print(f"true intercept + mean of the noise: {best_intercept.item():.3f}")
exact = least_squares(x, y)
slope_ls, intercept_ls = exact.tolist()
print(
    f"least-squares line for this sample: slope {slope_ls:.3f}, intercept {intercept_ls:.3f}"
)

# %%
# Everything above is what :func:`sgd_tutorial.make_linear_data` does, so the later tutorials
# call it instead. With the same seed it gives exactly the same tensors:

data = make_linear_data(n, coef=(3.0, 2.0), seed=0)
print("same x:", torch.equal(data.x, x), "| same y:", torch.equal(data.y, y))

# %%
# Our tensors now move to the chosen :term:`device`. Everything that combines them has to happen
# on one device; for plotting, matplotlib wants them back on the CPU.

x, y = x.to(device), y.to(device)

fig, ax = plt.subplots(figsize=(6, 4))
plot_data(x.cpu(), y.cpu(), ax=ax)
plot_fit(
    x.cpu(),
    y.cpu(),
    true_coef,
    ax=ax,
    data=False,
    color="C2",
    label=f"true line {true_line}",
)
plot_fit(
    x.cpu(),
    y.cpu(),
    exact,
    ax=ax,
    data=False,
    color="C3",
    label=f"least squares: y = {slope_ls:.2f}u + {intercept_ls:.2f}",
)
ax.set_xlabel("input u (the first column of x)")
ax.set_ylabel("target y")
ax.set_title(f"The data: {n} points, {true_line} plus U(0, 1) noise")
ax.legend(loc="upper left")
plt.show()

# %%
# How wrong is a line? The mean squared error
# -------------------------------------------
#
# A regression problem (one whose target is a continuous number) is most often scored with the
# :term:`mean squared error`: the average, over all samples, of the squared distance between the
# prediction :math:`\hat y_i` and the target :math:`y_i`.
#
# .. math::
#
#    \mathrm{MSE}(a) = \frac{1}{n} \sum_{i=1}^{n} \left(\hat y_i - y_i\right)^2
#                          = \frac{1}{n} \sum_{i=1}^{n} \left(x_i^\top a - y_i\right)^2
#
# Squaring makes every error count as positive and punishes large errors more than small ones.
# In code the formula is one line:


def mse_by_hand(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error, exactly as the formula reads."""
    return ((y_hat - y) ** 2).mean()


# %%
# A first guess
# -------------
#
# Pretend we do not know the coefficients. Any pair of numbers is a line, so start from a poor
# one: slope -1, intercept 1. Its predictions for every sample come from one product, and its
# loss from one call:

a = torch.tensor([-1.0, 1.0], device=device)
y_hat = x @ a
print("predictions, shape:", tuple(y_hat.shape))
print(f"MSE of the guess (-1, 1): {mse_by_hand(y_hat, y).item():.4f}")
print(f"the same from sgd_tutorial.mse: {mse(y_hat, y).item():.4f}")

# %%
# How low can the loss go? Compare three lines: the true one, the true slope with the intercept
# raised by the mean of the noise, and the least-squares line, which by definition has the
# smallest MSE of all lines on these points.

loss_true = mse(x @ true_coef.to(device), y).item()
shifted = torch.stack([true_coef[0], best_intercept]).to(device)
loss_shifted = mse(x @ shifted, y).item()
loss_exact = mse(x @ exact.to(device), y).item()
print(f"MSE of the true line (3, 2):                {loss_true:.4f}")
print(f"MSE of (3, 2 + mean of noise):              {loss_shifted:.4f}")
print(f"MSE of the least-squares line:              {loss_exact:.4f}")
print(
    f"variance of this sample's noise:            {noise.var(correction=0).item():.4f}"
)
print(f"variance of U(0, 1) noise, 1/12:            {1 / 12:.4f}")

# %%
# The guess is far above all three. Raising the intercept by the mean of the noise leaves
# exactly the noise's own variance (the two printed numbers are equal: subtracting the mean is
# what a variance does). The least-squares line goes a little lower still, because it may also
# tilt its slope to follow this particular sample's noise; what no line can remove is about
# 1/12, the variance of U(0, 1).

# %%
# Plotting the guess against the data shows the mismatch: it slopes the wrong way and sits too
# low. Training will turn this line into one that follows the points.

fig, ax = plt.subplots(figsize=(6, 4))
plot_fit(
    x.cpu(), y.cpu(), a.cpu(), ax=ax, label="first guess: slope -1, intercept 1"
)
ax.plot(x[:, 0].cpu(), y_hat.cpu(), "o", markersize=3, label="its predictions")
ax.legend(loc="upper left")
ax.set_xlabel("input u")
ax.set_ylabel("y")
ax.set_title("A first guess against the data")
plt.show()

# %%
# Mistake 1: ``a @ x`` instead of ``x @ a``
# -----------------------------------------
#
# Matrix multiplication does not commute. ``x`` has one row per sample and one column per
# feature, shape ``(100, 2)``; ``a`` has one entry per feature. ``x @ a`` pairs each row of
# ``x`` with ``a``. Swapped, PyTorch treats ``a`` as a ``1 × 2`` matrix and tries to multiply it
# by a ``100 × 2`` one, whose inner sizes (2 and 100) do not match:

try:
    a @ x
except RuntimeError as error:
    print("RuntimeError:", error)

# %%
# Read the message from the left: ``mat1`` is ``a`` seen as ``1x2``, ``mat2`` is ``x``, ``100x2``.
# A product of a ``p × q`` and an ``r × s`` matrix needs ``q == r``. When you see this error,
# write the shapes down and check which dimension is meant to be summed over: here, the
# features, which is the *last* axis of ``x`` and the only axis of ``a``.
#
# Mistake 2: a column of predictions against a row of targets
# -----------------------------------------------------------
#
# Many models return predictions of shape ``(n, 1)``, one column. Our targets have shape
# ``(n,)``. The subtraction inside the loss does not fail: :term:`broadcasting` stretches both to
# ``(n, n)`` and compares *every* prediction with *every* target. The result is a number, and
# it is wrong:

y_hat_column = y_hat[
    :, None
]  # shape (100, 1), e.g. the output of torch.nn.Linear(2, 1)
print(
    "prediction shape:",
    tuple(y_hat_column.shape),
    "| target shape:",
    tuple(y.shape),
)
print("shape of the difference:", tuple((y_hat_column - y).shape))
print(
    f"loss with the broadcasting bug: {mse_by_hand(y_hat_column, y).item():.4f}"
)
print(f"the correct loss:               {mse_by_hand(y_hat, y).item():.4f}")

# %%
# Nothing warned us. Worse, the loss with the bug still goes *down* when we train on it, just
# towards the wrong answer. Here are 200 steps of gradient descent (the next tutorial explains
# the loop) on the buggy loss and on the correct one, from the same guess:


def train(loss_fn, steps=200, lr=0.1):
    """Gradient descent on ``loss_fn(predictions, y)`` from the guess (-1, 1)."""
    a = torch.tensor([-1.0, 1.0], device=device, requires_grad=True)
    for _ in range(steps):
        loss = loss_fn(x @ a, y)
        loss.backward()
        with torch.no_grad():
            a -= lr * a.grad
            a.grad.zero_()
    return a.detach(), loss.item()


def buggy_loss(y_hat, y):
    """The MSE of a column of predictions, as the mistake computes it."""
    return mse_by_hand(
        y_hat[:, None], y
    )  # (n, 1) against (n,): broadcasts to (n, n)


a_bug, loss_bug = train(buggy_loss)
a_ok, loss_ok = train(mse_by_hand)
print(f"trained with the bug:  slope {a_bug[0]:.1e}, intercept {a_bug[1]:.3f}")
print(f"trained correctly:     slope {a_ok[0]:.3f}, intercept {a_ok[1]:.3f}")
print(
    f"least squares:         slope {slope_ls:.3f}, intercept {intercept_ls:.3f}"
)
print(f"mean of y:             {y.mean().item():.3f}")
print(
    f"MSE of the bug's line: {mse(x @ a_bug, y).item():.4f} (least squares: {loss_exact:.4f})"
)

# %%
# The buggy loss compares every prediction with every target, so the best it can do is predict
# the *average* target everywhere: its slope heads to 0 and its intercept to the mean of ``y``
# (printed above), a flat line through the middle of the cloud. Training "worked", in the sense
# that its own loss went down; the line is useless. That is why :func:`sgd_tutorial.mse` refuses
# tensors of different shapes instead of broadcasting them:

try:
    mse(y_hat_column, y)
except ValueError as error:
    print("ValueError:", error)

# %%
# What comes next
# ---------------
#
# We have data, a model (``x @ a``), and a loss that measures any guess. What is missing is a way
# to improve the guess. In the next tutorial, :term:`autograd` computes the :term:`gradient` of
# the loss, and :term:`gradient descent` follows it downhill.
#
# Exercises
# ---------
#
# **Exercise 1.** The true line (3, 2) and the line (3, 2 + mean of the noise) differ only in
# their intercepts. Predict how much larger the MSE of the true line is, as a formula in the
# mean of the noise, then compute both sides.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 1</summary>

# %%
# Every residual of the true line is the noise, :math:`\varepsilon_i`; the shifted line's are
# :math:`\varepsilon_i - \bar\varepsilon`. The mean of the squares exceeds the variance by the
# squared mean, so the gap is :math:`\bar\varepsilon^2`:

print(f"MSE(true) - MSE(shifted): {loss_true - loss_shifted:.6f}")
print(f"(mean of the noise)^2:    {noise.mean().item() ** 2:.6f}")

# %%
# .. raw:: html
#
#    </details>
#
# **Exercise 2.** ``make_linear_data`` can also add noise of mean zero, ``noise="normal"``
# (standard normal noise times ``noise_scale``). With ``noise_scale=0.25``, predict the intercept
# of the least-squares line, then draw the data and check.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 2</summary>

# %%
# Noise of mean zero adds nothing to the intercept on average, so it should come out near 2:

centred = make_linear_data(
    n, coef=(3.0, 2.0), noise="normal", noise_scale=0.25, seed=0
)
slope_c, intercept_c = least_squares(centred.x, centred.y).tolist()
print(
    f"least squares, N(0, 0.25^2) noise: slope {slope_c:.3f}, intercept {intercept_c:.3f}"
)

# %%
# .. raw:: html
#
#    </details>
#
# **Exercise 3.** Predict the shape of ``x @ b`` for ``b = torch.ones(2, 1)``, and the shape of
# ``x @ b - y``. Which of the two mistakes above is this?
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 3</summary>

# %%
b = torch.ones(2, 1, device=device)
print("x @ b:", tuple((x @ b).shape), "| x @ b - y:", tuple((x @ b - y).shape))

# %%
# A ``(2, 1)`` weight makes a column of predictions, ``(n, 1)``, and the subtraction broadcasts
# it against the ``(n,)`` targets to ``(n, n)``: mistake 2, with no error raised.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 4.** Train with the buggy loss again, but twice as long (400 steps). Predict the
# slope and intercept it ends at, then run it.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 4</summary>

# %%
a_longer, _ = train(buggy_loss, steps=400)
print(
    f"400 steps with the bug: slope {a_longer[0]:.1e}, intercept {a_longer[1]:.4f}"
)
print(f"mean of y:              {y.mean().item():.4f}")

# %%
# Longer training only brings it closer to the flat line at the mean of ``y``: the bug changes
# the answer, and no amount of training fixes it.
#
# .. raw:: html
#
#    </details>
