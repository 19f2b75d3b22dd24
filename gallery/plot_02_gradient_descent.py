"""
Gradient descent with autograd
==============================

The first tutorial left us with data, a :term:`model` ``x @ a`` and a :term:`loss function`,
and a guess ``a = (-1, 1)`` whose loss is large. Here we improve the guess step by step:
PyTorch's :term:`autograd` computes the :term:`gradient` of the loss, and
:term:`gradient descent` moves the :term:`parameters` a little way against it. We write the
update by hand first, break it in the two ways beginners do, and then check it against the
package's own :func:`~sgd_tutorial.gradient_descent` and the exact answer.

To run this page yourself, install the package first: see :doc:`/installation`.
"""

# sphinx_gallery_thumbnail_number = 2

import textwrap
import warnings

import matplotlib.pyplot as plt
import torch
from sgd_tutorial import (
    gradient_descent,
    least_squares,
    make_linear_data,
    mse,
    plot_fit,
)
from torch import nn

# The points of the first tutorial: slope 3, intercept 2, U(0, 1) noise.
data = make_linear_data(100, coef=(3.0, 2.0), seed=0)
x, y, n = data.x, data.y, data.n
exact = least_squares(x, y)  # the best line, to measure every fit against
floor = mse(x @ exact, y).item()  # its loss: no line does better
eps = torch.finfo(torch.float32).eps  # float32's relative resolution

# %%
# A tensor that asks for its gradient
# -----------------------------------
#
# An ordinary :term:`tensor` is just numbers. To get a gradient, PyTorch must record every
# operation done with a tensor, and it does that only for tensors with ``requires_grad=True``.
# :class:`torch.nn.Parameter` is a tensor subclass that sets this flag for you; it also marks the
# tensor as a learnable weight, so a :class:`torch.nn.Module` that holds it lists it among its
# ``parameters()``, which is how optimizers find what to update.

guess = torch.tensor([-1.0, 1.0])
a = nn.Parameter(guess.clone())
print("plain tensor:", guess, "| requires_grad:", guess.requires_grad)
print("parameter:   ", a, "| requires_grad:", a.requires_grad)
print("is a Parameter a Tensor?", isinstance(a, torch.Tensor))

# %%
# Because ``a`` requires a gradient, the loss computed from it remembers how it was made: it
# carries a ``grad_fn``, the last node of a graph that leads back to ``a``. Before anything has
# been computed backwards, ``a.grad`` is ``None``.

loss = mse(x @ a, y)
print("loss:", loss)
print("a.grad before backward():", a.grad)

# %%
# ``loss.backward()`` walks that graph from the loss back to ``a`` and stores
# :math:`\partial L / \partial a` in ``a.grad``. For the :term:`mean squared error` of a linear
# model we can also write the gradient down exactly, which lets us check autograd:
#
# .. math::
#
#    \nabla_a L = \frac{2}{n} X^\top (X a - y)

loss.backward()
by_formula = 2 / len(x) * x.T @ (x @ a.detach() - y)
gap = (a.grad - by_formula).abs().max().item()
print("a.grad from autograd:", a.grad)
print("the same by formula: ", by_formula)
print(f"largest difference: {gap:.1e}")

# %%
# The two agree to float32 rounding: the same sums, added up in another order, differ in
# their last bits, far less than a hundred-thousandth of the gradient.

assert gap < 1e-5 * a.grad.abs().max(), (
    f"autograd and the formula differ by {gap:.1e}, more than float32 rounding"
)

# %%
# The update, written out
# -----------------------
#
# One step of gradient descent moves every parameter against its gradient, scaled by the
# :term:`learning rate` :math:`\eta`:
#
# .. math::
#
#    a \leftarrow a - \eta \, \nabla_a L(a)
#
# In PyTorch that is four lines, and each one matters:
#
# 1. ``loss.backward()`` fills ``a.grad``;
# 2. ``with torch.no_grad():`` the update itself must not be recorded in the graph (it is not
#    part of the model, and recording an in-place change to ``a`` is an error, as we will see);
# 3. ``a.sub_(lr * a.grad)`` subtracts in place, so ``a`` stays the same Parameter object;
# 4. ``a.grad.zero_()`` clears the gradient, because ``backward()`` *adds* to ``a.grad`` rather
#    than overwriting it.
#
# Why add rather than overwrite? Because adding is how a gradient is computed at all. When a
# parameter is used in two places, the loss depends on it through both, and its gradient is the
# sum of the two contributions. Autograd gets that sum by letting each use add its share into
# ``.grad``. A tiny example, :math:`f(w) = 3w + 5w`, whose derivative is :math:`3 + 5 = 8`:

