r"""
The same loop trains a neural network
=====================================

Every tutorial so far fitted a straight line. Nothing in the training loop knew that: it asks
a :term:`model` for predictions, a :term:`loss function` for a number, :term:`autograd` for the
:term:`gradient` of every :term:`parameter`, and then steps each parameter downhill. Swap the
line for a small neural network and the same loop, unchanged, fits curves a line cannot.

To run this page yourself, install the package first: see :doc:`/installation`. This page
also needs scikit-learn, for its digits: the ``tutorials`` extra described there brings it.

This tutorial covers:

* data a line cannot fit, and the line failing on it;
* tutorial 4's minibatch loop, written out again, training a two-layer ``nn.Sequential``;
* the same training with ``torch.optim.SGD`` and a ``DataLoader``, step for step;
* the fitted curve, animated;
* real data that ships inside scikit-learn: handwritten 3s and 7s, a train/validation split,
  standardisation, logistic regression, then a small network, and overfitting made visible;
* tutorial 6's learning-rate sweep repeated once the curvature is no longer constant.
"""

# %%
# Setup
# -----
# Seeds are fixed, so a rerun on the same machine repeats every number below; another CPU
# may round the last digits differently, and the checks on this page allow for that. The
# networks here are tiny: a GPU would spend its time waiting for Python, so this page trains
# on the CPU, and on one thread: operations this small gain little from being split across
# cores, and on a machine busy with other work the split can cost a great deal (tutorial 8
# shows why). The last cell gives PyTorch back its default.

import copy
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from sgd_tutorial import FitAnimation, hessian_eigenvalues, least_squares, mse
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, RandomSampler, Sampler, TensorDataset

# sphinx_gallery_thumbnail_number = 1

threads = torch.get_num_threads()
torch.set_num_threads(1)
torch.manual_seed(0)

# %%
# Data a line cannot fit
# ----------------------
# Two hundred samples of a wave, :math:`y = \sin(4u) + \varepsilon` with :math:`u` uniform in
# :math:`(-1, 1)` and Gaussian noise of standard deviation 0.1. The noise is the part no model
# can predict, so its variance, 0.01, is the lowest mean squared error any model can expect on
# new samples. The best straight line is one least-squares solve away.

n, noise_std = 200, 0.1
g = torch.Generator().manual_seed(0)
# shape (n, 1): one input feature per sample
u = torch.rand(n, 1, generator=g) * 2 - 1
y = torch.sin(4 * u[:, 0]) + noise_std * torch.randn(n, generator=g)

# [u, 1]: slope and intercept, as before
x_line = torch.cat([u, torch.ones(n, 1)], dim=1)
line = least_squares(x_line, y)
line_loss = float(mse(x_line @ line, y))
noise_floor = noise_std**2
print(f"n = {n}; variance of the noise (the floor): {noise_floor:.4f}")
print(f"best line: slope {line[0]:.3f}, intercept {line[1]:.3f}")
print(
    f"its MSE {line_loss:.4f}, {line_loss / noise_floor:.0f} x the noise floor"
)
assert line_loss > 10 * noise_floor, "a line should fit a wave far worse"
grid = torch.linspace(-1, 1, 201)[:, None]  # where the fitted curves are drawn

# %%
# A straight line cannot follow a wave: the best one's MSE is more than ten times the noise
# floor (the multiple is printed) (the plot below shows it cutting through both humps). No learning rate or
# number of epochs can fix that; the model is the problem.
#
# Tutorial 4's loop, with a network in it
# ---------------------------------------
# Here is the minibatch loop of tutorial 4 written out again, with one change: instead of
# ``x @ a`` the predictions come from ``model(xb)``, and instead of one parameter tensor the
# step walks over ``model.parameters()``. For each :term:`epoch` a fresh permutation, cut into
# batches; for each batch predict, compute the loss, ``backward()``, step every parameter under
# ``torch.no_grad()``, and zero its gradient.


def train(
    model, x, y, *, lr, epochs, batch_size, seed, loss_fn=mse, on_step=None
):
    """Minibatch SGD by hand; return the loss of every batch."""
    g = torch.Generator().manual_seed(seed)
    n = len(x)
    losses = []
    for _ in range(epochs):
        order = torch.randperm(n, generator=g)  # a fresh shuffle every epoch
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            # (b, 1) -> (b,), the shape of the targets
            prediction = model(x[idx])[:, 0]
            loss = loss_fn(prediction, y[idx])
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= lr * p.grad  # noqa: PLW2901 - in place, so p itself
                    p.grad.zero_()
            # no .item(): on a GPU that would wait for the device
            losses.append(loss.detach())
            if on_step is not None:
                on_step(len(losses))
    return torch.stack(losses)


# %%
# First the straight line, as an ``nn.Linear(1, 1)`` (it holds its own bias, so no ones
# column). Then a network: a layer of 32 units, each a line :math:`w_j u + b_j` bent at zero
# by :math:`\operatorname{ReLU}(z) = \max(z, 0)`, and a second layer that adds up those 32 bent
# lines with weights of its own. Both are trained by the very same call.

