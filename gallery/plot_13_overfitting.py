r"""
Keeping a network from overfitting
==================================

Tutorial 10 made overfitting visible: flip the label of one training image in
five, train long enough, and the network learns the wrong labels by heart while
its validation loss climbs. It printed the epoch with the lowest validation
loss, but nothing stopped there. This tutorial brings the two everyday remedies,
and then answers a question tutorial 11 left open: why a learning rate that
falls like :math:`1/t` converges where a constant one hovers.

To run this page yourself, install the package first: see :doc:`/installation`.

This tutorial covers:

* :term:`weight decay`: in ``torch.optim.SGD`` it is exactly an :term:`L2
  penalty` on the weights, checked step for step; in ``torch.optim.Adam`` a
  penalty is not a decay, which is why :term:`AdamW` exists (Loshchilov &
  Hutter, 2019);
* what weight decay does to the flipped-label digits' validation loss, over
  several seeds;
* :term:`early stopping` that keeps the best model: a deep copy of
  ``state_dict()`` at the lowest validation loss, a :term:`patience`, and
  ``load_state_dict()`` at the end;
* the :term:`Robbins–Monro conditions` on a learning-rate schedule, and the rate
  at which :math:`\eta_t = \eta_0 / (1 + t/\tau)` converges on the lesson's
  data, measured.
"""

# %%
# Setup
# -----
# Tutorial 10's setting: scikit-learn's handwritten 3s and 7s, a third of them
# held out for validation, each pixel standardised with the training images'
# statistics, and one training label in five flipped (the validation labels stay
# correct). The model is the same two-layer network, trained by minibatch SGD
# with batches of 10 and a fresh shuffle per epoch; the loss is the binary
# cross-entropy of the raw scores. Everything is small, so this page runs on the
# CPU, and on one thread, as tutorial 10 does: operations this small gain little
# from being split across cores, and on a machine busy with other work the split
# can cost a great deal (tutorial 8 shows why). The last cell gives PyTorch back
# its default.

import copy
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from sgd_tutorial import least_squares, make_linear_data
from sklearn.datasets import load_digits
from torch import nn

# sphinx_gallery_thumbnail_number = 1

