"""Browser checks of the Explorer page (``explorer.html``), run by ``check_site.py``.

The build (``docs/_ext/explorer.py``) writes ``explorer-reference.json`` beside the HTML folder:
runs of the package's :func:`gradient_descent` and :func:`iter_sgd` in float64. Here the page,
in headless Chromium, must

- reproduce every full-batch trajectory (parameters and losses) to ``EXPLORER_RTOL`` relative,
  for several (lr, β) just under and just over the stable bound, and every minibatch trajectory
  when given ``iter_sgd``'s batch order (through ``window.sgdExplorer.run``);
- report the update at which a run overflows, the same update as the package's
  ``DivergenceError.step``, in its polite live region;
- mark the bound ``(2 + 2β)/λmax`` (``max_stable_lr``) on the learning-rate control, at the
  slider position of that learning rate;
- take its settings from the URL (``lr``, ``momentum``, ``batch``, ``steps``, ``seed``) and
  write them back when a control moves; be driven from the keyboard;
- redraw all three views, 500 updates at batch 1, within ``EXPLORER_REDRAW_MS`` (median of
  repeated redraws, printed);
- with reduced motion, show a played descent at once; without JavaScript, show the static
  figure (loaded, with alt text) and the sentence saying what the explorer does.

Console errors, failed requests and requests to other hosts on these extra visits are failures
too. Every failure is a string in ``ExplorerResult.failures``; figures go to ``notes``.
"""

from __future__ import annotations

import json
import math
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXPLORER = "explorer.html"
REFERENCE = "explorer-reference.json"
RTOL = 1e-9
MAX_KB = 300  # the page with everything it loads
SETTINGS = ("lr", "momentum", "batch", "steps", "seed")  # its URL parameters
REDRAW_MS = 16.0
REDRAW_REPEATS = 31


@dataclass
class ExplorerResult:
    """What the explorer check found."""

    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)


def link_problem(href: str) -> str | None:
    """What is wrong with a link to the explorer's settings (None when nothing is)."""
    parts = urllib.parse.urlsplit(href)
    if not parts.path.endswith("/" + EXPLORER) or not parts.query:
        return None
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - set(SETTINGS))
    if unknown:
        return f"{href} -> the explorer has no setting {', '.join(unknown)}"
    for key, values in query.items():
        for value in values:
            if key == "batch" and value == "full":
                continue
            try:
                number = float(value)
            except ValueError:
                return f"{href} -> {key}={value!r} is not a number"
            if not math.isfinite(number) or number < 0:
                return f"{href} -> {key}={value!r} is out of range"
    return None


def max_relative_difference(got: list[Any], want: list[Any]) -> float:
    """Largest ``|got - want|``, each row scaled by the largest magnitude in ``want``'s row."""
    worst = 0.0
    for g, w in zip(got, want, strict=True):
        g_row = g if isinstance(g, list) else [g]
        w_row = w if isinstance(w, list) else [w]
        scale = max(abs(v) for v in w_row) or 1.0
        for a, b in zip(g_row, w_row, strict=True):
            worst = max(worst, abs(a - b) / scale)
    return worst


class _Watch:
    """Record console errors and bad or foreign requests of one page."""

    def __init__(self, page: Any, base: str) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith(base) or r.url.startswith(("data:", "blob:", "about:"))
                else self.problems.append(f"request to another host: {r.url}")
            ),
        )
        page.on("requestfailed", self._failed)
        page.on(
            "response",
            lambda r: (
                self.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None
            ),
        )

    def _failed(self, request: Any) -> None:
        # Navigating on (the check opens many URLs in one tab) aborts what is still loading,
        # such as the favicon: that is not a failure of the site.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"failed request: {request.url} ({request.failure})")

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")


def _open(context: Any, base: str, query: str, watches: list[_Watch]) -> Any:
    page = context.new_page()
    watches.append(_Watch(page, base))
    page.goto(f"{base}{EXPLORER}{query}", wait_until="load", timeout=30000)
    return page


def _ready(page: Any) -> None:
    page.wait_for_function("() => window.sgdExplorer !== undefined", timeout=10000)


def _query(page: Any) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))


