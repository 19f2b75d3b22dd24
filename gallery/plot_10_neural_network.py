r"""
The same loop trains a neural network
=====================================

Every tutorial so far fitted a straight line. Nothing in the training loop knew that: it asks
a :term:`model` for predictions, a :term:`loss function` for a number, :term:`autograd` for the
:term:`gradient` of every :term:`parameter`, and then steps each parameter downhill. Swap the
line for a small neural network and the same loop, unchanged, fits curves a line cannot.

To run this page yourself, install the package first: see :doc:`/installation`.

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
# Seeds are fixed, so every number below is the same on every run. The networks here are tiny:
# a GPU would spend its time waiting for Python, and different hardware rounds differently, so
# this page trains on the CPU (your best device is printed anyway) and its numbers are the
# same on every machine.

import base64
import copy
import subprocess
import tempfile
from pathlib import Path

import imageio_ffmpeg
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from sgd_tutorial import hessian_eigenvalues, least_squares, mse, resolve_device
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, RandomSampler, Sampler, TensorDataset

# sphinx_gallery_thumbnail_number = 1

best_device = resolve_device("auto")
print(f"your best device: {best_device}; this page trains on the CPU")
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
u = (
    torch.rand(n, 1, generator=g) * 2 - 1
)  # shape (n, 1): one input feature per sample
y = torch.sin(4 * u[:, 0]) + noise_std * torch.randn(n, generator=g)

x_line = torch.cat(
    [u, torch.ones(n, 1)], dim=1
)  # [u, 1]: slope and intercept, as before
line = least_squares(x_line, y)
line_loss = float(mse(x_line @ line, y))
print(f"n = {n}; variance of the noise (the floor): {noise_std**2:.4f}")
print(
    f"best line: slope {line[0]:.3f}, intercept {line[1]:.3f}, MSE {line_loss:.4f}"
)

print(
    f"the best line's MSE is {line_loss / noise_std**2:.0f} times the noise floor"
)
grid = torch.linspace(-1, 1, 201)[:, None]  # where the fitted curves are drawn

# %%
# A straight line cannot follow a wave: the best one's MSE is the printed multiple of the
# noise floor (the plot below shows it cutting through both humps). No learning rate or
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
            prediction = model(x[idx])[
                :, 0
            ]  # (b, 1) -> (b,), the shape of the targets
            loss = loss_fn(prediction, y[idx])
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= lr * p.grad  # noqa: PLW2901 - in place: updates the tensor itself
                    p.grad.zero_()
            losses.append(
                loss.detach()
            )  # no .item(): that would wait for the device
            if on_step is not None:
                on_step(len(losses))
    return torch.stack(losses)


# %%
# First the straight line, as an ``nn.Linear(1, 1)`` (it holds its own bias, so no ones
# column). Then a network: a layer of 32 units, each a line :math:`w_j u + b_j` bent at zero
# by :math:`\operatorname{ReLU}(z) = \max(z, 0)`, and a second layer that adds up those 32 bent
# lines with weights of its own. Both are trained by the very same call.

lr, epochs, batch_size = 0.1, 300, 20
hidden = 32

torch.manual_seed(0)
linear_model = nn.Linear(1, 1)
train(linear_model, u, y, lr=lr, epochs=epochs, batch_size=batch_size, seed=0)

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(1, hidden), nn.ReLU(), nn.Linear(hidden, 1))
net_start = copy.deepcopy(
    net
)  # the same starting weights, for torch.optim below

frame_every = 50
curves, frame_steps, frame_losses = [], [], []


def record(step):
    """Every ``frame_every`` updates, keep the curve and the MSE (for the video below)."""
    if step == 1 or step % frame_every == 0:
        with torch.no_grad():
            curves.append(net(grid)[:, 0].clone())
            frame_losses.append(float(mse(net(u)[:, 0], y)))
        frame_steps.append(step)


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
print(
    f"{epochs} epochs of batches of {batch_size}: {len(net_losses)} updates, lr {lr}"
)
print(
    f"nn.Linear(1, 1) by the loop: MSE {linear_loss:.4f} (least squares: {line_loss:.4f})"
)
print(
    f"two-layer net, {hidden} hidden units, {n_params} parameters: MSE {net_loss:.4f}"
)
print(f"noise floor: {noise_std**2:.4f}")

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
# The line trained by the loop ends where least squares put it: the loop was never the
# limit. The network, trained by the same lines of code, follows the wave, and its MSE is
# within a small factor of the noise floor (both printed above). Every :term:`parameter` of
# the network gets its gradient from the same ``backward()`` call; the loop neither knows
# nor cares how many layers produced the prediction.
#
# The same, with ``torch.optim`` and a ``DataLoader``
# ---------------------------------------------------
# Real code hands the two chores of the loop to PyTorch: ``torch.optim.SGD`` does the step
# and the zeroing, and a ``DataLoader`` does the shuffling and slicing. To check that they
# train the *same* network, give them the same starting weights and the same batches. The
# batches need care: with ``shuffle=True`` (a ``RandomSampler``), at the end of every epoch
# the sampler draws one more permutation from its generator and uses none of it, so from the
# second epoch on its shuffles are not the loop's, even with the same seed. A sampler is just
# an iterable of indices, so we can hand the ``DataLoader`` the loop's own shuffle instead:
# one ``torch.randperm(n, generator=g)`` per epoch.


class Shuffle(Sampler):
    """A fresh ``torch.randperm(n, generator=g)`` per epoch: the loop's own order."""

    def __init__(self, n, generator):
        self.n, self.generator = n, generator

    def __len__(self):
        return self.n

    def __iter__(self):
        return iter(torch.randperm(self.n, generator=self.generator).tolist())


