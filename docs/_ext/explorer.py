"""The Explorer page: an interactive descent whose every number comes from the package.

``.. explorer::`` (used by ``docs/explorer.rst``) writes the page's controls and canvases, the
script ``_static/explorer.js`` that drives them, and a JSON block the script reads. For each
input range the page offers, (−1, 1) as in the lesson and (−30, 30) as in tutorial 6, the block
holds the tutorials' data (``make_linear_data(100, coef=(3.0, 2.0), low, high, seed=0)``,
float32 as the tutorials draw it, given as the exact float64 values of those numbers), its
least-squares answer and loss, the Hessian's eigenvalues, the stable bound and the largest
curvature of one sample's loss: all computed here, at build time, by the installed package.

``.. explorer-question::`` writes one guided question: a link that sets the page to its settings
and a folded answer. ``{{name:format}}`` in its text, link and expectations is replaced by a
number from :func:`facts` (package runs and eigenvalues); ``:expect:`` lists what the page shows
at those settings, which the browser test (``tests/test_explorer.py``) checks.

Without JavaScript the page shows a static figure of its default run, drawn at build time by
the package's own plot helpers, wide or (on a phone) stacked; it sits in ``<noscript>``, so it
is not fetched when the explorer runs.
"""

from __future__ import annotations

import html
import json
import math
import re
import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

DOCNAME = "explorer"
FIGURES = {"wide": "explorer-static.png", "narrow": "explorer-static-narrow.png"}
# The tutorials' data and starting point (gallery/plot_0*.py); inputs u in (−half, half).
N, COEF, SEED, INIT = 100, (3.0, 2.0), 0, (-1.0, 1.0)
RANGES = {"1": 1.0, "30": 30.0}  # the lesson's inputs, and tutorial 6's
SCHEDULES = {"constant": "constant", "step": "step", "inverse": "1/t", "cosine": "cosine"}
# What the page opens with: the settings tutorials 3 and 4 start from.
DEFAULTS: dict[str, Any] = {"lr": 0.1, "momentum": 0.0, "batch": 5, "steps": 100, "seed": 0}
DEFAULTS |= {"range": "1", "schedule": "constant"}
LR_RANGE = (1e-3, 10.0)  # the learning-rate slider's ends (log scale)
MAX_STEPS = 1000


def _problem(half: float) -> tuple[Any, Any]:
    """The tutorials' data as float64 tensors (exactly the float32 values, widened)."""
    from sgd_tutorial import make_linear_data  # noqa: PLC0415  (imported at build time only)

    data = make_linear_data(N, coef=COEF, low=-half, high=half, seed=SEED)
    return data.x.double(), data.y.double()


def _curvatures(x: Any) -> list[float]:
    """The curvature of each sample's own loss, 2(1 + u²): a batch of one's largest eigenvalue."""
    from sgd_tutorial import hessian_eigenvalues  # noqa: PLC0415

    return [float(hessian_eigenvalues(x[i : i + 1])[-1]) for i in range(len(x))]


def page_data() -> dict[str, Any]:
    """Everything the page shows, computed by the package."""
    import sgd_tutorial as st  # noqa: PLC0415

    problems = {}
    for key, half in RANGES.items():
        x, y = _problem(half)
        coef = st.least_squares(x, y)
        problems[key] = {
            "source": f"make_linear_data({N}, coef={COEF}, low={-half:g}, high={half:g}, "
            f"seed={SEED})",
            "u": x[:, 0].tolist(),
            "y": y.tolist(),
            "least_squares": coef.tolist(),
            "least_squares_loss": float(st.mse(x @ coef, y)),
            "hessian_eigenvalues": st.hessian_eigenvalues(x).tolist(),
            "max_stable_lr": st.max_stable_lr(x),
            "sample_curvature": max(_curvatures(x)),
        }
    return {
        "version": st.__version__,
        "n": N,
        "init": list(INIT),
        "problems": problems,
        "schedules": SCHEDULES,
        "defaults": DEFAULTS,
        "lr_range": list(LR_RANGE),
        "max_steps": MAX_STEPS,
    }


def worst_root(eigenvalues: list[float], lr: float, beta: float) -> float:
    """Full-batch heavy ball's rate: the largest |z| with z² − (1 + β − lr·λ) z + β = 0."""
    worst = 0.0
    for lam in eigenvalues:
        b = 1 + beta - lr * lam
        disc = b * b - 4 * beta
        worst = max(worst, math.sqrt(beta) if disc < 0 else (abs(b) + math.sqrt(disc)) / 2)
    return worst