def check_explorer(browser: Any, base: str, html: Path) -> ExplorerResult:
    """Run every check of the explorer page; ``html`` is the built HTML folder."""
    res = ExplorerResult()
    if not (html / EXPLORER).is_file():
        res.failures.append(f"{EXPLORER} is not in the site")
        return res
    reference_path = html.parent / REFERENCE
    if not reference_path.is_file():
        res.failures.append(f"{reference_path} not found: the docs build writes it")
        return res
    ref = json.loads(reference_path.read_text(encoding="utf-8"))
    watches: list[_Watch] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route(lambda url: not url.startswith(base), lambda route: route.abort())
    try:
        _trajectories(context, base, ref, res, watches)
        _bound_marker(context, base, ref, res, watches)
        _url_and_keyboard(context, base, ref, res, watches)
        _divergence_message(context, base, ref, res, watches)
        _redraw_time(context, base, res, watches)
        _themes(context, base, res, watches)
    except Exception as exc:  # noqa: BLE001  (a check that cannot run is a failure, not a crash)
        res.failures.append(f"explorer check raised {type(exc).__name__}: {exc}")
    finally:
        context.close()
    for kind, check in (("reduced motion", _reduced_motion), ("no JavaScript", _no_javascript)):
        options: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
        options |= {"reduced_motion": "reduce"} if kind == "reduced motion" else {}
        options |= {"java_script_enabled": False} if kind == "no JavaScript" else {}
        context = browser.new_context(**options)
        context.route(lambda url: not url.startswith(base), lambda route: route.abort())
        try:
            check(context, base, res, watches)
        except Exception as exc:  # noqa: BLE001
            res.failures.append(f"explorer {kind} check raised {type(exc).__name__}: {exc}")
        finally:
            context.close()
    for w in watches:
        res.failures += [f"explorer: {p}" for p in w.problems]
    return res


def _trajectories(
    context: Any, base: str, ref: dict[str, Any], res: ExplorerResult, watches: list[_Watch]
) -> None:
    page = _open(context, base, "", watches)
    _ready(page)
    shown = json.loads(page.eval_on_selector("#sgdx-json", "e => e.textContent"))
    # The data exactly; computed figures to RTOL (torch.linalg.lstsq may differ in the last
    # bits from one call to the next, should the page and the reference come from two calls).
    same_data = all(shown[k] == ref["data"][k] for k in ("n", "u", "y", "init", "defaults"))
    for key in ("least_squares", "least_squares_loss", "hessian_eigenvalues", "max_stable_lr"):
        a, b = shown[key], ref["data"][key]
        same_data &= max_relative_difference([a], [b]) <= RTOL
    if not same_data:
        res.failures.append("explorer: the page's data block differs from the build's reference")
    eig = page.evaluate("() => sgdExplorer.hessianEigenvalues()")
    eig_diff = max_relative_difference(eig, ref["data"]["hessian_eigenvalues"])
    if eig_diff > RTOL:
        res.failures.append(
            f"explorer: Hessian eigenvalues differ from the package by {eig_diff:.2e}"
        )
    worst_full = 0.0
    for run in ref["full_batch"]:
        got = page.evaluate(
            "o => sgdExplorer.run(o)", {k: run[k] for k in ("lr", "momentum", "steps")}
        )
        diff = max(
            max_relative_difference(got["params"], run["params"]),
            max_relative_difference(got["losses"], run["losses"]),
        )
        worst_full = max(worst_full, diff)
        label = f"lr={run['lr']:.6g} ({run['lr'] / run['bound']:.2f}× bound), β={run['momentum']}"
        if got["diverged"] is not None or diff > RTOL:
            res.failures.append(
                f"explorer: full batch {label}: max relative difference {diff:.2e} > {RTOL:g} "
                f"(diverged at {got['diverged']})"
            )
    worst_mini: dict[str, float] = {}
    for run in ref["minibatch"]:
        got = page.evaluate(
            "o => sgdExplorer.run(o)",
            {"lr": run["lr"], "momentum": run["momentum"], "order": run["order"]},
        )
        diffs = {
            "params vs iter_sgd": max_relative_difference(got["params"], run["params"]),
            "losses vs mse of each batch": max_relative_difference(
                got["losses"], run["mse_losses"]
            ),
            "losses vs iter_sgd (relative to mean y² of the batch)": max(
                abs(a - b) / s
                for a, b, s in zip(got["losses"], run["losses"], run["loss_scale"], strict=True)
            ),
        }
        for what, diff in diffs.items():
            worst_mini[what] = max(worst_mini.get(what, 0.0), diff)
            if diff > RTOL:
                res.failures.append(
                    f"explorer: batch {run['batch']}, lr={run['lr']}, β={run['momentum']} with "
                    f"iter_sgd's order: {what}: max relative difference {diff:.2e} > {RTOL:g}"
                )
    blow = ref["divergence"]
    got = page.evaluate(
        "o => sgdExplorer.run(o)", {k: blow[k] for k in ("lr", "momentum", "steps")}
    )
    if blow["step"] is None or got["diverged"] != blow["step"]:
        res.failures.append(
            f"explorer: lr={blow['lr']} overflows at update {got['diverged']} on the page, "
            f"{blow['step']} in the package (DivergenceError.step)"
        )
    else:
        diff = max(
            max_relative_difference(got["params"], blow["params"]),
            max_relative_difference(got["losses"], blow["losses"]),
        )
        worst_full = max(worst_full, diff)
        if diff > RTOL:
            res.failures.append(f"explorer: the run up to the overflow differs by {diff:.2e}")
    res.figures |= {"full_batch_max_rel": worst_full} | {
        f"minibatch {k}": v for k, v in worst_mini.items()
    }
    res.notes.append(
        f"explorer: {len(ref['full_batch'])} full-batch runs (0.99× and 1.01× the bound, β 0/0.5/0.9) "
        f"and the overflow run agree with gradient_descent to {worst_full:.1e} (max relative); "
        f"{len(ref['minibatch'])} minibatch runs (batch 5, 7 with a short last batch, 1) fed "
        f"iter_sgd's batch order agree: "
        + ", ".join(f"{k} {v:.1e}" for k, v in worst_mini.items())
        + f"; overflow at update {got['diverged']} as DivergenceError.step "
        f"({blow['step']}); Hessian eigenvalues to {eig_diff:.1e}"
    )
    page.close()