threads = torch.get_num_threads()
torch.set_num_threads(1)
digits = load_digits()
keep = (digits.target == 3) | (digits.target == 7)
images = torch.tensor(digits.data[keep], dtype=torch.float32)
is_seven = torch.tensor(digits.target[keep] == 7, dtype=torch.float32)
shuffled = torch.randperm(
    len(images), generator=torch.Generator().manual_seed(0)
)
n_train = 2 * len(images) // 3
train_rows, val_rows = shuffled[:n_train], shuffled[n_train:]
pixel_mean = images[train_rows].mean(dim=0)
pixel_std = images[train_rows].std(dim=0)
standard = (images - pixel_mean) / torch.where(pixel_std > 0, pixel_std, 1.0)
x_train, x_val = standard[train_rows], standard[val_rows]
y_val = is_seven[val_rows]
flip = torch.randperm(n_train, generator=torch.Generator().manual_seed(1))
flip = flip[: n_train // 5]
y_train = is_seven[train_rows].clone()
y_train[flip] = 1 - y_train[flip]
correct_share = 1 - len(flip) / n_train
print(f"{n_train} training images, {len(flip)} labels flipped")
print(f"{len(y_val)} validation images")


def bce(scores, targets):
    """Binary cross-entropy from raw scores: the mean of log(1 + e^z) - t z."""
    return (F.softplus(scores) - targets * scores).mean()


def new_mlp(seed):
    """Tutorial 10's network: 64 inputs, 128 ReLU units, one score."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 1))


def train_epoch(model, optimizer, generator, batch_size=10):
    """One epoch of minibatch training on the flipped labels."""
    order = torch.randperm(n_train, generator=generator)
    for start in range(0, n_train, batch_size):
        rows = order[start : start + batch_size]
        loss = bce(model(x_train[rows])[:, 0], y_train[rows])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def evaluate(model, x, y):
    """Loss and accuracy of the model's scores on (x, y)."""
    with torch.no_grad():
        scores = model(x)[:, 0]
    accuracy = ((scores > 0).float() == y).float().mean()
    return float(bce(scores, y)), float(accuracy)


# %%
# Weight decay is an L2 penalty, for SGD
# --------------------------------------
# :term:`Weight decay` pulls every weight towards zero at every step, so that
# the network cannot grow the large weights it would need to fit every training
# label, right or wrong (the next sections measure both). One way to write it
# adds an :term:`L2 penalty` to the loss,
#
# .. math::
#
#     L_\lambda(w) = L(w) + \frac{\lambda}{2} \lVert w \rVert^2,
#     \qquad \nabla L_\lambda(w) = \nabla L(w) + \lambda w,
#
# so that a step of SGD becomes
#
# .. math::
#
#     w \leftarrow w - \eta\,(\nabla L(w) + \lambda w)
#       = (1 - \eta\lambda)\, w - \eta\, \nabla L(w):
#
# shrink every weight by the factor :math:`1 - \eta\lambda`, then take the usual
# step. ``torch.optim.SGD(..., weight_decay=λ)`` adds :math:`\lambda w` to each
# gradient. The three ways should give the same network; train three copies on
# the same 50 batches and compare their weights:

LR, DECAY = 0.1, 0.03
start = new_mlp(0)
steps = torch.randint(
    n_train, (50, 10), generator=torch.Generator().manual_seed(0)
)


def train_copy(make_optimizer, penalty=False, shrink=0.0):
    """Train a copy of ``start`` on ``steps``; all its weights as one vector."""
    model = copy.deepcopy(start)
    optimizer = make_optimizer(model.parameters())
    for rows in steps:
        loss = bce(model(x_train[rows])[:, 0], y_train[rows])
        if penalty:
            loss = loss + DECAY / 2 * sum(
                (w**2).sum() for w in model.parameters()
            )
        optimizer.zero_grad()
        loss.backward()
        with torch.no_grad():
            for w in model.parameters():
                w.mul_(1 - shrink)  # decay by hand, before the optimizer's step
        optimizer.step()
    return torch.cat([w.detach().flatten() for w in model.parameters()])


sgd_decay = train_copy(lambda w: torch.optim.SGD(w, lr=LR, weight_decay=DECAY))
sgd_penalty = train_copy(lambda w: torch.optim.SGD(w, lr=LR), penalty=True)
sgd_shrink = train_copy(lambda w: torch.optim.SGD(w, lr=LR), shrink=LR * DECAY)
sgd_plain = train_copy(lambda w: torch.optim.SGD(w, lr=LR))
print(f"{len(sgd_decay)} weights; largest difference after {len(steps)} steps:")
for name, other in (
    ("the penalty", sgd_penalty),
    ("shrink, then step", sgd_shrink),
    ("no decay at all", sgd_plain),
):
    gap = float((sgd_decay - other).abs().max())
    print(f"  weight_decay vs {name + ':':<18} {gap:.1e}")
torch.testing.assert_close(sgd_decay, sgd_penalty)
torch.testing.assert_close(sgd_decay, sgd_shrink)
assert (sgd_decay - sgd_plain).abs().max() > 1e-3, "the decay changed nothing"

# %%
# The three agree to float32 rounding, and differ from the run without decay by
# far more.
#
# Adam: a penalty is not a decay
# ------------------------------
# Adam (tutorial 11) divides each coordinate's gradient by a running
# root-mean-square of that coordinate's gradients. ``torch.optim.Adam(...,
# weight_decay=λ)`` adds :math:`\lambda w` to the gradient *before* that
# division, so it is still exactly the L2 penalty; but the penalty's pull on a
# weight is then divided by the same running scale as the rest of its gradient,
# and it is no longer a shrinking by :math:`1 - \eta\lambda`. Loshchilov &
# Hutter (2019) found that the shrinking generalises better, and proposed
# :term:`AdamW`: shrink every weight by :math:`1 - \eta\lambda`, then take
# Adam's step on the gradient of the loss alone. The checks, at Adam's usual
# learning rate:

ADAM_LR = 1e-3
adam_decay = train_copy(
    lambda w: torch.optim.Adam(w, lr=ADAM_LR, weight_decay=DECAY)
)
adam_penalty = train_copy(
    lambda w: torch.optim.Adam(w, lr=ADAM_LR), penalty=True
)
adamw = train_copy(
    lambda w: torch.optim.AdamW(w, lr=ADAM_LR, weight_decay=DECAY)
)
adam_shrink = train_copy(
    lambda w: torch.optim.Adam(w, lr=ADAM_LR), shrink=ADAM_LR * DECAY
)
adam_plain = train_copy(lambda w: torch.optim.Adam(w, lr=ADAM_LR))
penalty_moved = float((adam_decay - adam_plain).abs().max())
decay_moved = float((adamw - adam_plain).abs().max())
penalty_gap = float((adam_decay - adam_penalty).abs().max())
shrink_gap = float((adamw - adam_shrink).abs().max())
print(f"largest difference after {len(steps)} steps:")
print(f"  Adam weight_decay vs the penalty: {penalty_gap:.1e}")
print(f"  AdamW vs shrink, then Adam:       {shrink_gap:.1e}")
print(f"  Adam weight_decay vs plain Adam:  {penalty_moved:.1e}")
print(f"  AdamW vs plain Adam:              {decay_moved:.1e}")
torch.testing.assert_close(adam_decay, adam_penalty)
torch.testing.assert_close(adamw, adam_shrink)
assert penalty_moved > 30 * decay_moved, (
    f"Adam's penalty moved the weights {penalty_moved:.1e}, not far more than"
    f" AdamW's decay ({decay_moved:.1e})"
)

# %%
# Adam's ``weight_decay`` is the penalty, and AdamW is the decay. They are not
# the same: after the same steps, the penalty has moved the weights much further
# from plain Adam's than AdamW's decay has (the last two lines). One step makes
# the difference plain. Take a loss of zero, so that only the penalty or the
# decay acts. Adam's first step moves every coordinate by about the learning
# rate, whatever its size: the penalty's gradient :math:`\lambda w` divided by
# its own magnitude is just its sign. AdamW multiplies every weight by :math:`1
# - \eta\lambda`:

w0 = torch.tensor([1e-3, 0.1, 1.0, 10.0], dtype=torch.float64)
moves = {}
for name, make in (
    ("Adam, weight_decay", torch.optim.Adam),
    ("AdamW", torch.optim.AdamW),
):
    w = nn.Parameter(w0.clone())
    optimizer = make([w], lr=ADAM_LR, weight_decay=DECAY)
    (0 * w.sum()).backward()  # a loss of zero: its gradient is zero
    optimizer.step()
    moves[name] = (w0 - w.detach()).numpy()
print("weight | moved by Adam, weight_decay | moved by AdamW")
for i, weight in enumerate(w0.tolist()):
    adam, adamw_move = moves["Adam, weight_decay"][i], moves["AdamW"][i]
    print(f"{weight:6g} | {adam:27.3e} | {adamw_move:14.3e}")
np.testing.assert_allclose(
    moves["AdamW"], ADAM_LR * DECAY * w0.numpy(), rtol=1e-9
)
np.testing.assert_allclose(moves["Adam, weight_decay"], ADAM_LR, rtol=1e-3)

# %%
# With Adam every weight moves by the learning rate, from a thousandth to ten
# alike; with AdamW each moves in proportion to its size. That proportional
# shrinking is what "weight decay" means, and it is what ``weight_decay`` does
# in ``SGD`` and ``AdamW``, but not in ``Adam``.
#
# Weight decay against flipped labels
# -----------------------------------
# Now train tutorial 10's network on the flipped labels for 40 epochs, learning
# rate 0.1, with and without weight decay :math:`\lambda = 0.03`, from three
# starting seeds each. After every epoch, record the training accuracy (on the
# labels it was given, wrong ones included) and the validation loss and
# accuracy.

EPOCHS, SEEDS = 40, (0, 1, 2)


def train_run(seed, weight_decay):
    """Train new_mlp(seed); per epoch: train accuracy, val loss, val accuracy,
    and the length of all the weights as one vector.
    """
    model = new_mlp(seed)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=LR, weight_decay=weight_decay
    )
    generator = torch.Generator().manual_seed(seed)
    history = []
    for _ in range(EPOCHS):
        train_epoch(model, optimizer, generator)
        train_accuracy = evaluate(model, x_train, y_train)[1]
        length = float(
            torch.cat([w.detach().ravel() for w in model.parameters()]).norm()
        )
        history.append((train_accuracy, *evaluate(model, x_val, y_val), length))
    return np.array(history)


