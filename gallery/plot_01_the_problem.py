"""
The problem: fit a line to noisy points
=======================================

Before any training we need three things: data, a :term:`model` with :term:`parameters` to
adjust, and a :term:`loss function` that says how wrong a given choice of parameters is. This
tutorial builds all three for the simplest case there is, a straight line through a hundred
points, and meets the two shape mistakes that catch almost everyone writing it for the first
time.
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
x[:, 0].uniform_(-1.0, 1.0, generator=generator)  # ... then column 0 gets the inputs u
print(x[:5])
print("shape of x:", tuple(x.shape))

# %%
# The true coefficients and the noise
# -----------------------------------
#
# We pick the answer ourselves, a slope of 3 and an intercept of 2, and make targets from it. Real
# data is never exactly on a line, so we add noise drawn uniformly from [0, 1).

true_coef = torch.tensor([3.0, 2.0])
noise = torch.rand(n, generator=generator)
y = x @ true_coef + noise
print("true coefficients:", true_coef.tolist())
print(f"mean of the noise: {noise.mean().item():.3f}  (the uniform distribution's mean is 0.5)")

# %%
# That noise does not average out to zero: uniform noise on [0, 1) has mean one half. A line
# cannot tell a constant offset from its intercept, so the line that fits these points best has
# an intercept near the true 2 plus the mean of the noise, not 2. The exact best line for this
# sample (its :term:`least squares` solution, which the next tutorial uses as the answer to
# check against) confirms it:

best_intercept = true_coef[1] + noise.mean()
print(f"true intercept + mean of the noise: {best_intercept.item():.3f}")
slope_ls, intercept_ls = least_squares(x, y).tolist()
print(f"best line for this sample: slope {slope_ls:.3f}, intercept {intercept_ls:.3f}")

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
ax.set_xlabel("input u (the first column of x)")
ax.set_ylabel("target y")
ax.set_title("The data: 100 noisy points around the line 3u + 2")
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
# The loss of the guess is far above the loss of the true coefficients, and above the loss of
# the best line for this sample (whose intercept absorbed the mean of the noise). The remainder
# of the best line's loss is the noise we can never explain: its variance, about 1/12.

print(f"MSE of the true line (3, 2):      {mse(x @ true_coef.to(device), y).item():.4f}")
best = torch.stack([true_coef[0], best_intercept]).to(device)
print(f"MSE of (3, 2 + mean of noise):    {mse(x @ best, y).item():.4f}")
print(f"variance of uniform noise, 1/12:  {1 / 12:.4f}")

# %%
# Plotting the guess against the data shows the mismatch: it slopes the wrong way and sits too
# low. Training will turn this line into one that follows the points.

fig, ax = plt.subplots(figsize=(6, 4))
plot_fit(x.cpu(), y.cpu(), a.cpu(), ax=ax, label="first guess: slope -1, intercept 1")
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

y_hat_column = y_hat[:, None]  # shape (100, 1), e.g. the output of torch.nn.Linear(2, 1)
print("prediction shape:", tuple(y_hat_column.shape), "| target shape:", tuple(y.shape))
print("shape of the difference:", tuple((y_hat_column - y).shape))
print(f"loss with the broadcasting bug: {mse_by_hand(y_hat_column, y).item():.4f}")
print(f"the correct loss:               {mse_by_hand(y_hat, y).item():.4f}")

# %%
# Nothing warned us, and a loss computed this way would still go down during training, just
# towards the wrong answer. That is why :func:`sgd_tutorial.mse` refuses tensors of different
# shapes instead of broadcasting them:

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