def train_with_torch(model, sampler):
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


same_shuffles = train_with_torch(
    copy.deepcopy(net_start), Shuffle(n, torch.Generator().manual_seed(0))
)
with torch.no_grad():
    torch_loss = float(mse(same_shuffles(u)[:, 0], y))
same_gap = largest_difference(net, same_shuffles)
print(f"torch.optim + DataLoader, the loop's shuffles: MSE {torch_loss:.4f}")
print(f"  (by hand: MSE {net_loss:.4f})")
print(f"  largest difference from the hand-trained net: {same_gap:.2e}")

random_sampler = RandomSampler(
    range(n), generator=torch.Generator().manual_seed(0)
)
loop_generator = torch.Generator().manual_seed(0)
for epoch in range(3):
    sampler_order = list(random_sampler)  # one epoch of indices
    loop_order = torch.randperm(n, generator=loop_generator).tolist()
    print(
        f"epoch {epoch}: RandomSampler starts {sampler_order[:5]}, the loop {loop_order[:5]}; "
        f"same order: {sampler_order == loop_order}"
    )

# %%
# With the same batches, the network trained by ``torch.optim`` and the one trained by hand
# differ by the first printed difference after all those updates: ``optimizer.step()`` is
# ``p -= lr * p.grad`` for every parameter (computed as ``p.add_(p.grad, alpha=-lr)``, which
# can round differently in the last bit), and ``optimizer.zero_grad()`` is the zeroing. The
# last lines show why the sampler mattered: ``RandomSampler`` seeded like the loop gives the
# same first epoch, then different ones, and so would train a different network.
#
# The fit, animated
# -----------------
# While the network trained above, the ``on_step`` hook ``record`` kept its curve every
# ``frame_every`` updates: that is all a video needs. It is made the fast way (tutorial 3 has
# the details): draw what does not move once, then for each frame restore that background,
# draw the moving curve and hand the pixels to ffmpeg (the binary that ships in the
# ``imageio-ffmpeg`` wheel).


class Video:
    """An mp4 that shows itself as an HTML ``<video>`` (in Jupyter and on this page)."""

    def __init__(self, path, label):
        self.path, self.label = path, label

    def _repr_html_(self):
        data = base64.b64encode(self.path.read_bytes()).decode("ascii")
        return (
            f'<video controls loop muted playsinline style="max-width: 100%; height: auto;" '
            f'aria-label="{self.label}"><source type="video/mp4" '
            f'src="data:video/mp4;base64,{data}">{self.label}</video>'
        )