runs = {
    (seed, wd): train_run(seed, wd) for seed in SEEDS for wd in (0.0, DECAY)
}
print(
    f"after {EPOCHS} epochs"
    f" (share of correct training labels: {correct_share:.3f})"
)
print("seed | decay | train accuracy | val loss | val accuracy | weight length")
for (seed, wd), h in runs.items():
    print(
        f"{seed:4d} | {wd:5g} | {h[-1, 0]:14.3f} | {h[-1, 1]:8.3f}"
        f" | {h[-1, 2]:12.3f} | {h[-1, 3]:13.1f}"
    )

fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.8))
epochs = np.arange(1, EPOCHS + 1)
for (seed, wd), h in runs.items():
    color = "tab:red" if wd == 0 else "tab:blue"
    label = f"weight decay {wd:g}" if seed == 0 else None
    left.plot(epochs, h[:, 1], color=color, lw=1, label=label)
    right.plot(epochs, h[:, 0], color=color, lw=1, label=label)
right.axhline(
    correct_share, color="0.5", ls=":", label="share of correct labels"
)
left.set_xlabel("epoch")
left.set_ylabel("validation loss")
left.legend(fontsize="small")
right.set_xlabel("epoch")
right.set_ylabel("training accuracy (flipped labels)")
right.legend(fontsize="small")
fig.suptitle(f"Tutorial 10's MLP on flipped labels, seeds {SEEDS}")
fig.tight_layout()
plt.show()

