"""The Explorer page: an interactive descent whose every number comes from the package.

``.. explorer::`` (used by ``docs/explorer.rst``) writes the page's controls and canvases, the
script ``_static/explorer.js`` that drives them, and a small JSON block the script reads: the
tutorials' data (``make_linear_data(100, coef=(3.0, 2.0), seed=0)``, float32 as the tutorials
draw it, given to the page as the exact float64 values of those numbers), the least-squares
answer and its loss, the Hessian's eigenvalues and the stable bound, all computed here, at build
time, by the installed package. Nothing on the page is typed by hand.

Without JavaScript the page shows a static figure drawn at build time by the package's own plot
helpers (``_static/explorer-static.png``) and says what the explorer would do.

For the browser check (``tools/check_site.py``) the build also writes reference runs made by
:func:`~sgd_tutorial.gradient_descent` and :func:`~sgd_tutorial.iter_sgd` (float64) to
``explorer-reference.json`` *beside* the HTML folder (``docs/_build/explorer-reference.json``):
the check feeds their settings and batch orders to the page and compares trajectories. That
file is test data, so it is not published with the site and the page never loads it.
"""

from __future__ import annotations

import html
import json
import math
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

DOCNAME = "explorer"
STATIC_PNG = "explorer-static.png"
REFERENCE = "explorer-reference.json"
# The tutorials' data and starting point (gallery/plot_0*.py).
N, COEF, SEED, INIT = 100, (3.0, 2.0), 0, (-1.0, 1.0)
# What the page opens with: the settings tutorials 3 and 4 start from.
DEFAULTS = {"lr": 0.1, "momentum": 0.0, "batch": 5, "steps": 100, "seed": 0}
LR_RANGE = (1e-3, 10.0)  # the learning-rate slider's ends (log scale)
MAX_STEPS = 1000


def _problem() -> tuple[Any, Any]:
    """The tutorials' data as float64 tensors (exactly the float32 values, widened)."""
    from sgd_tutorial import make_linear_data  # noqa: PLC0415  (imported at build time only)

    data = make_linear_data(N, coef=COEF, seed=SEED)
    return data.x.double(), data.y.double()


def page_data() -> dict[str, Any]:
    """Everything the page shows, computed by the package."""
    import sgd_tutorial as st  # noqa: PLC0415

    x, y = _problem()
    coef = st.least_squares(x, y)
    return {
        "source": f"make_linear_data({N}, coef={COEF}, seed={SEED})",
        "version": st.__version__,
        "n": N,
        "u": x[:, 0].tolist(),
        "y": y.tolist(),
        "init": list(INIT),
        "least_squares": coef.tolist(),
        "least_squares_loss": float(st.mse(x @ coef, y)),
        "hessian_eigenvalues": st.hessian_eigenvalues(x).tolist(),
        "max_stable_lr": st.max_stable_lr(x),
        "defaults": DEFAULTS,
        "lr_range": list(LR_RANGE),
        "max_steps": MAX_STEPS,
    }


def _trajectory(params: Any, losses: Any) -> dict[str, Any]:
    return {"params": params.tolist(), "losses": losses.tolist()}