def write_video(path, figure, update, n_frames, fps=20):
    """Blit ``n_frames`` frames of ``figure`` into an H.264 mp4 at ``path``."""
    canvas = figure.canvas
    canvas.draw()
    background = canvas.copy_from_bbox(figure.bbox)
    width, height = canvas.get_width_height()
    partial = path.with_name(path.name + ".part.mp4")  # renamed once complete
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
    ]
    command += [
        "-pix_fmt",
        "rgba",
        "-s",
        f"{width}x{height}",
        "-r",
        str(fps),
        "-i",
        "-",
    ]
    command += [
        "-c:v",
        "libx264",
        "-crf",
        "30",
        "-preset",
        "veryslow",
        "-pix_fmt",
        "yuv420p",
    ]
    command += [
        "-movflags",
        "+faststart",
        str(partial),
    ]  # crf 30: small, still sharp enough
    with subprocess.Popen(command, stdin=subprocess.PIPE) as ffmpeg:
        for i in range(n_frames):
            canvas.restore_region(background)
            for artist in update(i):
                figure.draw_artist(artist)
            ffmpeg.stdin.write(canvas.buffer_rgba())
        ffmpeg.stdin.close()
    if ffmpeg.returncode != 0:
        partial.unlink(missing_ok=True)
        msg = f"ffmpeg failed with exit status {ffmpeg.returncode}"
        raise RuntimeError(msg)
    partial.replace(path)  # atomic: a reader never sees a half-written video
    return path


fig, ax = plt.subplots(
    figsize=(6.4, 4.0), dpi=90
)  # 576 x 360 pixels: even, as H.264 needs
ax.scatter(u[:, 0], y, s=10, color="0.45", label=f"{n} samples")
ax.plot(grid[:, 0], linear_curve, color="tab:blue", label="nn.Linear")
ax.set_ylim(float(y.min()) - 0.3, float(y.max()) + 0.3)
ax.set_xlabel("u")
ax.set_ylabel("y")
ax.set_title(f"A two-layer network, lr {lr}, batches of {batch_size}")
(moving,) = ax.plot(
    [], [], color="tab:red", lw=2, label="two-layer net", animated=True
)
caption = ax.text(0.02, 0.04, "", transform=ax.transAxes, animated=True)
ax.legend(loc="upper left")
fig.tight_layout()


def update(i):
    """Frame ``i``: the curve after ``frame_steps[i]`` updates."""
    moving.set_data(grid[:, 0], curves[i])
    caption.set_text(f"update {frame_steps[i]}, MSE {frame_losses[i]:.3f}")
    return moving, caption


video_path = Path(tempfile.gettempdir()) / "sgd_tutorial_neural_network_fit.mp4"
write_video(video_path, fig, update, len(curves))
plt.close(fig)  # the video is the picture here
print(
    f"{len(curves)} frames, one every {frame_every} updates; video written to {video_path}"
)
Video(
    video_path, "A two-layer network's curve bending to fit a noisy sine wave"
)

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
print(
    f"3s and 7s: {len(images)} images ({int(is_seven.sum())} sevens), 64 inputs each"
)

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
print(f"training images: {len(x_train)}, validation images: {len(x_val)}")
print(
    f"pixels that are blank in every training image: {int((images[train_idx].std(0) == 0).sum())}"
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
    """Binary cross-entropy from raw scores (logits): the mean of log(1 + e^z) - y z."""
    return (F.softplus(scores) - targets * scores).mean()


scores_check = torch.linspace(-30, 30, 7)
targets_check = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
ours_check = float(bce(scores_check, targets_check))
torch_check = float(
    F.binary_cross_entropy_with_logits(scores_check, targets_check)
)
print(
    f"scores -30 to 30: bce {ours_check:.6f}, F.binary_cross_entropy_with_logits {torch_check:.6f}"
)


def evaluate(model, x, y):
    """Loss and accuracy of ``model`` on ``(x, y)``."""
    with torch.no_grad():
        scores = model(x)[:, 0]
        return float(bce(scores, y)), float(
            ((scores > 0).float() == y).float().mean()
        )


def fit_classifier(model, x, y, *, lr, epochs, batch_size, seed=0):
    """Train with the loop one epoch at a time; per epoch, train and validation loss/accuracy."""
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
    return np.array(
        history
    )  # columns: train loss, train accuracy, val loss, val accuracy


def new_classifiers():
    """A logistic regression and a small MLP, each initialised from the same seed."""
    torch.manual_seed(0)
    logistic = nn.Linear(64, 1)
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 1))
    return {"logistic regression": logistic, "MLP, 128 hidden units": mlp}