lr, epochs, batch_size = 0.1, 150, 20
hidden = 32

torch.manual_seed(0)
linear_model = nn.Linear(1, 1)
train(linear_model, u, y, lr=lr, epochs=epochs, batch_size=batch_size, seed=0)

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(1, hidden), nn.ReLU(), nn.Linear(hidden, 1))
net_start = copy.deepcopy(net)  # the same starting weights, for torch.optim

frame_every = 25
curves, frame_steps, frame_losses = [], [], []
copy_at, copies = 300, []  # a copy of the net after 300 updates, for later


def record(step):
    """Every ``frame_every`` updates, keep the curve and the MSE."""
    if step == 1 or step % frame_every == 0:
        with torch.no_grad():
            curves.append(net(grid)[:, 0].clone())
            frame_losses.append(float(mse(net(u)[:, 0], y)))
        frame_steps.append(step)
    if step == copy_at:
        copies.append(copy.deepcopy(net))


net_losses = train(
    net,
    u,
    y,
    lr=lr,
    epochs=epochs,
    batch_size=batch_size,
    seed=0,
    on_step=record,
)

with torch.no_grad():
    linear_loss = float(mse(linear_model(u)[:, 0], y))
    net_loss = float(mse(net(u)[:, 0], y))
n_params = sum(p.numel() for p in net.parameters())
print(f"{epochs} epochs, batches of {batch_size}: {len(net_losses)} updates")
print(f"nn.Linear(1, 1) by the loop: MSE {linear_loss:.4f}")
print(f"least squares:               MSE {line_loss:.4f}")
print(f"two-layer net, {n_params} parameters: MSE {net_loss:.4f}")
print(f"noise floor:                      {noise_floor:.4f}")

fig, ax = plt.subplots(figsize=(6.4, 4.0))
with torch.no_grad():
    net_curve = net(grid)[:, 0]
    linear_curve = linear_model(grid)[:, 0]
ax.scatter(u[:, 0], y, s=10, color="0.45", label=f"{n} samples")
ax.plot(
    grid[:, 0],
    linear_curve,
    color="tab:blue",
    label=f"nn.Linear, MSE {linear_loss:.3f}",
)
ax.plot(
    grid[:, 0],
    net_curve,
    color="tab:red",
    lw=2,
    label=f"two-layer net, MSE {net_loss:.3f}",
)
ax.set_xlabel("u")
ax.set_ylabel("y")
ax.set_title(f"The same loop, {len(net_losses)} updates each")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# The line trained by the loop ends where least squares put it (its MSE within 1 % of the
# least-squares MSE): the loop was never the limit. The network, trained by the same lines
# of code, follows the wave, and its MSE is less than twice the noise floor (both printed
# above). Every :term:`parameter` of the network gets its gradient from the same
# ``backward()`` call; the loop neither knows nor cares how many layers produced the
# prediction.

assert line_loss <= linear_loss < 1.01 * line_loss, (
    f"the loop's line: MSE {linear_loss:.4f}, least squares {line_loss:.4f}"
)
assert net_loss < 2 * noise_floor, (
    f"the net's MSE {net_loss:.4f} is not near 0.01"
)

# %%
# The same, with ``torch.optim`` and a ``DataLoader``
# ---------------------------------------------------
# Real code hands the two chores of the loop to PyTorch: ``torch.optim.SGD`` does the step
# and the zeroing, and a ``DataLoader`` does the shuffling and slicing. To check that they
# train the *same* network, give them the same starting weights and the same batches, and
# compare after the first 300 updates (the hook ``record`` above kept a copy of the network
# at that point). The
# batches need care: with ``shuffle=True`` (a ``RandomSampler``), at the end of every epoch
# the sampler draws one more permutation from its generator and uses none of it, so from the
# second epoch on its shuffles are not the loop's, even with the same seed. A sampler is just
# an iterable of indices, so we can hand the ``DataLoader`` the loop's own shuffle instead:
# one ``torch.randperm(n, generator=g)`` per epoch.


class Shuffle(Sampler):
    """A fresh ``torch.randperm(n, generator=g)`` per epoch, as the loop."""

    def __init__(self, n, generator):
        self.n, self.generator = n, generator

    def __len__(self):
        return self.n

    def __iter__(self):
        return iter(torch.randperm(self.n, generator=self.generator).tolist())


def train_with_torch(model, sampler, epochs):
    """The same training with ``torch.optim.SGD`` and a ``DataLoader``."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loader = DataLoader(
        TensorDataset(u, y), batch_size=batch_size, sampler=sampler
    )
    for _ in range(epochs):
        for ub, yb in loader:
            loss = mse(model(ub)[:, 0], yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def largest_difference(a, b):
    """The largest absolute difference between two models' parameters."""
    with torch.no_grad():
        return max(
            float((p - q).abs().max())
            for p, q in zip(a.parameters(), b.parameters(), strict=True)
        )