_MARKER = """() => {
  const s = document.getElementById('sgdx-lr').getBoundingClientRect();
  const m = document.getElementById('sgdx-bound');
  const r = m.getBoundingClientRect();
  return {left: s.left, width: s.width, mark: r.left + 1, lr: Number(m.dataset.lr),
          hidden: m.hidden, text: m.textContent, min: Number(document.getElementById('sgdx-lr').min),
          max: Number(document.getElementById('sgdx-lr').max)};
}"""


def _bound_marker(
    context: Any, base: str, ref: dict[str, Any], res: ExplorerResult, watches: list[_Watch]
) -> None:
    page = _open(context, base, "", watches)
    _ready(page)
    worst_px = 0.0
    for beta, want in ref["bounds"].items():
        page.goto(f"{base}{EXPLORER}?lr=0.1&momentum={beta}&batch=full&steps=10&seed=0")
        _ready(page)
        m = page.evaluate(_MARKER)
        if m["hidden"] or abs(m["lr"] - want) > RTOL * want:
            res.failures.append(
                f"explorer: bound mark for β={beta} is {m['lr']} (hidden={m['hidden']}), "
                f"max_stable_lr gives {want}"
            )
        # Where the slider's thumb centre would be at lr = bound (an 18px thumb, explorer.css).
        frac = (math.log10(want) - m["min"]) / (m["max"] - m["min"])
        expected = m["left"] + 9 + frac * (m["width"] - 18)
        worst_px = max(worst_px, abs(m["mark"] - expected))
        if f"{want:.3g}" not in m["text"]:
            res.failures.append(f"explorer: bound label {m['text']!r} does not show {want:.3g}")
    if worst_px > 2:
        res.failures.append(f"explorer: bound mark is {worst_px:.1f}px from its slider position")
    res.notes.append(
        f"explorer: bound mark equals max_stable_lr for β in {list(ref['bounds'])} and sits "
        f"within {worst_px:.1f}px of the slider position of that lr"
    )
    page.close()


_STATE = "() => sgdExplorer.state()"
_CONTROLS = """() => ({lr: document.getElementById('sgdx-lr-value').textContent,
  momentum: document.getElementById('sgdx-momentum').value,
  batch: document.getElementById('sgdx-batch').value,
  batchText: document.getElementById('sgdx-batch-value').textContent,
  steps: document.getElementById('sgdx-steps').value,
  seed: document.getElementById('sgdx-seed').value})"""