def reference_runs(data: dict[str, Any]) -> dict[str, Any]:
    """Runs of the package for the browser check to compare the page with (float64).

    ``data`` is the page's data block, stored with the runs so that the check can tell that
    the page it opens is the one built with them.
    """
    import torch  # noqa: PLC0415

    import sgd_tutorial as st  # noqa: PLC0415

    x, y = _problem()
    full = []
    for momentum in (0.0, 0.5, 0.9):
        bound = st.max_stable_lr(x, momentum)
        for lr, steps in ((0.1, 200), (0.99 * bound, 300), (1.01 * bound, 300)):
            fit = st.gradient_descent(x, y, INIT, lr=lr, steps=steps, momentum=momentum)
            full.append(
                {"lr": lr, "momentum": momentum, "steps": steps, "bound": bound}
                | _trajectory(fit.params, fit.losses)
            )
    # A run that overflows: the package's DivergenceError names the update, and so must the page.
    blow_up = {"lr": 10.0, "momentum": 0.0, "steps": MAX_STEPS}
    try:
        st.gradient_descent(x, y, INIT, lr=blow_up["lr"], steps=MAX_STEPS)
    except st.DivergenceError as exc:
        blow_up |= {"step": exc.step} | _trajectory(exc.fit.params, exc.fit.losses)
    else:  # pragma: no cover  (the check then fails with a clear message)
        blow_up["step"] = None
    minibatch = []
    for lr, momentum, batch, steps, seed in (
        (0.1, 0.0, 5, 100, 0),
        (0.05, 0.5, 7, 60, 3),
        (0.1, 0.0, 1, 500, 1),
    ):
        epochs = math.ceil(steps / math.ceil(N / batch))
        taken = list(
            islice(
                st.iter_sgd(
                    x,
                    y,
                    INIT,
                    lr=lr,
                    epochs=epochs,
                    batch_size=batch,
                    momentum=momentum,
                    seed=seed,
                ),
                steps,
            )
        )
        params = torch.stack([torch.tensor(INIT, dtype=x.dtype)] + [s.params for s in taken])
        losses = torch.stack([s.loss for s in taken])
        # The engine may form a batch's loss from xᵀx, xᵀy and yᵀy, which loses digits when the
        # loss is tiny against mean(y²); so the page's losses are also compared with the
        # package's mse of each batch at the parameters before its update (exact), and with
        # iter_sgd's relative to mean(y²) of the batch.
        exact = [st.mse(x[s.indices] @ params[t], y[s.indices]) for t, s in enumerate(taken)]
        scale = [float((y[s.indices] ** 2).mean()) for s in taken]
        minibatch.append(
            {
                "lr": lr,
                "momentum": momentum,
                "batch": batch,
                "steps": steps,
                "order": [s.indices.tolist() for s in taken],
                "mse_losses": [float(v) for v in exact],
                "loss_scale": scale,
            }
            | _trajectory(params, losses)
        )
    bounds = {str(b): st.max_stable_lr(x, b) for b in (0.0, 0.5, 0.9)}
    return {
        "full_batch": full,
        "divergence": blow_up,
        "minibatch": minibatch,
        "bounds": bounds,
        "data": data,
    }


def static_figure(path: Path) -> str:
    """Draw the no-JavaScript figure to ``path`` with the package's plot helpers; return its alt."""
    import matplotlib as mpl  # noqa: PLC0415

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    import sgd_tutorial as st  # noqa: PLC0415

    x, y = _problem()
    d = DEFAULTS
    gd = st.gradient_descent(x, y, INIT, lr=d["lr"], steps=d["steps"])
    epochs = math.ceil(d["steps"] / math.ceil(N / d["batch"]))
    mb = st.sgd(x, y, INIT, lr=d["lr"], epochs=epochs, batch_size=d["batch"], seed=d["seed"])
    labels = ["full batch", f"batch {d['batch']}"]
    with mpl.rc_context({"font.size": 9}):
        fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.3), dpi=80, layout="constrained")
        st.plot_landscape(x, y, [gd, mb], ax=axes[0], labels=labels)
        st.plot_fit(x, y, gd, ax=axes[1], label="full batch, last step")
        st.plot_losses(
            [gd, mb], ax=axes[2], labels=labels, minimum=page_data()["least_squares_loss"]
        )
        fig.savefig(path, format="png", metadata={"Software": None})
        plt.close(fig)
    return (
        f"Three panels for learning rate {d['lr']}, no momentum, {d['steps']} updates: the loss "
        "landscape over slope and intercept with the paths of full-batch gradient descent and "
        f"of SGD with batches of {d['batch']}, both heading for the least-squares answer; the "
        "data with the fitted line; and the loss at every update on a log scale, falling "
        "towards the least-squares loss."
    )