def _floor(x: Any, y: Any, lr: float, steps: int) -> float:
    """Median excess loss over the last half of ``sgd``'s run at batch 5, seed 0 (the page's)."""
    import sgd_tutorial as st  # noqa: PLC0415

    fit = st.sgd(x, y, INIT, lr=lr, epochs=steps // math.ceil(N / 5), batch_size=5, seed=SEED)
    best = float(st.mse(x @ st.least_squares(x, y), y))
    return statistics.median(
        float(st.mse(x @ p, y)) - best for p in fit.params[-math.ceil(steps / 2) :]
    )


def facts(data: dict[str, Any]) -> dict[str, float]:
    """The numbers the guided questions quote: eigenvalues, bounds and runs of the package."""
    import sgd_tutorial as st  # noqa: PLC0415

    out: dict[str, float] = {"n": N}
    for key, p in data["problems"].items():
        lo, hi = p["hessian_eigenvalues"]
        star = {"lr": 4 / (math.sqrt(lo) + math.sqrt(hi)) ** 2}
        star["beta"] = ((math.sqrt(hi / lo) - 1) / (math.sqrt(hi / lo) + 1)) ** 2
        star = {k: float(f"{v:.3g}") for k, v in star.items()}  # as the question's link has it
        out |= {f"lam_min{key}": lo, f"lam_max{key}": hi, f"kappa{key}": hi / lo}
        out |= {f"bound{key}": p["max_stable_lr"], f"curvature{key}": p["sample_curvature"]}
        out |= {f"lr_best{key}": 2 / (lo + hi), f"rate_best{key}": (hi - lo) / (hi + lo)}
        out |= {f"lr_star{key}": star["lr"], f"beta_star{key}": star["beta"]}
        out[f"rate_star{key}"] = worst_root([lo, hi], star["lr"], star["beta"])
    x, y = _problem(RANGES["1"])
    out["under"] = under = float(f"{0.98 * out['bound1']:.3g}")
    out["overshooting"] = sum(under * c > 2 for c in _curvatures(x))
    out["slow_factor"] = abs(1 - 0.5 * out["lam_min1"])
    out["fast_factor"] = abs(1 - 0.5 * out["lam_max1"])
    out["floor_lr01"], out["floor_lr002"] = _floor(x, y, 0.1, 1000), _floor(x, y, 0.02, 1000)
    x, y = _problem(RANGES["30"])
    try:
        st.gradient_descent(x, y, INIT, lr=0.1, steps=MAX_STEPS)
    except st.DivergenceError as exc:
        out["overflow30"] = exc.step
    else:  # pragma: no cover  (the question's answer would be wrong)
        msg = "gradient_descent at lr 0.1 on the (-30, 30) data no longer overflows"
        raise RuntimeError(msg)
    out["growth30"] = abs(1 - 0.1 * out["lam_max30"])
    return out


def static_figure(path: Path, shape: str) -> str:
    """Draw the no-JavaScript figure (``shape`` wide or narrow) of the page's default run."""
    import matplotlib as mpl  # noqa: PLC0415

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    import sgd_tutorial as st  # noqa: PLC0415

    x, y = _problem(RANGES[DEFAULTS["range"]])
    d, per_epoch = DEFAULTS, math.ceil(N / DEFAULTS["batch"])
    assert d["steps"] % per_epoch == 0, "the figure's run must stop where the page's does"
    gd = st.gradient_descent(x, y, INIT, lr=d["lr"], steps=d["steps"])
    mb = st.sgd(
        x,
        y,
        INIT,
        lr=d["lr"],
        epochs=d["steps"] // per_epoch,
        batch_size=d["batch"],
        seed=d["seed"],
    )
    labels = ["full batch", f"batch {d['batch']}, seed {d['seed']}"]
    grid, size = ((1, 3), (10.5, 3.3)) if shape == "wide" else ((3, 1), (4.6, 9.6))
    with mpl.rc_context({"font.size": 9 if shape == "wide" else 10}):
        fig, axes = plt.subplots(*grid, figsize=size, dpi=80, layout="constrained")
        st.plot_landscape(x, y, [gd, mb], ax=axes[0], labels=labels)
        st.plot_fit(x, y, gd, ax=axes[1], label="full batch, last step")
        axes[1].locator_params(axis="x", nbins=5)
        minimum = float(st.mse(x @ st.least_squares(x, y), y))
        st.plot_losses([gd, mb], ax=axes[2], labels=labels, minimum=minimum)
        fig.savefig(path, format="png", metadata={"Software": None})
        plt.close(fig)
    return (
        f"Three panels for learning rate {d['lr']}, no momentum, {d['steps']} updates: the loss "
        "landscape over slope and intercept with the paths of full-batch gradient descent and "
        f"of SGD with batches of {d['batch']} (seed {d['seed']}, the explorer's default run), "
        "both heading for the least-squares answer; the data with the fitted line; and the "
        "loss at every update on a log scale, falling towards the least-squares loss."
    )


def page_html(data: dict[str, Any], alt: str, prefix: str) -> str:
    """The explorer's HTML: the fallback figure, the data block and the script.

    The script builds the controls and the views; without it the page shows the figure.
    """
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    bound = data["problems"][DEFAULTS["range"]]["max_stable_lr"]
    figure = (
        f'<picture><source media="(max-width: 40em)" srcset="{prefix}_static/'
        f'{FIGURES["narrow"]}" width="368" height="768"><img src="{prefix}_static/{FIGURES["wide"]}" '
        f'alt="{html.escape(alt)}" width="840" height="264"></picture>'
    )
    return (
        f'<div class="sgdx" id="sgd-explorer"><noscript><div class="sgdx-static">{figure}'
        "<p>This page has an explorer that needs JavaScript. With it you set the learning "
        "rate, the momentum, the batch size, the number of updates, the shuffling seed, the "
        "range of the inputs and a learning-rate schedule, and six views redraw at once, "
        "computed with the package's update. The figure above is its default run, drawn by "
        "the package when the site was built. Full-batch gradient descent on this data is "
        f"stable for learning rates below 2/λ<sub>max</sub> = {bound:.4g}.</p></div></noscript>"
        f'<script type="application/json" id="sgdx-json">{payload}</script>'
        f'<script src="{prefix}_static/explorer.js"></script></div>'
    )


class ExplorerDirective(SphinxDirective):
    """``.. explorer::``: the interactive explorer, with its build-time data and figure."""

    def run(self) -> list[nodes.Node]:
        """Return the page's HTML, with paths relative to the document."""
        prefix = "../" * self.env.docname.count("/")
        state = _build_state(self.env.app)
        return [nodes.raw("", page_html(state["data"], state["alt"], prefix), format="html")]


class QuestionDirective(SphinxDirective):
    """``.. explorer-question:: question``: a link to its settings and a folded answer."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar = {
        "settings": directives.unchanged_required,
        "expect": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        """Return the question, its answer parsed as reStructuredText, numbers filled in."""
        numbers = _build_state(self.env.app)["facts"]

        def fill(text: str) -> str:
            field = r"\{\{(\w+)(?::([^}]*))?\}\}"
            return re.sub(field, lambda m: format(numbers[m[1]], m[2] or ""), text)

        href, expect = fill("?" + self.options["settings"]), fill(self.options.get("expect", ""))
        answer = nodes.container()
        self.state.nested_parse(
            StringList([fill(line) for line in self.content], items=self.content.items),
            self.content_offset,
            answer,
        )
        head = (
            f'<div class="sgdx-question" data-expect="{html.escape(expect)}"><p>'
            f'<a class="sgdx-ask" href="{html.escape(href)}">{html.escape(fill(self.arguments[0]))}'
            "</a></p><details><summary>Answer</summary>"
        )
        return [
            nodes.raw("", head, format="html"),
            *answer.children,
            nodes.raw("", "</details></div>", format="html"),
        ]


def _build_state(app: Sphinx) -> dict[str, Any]:
    """Compute the page's data, the questions' numbers and the fallback figures once a build."""
    state: dict[str, Any] | None = getattr(app, "_sgd_explorer", None)
    if state is None:
        folder = Path(app.outdir) / "_static"
        folder.mkdir(parents=True, exist_ok=True)
        alt = static_figure(folder / FIGURES["wide"], "wide")
        static_figure(folder / FIGURES["narrow"], "narrow")
        data = page_data()
        state = {"data": data, "facts": facts(data), "alt": alt}
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
    """Register the directives and the build-time hooks."""
    app.add_directive("explorer", ExplorerDirective)
    app.add_directive("explorer-question", QuestionDirective)
    app.connect("html-page-context", add_stylesheet)
    app.connect("env-get-outdated", always_reread)
    return {"version": "2.0", "parallel_read_safe": True, "parallel_write_safe": True}