w = torch.tensor(2.0, requires_grad=True)
f = w * 3 + w * 5  # w is used twice
f.backward()
print(f"df/dw = {w.grad.item():g} (3 from the first use + 5 from the second)")
assert w.grad == 8, f"expected 3 + 5 = 8, got {w.grad.item():g}"

# %%
# The same adding carries on across calls: a second ``backward()``, of another function of
# ``w``, adds its gradient to what is already there. That is useful (the gradients of several
# losses can be gathered before one step) but it means that a training loop must clear ``.grad``
# itself, or every step also carries all the previous ones:

g = w * 10
g.backward()
print(f"after a second backward() of 10w: w.grad = {w.grad.item():g} (8 + 10)")
assert w.grad == 18, f"expected 8 + 10 = 18, got {w.grad.item():g}"

# %%
# Now the loop.
# We start again from the guess and take 100 steps with a learning rate of 0.1, printing the
# loss every 10 steps.

lr, steps = 0.1, 100
a = nn.Parameter(guess.clone())
hand_losses = []

for t in range(steps):
    y_hat = x @ a  # predictions
    loss = mse(y_hat, y)  # how wrong they are
    loss.backward()  # d loss / d a, into a.grad
    with torch.no_grad():
        a.sub_(lr * a.grad)  # one step downhill
        a.grad.zero_()  # forget this step's gradient
    hand_losses.append(loss.detach())
    if t % 10 == 0:
        print(f"step {t:3d}   loss {loss.item():.4f}")

hand_losses = torch.stack(hand_losses)
by_hand = a.detach().clone()  # kept, to compare with the package below
slope, intercept = by_hand.tolist()
print(f"fitted a: slope {slope:.4f}, intercept {intercept:.4f}")
print(f"least squares: slope {exact[0]:.4f}, intercept {exact[1]:.4f}")
print(f"smallest possible loss: {floor:.4f}")

# %%
# The loss drops at every step, fast at first, and then levels off: it cannot go below the
# part of the noise no line can explain, the least-squares loss. The slope and intercept
# printed last are within 0.01 of the least-squares line of the first tutorial: a slope near
# 3, an intercept near 2 plus the mean of the noise.

drops = hand_losses[1:] < hand_losses[:-1]
distance = (by_hand - exact).abs().max().item()
assert drops.all(), f"the loss went up at step {int((~drops).nonzero()[0]) + 1}"
assert hand_losses.min() >= floor * (1 - 1e-6), "a loss below the minimum?"
assert distance < 0.01, f"after {steps} steps a is {distance:.4f} from the best"

# %%
# Plotting needs ``detach()``
# ---------------------------
#
# ``a`` still requires a gradient, and NumPy (which matplotlib uses) cannot hold that, so
# converting it fails. ``a.detach()`` is the same numbers without the graph:

try:
    a.numpy()
except RuntimeError as error:
    print(textwrap.fill(f"RuntimeError: {error}", 79, subsequent_indent="  "))
print("detached:", a.detach().numpy())

# %%
# The fitted line, drawn from the detached parameters, next to where we started:

fig, ax = plt.subplots(figsize=(6, 4))
plot_fit(x, y, guess, ax=ax, label="start: the guess (-1, 1)", color="C3")
plot_fit(
    x,
    y,
    a.detach(),
    ax=ax,
    data=False,
    label=f"after {steps} steps",
)
ax.set_xlabel("input u")
ax.set_ylabel("y")
ax.set_title(
    f"The line before and after {steps} steps of gradient descent ({n} points)"
)
plt.show()