by_hand = copies[0]  # after copy_at updates
same_shuffles = train_with_torch(
    copy.deepcopy(net_start),
    Shuffle(n, torch.Generator().manual_seed(0)),
    epochs=copy_at // (n // batch_size),
)
with torch.no_grad():
    torch_loss = float(mse(same_shuffles(u)[:, 0], y))
    hand_loss = float(mse(by_hand(u)[:, 0], y))
same_gap = largest_difference(by_hand, same_shuffles)
print(f"after {copy_at} updates")
print(f"torch.optim + DataLoader, the loop's shuffles: MSE {torch_loss:.4f}")
print(f"by hand:                                      MSE {hand_loss:.4f}")
print(f"largest difference between their parameters: {same_gap:.2e}")
scale = max(float(p.detach().abs().max()) for p in by_hand.parameters())
assert same_gap < 1e-4 * scale, (
    f"torch.optim and the loop differ by {same_gap:.1e}, more than rounding"
)

random_sampler = RandomSampler(
    range(n), generator=torch.Generator().manual_seed(0)
)
loop_generator = torch.Generator().manual_seed(0)
for epoch in range(3):
    sampler_order = list(random_sampler)  # one epoch of indices
    loop_order = torch.randperm(n, generator=loop_generator).tolist()
    same = sampler_order == loop_order
    print(f"epoch {epoch}: RandomSampler {sampler_order[:4]}")
    print(f"         the loop          {loop_order[:4]}")
    print(f"         the same order: {same}")
    assert same == (epoch == 0), (
        "RandomSampler should match the first epoch only"
    )

# %%
# With the same batches, the network trained by ``torch.optim`` and the one trained by hand
# differ by rounding only after all those updates (the difference printed, checked against
# the size of the weights): ``optimizer.step()`` is
# ``p -= lr * p.grad`` for every parameter (computed as ``p.add_(p.grad, alpha=-lr)``, which
# can round differently in the last bit), and ``optimizer.zero_grad()`` is the zeroing. The
# last lines show why the sampler mattered: ``RandomSampler`` seeded like the loop gives the
# same first epoch, then different ones, and so would train a different network.
#
# The fit, animated
# -----------------
# While the network trained above, the ``on_step`` hook ``record`` kept its curve every
# ``frame_every`` updates, plus the first: that is all a video needs. The package's
# :class:`~sgd_tutorial.FitAnimation` takes any figure, the artists that move, and a
# function that moves them to frame ``i``; it draws the rest of the figure once and redraws
# only those artists for each frame (tutorial 3 has the details). As the last expression of
# a cell it plays inline; ``.save(path)`` writes the video to a file, here in a new temporary
# folder whose path is printed (run as a script, that is where to find it).

fig, ax = plt.subplots(figsize=(6.4, 4.0))
ax.scatter(u[:, 0], y, s=10, color="0.45", label=f"{n} samples")
ax.plot(grid[:, 0], linear_curve, color="tab:blue", label="nn.Linear")
ax.set_ylim(float(y.min()) - 0.3, float(y.max()) + 0.3)
ax.set_xlabel("u")
ax.set_ylabel("y")
ax.set_title(f"A two-layer network, lr {lr}, batches of {batch_size}")
(moving,) = ax.plot([], [], color="tab:red", lw=2, label="two-layer net")
caption = ax.text(0.02, 0.04, "", transform=ax.transAxes)
ax.legend(loc="upper left")
fig.tight_layout()


def update(i):
    """Frame ``i``: the curve after ``frame_steps[i]`` updates."""
    moving.set_data(grid[:, 0], curves[i])
    caption.set_text(f"update {frame_steps[i]}, MSE {frame_losses[i]:.3f}")


print(f"{len(curves)} frames, one every {frame_every} updates and the first")
assert frame_steps == [
    1,
    *range(frame_every, len(net_losses) + 1, frame_every),
], "a frame should be kept at the first update and every frame_every after"
animation = FitAnimation(
    fig,
    [moving, caption],
    update,
    frames=len(curves),
    fps=20,
    description="A two-layer network's curve bending to fit a noisy sine wave",
)
plt.close(fig)  # the video is the picture here
folder = Path(tempfile.mkdtemp(prefix="sgd-tutorial-animations-"))
print(f"video written to {animation.save(folder / 'network.mp4')}")
animation

# %%
# Real data that ships in a package: 3s and 7s
# --------------------------------------------
# scikit-learn's wheel contains a small set of handwritten digits, 8 × 8 pixels with values
# 0 to 16, so it loads with no download. We keep the 3s and the 7s, a two-class problem:
# predict 1 for a seven, 0 for a three. Each image becomes a vector of 64 numbers.