def _slider(name: str, label: str, lo: float, hi: float, step: float | str, hint: str) -> str:
    return (
        f'<div class="sgdx-control" id="sgdx-{name}-control">'
        f'<label for="sgdx-{name}">{label}</label>'
        f'<output id="sgdx-{name}-value" for="sgdx-{name}"></output>'
        f'<input type="range" id="sgdx-{name}" name="{name}" min="{lo}" max="{hi}" '
        f'step="{step}" aria-describedby="sgdx-{name}-hint">'
        f'<p class="sgdx-hint" id="sgdx-{name}-hint">{hint}</p></div>'
    )


def page_html(data: dict[str, Any], static_alt: str, prefix: str) -> str:
    """The explorer's HTML: the static figure, the controls, the views and the data block."""
    n, bound = data["n"], data["max_stable_lr"]
    lo, hi = (math.log10(v) for v in data["lr_range"])
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    lr_control = (
        '<div class="sgdx-control sgdx-lr" id="sgdx-lr-control">'
        '<label for="sgdx-lr">Learning rate <span class="sgdx-unit">(log scale)</span></label>'
        '<output id="sgdx-lr-value" for="sgdx-lr"></output>'
        '<div class="sgdx-track">'
        f'<input type="range" id="sgdx-lr" name="lr" min="{lo}" max="{hi}" step="0.005" '
        'aria-describedby="sgdx-bound-label">'
        '<div class="sgdx-unstable" aria-hidden="true"></div>'
        '<div class="sgdx-bound" id="sgdx-bound" aria-hidden="true"></div></div>'
        '<p class="sgdx-hint" id="sgdx-bound-label"></p>'
        '<label class="sgdx-exact" for="sgdx-lr-exact">exact value '
        f'<input type="number" id="sgdx-lr-exact" min="{data["lr_range"][0]}" '
        f'max="{data["lr_range"][1]}" step="any"></label></div>'
    )
    controls = "".join(
        [
            lr_control,
            _slider(
                "momentum",
                "Momentum β",
                0,
                0.99,
                0.01,
                "Heavy ball, as <code>torch.optim.SGD</code>: v = βv + g, p = p − lr·v.",
            ),
            _slider(
                "batch", "Batch size", 1, n, 1, f"1 to {n}; {n} is full-batch gradient descent."
            ),
            _slider("steps", "Updates", 1, data["max_steps"], 1, "Number of parameter updates."),
            (
                '<div class="sgdx-control" id="sgdx-seed-control">'
                '<label for="sgdx-seed">Shuffling seed</label>'
                '<input type="number" id="sgdx-seed" name="seed" min="0" max="999999" step="1" '
                'aria-describedby="sgdx-seed-hint">'
                '<p class="sgdx-hint" id="sgdx-seed-hint">Draws each epoch\'s order of the '
                "samples (no effect at full batch).</p></div>"
            ),
        ]
    )
    views = (
        '<div class="sgdx-views">'
        '<figure class="sgdx-view sgdx-landscape"><canvas id="sgdx-landscape" role="img" '
        'aria-label="Loss landscape over slope and intercept, with contours, the least-squares '
        'answer and the path of the parameters"></canvas><figcaption>Loss over (slope, '
        "intercept): contours, the least-squares answer (×) and the path from the start "
        "(○).</figcaption></figure>"
        '<figure class="sgdx-view"><canvas id="sgdx-data" role="img" aria-label="The data '
        'with the current line and the least-squares line"></canvas><figcaption>The data, the '
        "current line and the least-squares line (dashed).</figcaption></figure>"
        '<figure class="sgdx-view"><canvas id="sgdx-loss" role="img" aria-label="Loss '
        "against the update, log scale\"></canvas><figcaption>Loss of each update's batch "
        "(log scale); dashed: the least-squares loss.</figcaption></figure></div>"
    )
    static = (
        '<div class="sgdx-static" id="sgdx-static">'
        # Lazy: a hidden image is then not fetched when the explorer runs (without JavaScript,
        # Chromium and Firefox load lazy images at once).
        f'<img src="{prefix}_static/{STATIC_PNG}" alt="{html.escape(static_alt)}" '
        'width="840" height="264" loading="lazy">'
        "<p>This page has an explorer that needs JavaScript. With it you set the learning "
        "rate (log scale), the momentum, the batch size, the number of updates and the "
        "shuffling seed, and three views redraw at once: the path over the loss landscape, "
        "the data with the current line, and the loss at every update, computed with the "
        "package's update. The figure above shows the same three views for "
        f"learning rate {DEFAULTS['lr']}, drawn by the package when the site was built. "
        "Full-batch gradient descent on this data is stable for learning rates below "
        f"2/λ<sub>max</sub> = {bound:.4g}.</p></div>"
    )
    return (
        f'<div class="sgdx" id="sgd-explorer" data-prefix="{prefix}">'
        f"{static}"
        '<div class="sgdx-app" id="sgdx-app" hidden>'
        f'<form class="sgdx-controls" id="sgdx-form" aria-label="Explorer settings">{controls}'
        '<div class="sgdx-buttons"><button type="button" id="sgdx-play">Play the descent'
        '</button><button type="button" id="sgdx-reset">Tutorial settings</button>'
        '<a id="sgdx-link" href="?">Link to these settings</a></div></form>'
        '<p class="sgdx-status" id="sgdx-status" role="status" aria-live="polite" '
        'aria-atomic="true"></p>'
        f"{views}</div>"
        f'<script type="application/json" id="sgdx-json">{payload}</script>'
        f'<script src="{prefix}_static/explorer.js"></script>'
        "</div>"
    )


