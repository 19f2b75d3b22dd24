"""
The problem: fit a line to noisy points
=======================================

Before any training we need three things: data, a :term:`model` with :term:`parameters` to
adjust, and a :term:`loss function` that says how wrong a given choice of parameters is. This
tutorial builds all three for the simplest case there is, a straight line through noisy points,
and meets the two shape mistakes that catch almost everyone writing it for the first time.

Every claim on this page is checked by the code that follows it: an ``assert`` that stops the
run, with a message saying what went wrong, if the numbers do not bear the sentence out.

To run this page yourself, install the package first: see :doc:`/installation`.
"""

# sphinx_gallery_thumbnail_number = 2

import math
import textwrap

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

# A GPU when there is one, else the CPU.
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
# the draws the same on every run, so the data on this page is reproducible.

n = 100
generator = torch.Generator().manual_seed(0)

x = torch.ones(n, 2)  # every row starts as (1, 1) ...
x[:, 0].uniform_(-1.0, 1.0, generator=generator)  # ... then column 0 gets u
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
heights = y - x @ true_coef  # how far each point lies above the true line
print("true coefficients:", true_coef.tolist())
print(f"mean of the noise: {noise.mean():.3f} (U(0, 1) has mean 0.5)")
print(
    f"height above the line {true_line}: "
    f"smallest {heights.min():.3f}, largest {heights.max():.3f}"
)

# %%
# That noise is never negative, so every point lies on or *above* the line we chose (the
# smallest height printed is not below zero). Nor does it average out: the mean of 100 draws
# of :math:`U(0, 1)` is one half give or take its standard error,
# :math:`\sqrt{1/12} / \sqrt{100} \approx 0.03`.

standard_error = math.sqrt(1 / 12) / math.sqrt(n)
print(f"standard error of the mean of {n} draws: {standard_error:.3f}")
assert heights.min() >= 0, (
    f"a point lies {-heights.min():.1e} below the true line, yet the noise "
    "is never negative"
)
assert abs(noise.mean() - 0.5) < 3 * standard_error, (
    f"the mean of the noise, {noise.mean():.3f}, is more than three standard "
    "errors from 0.5"
)

# %%
# A line cannot tell a constant offset from its intercept, so the line that fits these
# points best has an intercept near the true 2 plus the mean of the noise, about 2.5, not 2.
# The exact best line for this sample, its :term:`least squares` solution (the next tutorials
# check every fit against it), confirms it to within a few hundredths (its slope also leans
# a little to follow this sample's noise):

best_intercept = true_coef[1] + noise.mean()
exact = least_squares(x, y)
slope_ls, intercept_ls = exact.tolist()
gap = abs(intercept_ls - best_intercept.item())
print(f"true intercept + mean of the noise: {best_intercept:.3f}")
print(f"least-squares line: slope {slope_ls:.3f}, intercept {intercept_ls:.3f}")
print(f"difference of the two intercepts: {gap:.3f}")
assert gap < 0.05, (
    f"the least-squares intercept {intercept_ls:.3f} is {gap:.3f} from "
    f"2 + mean of the noise, {best_intercept:.3f}"
)

# %%
# Everything above is what :func:`sgd_tutorial.make_linear_data` does, so the later tutorials
# call it instead. With the same seed it makes the same draws and the same arithmetic, so the
# same tensors, bit for bit:

data = make_linear_data(n, coef=(3.0, 2.0), seed=0)
same_x, same_y = torch.equal(data.x, x), torch.equal(data.y, y)
print("same x:", same_x, "| same y:", same_y)
assert same_x, "make_linear_data(seed=0) drew other inputs x"
assert same_y, "make_linear_data(seed=0) drew other targets y"

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
# loss from one call, ours or the package's :func:`sgd_tutorial.mse` (the same formula, so
# the same number up to float32 rounding):