clf_epochs, clf_lr, clf_batch = 40, 0.1, 10
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
for name, h in histories.items():
    print(
        f"{name:>21} after {clf_epochs} epochs: train loss {h[-1, 0]:.4f}, "
        f"accuracy {h[-1, 1]:.3f} | validation loss {h[-1, 2]:.4f}, accuracy {h[-1, 3]:.3f}"
    )


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
# them: both models classify the validation images as well as the training images (the
# accuracies printed above). The losses tell more than the accuracies: each model's
# validation loss stays above its training loss, because the models are fitted to the
# particular images they train on.
#
# Overfitting, made visible
# -------------------------
# Real labels contain mistakes. Flip the label of one training image in five (the
# validation labels stay correct) and train longer. A model that fits its training set
# perfectly must now learn the wrong labels too, by heart.

flip = torch.randperm(n_train, generator=torch.Generator().manual_seed(1))[
    : n_train // 5
]
y_noisy = y_train.clone()
y_noisy[flip] = 1 - y_noisy[flip]
noisy_epochs = 80
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
print(
    f"flipped training labels: {len(flip)} of {n_train} "
    f"(share of correct labels: {1 - len(flip) / n_train:.3f})"
)
for name, h in noisy.items():
    best = int(h[:, 2].argmin())
    print(
        f"{name:>21}: lowest validation loss {h[best, 2]:.3f} at epoch {best + 1} "
        f"(accuracy {h[best, 3]:.3f}); at epoch {noisy_epochs}: {h[-1, 2]:.3f} "
        f"(accuracy {h[-1, 3]:.3f}), training accuracy {h[-1, 1]:.3f}"
    )

plot_history(
    noisy, f"One training label in five flipped ({len(flip)} of {n_train})"
)
plt.show()

# %%
# This is overfitting in its plainest form, and the network shows it best. In the first
# epochs both models learn what threes and sevens look like and the validation loss is at its
# lowest (the epoch and the values are printed above). Then the network, with its thousands
# of parameters, learns the flipped labels by heart: its training accuracy climbs towards one
# and its training loss keeps falling, while its validation loss climbs and its validation
# accuracy drops. Logistic regression, a single linear score, fits few of the flipped labels
# (compare its training accuracy with the share of correct labels, both printed) and
# wanders at a level above its early best instead. Stopping at the epoch of the lowest
# validation loss (*early stopping*) keeps the better model.
#
# The learning-rate sweep, again
# ------------------------------
# Tutorial 6 swept the learning rate of full-batch gradient descent on a quadratic loss,
# whose :term:`Hessian` is constant, and found that :math:`2/\lambda_{\max}` marks exactly
# where :term:`divergence` begins. Here the loss is not quadratic: its curvature depends on
# where the parameters are. We can still measure the largest eigenvalue of the Hessian at the
# start, by power iteration on Hessian-vector products (``backward`` through a gradient), and
# sweep multiples of :math:`2/\lambda_{\max}` measured there. The loop becomes full-batch
# gradient descent by setting ``batch_size`` to the number of training images.


def sharpness(model, x, y, iterations=30):
    """Largest eigenvalue of the Hessian of the loss at the model's current parameters."""
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


# For logistic regression at zero weights the Hessian is (1/4)(1/n) XᵀX, a known matrix:
ones = torch.ones(n_train, 1)
at_zero = float(hessian_eigenvalues(torch.cat([x_train, ones], dim=1))[-1]) / 8
zero_model = nn.Linear(64, 1)
nn.init.zeros_(zero_model.weight)
nn.init.zeros_(zero_model.bias)
print(
    f"logistic regression at zero weights: lambda_max from the formula {at_zero:.4f}, "
    f"by power iteration {sharpness(zero_model, x_train, y_train):.4f}"
)