def _url_and_keyboard(
    context: Any, base: str, ref: dict[str, Any], res: ExplorerResult, watches: list[_Watch]
) -> None:
    n = ref["data"]["n"]
    failures = res.failures
    page = _open(context, base, "?lr=0.9&momentum=0.5&batch=5&steps=100&seed=0", watches)
    _ready(page)
    st = page.evaluate(_STATE)
    want = {"lr": 0.9, "momentum": 0.5, "batch": 5, "steps": 100, "seed": 0}
    if any(st[k] != v for k, v in want.items()):
        failures.append(f"explorer: URL settings {want} not applied: state {st}")
    c = page.evaluate(_CONTROLS)
    if (c["lr"], c["momentum"], c["batch"], c["steps"], c["seed"]) != (
        "0.9",
        "0.5",
        "5",
        "100",
        "0",
    ):
        failures.append(f"explorer: controls do not show the URL's settings: {c}")
    for full in ("full", str(n)):
        page.goto(f"{base}{EXPLORER}?lr=0.1&momentum=0&batch={full}&steps=50&seed=0")
        _ready(page)
        st = page.evaluate(_STATE)
        ref_run = next(r for r in ref["full_batch"] if r["lr"] == 0.1 and r["momentum"] == 0)
        got = page.evaluate(
            "o => sgdExplorer.run(o)",
            {"lr": 0.1, "momentum": 0, "batch": st["batch"], "steps": 50, "seed": 7},
        )
        diff = max_relative_difference(got["params"], ref_run["params"][:51])
        if st["batch"] != n or diff > RTOL:
            failures.append(f"explorer: batch={full} is not full-batch descent ({st}, {diff:.1e})")

    # Keyboard: focus each control and move it with keys; the state and the URL follow.
    page.goto(f"{base}{EXPLORER}?lr=0.1&momentum=0&batch=5&steps=100&seed=0")
    _ready(page)
    page.focus("#sgdx-lr")
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    st = page.evaluate(_STATE)
    if not st["lr"] > 0.1:
        failures.append(f"explorer: ArrowRight on the learning rate did not raise it ({st['lr']})")
    page.keyboard.press("Tab")  # to the exact-value box
    page.keyboard.press("Control+A")
    page.keyboard.type("0.25")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # to momentum
    for _ in range(30):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")  # batch
    page.keyboard.press("End")
    page.keyboard.press("Tab")  # steps
    page.keyboard.press("Home")
    for _ in range(49):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")  # seed
    page.keyboard.press("Control+A")
    page.keyboard.type("7")
    st = page.evaluate(_STATE)
    got = {k: st[k] for k in ("lr", "momentum", "batch", "steps", "seed")}
    want = {"lr": 0.25, "momentum": 0.3, "batch": n, "steps": 50, "seed": 7}
    if any(abs(got[k] - v) > 1e-12 for k, v in want.items()):
        failures.append(f"explorer: keyboard gave {got}, expected {want}")
    q = _query(page)
    if q != {"lr": "0.25", "momentum": "0.3", "batch": "full", "steps": "50", "seed": "7"}:
        failures.append(f"explorer: URL after keyboard changes is {page.url}")
    page.wait_for_timeout(400)  # the live region is written once the control rests
    status = page.eval_on_selector(
        "#sgdx-status",
        "e => ({text: e.textContent, live: e.getAttribute('aria-live'), role: e.getAttribute('role')})",
    )
    if (
        status["live"] != "polite"
        or status["role"] != "status"
        or "After 50 updates" not in status["text"]
    ):
        failures.append(f"explorer: live region after keyboard changes: {status}")
    else:
        res.notes.append(
            f"explorer: keyboard and URL drive all five settings; live region: {status['text']!r}"
        )
    # The URL the page wrote opens the same state.
    page.goto(page.url)
    _ready(page)
    again = page.evaluate(_STATE)
    if any(abs(again[k] - v) > 1e-12 for k, v in want.items()):
        failures.append(f"explorer: reopening {page.url} gives {again}")
    page.close()


def _divergence_message(
    context: Any, base: str, ref: dict[str, Any], res: ExplorerResult, watches: list[_Watch]
) -> None:
    blow = ref["divergence"]
    page = _open(
        context,
        base,
        f"?lr={blow['lr']}&momentum=0&batch=full&steps={blow['steps']}&seed=0",
        watches,
    )
    _ready(page)
    text = page.eval_on_selector("#sgdx-status", "e => e.textContent")
    if f"overflowed to infinity at update {blow['step']}" not in text:
        failures = res.failures
        failures.append(f"explorer: divergence message {text!r} lacks update {blow['step']}")
    else:
        res.notes.append(f"explorer: divergence message: {text!r}")
    page.close()