digits = load_digits()
images = torch.tensor(digits.data, dtype=torch.float32)
labels = torch.tensor(digits.target)
keep = (labels == 3) | (labels == 7)
images, is_seven = images[keep], (labels[keep] == 7).float()
print(f"digits: {len(digits.data)} images of {digits.images.shape[1:]} pixels")
print(f"pixel values from {images.min():.0f} to {images.max():.0f}")
print(f"3s and 7s: {len(images)} images ({int(is_seven.sum())} sevens)")
assert digits.images.shape[1:] == (8, 8), "the digits should be 8 x 8 pixels"
assert images.min() == 0, "pixels should start at 0"
assert images.max() == 16, "pixels should go up to 16"

fig, axes = plt.subplots(2, 8, figsize=(6.4, 1.9))
for ax, image, seven in zip(axes.flat, images[:16], is_seven[:16], strict=True):
    ax.imshow(image.reshape(8, 8), cmap="gray_r")
    ax.set_title("7" if seven else "3", fontsize="small")
    ax.set_axis_off()
fig.suptitle("The first 3s and 7s of scikit-learn's digits")
fig.tight_layout()
plt.show()

# %%
# A validation set and standardisation
# ------------------------------------
# A model is judged on samples it did not train on, so a third of the images is set aside
# for validation. Then each input is standardised: minus its mean, divided by its standard
# deviation. Tutorial 6 showed why: the scale of the inputs sets the curvature, and with it the
# learning rate that works. The mean and standard deviation come from the *training* images
# only; computing them on all images would let the validation set leak into training. Pixels
# that are blank in every training image have no spread; they are divided by one instead.

order = torch.randperm(len(images), generator=torch.Generator().manual_seed(0))
n_train = 2 * len(images) // 3
train_idx, val_idx = order[:n_train], order[n_train:]
mean = images[train_idx].mean(dim=0)
std = images[train_idx].std(dim=0)
std = torch.where(std > 0, std, torch.ones_like(std))
standard = (images - mean) / std
x_train, y_train = standard[train_idx], is_seven[train_idx]
x_val, y_val = standard[val_idx], is_seven[val_idx]
blank = images[train_idx].std(dim=0) == 0
print(f"training images: {len(x_train)}, validation images: {len(x_val)}")
print(f"pixels that are blank in every training image: {int(blank.sum())}")
spread = x_train.std(dim=0)[~blank]
print(
    f"standardised training pixels: largest |mean| "
    f"{float(x_train.mean(dim=0).abs().max()):.1e}"
)
print(f"standard deviations from {spread.min():.4f} to {spread.max():.4f}")
torch.testing.assert_close(
    x_train.mean(dim=0),
    torch.zeros(64),
    atol=1e-5,
    rtol=0,
    msg="standardised training pixels should have mean 0",
)
torch.testing.assert_close(
    x_train.std(dim=0),
    (~blank).float(),
    atol=1e-5,
    rtol=0,
    msg="standard deviation 1, or 0 for a pixel blank in every training image",
)

# %%
# Logistic regression, by the same loop
# -------------------------------------
# A classifier outputs a score :math:`z` per image, turned into a probability of "seven" by
# the sigmoid :math:`\sigma(z) = 1/(1 + e^{-z})`. With a linear score this is logistic
# regression. Its usual loss is the binary cross-entropy, minus the log of the probability
# given to the right class; for a label :math:`t \in \{0, 1\}` that is
# :math:`\log(1 + e^{z}) - t z`, and ``F.softplus`` computes :math:`\log(1 + e^{z})` without
# overflowing. (``F.binary_cross_entropy_with_logits`` is the same loss; the check below
# prints both on a few scores.) Only the ``loss_fn`` argument of our loop changes. After
# every epoch we record the loss and the accuracy on both sets.


def bce(scores, targets):
    """Binary cross-entropy from scores z (logits): mean log(1 + e^z) - y z."""
    return (F.softplus(scores) - targets * scores).mean()


scores_check = torch.linspace(-30, 30, 7)
targets_check = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
ours_check = float(bce(scores_check, targets_check))
torch_check = float(
    F.binary_cross_entropy_with_logits(scores_check, targets_check)
)
print(f"scores -30 to 30: bce {ours_check:.6f}")
print(f"F.binary_cross_entropy_with_logits {torch_check:.6f}")
assert abs(ours_check - torch_check) < 1e-5 * torch_check, (
    "should be the same loss"
)


def evaluate(model, x, y):
    """Loss and accuracy of ``model`` on ``(x, y)``."""
    with torch.no_grad():
        scores = model(x)[:, 0]
        return float(bce(scores, y)), float(
            ((scores > 0).float() == y).float().mean()
        )