sweep_steps = 200
multiples = [0.5, 1, 2, 4, 8, 16]
torch.manual_seed(0)
starts = {
    "logistic regression": nn.Linear(64, 1),
    "MLP": nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 1)),
}
sweep, largest_ok = {}, {}
print(f"full-batch gradient descent, {sweep_steps} steps from the same start")
print(
    f"{'model':>19} {'multiple':>8} {'lr':>7} {'final loss':>12} "
    f"{'lambda_max: start':>18} {'end':>8}"
)
for name, start in starts.items():
    lam_start = sharpness(start, x_train, y_train)
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
            result, lam_end = (
                f"{float(losses[-1]):.3g}",
                f"{sharpness(model, x_train, y_train):.4f}",
            )
        else:
            first_bad = int((~torch.isfinite(losses)).nonzero()[0, 0])
            result, lam_end = f"nan at {first_bad}", "-"
        print(
            f"{name:>19} {multiple:8g} {multiple * bound:7.3f} {result:>12} "
            f"{lam_start:18.4f} {lam_end:>8}"
        )
for name in starts:
    failed = [m for m in multiples if not torch.isfinite(sweep[name, m]).all()]
    first_failed = f"{failed[0]:g}" if failed else "none of those tried"
    print(
        f"{name}: largest multiple of 2/lambda_max(start) that stayed finite: "
        f"{largest_ok.get(name, 0):g}; first that overflowed: {first_failed}"
    )

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
# * There is still a largest learning rate: past it the loss overflows to ``nan``. Below the
#   table, each model's first multiple that overflowed is printed (if any did), and the table
#   shows at which step. Nothing about a model being a network makes the step size safe.
# * But :math:`2/\lambda_{\max}` measured at the start no longer marks it. The curvature is
#   a property of the current parameters, and as the classifiers grow confident on this
#   separable training set the cross-entropy flattens: the table prints
#   :math:`\lambda_{\max}` at the end of each converged run, far below its value at the
#   start. A step that was too large at the start is not too large a few steps later.
# * For logistic regression the curvature is largest at zero weights (the formula and power
#   iteration agree above), so its starting bound is pessimistic; the largest multiple that
#   stayed finite for each model is printed below the table.
#
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
print(
    f"two linear layers, no ReLU: MSE {no_relu_loss:.4f}; best line: {line_loss:.4f}"
)
print(
    f"largest second difference of its curve on the grid (0 for a line): {bend:.1e}"
)

# %%
# Without the bend, two linear layers compose to one linear map, :math:`w_2 (W_1 u + b_1) +
# b_2`: a line, however many units sit in between. Its curve has no second difference beyond
# rounding, and its MSE is the best line's. The non-linearity is what makes depth count.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 2.** Train the sine network with ``batch_size=n``: full-batch gradient descent,
# the same 300 epochs and learning rate, but one update per epoch instead of ten. Predict
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

# %%
# Each epoch costs the same arithmetic either way (every sample is read once), but the
# minibatch run turns it into ten steps. Per pass over the data, that is more progress.
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
        largest_score = float(model(xv).abs().max())
    print(
        f"{name:>12}: 2/lambda_max at zero {2 / lam0:.5f} (lr 0.1 is {0.1 * lam0 / 2:.3g} x it); "
        f"training loss after epoch 1 {first_epoch_loss:.3g}; after 20 epochs validation "
        f"accuracy {val_accuracy:.3f}, largest |score| {largest_score:.3g}"
    )

# %%
# The raw pixels' bound is far smaller (their scale enters the curvature squared, as in
# tutorial 6), and lr 0.1 is a large multiple of it: the first epoch's training loss shows
# the overshoot. Yet nothing overflows. The cross-entropy grows only linearly in a wrong
# score, and its curvature vanishes once the scores are large, so a step that is far too large
# makes the scores huge (the largest is printed) rather than infinite. On these well-separated
# images that still classifies, but the model's probabilities are all near 0 or 1: it is
# confident, not calibrated. The quadratic loss of tutorial 6 forgives nothing of the kind.
#
# .. raw:: html
#
#    </details>