def _redraw_time(context: Any, base: str, res: ExplorerResult, watches: list[_Watch]) -> None:
    page = _open(context, base, "?lr=0.1&momentum=0&batch=1&steps=500&seed=0", watches)
    _ready(page)
    st = page.evaluate(_STATE)
    page.evaluate(f"() => sgdExplorer.redrawTime({REDRAW_REPEATS})")  # warm up
    warm = page.evaluate(f"() => sgdExplorer.redrawTime({REDRAW_REPEATS})")
    cold = page.evaluate(f"() => sgdExplorer.redrawTime({REDRAW_REPEATS}, true)")
    res.figures |= {"redraw_ms_median": warm["median"], "redraw_ms_cold_median": cold["median"]}
    res.notes.append(
        f"explorer: one redraw of all three views, {st['done']} updates at batch {st['batch']} "
        f"(run recomputed, canvases rasterised), median of {REDRAW_REPEATS}: {warm['median']:.2f} ms "
        f"(max {warm['max']:.2f}); with axes, contours and data redrawn too: "
        f"{cold['median']:.2f} ms (max {cold['max']:.2f}); limit {REDRAW_MS:g} ms"
    )
    if not (st["batch"] == 1 and st["done"] == 500):
        res.failures.append(f"explorer: the redraw was not timed at 500 updates, batch 1 ({st})")
    for name, t in (("redraw", warm), ("redraw with backgrounds", cold)):
        if t["median"] > REDRAW_MS:
            res.failures.append(f"explorer: {name} {t['median']:.2f} ms > {REDRAW_MS:g} ms")
    page.close()


_THEME = """() => {
  const css = getComputedStyle(document.body);
  const c = sgdExplorer.colors();
  return {theme: document.body.dataset.theme, fg: c.fg, bg: c.bg,
          cssFg: css.getPropertyValue('--color-foreground-primary').trim(),
          cssBg: css.getPropertyValue('--color-background-primary').trim()};
}"""


def _themes(context: Any, base: str, res: ExplorerResult, watches: list[_Watch]) -> None:
    """The views use furo's colours, and follow the theme switch without a reload."""
    page = _open(context, base, "", watches)
    _ready(page)
    seen = []
    for theme in ("light", "dark"):
        page.evaluate(f"() => document.body.dataset.theme = '{theme}'")
        page.wait_for_timeout(50)
        c = page.evaluate(_THEME)
        seen.append(c)
        if (c["fg"], c["bg"]) != (c["cssFg"], c["cssBg"]) or not c["fg"]:
            res.failures.append(f"explorer: {theme} theme colours not followed: {c}")
    if seen[0]["bg"] == seen[1]["bg"]:
        res.failures.append("explorer: the views look the same in the light and dark themes")
    else:
        res.notes.append(
            "explorer: views redrawn in furo's colours when the theme switches (background "
            f"{seen[0]['bg']} → {seen[1]['bg']}, text {seen[0]['fg']} → {seen[1]['fg']})"
        )
    page.close()


def _reduced_motion(context: Any, base: str, res: ExplorerResult, watches: list[_Watch]) -> None:
    page = _open(context, base, "?lr=0.1&momentum=0&batch=5&steps=300&seed=0", watches)
    _ready(page)
    page.click("#sgdx-play")
    st = page.evaluate(_STATE)
    reduced = page.evaluate("() => sgdExplorer.reducedMotion()")
    if not reduced or st["frame"] != st["done"]:
        res.failures.append(
            f"explorer: with reduced motion Play animates (frame {st['frame']} of {st['done']})"
        )
    # And without the preference, Play does animate (so the check above means something).
    page.emulate_media(reduced_motion="no-preference")
    page.click("#sgdx-play")
    st = page.evaluate(_STATE)
    if st["frame"] >= st["done"]:
        res.failures.append("explorer: Play shows no animation without reduced motion")
    else:
        res.notes.append(
            "explorer: Play animates the descent, and shows it at once with reduced motion"
        )
    page.close()


def _no_javascript(context: Any, base: str, res: ExplorerResult, watches: list[_Watch]) -> None:
    page = _open(context, base, "", watches)
    # Without JavaScript page.evaluate still works (Playwright's own), the page's scripts do not.
    info = page.evaluate(
        """() => {
      const img = document.querySelector('#sgdx-static img');
      const box = document.getElementById('sgdx-static');
      return {visible: !!box && box.offsetHeight > 0, app: document.getElementById('sgdx-app').offsetHeight,
              width: img ? img.naturalWidth : 0, alt: img ? img.alt : '', text: box ? box.textContent : ''};
    }"""
    )
    if not (
        info["visible"]
        and info["app"] == 0
        and info["width"] > 0
        and len(info["alt"]) > 40
        and "needs JavaScript" in info["text"]
    ):
        res.failures.append(f"explorer without JavaScript: {info}")
    else:
        res.notes.append(
            f"explorer without JavaScript: static figure ({info['width']}px wide, alt text "
            f"{len(info['alt'])} characters) and the sentence on what the explorer does"
        )
    page.close()