# %%
# Mistake 1: forgetting ``a.grad.zero_()``
# ----------------------------------------
#
# Remove the last line of the update and every ``backward()`` adds the new gradient to all the
# old ones. The step is then taken along the *sum* of every gradient so far, which keeps pushing
# in directions that were right many steps ago. The parameters overshoot, swing back, and
# overshoot again: the loss rises and falls instead of settling.

a = nn.Parameter(guess.clone())
forgetful_losses, forgetful_params = [], []
for _ in range(steps):
    loss = mse(x @ a, y)
    loss.backward()  # adds to a.grad ...
    with torch.no_grad():
        a.sub_(lr * a.grad)  # ... and a.grad is never cleared
    forgetful_losses.append(loss.detach())
    forgetful_params.append(a.detach().clone())
forgetful_losses = torch.stack(forgetful_losses)
forgetful_params = torch.stack(forgetful_params)

print("loss every 5 steps without zero_():")
print(textwrap.fill(", ".join(f"{v:.3f}" for v in forgetful_losses[::5]), 79))
last = steps // 2
rises = int((forgetful_losses[last + 1 :] > forgetful_losses[last:-1]).sum())
highest = forgetful_losses[last:].max().item()
print(
    f"over the last {steps - last} steps: {rises} rises, highest {highest:.4f}"
)
print(
    f"first loss {forgetful_losses[0]:.4f}; with zero_(): {hand_losses[-1]:.4f}"
)

# %%
# The loss rises again and again, and over the last half of the run it still swings back up
# to at least half its starting value:

assert rises >= 10, f"only {rises} rises over the last {steps - last} steps"
assert highest > forgetful_losses[0] / 2, (
    f"the loss stays below {highest:.4f}: it seems to settle after all"
)

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(hand_losses, label="with a.grad.zero_()")
ax.plot(forgetful_losses, label="without: the gradients pile up")
ax.set_yscale("log")
ax.set_xlabel("step")
ax.set_ylabel("loss (MSE, log scale)")
ax.set_title("The loss at each step, with and without zeroing the gradient")
ax.legend()
plt.show()

# %%
# This is a method you will meet again under another name. Since ``a.grad`` holds the sum of
# every gradient so far, each step is :math:`a \leftarrow a - \eta v_t` with
# :math:`v_t = v_{t-1} + g_t`: :term:`momentum` (tutorial 7), with a momentum coefficient
# :math:`\beta = 1` where the usual values are 0.9 or so (:math:`v_t = \beta v_{t-1} + g_t`).
# :class:`torch.optim.SGD` accepts ``momentum=1.0``, and it retraces the forgetful loop step for
# step (to float32 rounding):

b = nn.Parameter(guess.clone())
optimizer = torch.optim.SGD([b], lr=lr, momentum=1.0)
momentum_params = []
for _ in range(steps):
    # torch.optim keeps the running sum in v, so it can clear .grad
    optimizer.zero_grad()
    mse(x @ b, y).backward()
    optimizer.step()
    momentum_params.append(b.detach().clone())
momentum_params = torch.stack(momentum_params)
gap = (momentum_params - forgetful_params).abs().max().item()
# float32's spacing at the largest parameter: one rounding of it
spacing = eps * forgetful_params.abs().max().item()
print(f"max |forgetful loop - SGD(momentum=1.0)|: {gap:.1e}")
print(f"float32 spacing at the largest parameter: {spacing:.1e}")

# %%
# "To float32 rounding": each step of each loop rounds the parameters once, and nothing damps
# the differences this makes (the swing does not die out), so they can add up over the run.
# We allow one float32 spacing at the largest parameter per step, 100 in all.

assert gap <= steps * spacing, (
    f"the loops differ by {gap:.1e}, more than {steps} roundings"
)

# %%
# Momentum :math:`\beta` is the share of the old velocity kept at each step; :math:`1 - \beta`
# is the friction. With :math:`\beta = 1` there is no friction at all: near the minimum the
# gradients point back towards it, but the summed velocity carries the parameters through and
# past it, again and again, like a ball rolling in a bowl without friction. Any
# :math:`\beta < 1` damps the swing. The package allows momentum only in :math:`[0, 1)`; with
# 0.9, from the same start, the loss settles:

heavy_ball = gradient_descent(
    x, y, init=(-1.0, 1.0), lr=lr, steps=steps, momentum=0.9
)
swing_free = (
    forgetful_losses[last:].max() - forgetful_losses[last:].min()
).item()
swing_damped = (
    heavy_ball.losses[last:].max() - heavy_ball.losses[last:].min()
).item()
print(f"loss over the last {steps - last} steps, min and max:")
print(
    f"  beta = 1.0 (no zero_()): {forgetful_losses[last:].min():.4f} "
    f"to {forgetful_losses[last:].max():.4f}"
)
print(
    f"  beta = 0.9:              {heavy_ball.losses[last:].min():.4f} "
    f"to {heavy_ball.losses[last:].max():.4f}"
)
assert swing_damped < swing_free / 10, (
    f"with beta 0.9 the loss still swings over {swing_damped:.4f}"
)

# %%
# Mistake 2: updating outside ``torch.no_grad()``
# -----------------------------------------------
#
# Without the ``no_grad`` block, PyTorch would have to record "``a`` was changed in place" in the
# graph that ``a`` itself starts. It refuses, because that would make the gradients of anything
# computed from ``a`` meaningless:

a = nn.Parameter(guess.clone())
mse(x @ a, y).backward()
try:
    a.sub_(lr * a.grad)
except RuntimeError as error:
    print(textwrap.fill(f"RuntimeError: {error}", 79, subsequent_indent="  "))

# %%
# A *leaf* is a tensor you created yourself rather than one computed from others; our Parameter
# is one.
#
# Mistake 3: ``a = a - lr * a.grad``
# ----------------------------------
#
# Writing the update without an in-place operation avoids that error, and the first step even
# gives the right numbers. But ``a - lr * a.grad`` is a *new* tensor, computed from the
# Parameter, and the name ``a`` now points to it. It is no longer a leaf, so ``backward()`` does
# not fill its ``.grad`` (PyTorch warns when you read it), and the second step fails:

a = nn.Parameter(guess.clone())
mse(x @ a, y).backward()
right_step = a.detach() - lr * a.grad  # what the in-place update would give
a = a - lr * a.grad  # no error ...
print(f"after one step: ({a[0]:.4f}, {a[1]:.4f}), as it should be")
print(f"is_leaf: {a.is_leaf}, grad_fn: {a.grad_fn.name()}")
assert torch.equal(a.detach(), right_step), "the first step should be right"
assert not a.is_leaf, "a - lr * a.grad should be a new tensor, not a leaf"
mse(x @ a, y).backward()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    second_grad = a.grad
    print("a.grad after the second backward():", second_grad)
    try:
        a = a - lr * a.grad
    except TypeError as error:
        print("TypeError:", error)
warning = str(caught[0].message).split(" Its ")[0]
print(textwrap.fill(f"PyTorch warned: {warning}", 79, subsequent_indent="  "))
assert second_grad is None, "a non-leaf tensor should get no .grad"

# %%
# The gradient went to the old Parameter, which ``a`` no longer names, and the new tensor drags
# the whole history of its making along with it. Updating in place under ``no_grad()`` keeps the
# one Parameter, a leaf, from the first step to the last.
#
# The same fit, from the package
# ------------------------------
#
# :func:`sgd_tutorial.gradient_descent` runs the same update (without building a graph, which
# is faster) and records every step. :func:`sgd_tutorial.least_squares` solves the problem in
# closed form, the exact minimum of the loss. Our loop's result from the top of this page, the
# package's after the same 100 steps from the same start, and the exact answer:

fit = gradient_descent(x, y, init=(-1.0, 1.0), lr=lr, steps=steps)
package = fit.coef.float()  # (a Fit may record in another dtype)
for name, coef in (
    ("by hand", by_hand),
    ("gradient_descent", package),
    ("least_squares", exact),
):
    print(f"{name:>16}: slope {coef[0]:.4f}, intercept {coef[1]:.4f}")