def fit_classifier(model, x, y, *, lr, epochs, batch_size, seed=0):
    """Train one epoch at a time; per epoch, the train and validation scores."""
    history = []
    for epoch in range(epochs):
        train(
            model,
            x,
            y,
            lr=lr,
            epochs=1,
            batch_size=batch_size,
            seed=seed + epoch,
            loss_fn=bce,
        )
        history.append(evaluate(model, x, y) + evaluate(model, x_val, y_val))
    # columns: train loss, train accuracy, val loss, val accuracy
    return np.array(history)


def new_classifiers():
    """A logistic regression and a small MLP, each initialised from seed 0."""
    torch.manual_seed(0)
    logistic = nn.Linear(64, 1)
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 1))
    return {"logistic regression": logistic, "MLP, 128 hidden units": mlp}


clf_epochs, clf_lr, clf_batch = 20, 0.1, 10
histories = {
    name: fit_classifier(
        model,
        x_train,
        y_train,
        lr=clf_lr,
        epochs=clf_epochs,
        batch_size=clf_batch,
    )
    for name, model in new_classifiers().items()
}
print(f"after {clf_epochs} epochs{'loss':>23}{'accuracy':>22}")
columns = ("training", "validation") * 2
print(f"{'':>21}" + "".join(f"{c:>11}" for c in columns))
for name, h in histories.items():
    cells = (h[-1, 0], h[-1, 2], h[-1, 1], h[-1, 3])
    print(f"{name:>21}" + "".join(f"{c:11.4f}" for c in cells))