class ExplorerDirective(SphinxDirective):
    """``.. explorer::``: the interactive explorer, with its build-time data and figure."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        """Return the page's HTML, with paths relative to the document."""
        prefix = "../" * self.env.docname.count("/")
        state = _build_state(self.env.app)
        return [nodes.raw("", page_html(state["data"], state["alt"], prefix), format="html")]


def _build_state(app: Sphinx) -> dict[str, Any]:
    """Compute the page's data and static figure once per build."""
    state: dict[str, Any] | None = getattr(app, "_sgd_explorer", None)
    if state is None:
        png = Path(app.outdir) / "_static" / STATIC_PNG
        png.parent.mkdir(parents=True, exist_ok=True)
        state = {"data": page_data(), "alt": static_figure(png)}
        app._sgd_explorer = state  # type: ignore[attr-defined]
    return state


def always_reread(
    app: Sphinx,  # noqa: ARG001
    env: BuildEnvironment,
    added: set[str],  # noqa: ARG001
    changed: set[str],  # noqa: ARG001
    removed: set[str],  # noqa: ARG001
) -> list[str]:
    """Re-read the explorer every build: its data comes from the package, not from its source."""
    return [DOCNAME] if DOCNAME in env.found_docs else []


def write_reference(app: Sphinx, exception: Exception | None) -> None:
    """Write the reference runs beside the HTML folder for the browser check."""
    if exception is not None or app.builder.format != "html":
        return
    if DOCNAME not in app.env.found_docs:
        return
    state = _build_state(app)
    path = Path(app.outdir).parent / REFERENCE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(reference_runs(state["data"])), encoding="utf-8")
    tmp.replace(path)


def add_stylesheet(
    app: Sphinx,
    pagename: str,
    templatename: str,  # noqa: ARG001
    context: dict[str, Any],  # noqa: ARG001
    doctree: Any,  # noqa: ARG001
) -> None:
    """The explorer's stylesheet, on its page only."""
    if pagename == DOCNAME:
        app.add_css_file("explorer.css")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive and the build-time hooks."""
    app.add_directive("explorer", ExplorerDirective)
    app.connect("html-page-context", add_stylesheet)
    app.connect("env-get-outdated", always_reread)
    app.connect("build-finished", write_reference)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