# %%
# Without decay the network ends up fitting every training label, wrong ones
# included (training accuracy reaches 1 in every seed), and its validation loss
# climbs well above its lowest. With decay the weights stay shorter (the last
# column), too short to fit the flipped labels: training accuracy stays far
# below 1, between the share of correct labels and 1, and the validation loss
# stays low. Over the last ten epochs, in every seed:

for seed in SEEDS:
    plain, decayed = runs[seed, 0.0], runs[seed, DECAY]
    ratio = plain[-10:, 1].mean() / decayed[-10:, 1].mean()
    decayed_accuracy = decayed[-10:, 0].mean()
    print(
        f"seed {seed}: mean validation loss {plain[-10:, 1].mean():.3f} without"
        f" decay, {decayed[-10:, 1].mean():.3f} with ({ratio:.1f}x lower);"
    )
    print(
        f"        lowest without {plain[:, 1].min():.3f}; training accuracy"
        f" with decay {decayed_accuracy:.3f}"
    )
    assert ratio > 1.5, (
        f"seed {seed}: decay lowered the validation loss {ratio:.2f}x"
    )
    assert plain[-10:, 0].max() == 1.0, f"seed {seed}: it never fitted them all"
    assert plain[-10:, 1].mean() > 1.5 * plain[:, 1].min(), (
        f"seed {seed}: without decay the validation loss did not climb"
    )
    assert decayed[-1, 3] < plain[-1, 3], f"seed {seed}: decay grew the weights"
    assert correct_share - 0.02 < decayed_accuracy < 0.95, (
        f"seed {seed}: with decay, training accuracy {decayed_accuracy:.3f}"
    )

# %%
# Early stopping that keeps the best model
# ----------------------------------------
# The other remedy needs no change to the loss: watch the validation loss after
# every epoch, remember the model at its lowest, and stop when it has not
# improved for a :term:`patience` of some epochs. Remembering the model is where
# a detail bites. ``model.state_dict()`` returns the model's own tensors, not
# copies of them, so it keeps changing as training goes on; it has to be copied
# (``copy.deepcopy``) when it is saved. The loop, with the undecayed network of
# seed 0 and a patience of 10 epochs, keeping a shallow "copy" beside the deep
# one to show the difference:

PATIENCE = 10
model = new_mlp(0)
optimizer = torch.optim.SGD(model.parameters(), lr=LR)
generator = torch.Generator().manual_seed(0)
best_loss, best_epoch, waited = math.inf, 0, 0
for epoch in range(1, EPOCHS + 1):
    train_epoch(model, optimizer, generator)
    val_loss, val_accuracy = evaluate(model, x_val, y_val)
    if val_loss < best_loss:
        best_loss, best_accuracy, best_epoch = val_loss, val_accuracy, epoch
        best_state = copy.deepcopy(model.state_dict())
        not_a_copy = model.state_dict()  # the live tensors: the trap
        waited = 0
    else:
        waited += 1
        if waited == PATIENCE:
            break
last = evaluate(model, x_val, y_val)
print(f"stopped after epoch {epoch}: {PATIENCE} epochs without a lower loss")
print(
    f"best epoch {best_epoch}:     validation loss {best_loss:.4f},"
    f" accuracy {best_accuracy:.3f}"
)
print(
    f"the model at the stop: validation loss {last[0]:.4f},"
    f" accuracy {last[1]:.3f}"
)

# %%
# Load the deep copy back, and the model is the best epoch's again: its
# validation figures are the ones printed for that epoch. Load the shallow one,
# and it is the model at the stop, because its tensors *are* the model's:

model.load_state_dict(not_a_copy)
shallow = evaluate(model, x_val, y_val)
model.load_state_dict(best_state)
restored = evaluate(model, x_val, y_val)
for name, (loss, accuracy) in (
    ("the deep copy", restored),
    ("the shallow one", shallow),
):
    print(
        f"from {name:>15}: validation loss {loss:.4f}, accuracy {accuracy:.3f}"
    )
assert math.isclose(restored[0], best_loss, rel_tol=1e-6), "not the best model"
assert restored[1] == best_accuracy, (
    "the restored accuracy is not the best epoch's"
)
assert math.isclose(shallow[0], last[0], rel_tol=1e-6), (
    "the shallow copy did not follow the model"
)
assert epoch - best_epoch == PATIENCE, "the loop stopped at the wrong epoch"

# %%
# The loop trained the same network on the same batches as seed 0's undecayed
# run above, so its record must agree with that run's history, and it does: the
# best epoch and loss are the ones the history shows up to the stop. Early
# stopping and weight decay both end well below the overfitted network:

history = runs[0, 0.0]
seen = history[:epoch]
print(
    f"history: lowest validation loss {seen[:, 1].min():.4f}"
    f" at epoch {seen[:, 1].argmin() + 1}"
)
assert seen[:, 1].argmin() + 1 == best_epoch, (
    "the loop's best epoch is not the history's"
)
assert math.isclose(seen[:, 1].min(), best_loss, rel_tol=1e-5), (
    "a different loss"
)
final = {
    "no decay, epoch 40": history[-1, 1],
    f"early stopping (epoch {best_epoch})": best_loss,
    f"weight decay {DECAY}, epoch 40": runs[0, DECAY][-1, 1],
}
for name, loss in final.items():
    print(f"{name:>28}: validation loss {loss:.3f}")
assert max(best_loss, runs[0, DECAY][-1, 1]) < 0.7 * history[-1, 1], (
    "a remedy did not lower the validation loss much"
)