a = torch.tensor([-1.0, 1.0], device=device)
y_hat = x @ a
loss_guess = mse_by_hand(y_hat, y).item()
print("predictions, shape:", tuple(y_hat.shape))
print(f"MSE of the guess (-1, 1): {loss_guess:.4f}")
print(f"the same from sgd_tutorial.mse: {mse(y_hat, y).item():.4f}")
assert math.isclose(loss_guess, mse(y_hat, y).item(), rel_tol=1e-6), (
    "mse_by_hand and sgd_tutorial.mse disagree beyond float32 rounding"
)

# %%
# How low can the loss go? Compare three lines: the true one, the true slope with the intercept
# raised by the mean of the noise, and the least-squares line, which by definition has the
# smallest MSE of all lines on these points.

loss_true = mse(x @ true_coef.to(device), y).item()
shifted = torch.stack([true_coef[0], best_intercept]).to(device)
loss_shifted = mse(x @ shifted, y).item()
loss_exact = mse(x @ exact.to(device), y).item()
noise_variance = noise.var(correction=0).item()
print(f"MSE of the true line (3, 2):         {loss_true:.4f}")
print(f"MSE of (3, 2 + mean of noise):       {loss_shifted:.4f}")
print(f"MSE of the least-squares line:       {loss_exact:.4f}")
print(f"variance of this sample's noise:     {noise_variance:.4f}")
print(f"variance of U(0, 1) noise, 1/12:     {1 / 12:.4f}")

# %%
# The guess is far above all three. Raising the intercept by the mean of the noise leaves
# the noise's own variance (the two printed numbers are equal up to float32 rounding:
# subtracting the mean is what a variance does). The least-squares line goes a little lower
# still, because it may also tilt its slope to follow this particular sample's noise; what no
# line can remove is about 1/12, the variance of U(0, 1). "About": a sample of 100 points has
# its own noise, and the mean of 100 values of :math:`(\varepsilon - \tfrac12)^2` wanders by
# about 0.0075 (their standard deviation, about 0.075, over :math:`\sqrt{100}`), so we allow
# three times that.

assert loss_guess > 10 * loss_true, "the guess should be far above every line"
assert math.isclose(loss_shifted, noise_variance, rel_tol=1e-5), (
    f"MSE of the shifted line {loss_shifted:.6f} is not the variance of the "
    f"noise {noise_variance:.6f}"
)
assert loss_exact < loss_shifted, "least squares should beat the shifted line"
assert abs(loss_exact - 1 / 12) < 3 * 0.0075, (
    f"the least-squares MSE {loss_exact:.4f} is far from 1/12"
)

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

# shape (100, 1), as torch.nn.Linear(2, 1) would give
y_hat_column = y_hat[:, None]
loss_bug = mse_by_hand(y_hat_column, y).item()
print(
    "prediction shape:",
    tuple(y_hat_column.shape),
    "| target shape:",
    tuple(y.shape),
)
print("shape of the difference:", tuple((y_hat_column - y).shape))
print(f"loss with the broadcasting bug: {loss_bug:.4f}")
print(f"the correct loss:               {loss_guess:.4f}")
assert (y_hat_column - y).shape == (n, n), "expected broadcasting to (n, n)"
assert not math.isclose(loss_bug, loss_guess, rel_tol=0.01), (
    "the buggy loss happens to equal the right one here"
)

# %%
# Nothing warned us. Worse, the loss with the bug still goes *down* when we train on it, just
# towards the wrong answer. Here are 200 steps of gradient descent (the next tutorial explains
# the loop) on the buggy loss and on the correct one, from the same guess:


def train(loss_fn, steps=200, lr=0.1):
    """Gradient descent on ``loss_fn(x @ a, y)`` from (-1, 1): a, its losses."""
    a = torch.tensor([-1.0, 1.0], device=device, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = loss_fn(x @ a, y)
        loss.backward()
        with torch.no_grad():
            a -= lr * a.grad
            a.grad.zero_()
        losses.append(loss.item())
    return a.detach(), losses


def buggy_loss(y_hat, y):
    """The MSE of a column of predictions, as the mistake computes it."""
    return mse_by_hand(y_hat[:, None], y)  # (n, 1) against (n,): (n, n)


a_bug, losses_bug = train(buggy_loss)
a_ok, _ = train(mse_by_hand)
mean_y = y.mean().item()
print(f"trained with the bug: slope {a_bug[0]:.1e}, intercept {a_bug[1]:.3f}")
print(f"trained correctly:    slope {a_ok[0]:.3f}, intercept {a_ok[1]:.3f}")
print(
    f"least squares:        slope {slope_ls:.3f}, intercept {intercept_ls:.3f}"
)
print(f"mean of y:            {mean_y:.3f}")
print(
    f"buggy loss: {losses_bug[0]:.4f} at the first step, "
    f"{losses_bug[-1]:.4f} at the last"
)
print(f"MSE of the bug's line: {mse(x @ a_bug, y).item():.4f}")
print(f"MSE of least squares:  {loss_exact:.4f}")

# %%
# The buggy loss compares every prediction with every target. Written out, it is the mean of
# :math:`(\hat y_i - \bar y)^2` plus the variance of ``y``, so the best it can do is predict
# the *average* target everywhere: its slope heads to 0 and its intercept to the mean of
# ``y`` (within 1e-4 of both after these 200 steps), a flat line through the middle of the
# cloud. Training "worked", in the sense that its own loss went down; the line is useless.

flat_line = torch.tensor([0.0, mean_y], device=device)
off = (a_bug - flat_line).abs().max().item()
print(f"largest distance of the bug's line from (0, mean of y): {off:.1e}")
assert losses_bug[-1] < losses_bug[0], "the buggy loss should go down"
assert off < 1e-4, f"the bug's line is {off:.1e} from the flat line at mean(y)"

# %%
# That is why :func:`sgd_tutorial.mse` refuses tensors of different shapes instead of
# broadcasting them:

try:
    mse(y_hat_column, y)
except ValueError as error:
    print(textwrap.fill(f"ValueError: {error}", 79, subsequent_indent="  "))

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
# squared mean, so the gap is :math:`\bar\varepsilon^2`, up to float32 rounding:

gap_mse = loss_true - loss_shifted
squared_mean = noise.mean().item() ** 2
print(f"MSE(true) - MSE(shifted): {gap_mse:.6f}")
print(f"(mean of the noise)^2:    {squared_mean:.6f}")
assert math.isclose(gap_mse, squared_mean, rel_tol=1e-5), (
    f"{gap_mse:.7f} is not the squared mean {squared_mean:.7f}"
)

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
# within a few standard errors, :math:`0.25 / \sqrt{100} = 0.025` each.

centred = make_linear_data(
    n, coef=(3.0, 2.0), noise="normal", noise_scale=0.25, seed=0
)
slope_c, intercept_c = least_squares(centred.x, centred.y).tolist()
print(
    f"least squares, N(0, 0.25^2) noise: "
    f"slope {slope_c:.3f}, intercept {intercept_c:.3f}"
)
assert abs(intercept_c - 2) < 4 * 0.025, (
    f"intercept {intercept_c:.3f} is more than four standard errors from 2"
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
assert (x @ b - y).shape == (n, n), "expected broadcasting to (n, n)"

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
off_longer = (a_longer - flat_line).abs().max().item()
print(
    f"400 steps with the bug: slope {a_longer[0]:.1e}, "
    f"intercept {a_longer[1]:.4f}"
)
print(f"mean of y:              {mean_y:.4f}")
print(f"distance from (0, mean of y): {off_longer:.1e}")
assert off_longer < 1e-4, f"400 steps end {off_longer:.1e} from the flat line"

# %%
# It stays on the flat line at the mean of ``y`` (within the same 1e-4; what is left is
# float32 rounding): the bug changes the answer, and no amount of training fixes it.
#
# .. raw:: html
#
#    </details>