gap = (by_hand - package).abs().max().item()
distance = (by_hand - exact).abs().max().item()
spacing = eps * by_hand.abs().max().item()
print(f"max |by hand - gradient_descent|: {gap:.1e}")
print(f"max |by hand - least_squares|:    {distance:.1e}")
# The two losses in float64, so that their small difference is exact.
xd, yd = x.double(), y.double()
loss_by_hand = mse(xd @ by_hand.double(), yd).item()
excess = loss_by_hand - mse(xd @ exact.double(), yd).item()
print(f"loss: by hand {loss_by_hand:.6f}, exact {floor:.6f}")
print(f"excess over the minimum: {excess:.1e}")

# %%
# Our loop and the package agree to float32 rounding (within 100 roundings of the
# parameters, one per step). Both are still a visible distance from the exact coefficients,
# more than ten times what that rounding could explain, though the loss is already within a tiny excess of
# the minimum, under a thousandth of it (all printed above): gradient descent approaches the
# minimum step by step, fastest along the steep direction of the loss and slowest along the
# flat one, where a change in the parameters barely changes the loss. The next tutorial makes
# that visible, by animating the line and the path the parameters take across the
# :term:`loss landscape`.

assert gap <= steps * spacing, f"by hand and the package differ by {gap:.1e}"
assert distance > 10 * steps * spacing, "by hand is already at least squares"
assert excess < 1e-3 * floor, f"the excess loss {excess:.1e} is not tiny"

# %%
# Exercises
# ---------
#
# **Exercise 1.** In ``w * w`` the tensor ``w`` is used twice, as both factors. Predict
# ``w.grad`` after ``(w * w).backward()`` at ``w = 3``, then run it.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 1</summary>

# %%
w = torch.tensor(3.0, requires_grad=True)
(w * w).backward()
print(f"w.grad = {w.grad.item():g}")
assert w.grad == 6, f"expected 3 + 3 = 6, got {w.grad.item():g}"

# %%
# Each factor contributes the other one, 3, and the two contributions add up to 6: the
# derivative :math:`2w` of :math:`w^2`.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 2.** Suppose a loop calls ``loss.backward()`` twice per step, on two copies of the
# same loss, and clears the gradient once per step. Which plain gradient descent does it
# reproduce? Predict, then compare the two over the same number of steps.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 2</summary>

# %%
a = nn.Parameter(guess.clone())
for _ in range(steps):
    mse(x @ a, y).backward()
    mse(x @ a, y).backward()  # adds the same gradient again
    with torch.no_grad():
        a.sub_(lr * a.grad)
        a.grad.zero_()
doubled = gradient_descent(x, y, init=(-1.0, 1.0), lr=2 * lr, steps=steps)
twice, single = a.detach(), doubled.coef.float()
print(f"two backward() per step, lr {lr}: {twice[0]:.4f}, {twice[1]:.4f}")
print(
    f"gradient_descent, lr {2 * lr:g}:       {single[0]:.4f}, {single[1]:.4f}"
)
gap = (twice - single).abs().max().item()
print(f"largest difference: {gap:.1e}")
assert gap <= steps * eps * twice.abs().max(), f"they differ by {gap:.1e}"

# %%
# The gradient counts twice, so each step is that of a learning rate twice as large: the
# two agree to float32 rounding.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 3.** Does the loop without ``zero_()`` settle if the learning rate is ten times
# smaller? Predict from the momentum view (:math:`\beta = 1` whatever the learning rate), then
# run it three times as long.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 3</summary>

# %%
a = nn.Parameter(guess.clone())
slow_losses = []
for _ in range(3 * steps):
    loss = mse(x @ a, y)
    loss.backward()
    with torch.no_grad():
        a.sub_(lr / 10 * a.grad)
    slow_losses.append(loss.item())
tail = slow_losses[len(slow_losses) // 2 :]
print(f"lr {lr / 10:g}, no zero_(), last {len(tail)} steps:")
print(
    f"loss from {min(tail):.4f} to {max(tail):.4f}; first {slow_losses[0]:.4f}"
)
assert max(tail) > slow_losses[0] / 2, "the loss seems to settle after all"

# %%
# It still swings, back up to at least half its first loss: a smaller step only slows the
# oscillation down. Without friction (:math:`\beta = 1`) the swing does not die out at any
# learning rate.
#
# .. raw:: html
#
#    </details>