# %%
# Robbins–Monro: why 1/t converges
# --------------------------------
# Back to the lesson's straight line, and to tutorial 11's question. SGD with a
# constant learning rate hovers at a floor; :math:`\eta_t = \eta_0/(1 + t/\tau)`
# keeps going down. Robbins and Monro (1951) gave the conditions under which a
# schedule of noisy steps converges to the minimum:
#
# .. math::
#
#     \sum_{t} \eta_t = \infty
#     \qquad\text{and}\qquad
#     \sum_{t} \eta_t^2 < \infty.
#
# The first says the steps must add up to an unlimited distance, so that the
# start can be forgotten from however far away: along an eigenvector of
# :math:`H` the starting error is multiplied by :math:`\prod_t (1 -
# \eta_t\lambda) \approx e^{-\lambda \sum_t \eta_t}`. The second says the noise
# the steps add must stay finite: each step adds variance in proportion to
# :math:`\eta_t^2`. A constant rate meets the first and fails the second (it
# hovers), :math:`\eta_0/(1 + t/\tau)` meets both (its sum grows like
# :math:`\log t`, the sum of its squares is finite), and :math:`\eta_0/(1 +
# t/\tau)^2` meets the second but fails the first: it stops too early, wherever
# it happens to be.
#
# The conditions say *that* SGD converges; the same balance as in tutorial 12
# says *how fast*. With :math:`\eta_t = c/(t + \tau)`, where :math:`c = \eta_0
# \tau`, the error variance :math:`v` along an eigenvector obeys :math:`v_{t+1}
# = (1 - \eta_t \lambda)^2 v_t + \eta_t^2 s/b`, and :math:`v_t = A/(t + \tau)`
# solves it for large :math:`t` with :math:`A = c^2 s / (b (2 c \lambda - 1))`,
# provided :math:`2c\lambda > 1`. So the excess loss falls like :math:`1/t`, a
# slope of :math:`-1` on log-log axes, as long as :math:`2 \eta_0 \tau
# \lambda_{\min} > 1`. If :math:`\tau` is too short for that, the schedule still
# meets both conditions, but the starting error along the flattest direction
# fades only like :math:`t^{-2 \eta_0 \tau \lambda_{\min}}`, slower than
# :math:`1/t`.
#
# The lesson's data in float64 (the same sample as everywhere), batches of one
# sample drawn independently, 8000 updates from :math:`(-1, 1)` with
# :math:`\eta_0 = 0.1`: the three schedules with :math:`\tau = 50`, and
# :math:`1/t` once more with :math:`\tau = 5`; 200 runs of each, in five groups
# of 40.

line = make_linear_data(100, seed=0)
x, y, n = line.x.double(), line.y.double(), line.n
best = least_squares(x, y)
hessian = 2 / n * x.T @ x
eigenvalues, eigenvectors = torch.linalg.eigh(hessian)
lam_min = float(eigenvalues[0])
LR0, TAU, SHORT_TAU, UPDATES, GROUPS, PER_GROUP = 0.1, 50, 5, 8000, 5, 40
for tau in (TAU, SHORT_TAU):
    print(
        f"tau = {tau:2d}:"
        f" 2 eta_0 tau lambda_min = {2 * LR0 * tau * lam_min:.2f}"
    )
t = torch.arange(UPDATES, dtype=torch.float64)
schedules = {
    "constant": torch.full_like(t, LR0),
    "1/t, tau 50": LR0 / (1 + t / TAU),
    "1/t^2, tau 50": LR0 / (1 + t / TAU) ** 2,
    "1/t, tau 5": LR0 / (1 + t / SHORT_TAU),
}
rates = torch.stack(list(schedules.values()), dim=1)  # (update, schedule)
print(f"{'':>13}  sum of eta_t  sum of eta_t^2  (over {UPDATES} updates)")
for name, eta in schedules.items():
    print(f"{name:>13}  {eta.sum():12.2f}  {(eta**2).sum():14.4f}")

# %%
# Every schedule runs in the same loop, on the same draws:


def excess(p):
    """Loss above the minimum, 0.5 (p - p*)^T H (p - p*), for rows of p."""
    d = p - best
    return 0.5 * ((d @ hessian) * d).sum(dim=-1)


g = torch.Generator().manual_seed(0)
runs_n = GROUPS * PER_GROUP
p = torch.tensor([-1.0, 1.0], dtype=torch.float64).repeat(
    len(schedules), runs_n, 1
)
curves = torch.empty(UPDATES, len(schedules), GROUPS, dtype=torch.float64)
for step in range(UPDATES):
    i = torch.randint(n, (runs_n,), generator=g)  # one sample per run
    residual = (p * x[i]).sum(dim=-1) - y[i]  # (schedule, run)
    p = p - rates[step, :, None, None] * 2 * residual[..., None] * x[i]
    curves[step] = (
        excess(p).view(len(schedules), GROUPS, PER_GROUP).mean(dim=-1)
    )