def plot_history(histories, title):
    """Loss and accuracy per epoch, training dashed, validation solid."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.2, 3.3))
    for (name, h), color in zip(
        histories.items(), ("tab:blue", "tab:red"), strict=True
    ):
        epochs = np.arange(1, len(h) + 1)
        left.semilogy(
            epochs, h[:, 0], "--", color=color, label=f"{name}, training"
        )
        left.semilogy(epochs, h[:, 2], color=color, label=f"{name}, validation")
        right.plot(epochs, h[:, 1], "--", color=color)
        right.plot(epochs, h[:, 3], color=color)
    left.set_xlabel("epoch")
    left.set_ylabel("binary cross-entropy")
    left.legend(fontsize="x-small")
    right.set_xlabel("epoch")
    right.set_ylabel("accuracy")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


plot_history(
    histories,
    f"3s against 7s: {len(x_train)} training, {len(x_val)} validation images",
)
plt.show()

# %%
# Three and seven look different enough in 64 pixels that a linear score already separates
# them: both models classify the validation images about as well as the training images
# (the accuracies printed above, within 0.03 of each other). The losses tell more than the
# accuracies: each model's validation loss ends above its training loss, because the models
# are fitted to the particular images they train on.

for name, h in histories.items():
    assert abs(h[-1, 3] - h[-1, 1]) <= 0.03, f"{name}: accuracies far apart"
    assert h[-1, 2] > h[-1, 0], f"{name}: validation loss below training loss"

# %%
# Overfitting, made visible
# -------------------------
# Real labels contain mistakes. Flip the label of one training image in five (the
# validation labels stay correct) and train longer. A model that fits its training set
# perfectly must now learn the wrong labels too, by heart.

flip = torch.randperm(n_train, generator=torch.Generator().manual_seed(1))
flip = flip[: n_train // 5]
y_noisy = y_train.clone()
y_noisy[flip] = 1 - y_noisy[flip]
noisy_epochs = 40
noisy = {
    name: fit_classifier(
        model,
        x_train,
        y_noisy,
        lr=clf_lr,
        epochs=noisy_epochs,
        batch_size=clf_batch,
    )
    for name, model in new_classifiers().items()
}
correct = 1 - len(flip) / n_train
print(f"flipped training labels: {len(flip)} of {n_train}")
print(f"share of correct training labels: {correct:.3f}")
window = 10  # the last epochs, averaged: one epoch's validation loss is noisy
at_end = f"mean, last {window}"
print(f"{'validation':>21}{'lowest loss':>27}{at_end:>18}")
columns = ("epoch", "loss", "accuracy", "loss", "accuracy")
print(f"{'':>21}" + "".join(f"{c:>9}" for c in columns))
for name, h in noisy.items():
    best = int(h[:, 2].argmin())
    late = h[-window:].mean(axis=0)
    cells = (h[best, 2], h[best, 3], late[2], late[3])
    print(f"{name:>21}{best + 1:9d}" + "".join(f"{c:9.3f}" for c in cells))
for name, h in noisy.items():
    print(f"{name}: training accuracy at the end {h[-1, 1]:.3f}")

plot_history(
    noisy, f"One training label in five flipped ({len(flip)} of {n_train})"
)
plt.show()

# %%
# This is overfitting in its plainest form, and the network shows it best. In the first ten
# epochs both models learn what threes and sevens look like and the validation loss is at its
# lowest (the epoch and the values are printed above). Then the network, with its thousands
# of parameters, learns the flipped labels by heart: its training accuracy climbs above
# 0.95 and its training loss keeps falling, while its validation loss climbs (over the last
# ten epochs it averages more than twice its lowest) and its validation accuracy drops.
# Logistic regression, a single linear score, fits fewer than half of the flipped labels
# (compare its training accuracy with the share of correct labels, both printed) and stays
# above its early best instead. Stopping at the epoch of the lowest validation loss (*early
# stopping*) keeps the better model.

for name, h in noisy.items():
    best, late = int(h[:, 2].argmin()), h[-window:].mean(axis=0)
    assert best < 10, f"{name}: lowest validation loss only at epoch {best + 1}"
    assert late[3] < h[best, 3], (
        f"{name}: early stopping should classify better"
    )
    assert late[2] > 1.5 * h[best, 2], f"{name}: validation loss should climb"
logistic, mlp = noisy.values()
best, late = int(mlp[:, 2].argmin()), mlp[-window:].mean(axis=0)
assert mlp[-1, 1] > 0.95, f"the MLP should learn the flips: {mlp[-1, 1]:.3f}"
assert late[0] < mlp[best, 0], "the MLP's training loss should keep falling"
assert late[2] > 2 * mlp[best, 2], "the MLP's validation loss should double"
fitted = (logistic[-1, 1] - correct) / (1 - correct)  # of the flipped labels
assert fitted < 0.5, f"logistic regression fitted {fitted:.0%} of the flips"

# %%
# The learning-rate sweep, again
# ------------------------------
# Tutorial 6 swept the learning rate of full-batch gradient descent on a quadratic loss,
# whose :term:`Hessian` is constant, and found that :math:`2/\lambda_{\max}` marks exactly
# where :term:`divergence` begins. Here the loss is not quadratic: its curvature depends on
# where the parameters are. We can still measure the largest eigenvalue of the Hessian at the
# start, by power iteration on Hessian-vector products (``backward`` through a gradient), and
# sweep multiples of :math:`2/\lambda_{\max}` measured there. The loop becomes full-batch
# gradient descent by setting ``batch_size`` to the number of training images.


def sharpness(model, x, y, iterations=20):
    """Largest eigenvalue of the loss's Hessian at the model's parameters."""
    params = list(model.parameters())
    grads = torch.autograd.grad(
        bce(model(x)[:, 0], y), params, create_graph=True
    )
    g = torch.Generator().manual_seed(0)
    v = [torch.randn(p.shape, generator=g) for p in params]
    eigenvalue = 0.0
    for _ in range(iterations):
        norm = torch.sqrt(sum((a * a).sum() for a in v))
        v = [a / norm for a in v]
        hv = torch.autograd.grad(grads, params, v, retain_graph=True)  # H @ v
        eigenvalue = float(
            sum((a * b).sum() for a, b in zip(hv, v, strict=True))
        )
        v = [a.detach() for a in hv]
    return eigenvalue


# Logistic regression at zero weights: the Hessian is (1/4)(1/n) XᵀX, known.
ones = torch.ones(n_train, 1)
at_zero = float(hessian_eigenvalues(torch.cat([x_train, ones], dim=1))[-1]) / 8
zero_model = nn.Linear(64, 1)
nn.init.zeros_(zero_model.weight)
nn.init.zeros_(zero_model.bias)
power = sharpness(zero_model, x_train, y_train)
print("logistic regression at zero weights, lambda_max:")
print(f"  from the formula {at_zero:.4f}, by power iteration {power:.4f}")
assert abs(power / at_zero - 1) < 1e-3, "power iteration should find lambda_max"

sweep_steps = 100
multiples = [0.5, 1, 2, 4, 8, 16]
torch.manual_seed(0)
starts = {
    "logistic regression": nn.Linear(64, 1),
    "MLP": nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 1)),
}
sweep, largest_ok, sharpest = {}, {}, {}
print(f"full-batch gradient descent, {sweep_steps} steps from the same start")
print(
    f"{'model':>19} {'multiple':>8} {'lr':>7} {'final loss':>12} "
    f"{'lambda_max: start':>18} {'end':>8}"
)
for name, start in starts.items():
    lam_start = sharpness(start, x_train, y_train)
    sharpest[name, "start"] = lam_start
    bound = 2 / lam_start
    for multiple in multiples:
        model = copy.deepcopy(start)
        losses = train(
            model,
            x_train,
            y_train,
            lr=multiple * bound,
            epochs=sweep_steps,
            batch_size=n_train,
            seed=0,
            loss_fn=bce,
        )
        sweep[name, multiple] = losses
        if torch.isfinite(losses).all():
            largest_ok[name] = multiple
            sharpest[name, multiple] = sharpness(model, x_train, y_train)
            result = f"{float(losses[-1]):.3g}"
            lam_end = f"{sharpest[name, multiple]:.4f}"
        else:
            first_bad = int((~torch.isfinite(losses)).nonzero()[0, 0])
            result, lam_end = f"nan at {first_bad}", "-"
        print(
            f"{name:>19} {multiple:8g} {multiple * bound:7.3f} {result:>12} "
            f"{lam_start:18.4f} {lam_end:>8}"
        )
failed = {}
for name in starts:
    failed[name] = [
        m for m in multiples if not torch.isfinite(sweep[name, m]).all()
    ]
    first = f"{failed[name][0]:g}" if failed[name] else "none"
    print(f"{name}: finite up to {largest_ok[name]:g} x 2/lambda_max(start)")
    print(f"{'':>{len(name)}}  first multiple to overflow: {first}")

fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.6), sharey=True)
for ax, name in zip(axes, starts, strict=True):
    for multiple in multiples:
        losses = sweep[name, multiple].numpy()
        steps = np.arange(1, len(losses) + 1)
        ax.semilogy(steps, losses, label=f"{multiple:g} x 2/lambda_max")
    ax.set_title(name)
    ax.set_xlabel("gradient descent step")
axes[0].set_ylabel("training loss (binary cross-entropy)")
axes[0].set_ylim(None, 1e2)  # the runs that overflow leave through the top
axes[1].legend(fontsize="x-small")
fig.suptitle("Multiples of the bound measured at the start")
fig.tight_layout()
plt.show()

# %%
# What carries over from tutorial 6, and what does not:
#
# * The MLP still has a largest learning rate: past it its loss overflows to ``nan`` (its
#   first multiple to overflow is printed below the table, and the table shows at which
#   step). Nothing about a model being a network makes the step size safe.
# * Logistic regression stayed finite at every multiple tried. Its cross-entropy grows only
#   linearly in a wrong score, and its curvature vanishes once the scores are large, so a
#   step that is far too large makes the scores large rather than infinite (exercise 3 comes
#   back to this). Tutorial 6's quadratic loss forgives nothing of the kind.
# * And :math:`2/\lambda_{\max}` measured at the start no longer marks where trouble
#   begins: the MLP stayed finite at more than that. The curvature is a property of the
#   current parameters, and as the classifiers grow confident on this separable training
#   set the cross-entropy flattens: the table prints :math:`\lambda_{\max}` at the end of
#   each finite run, less than a tenth of its value at the start. A step that was too large
#   at the start is not too large a few steps later.
# * For logistic regression the curvature is largest at zero weights (the Hessian's weights
#   :math:`\sigma(z)(1 - \sigma(z))` are largest at :math:`z = 0`; the formula and power
#   iteration agree above), so its starting bound is pessimistic.

assert failed["MLP"], "some multiple should make the MLP overflow"
assert not failed["logistic regression"], (
    "logistic regression should stay finite"
)
assert largest_ok["MLP"] > 1, (
    "the MLP should stay finite past 2/lambda_max(start)"
)
for name in starts:
    for multiple in multiples:
        if (name, multiple) in sharpest:
            assert sharpest[name, multiple] < sharpest[name, "start"] / 10, (
                f"{name} at {multiple:g}: the curvature should have fallen"
            )
assert at_zero >= sharpest["logistic regression", "start"], (
    "logistic regression's curvature should be largest at zero weights"
)

# %%
# In practice this is why learning rates for networks are found by a sweep like this one
# (on a log scale, watching the loss) rather than computed, and why the rate is often
# changed during training: see the next tutorial.
#
# What to take away
# -----------------
# * The training loop does not know what it trains: predictions, loss, ``backward()``, a step
#   per parameter under ``torch.no_grad()``, and zeroed gradients train a line and a network
#   alike. A line fails on a curve because of the model, not the loop.
# * ``torch.optim.SGD`` plus a ``DataLoader`` is that loop; fed the same batches it trains
#   the same network up to rounding.
# * Standardise the inputs with statistics of the training set only, and judge a model on
#   held-out data. Training loss that keeps falling while validation loss rises is
#   overfitting; stop at the lowest validation loss.
# * The largest stable learning rate still exists, but with a curvature that changes during
#   training it has to be measured, not computed once.

# %%
# Exercises
# ---------
#
# **Exercise 1.** Take the ReLU out of the sine network, leaving
# ``nn.Sequential(nn.Linear(1, 32), nn.Linear(32, 1))`` with its 97 parameters. Predict its
# MSE after the same training, then run it.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 1</summary>

# %%
torch.manual_seed(0)
no_relu = nn.Sequential(nn.Linear(1, hidden), nn.Linear(hidden, 1))
train(no_relu, u, y, lr=lr, epochs=epochs, batch_size=batch_size, seed=0)
with torch.no_grad():
    no_relu_loss = float(mse(no_relu(u)[:, 0], y))
    curve_no_relu = no_relu(grid)[:, 0]
bend = float(
    (curve_no_relu[2:] - 2 * curve_no_relu[1:-1] + curve_no_relu[:-2])
    .abs()
    .max()
)
print(f"two linear layers, no ReLU: MSE {no_relu_loss:.4f}")
print(f"the best line:              MSE {line_loss:.4f}")
print(f"largest second difference of its curve (0 for a line): {bend:.1e}")
assert bend < 1e-5, f"the curve bends by {bend:.1e}, more than float32 rounding"
assert no_relu_loss < 1.02 * line_loss, (
    "it should do as well as a line, no better"
)

# %%
# Without the bend, two linear layers compose to one linear map, :math:`w_2 (W_1 u + b_1) +
# b_2`: a line, however many units sit in between. Its curve has no second difference beyond
# rounding, and its MSE is the best line's (within 2 %, and a line can do no better). The non-linearity is what makes depth count.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 2.** Train the sine network with ``batch_size=n``: full-batch gradient descent,
# the same 150 epochs and learning rate, but one update per epoch instead of ten. Predict
# whether its MSE ends above or below the minibatch run's, then run it.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 2</summary>

# %%
full_batch = copy.deepcopy(net_start)
train(full_batch, u, y, lr=lr, epochs=epochs, batch_size=n, seed=0)
with torch.no_grad():
    full_batch_loss = float(mse(full_batch(u)[:, 0], y))
side = "above" if full_batch_loss > net_loss else "below"
print(f"full batch, {epochs} updates: MSE {full_batch_loss:.4f}")
print(f"batches of {batch_size}, {len(net_losses)} updates: MSE {net_loss:.4f}")
print(f"the full-batch run ends {side} the minibatch run")
assert full_batch_loss > net_loss, "the minibatch run should end lower"

# %%
# Each epoch costs the same arithmetic either way (every sample is read once), but the
# minibatch run turns it into ten steps, and ends lower. Per pass over the data, that is
# more progress.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 3.** Skip the standardisation: logistic regression on the raw pixel values
# (0 to 16). Predict :math:`2/\lambda_{\max}` at zero weights (from
# :func:`~sgd_tutorial.hessian_eigenvalues`, divided by 8 as above) and whether 20 epochs of
# the loop at lr 0.1, batches of 10, still learn; then run it beside the standardised images.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 3</summary>

# %%
raw_train, raw_val = images[train_idx], images[val_idx]
raw = {}
for name, xt, xv in (
    ("raw pixels", raw_train, raw_val),
    ("standardised", x_train, x_val),
):
    lam0 = float(hessian_eigenvalues(torch.cat([xt, ones], dim=1))[-1]) / 8
    torch.manual_seed(0)
    model = nn.Linear(64, 1)
    for epoch in range(20):
        train(
            model,
            xt,
            y_train,
            lr=0.1,
            epochs=1,
            batch_size=10,
            seed=epoch,
            loss_fn=bce,
        )
        if epoch == 0:
            first_epoch_loss = evaluate(model, xt, y_train)[0]
    val_loss, val_accuracy = evaluate(model, xv, y_val)
    with torch.no_grad():
        scores = model(xv)[:, 0]
    # |score| > log(999): a probability within 0.001 of 0 or 1
    sure = float((scores.abs() > np.log(999)).float().mean())
    raw[name] = {
        "2/lambda_max": 2 / lam0,
        "epoch 1 loss": first_epoch_loss,
        "val accuracy": val_accuracy,
        "val loss": val_loss,
        "max |score|": float(scores.abs().max()),
        "sure share": sure,
    }
print(f"{'':>14}{'raw pixels':>14}{'standardised':>14}")
for key in raw["raw pixels"]:
    print(f"{key:>14}" + "".join(f"{raw[k][key]:14.3g}" for k in raw))
pixels, standard_ = raw.values()
print(f"lr 0.1 is {0.1 / pixels['2/lambda_max']:.0f} x the raw pixels' bound")
assert pixels["2/lambda_max"] < standard_["2/lambda_max"] / 10, "bound"
assert pixels["epoch 1 loss"] > 3 * standard_["epoch 1 loss"], "overshoot"
assert np.isfinite(pixels["val loss"]), "the raw run should stay finite"
assert pixels["max |score|"] > 5 * standard_["max |score|"], "huge scores"
assert pixels["val accuracy"] >= 0.95, "the raw model should still classify"
assert pixels["sure share"] > 0.9, "the raw model's answers should be sure"

# %%
# The raw pixels' bound is far smaller (their scale enters the curvature squared, as in
# tutorial 6), and lr 0.1 is many times it: the first epoch's training loss, more than three
# times the standardised one, shows the overshoot. Yet nothing overflows: as in the sweep, a
# step that is far too large makes the scores large (the largest is printed) rather than
# infinite. On these well-separated images the model still classifies the validation images
# (accuracy at least 0.95), and more than nine in ten of its validation probabilities are
# within 0.001 of 0 or 1 (the "sure share"). Here those sure answers are also right, so its
# validation loss is small; on harder data every sure mistake would cost a cross-entropy of
# about its score.
#
# .. raw:: html
#
#    </details>

torch.set_num_threads(threads)  # back to the default for whatever runs next