curves = curves.numpy()

updates = np.arange(1, UPDATES + 1)
late = updates >= UPDATES // 10
slopes = {}
for k, name in enumerate(schedules):
    clock = np.log(updates[late] + (SHORT_TAU if "tau 5" in name else TAU))
    slopes[name] = np.array(
        [
            np.polyfit(clock, np.log(curves[late, k, j]), 1)[0]
            for j in range(GROUPS)
        ]
    )
print("log-log slope of the excess over the last 90% of the updates, per group")
for k, name in enumerate(schedules):
    print(
        f"{name:>13}: {np.round(slopes[name], 2)};"
        f" excess at the end {curves[-1, k].mean():.1e}"
    )

# %%
# Measured against the predictions, with the spread of the five groups as the
# margin:

short_predicted = -2 * LR0 * SHORT_TAU * lam_min
for name, predicted in (("1/t, tau 50", -1.0), ("1/t, tau 5", short_predicted)):
    measured = slopes[name]
    print(
        f"{name}: slopes {measured.min():.2f} to {measured.max():.2f},"
        f" predicted {predicted:.2f}"
    )
    assert (abs(measured - predicted) < 0.25).all(), (
        f"{name}: slopes {measured}, predicted {predicted:.2f}"
    )
assert (abs(slopes["constant"]) < 0.05).all(), "the constant rate did not hover"
assert (slopes["1/t^2, tau 50"] > -0.5).all(), "1/t^2 kept converging"
assert curves[-1, 3].mean() > curves[-1, 0].mean(), (
    "tau 5 ended below the floor"
)
frozen_end, decaying_end = curves[-1, 2].mean(), curves[-1, 1].mean()
assert frozen_end > 10 * decaying_end, (
    "the 1/t^2 schedule did not stall above 1/t"
)

fig, ax = plt.subplots(figsize=(6.4, 4.2))
for k, name in enumerate(schedules):
    ax.loglog(updates, curves[:, k].mean(axis=1), lw=1.2, label=name)
ax.loglog(
    updates[late],
    3 * decaying_end * (UPDATES + TAU) / (updates[late] + TAU),
    color="0.5",
    ls=":",
    label="slope -1 (shifted up)",
)
ax.set_xlabel("update t")
ax.set_ylabel("excess MSE (mean of 200 runs)")
ax.set_title(f"Batches of 1, eta_0 = {LR0}")
ax.legend(fontsize="small")
fig.tight_layout()
plt.show()

# %%
# The constant rate reaches its floor within a few hundred updates and stays
# there (slope zero). :math:`\eta_0/(1 + t/\tau)` falls with slope :math:`-1`,
# within the margin printed. :math:`\eta_0/(1 + t/\tau)^2` starts like it, then
# stalls: its rates sum to about :math:`\eta_0 \tau` however long it runs (the
# table above), too little to forget the start, and its excess ends more than
# ten times above the :math:`1/t` schedule's. With :math:`\tau = 5` the
# :math:`1/t` schedule converges, as Robbins and Monro promise, but at the
# slower rate predicted, so slowly that after 8000 updates it is still above the
# constant rate's floor (the last column): the conditions say nothing about
# speed. The `Explorer
# <../explorer.html?lr=0.1&momentum=0&batch=1&steps=1000&seed=0>`__ runs the
# constant rate with batches of 1: watch it hover.
#
# What to take away
# -----------------
# * For SGD, ``weight_decay`` is an L2 penalty is a shrinking of the weights:
#   three spellings of one update. For Adam the penalty and the shrinking
#   differ; ``AdamW`` is the shrinking.
# * Weight decay keeps a network from fitting wrong labels by heart, at the cost
#   of not fitting every training label.
# * Early stopping keeps the model of the best validation epoch: save a deep
#   copy of ``state_dict()``, stop after a patience, ``load_state_dict()`` it
#   back.
# * A schedule converges when its steps add up to infinity and their squares do
#   not. With :math:`\eta_0/(1 + t/\tau)` and :math:`2\eta_0\tau\lambda_{\min} >
#   1` the excess falls like :math:`1/t`.

# %%
# Exercises
# ---------
#
# **Exercise 1.** ``torch.optim.SGD`` decays every parameter it is given, biases
# included, and biases are often left out (they do not make the network more
# flexible). Give the optimizer two parameter groups, weights with decay and
# biases without, take one step on a loss of zero, and check which parameters
# shrank.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 1</summary>

# %%
model = new_mlp(0)
weights = [w for name, w in model.named_parameters() if name.endswith("weight")]
biases = [b for name, b in model.named_parameters() if name.endswith("bias")]
before = copy.deepcopy(model.state_dict())
optimizer = torch.optim.SGD(
    [
        {"params": weights, "weight_decay": DECAY},
        {"params": biases, "weight_decay": 0.0},
    ],
    lr=LR,
)
(0 * sum(w.sum() for w in model.parameters())).backward()
optimizer.step()
for name, w in model.state_dict().items():
    factor = float((w / before[name]).mean())
    print(f"{name:>8}: multiplied by {factor:.4f}")
    expected = 1 - LR * DECAY if name.endswith("weight") else 1.0
    assert math.isclose(factor, expected, rel_tol=1e-5), f"{name}: {factor}"

# %%
# The weights shrank by :math:`1 - \eta\lambda`, the biases not at all.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 2.** Predict how a shorter patience changes the epoch early
# stopping keeps, then replay the stopping rule on the recorded validation
# losses of the three undecayed runs, with patiences of 1, 3 and 10 epochs.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 2</summary>

# %%
for seed in SEEDS:
    losses = runs[seed, 0.0][:, 1]
    kept = []
    for patience in (1, 3, 10):
        best_at, waited = 0, 0
        for e in range(1, EPOCHS):
            if losses[e] < losses[best_at]:
                best_at, waited = e, 0
            else:
                waited += 1
                if waited == patience:
                    break
        kept.append(losses[best_at])
        print(
            f"seed {seed}, patience {patience:2d}: keeps epoch {best_at + 1},"
            f" validation loss {losses[best_at]:.3f}"
        )
    assert kept == sorted(kept, reverse=True), "a longer patience kept worse"

# %%
# The validation loss of a network trained by SGD is noisy from epoch to epoch,
# so a short patience can stop at an early dip; a longer one keeps an equal or
# lower loss (it sees every epoch the shorter one saw, and more), at the price
# of more epochs trained.
#
# .. raw:: html
#
#    </details>
#
# **Exercise 3.** The balance above predicts more than the slope: for large
# :math:`t` the excess of the :math:`\tau = 50` schedule should be :math:`\sum_i
# \tfrac12 \lambda_i A_i / (t + \tau)` with :math:`A_i = c^2 s_i / (b
# (2c\lambda_i - 1))`, where :math:`s_i` is the variance of one sample's
# gradient along the eigenvector :math:`i` at the minimum. Compute that
# constant, and compare it with the measured excess times :math:`t + \tau` over
# the second half of the run.
#
# .. raw:: html
#
#    <details class="sg-solution"><summary>Solution to exercise 3</summary>

# %%
per_sample = 2 * x * (x @ best - y)[:, None]  # one row per sample, mean zero
s_i = torch.diag(
    eigenvectors.T @ (per_sample.T @ per_sample / n) @ eigenvectors
)
c = LR0 * TAU
predicted = float(
    (eigenvalues / 2 * c**2 * s_i / (2 * c * eigenvalues - 1)).sum()
)
second_half = updates > UPDATES // 2
measured = (
    curves[second_half, 1].mean(axis=1) * (updates[second_half] + TAU)
).mean()
print(f"excess x (t + tau): predicted {predicted:.4f}, measured {measured:.4f}")
assert abs(measured / predicted - 1) < 0.2, "the level is not the predicted one"

# %%
# The same few lines of algebra give the slope and the level: the run lands on
# both.
#
# .. raw:: html
#
#    </details>

torch.set_num_threads(threads)  # back to the default for whatever runs next
