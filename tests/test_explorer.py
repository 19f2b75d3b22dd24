"""The Explorer page (``explorer.html``) in headless Chromium, checked against the package.

The page runs the package's update in JavaScript, so here it must give the package's runs: the
same batch orders as ``torch.randperm`` (the page reproduces torch's CPU generator), the same
trajectories as :func:`~sgd_tutorial.iter_sgd` and :func:`~sgd_tutorial.gradient_descent`
(and as ``torch.optim.SGD`` with tutorial 11's schedulers) to ``RTOL`` in float64, the same
update at which a run overflows; its views must show those runs (excess loss, errors along the
Hessian's eigenvectors, the rate map against the eigenvalues); its status must say what the
chart shows and which bound the mark is; every control must work from the keyboard and the URL;
every guided question's answer must hold at its settings. Without JavaScript the page shows a
figure, which is not fetched when JavaScript runs. Axe finds nothing in either theme.

The redraw time is printed (``-s``) and recorded (``--junitxml``), not asserted: a shared
machine's timing is no test result (the issue's budget is 16 ms).
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable
from itertools import islice
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
import torch

import sgd_tutorial as st

if TYPE_CHECKING:
    from playwright.sync_api import Page, Request

# The browser's packages are in the site session only: elsewhere (nox -s tests) this module is
# skipped, as its tests would be deselected anyway.
Axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe

pytestmark = pytest.mark.site

EXPLORER = "explorer.html"
RTOL = 1e-9  # the page's float64 runs against the package's
N, COEF, INIT = 100, (3.0, 2.0), (-1.0, 1.0)
RANGES = {"1": 1.0, "30": 30.0}  # the page's input ranges: (−1, 1) and (−30, 30)
MAX_BYTES = 300_000  # the page with everything it loads
PHONE = {"width": 390, "height": 844}
STATE = "() => sgdExplorer.state()"
FAVICON = "/_static/favicon.svg"  # every page's, conf.py's html_favicon
Opener = Callable[[str], "Page"]


@functools.cache
def problem(key: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The page's data for input range ``key``, as float64 (exactly the float32 values)."""
    half = RANGES[key]
    data = st.make_linear_data(N, coef=COEF, low=-half, high=half, seed=0)
    return data.x.double(), data.y.double()


def worst_root(eigenvalues: list[float], lr: float, beta: float) -> float:
    """Largest |z| with z² − (1 + β − lr·λ) z + β = 0 over the eigenvalues (numpy's roots)."""
    return max(
        float(np.abs(np.roots([1.0, -(1 + beta - lr * lam), beta])).max()) for lam in eigenvalues
    )


def rel_diff(got: Any, want: Any) -> float:
    """Largest |got − want| over rows, each scaled by the largest magnitude in ``want``'s row."""
    g, w = torch.as_tensor(got, dtype=torch.float64), torch.as_tensor(want, dtype=torch.float64)
    assert g.shape == w.shape, f"shapes differ: {tuple(g.shape)} vs {tuple(w.shape)}"
    w2, g2 = w.reshape(len(w), -1), g.reshape(len(g), -1)
    scale = w2.abs().amax(dim=1, keepdim=True).clamp_min(1e-300)
    return float(((g2 - w2).abs() / scale).max()) if len(w) else 0.0


def load(page: Page, url: str) -> Page:
    """Go to ``url`` and wait for the page, its favicon and the Explorer's script.

    Chromium asks for the favicon just after the load event: waiting for it keeps the next
    navigation from cancelling it, which ``site_page`` would report as a failed request.
    """
    with page.expect_request_finished(lambda r: urlsplit(r.url).path.endswith(FAVICON)):
        page.goto(url, wait_until="load")
    page.wait_for_function("() => window.sgdExplorer !== undefined")
    return page


@pytest.fixture
def explorer(site_page: Page, site_url: str) -> Opener:
    """Open the explorer at a query (``?lr=...``) and wait for its script."""

    def open_(query: str = "") -> Page:
        return load(site_page, f"{site_url}{EXPLORER}{query}")

    return open_


@pytest.fixture
def calculator(shared_site_page: Page, site_url: str) -> Page:
    """The Explorer at its defaults, loaded once for the tests that only call its functions
    (``sgdExplorer.run``, ``randperm``, ...: none of them changes the page)."""
    if shared_site_page.url != site_url + EXPLORER:
        load(shared_site_page, site_url + EXPLORER)
    return shared_site_page


def page_run(page: Page, **settings: Any) -> dict[str, Any]:
    """The page's run with these settings (the rest at its defaults)."""
    run: dict[str, Any] = page.evaluate("o => sgdExplorer.run(o)", settings)
    return run


def package_run(key: str, lr: float, momentum: float, batch: int, steps: int, seed: int) -> Any:
    """``iter_sgd``'s first ``steps`` updates: (orders, params with the start, batch losses)."""
    x, y = problem(key)
    epochs = math.ceil(steps / math.ceil(N / batch))
    run = st.iter_sgd(
        x, y, INIT, lr=lr, epochs=epochs, batch_size=batch, momentum=momentum, seed=seed
    )
    taken = list(islice(run, steps))
    params = torch.stack([torch.tensor(INIT, dtype=x.dtype)] + [s.params for s in taken])
    return [s.indices.tolist() for s in taken], params, taken


# --------------------------------------------------------------------------- same seed, same run


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 7, 42, 1234, 999_999, 2**31 - 1, 2**32 - 1])
def test_batch_order_is_torch_randperm(calculator: Page, seed: int) -> None:
    page = calculator
    for n in (1, 2, 3, 10, 100, 623, 1000, 4000):
        generator = torch.Generator().manual_seed(seed)
        want = [torch.randperm(n, generator=generator).tolist() for _ in range(3)]
        got = page.evaluate("([n, seed]) => sgdExplorer.randperm(n, seed, 3)", [n, seed])
        assert got == want, f"three randperm({n}) from seed {seed} differ from torch's"


SEEDED = [  # (inputs, seed, batch, lr, momentum, steps)
    ("1", 0, 5, 0.1, 0.0, 200),  # tutorial 4's link
    ("1", 0, 5, 0.1, 0.0, 100),  # tutorial 3's link and the page's default
    ("1", 3, 7, 0.05, 0.5, 60),  # a short last batch: 100 = 14 × 7 + 2
    ("1", 1, 1, 0.1, 0.0, 500),  # batch 1
    ("1", 11, 30, 0.3, 0.9, 120),  # a short last batch of 10, heavy momentum
    ("1", 123_456, 3, 0.2, 0.3, 250),  # a last batch of 1
    ("30", 5, 10, 0.002, 0.5, 200),  # tutorial 6's inputs
]


@pytest.mark.parametrize(("key", "seed", "batch", "lr", "momentum", "steps"), SEEDED)
def test_seeded_runs_are_iter_sgds(
    calculator: Page, key: str, seed: int, batch: int, lr: float, momentum: float, steps: int
) -> None:
    got = page_run(
        calculator, range=key, seed=seed, batch=batch, lr=lr, momentum=momentum, steps=steps
    )
    orders, params, taken = package_run(key, lr, momentum, batch, steps, seed)
    x, y = problem(key)
    assert got["order"] == orders, "the page's batches are not iter_sgd's"
    assert got["diverged"] is None
    assert rel_diff(got["params"], params) <= RTOL, "parameters differ from iter_sgd's"
    # Each batch's loss at the parameters before its update, by the package's mse (exact).
    batch_losses = [st.mse(x[s.indices] @ params[t], y[s.indices]) for t, s in enumerate(taken)]
    assert rel_diff(got["losses"], batch_losses) <= RTOL, "batch losses differ from mse's"
    full = [st.mse(x @ p, y) for p in params]
    assert rel_diff(got["full"], full) <= RTOL, "losses on all the data differ from mse's"


def test_the_default_run_is_sgds(calculator: Page) -> None:
    """The page opens on sgd(seed=0)'s run, the one its no-JavaScript figure draws."""
    state = calculator.evaluate(STATE)
    x, y = problem("1")
    fit = st.sgd(x, y, INIT, lr=0.1, epochs=5, batch_size=5, seed=0)
    assert (state["lr"], state["batch"], state["steps"], state["seed"]) == (0.1, 5, 100, 0)
    assert rel_diff(state["params"], fit.params) <= RTOL


@pytest.mark.parametrize("key", list(RANGES))
def test_full_batch_runs_are_gradient_descents(calculator: Page, key: str) -> None:
    page = calculator
    x, y = problem(key)
    for momentum in (0.0, 0.5, 0.9):
        bound = st.max_stable_lr(x, momentum)
        for lr in (0.99 * bound, 1.01 * bound):
            fit = st.gradient_descent(x, y, INIT, lr=lr, steps=300, momentum=momentum)
            got = page_run(page, range=key, lr=lr, momentum=momentum, batch=N, steps=300)
            label = f"lr {lr / bound:.2f} x bound, momentum {momentum}"
            assert rel_diff(got["params"], fit.params) <= RTOL, f"{label}: params differ"
            assert rel_diff(got["losses"], fit.losses) <= RTOL, f"{label}: losses differ"


@pytest.mark.parametrize(("key", "lr"), [("1", 10.0), ("30", 0.1)])
def test_overflow_at_the_packages_update(explorer: Opener, key: str, lr: float) -> None:
    x, y = problem(key)
    with pytest.raises(st.DivergenceError) as caught:
        st.gradient_descent(x, y, INIT, lr=lr, steps=1000)
    step = caught.value.step
    page = explorer(f"?range={key}&lr={lr}&batch=full&steps=1000")
    state = page.evaluate(STATE)
    assert state["diverged"] == step, "the page overflows at another update than the package"
    assert rel_diff(state["params"], caught.value.fit.params) <= RTOL
    assert f"overflowed at update {step}" in state["status"]


@pytest.mark.parametrize("schedule", ["step", "inverse", "cosine"])
@pytest.mark.parametrize(
    ("batch", "lr", "momentum"), [(5, 0.1, 0.0), (N, 0.5, 0.5), (1, 0.05, 0.9)]
)
def test_schedules_are_torch_optims(
    calculator: Page, schedule: str, batch: int, lr: float, momentum: float
) -> None:
    """Tutorial 11's schedulers, fed iter_sgd's batch order, stepped after every update."""
    steps, x, y = 400, *problem("1")
    orders = package_run("1", lr, momentum, batch, steps, 3)[0] if batch < N else None
    p = torch.nn.Parameter(torch.tensor(INIT, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum)

    def inverse(t: int) -> float:
        return 1 / (1 + t / 50)

    sched: torch.optim.lr_scheduler.LRScheduler
    if schedule == "step":
        sched = torch.optim.lr_scheduler.StepLR(opt, steps // 4, gamma=0.2)
    elif schedule == "inverse":
        sched = torch.optim.lr_scheduler.LambdaLR(opt, inverse)
    else:
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    params = [p.detach().clone()]
    for t in range(steps):
        rows = orders[t] if orders else list(range(N))
        loss = ((x[rows] @ p - y[rows]) ** 2).mean()
        opt.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        opt.step()
        sched.step()
        params.append(p.detach().clone())
    got = page_run(
        calculator, schedule=schedule, lr=lr, momentum=momentum, batch=batch, steps=steps, seed=3
    )
    assert rel_diff(got["params"], torch.stack(params)) <= RTOL


# --------------------------------------------------------------------------- the views


@pytest.mark.parametrize("key", list(RANGES))
def test_views_show_the_run(calculator: Page, key: str) -> None:
    """Excess loss and eigen-direction errors are the run's, the guide is the theory's."""
    page = calculator
    x, _y = problem(key)
    eigenvalues, vectors = torch.linalg.eigh(2 / N * x.T @ x)
    assert (
        rel_diff(page.evaluate(f"() => sgdExplorer.hessianEigenvalues('{key}')"), eigenvalues)
        <= 1e-12
    )
    assert rel_diff(eigenvalues, st.hessian_eigenvalues(x)) <= 1e-12
    # p* as the page has it (test_docs checks it is least_squares's; lstsq's last bits vary).
    best = torch.tensor(
        page.evaluate(f"() => sgdExplorer.leastSquares('{key}')"), dtype=torch.float64
    )
    lr = 0.5 * st.max_stable_lr(x)
    for batch in (N, 5):
        got = page_run(page, range=key, lr=lr, batch=batch, steps=200, seed=2)
        d = torch.tensor(got["params"], dtype=torch.float64) - best
        excess = 0.5 * ((d @ (2 / N * x.T @ x)) * d).sum(dim=1)
        assert rel_diff(got["excess"], excess) <= RTOL
        errors = (d @ vectors).abs().T  # along each eigenvector, ascending eigenvalues
        gap = (torch.tensor(got["errors"], dtype=torch.float64) - errors).abs()
        assert bool((gap <= RTOL * errors + 1e-12 * d.norm(dim=1)).all())
    # Full batch without momentum the guide |1 − ηλ|ᵗ |e(0)| is the error itself, until the
    # error reaches the parameters' rounding: the flat direction over 25 updates.
    got = page_run(page, range=key, lr=lr, batch=N, steps=25)
    flat, guide = (torch.tensor(got[k][0], dtype=torch.float64) for k in ("errors", "guides"))
    assert float(flat[-1]) > 1e-6 * float(flat[0]), "the test's run is too long"
    assert rel_diff(guide, flat) <= 1e-6
    factor = abs(1 - lr * float(eigenvalues[0]))
    assert math.isclose(got["factors"][0], factor, rel_tol=1e-6)


MAP_POINTS = [  # (inputs, lr, β)
    ("1", 0.1, 0.0),
    ("1", 0.5, 0.5),
    ("1", 0.795, 0.0683),
    ("1", 2.0, 0.3),  # past the bound
    ("30", 0.003, 0.9),
    ("30", 0.00578, 0.797),
    ("30", 0.02, 0.1),  # past the bound
]


def test_rate_map_is_the_eigenvalues_rate(explorer: Opener) -> None:
    for key in RANGES:  # the map is the same at every lr and β: one load for each range
        page = explorer(f"?range={key}&batch=full")
        for lr, beta in [(lr, beta) for k, lr, beta in MAP_POINTS if k == key]:
            cell = page.evaluate("([lr, b]) => sgdExplorer.mapCell(lr, b)", [lr, beta])
            eigenvalues = st.hessian_eigenvalues(problem(key)[0]).tolist()
            want = worst_root(eigenvalues, cell["lr"], cell["beta"])
            assert cell["range"] == key
            assert math.isclose(cell["rate"], want, rel_tol=1e-9), f"map at {(key, lr, beta)}"
            assert abs(math.log10(cell["lr"] / lr)) < 0.05
            assert abs(cell["beta"] - beta) < 0.03


def test_rate_map_sets_lr_and_momentum(explorer: Opener) -> None:
    page = explorer("?lr=0.1&momentum=0&batch=full")
    page.locator("#sgdx-map").scroll_into_view_if_needed()
    where = page.evaluate("() => sgdExplorer.mapPosition(0.3, 0.5)")
    page.mouse.click(where["x"], where["y"])
    state = page.evaluate(STATE)
    assert abs(math.log10(state["lr"] / 0.3)) < 0.02
    assert abs(state["momentum"] - 0.5) <= 0.01
    page.focus("#sgdx-map")
    before = page.evaluate(STATE)
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowRight")
    after = page.evaluate(STATE)
    page.wait_for_timeout(400)  # the address follows once the control rests
    assert math.isclose(after["momentum"], round(before["momentum"] + 0.01, 2))
    assert math.isclose(after["lr"], float(f"{before['lr'] * 10**0.02:.3g}"))
    assert dict(parse_qsl(urlsplit(page.url).query))["momentum"] == str(after["momentum"])


@pytest.mark.parametrize("key", list(RANGES))
def test_bound_mark_is_max_stable_lr(explorer: Opener, key: str) -> None:
    x = problem(key)[0]
    for beta in (0.0, 0.5, 0.9):
        page = explorer(f"?range={key}&lr=0.1&momentum={beta}&batch=full&steps=10")
        want = st.max_stable_lr(x, beta)
        mark = page.evaluate(
            """() => {
              const s = document.getElementById('sgdx-lr'), m = document.getElementById('sgdx-bound');
              const b = s.getBoundingClientRect();
              return {left: b.left, width: b.width, at: m.getBoundingClientRect().left + 1,
                      lr: Number(m.dataset.lr), hidden: m.hidden, text: m.textContent,
                      min: Number(s.min), max: Number(s.max)};
            }"""
        )
        assert not mark["hidden"]
        assert math.isclose(mark["lr"], want, rel_tol=1e-12)
        assert f"{want:.3g}" in mark["text"]
        # Where the slider's thumb centre is at lr = bound (an 18px thumb, explorer.css).
        frac = (math.log10(want) - mark["min"]) / (mark["max"] - mark["min"])
        assert abs(mark["at"] - (mark["left"] + 9 + frac * (mark["width"] - 18))) <= 2


# --------------------------------------------------------------------------- status and controls


def test_status_says_what_the_chart_shows_and_which_bound(explorer: Opener) -> None:
    bound = st.max_stable_lr(problem("1")[0])
    # Past the full-batch bound: the steep direction's error grows, and the status says so.
    state = explorer("?lr=1&batch=full").evaluate(STATE)
    steep = state["errors"][1]
    assert state["verdict"] == "diverging"
    assert steep[-1] > steep[0]
    assert state["status"].startswith("Diverging")
    assert f"past the full-batch bound 2/λmax = {bound:.4f}" in state["status"]
    # Below the mark with batches of 5: the mark is the full-batch bound, minibatches can
    # diverge below it.
    state = explorer("?lr=0.989&batch=5").evaluate(STATE)
    assert f"The mark, {bound:.4f}, is the full-batch bound" in state["status"]
    assert "minibatches can diverge below it" in state["status"]
    # Batch 1 just under the mark: diverging, and the chart shows the loss grow.
    page = explorer("?lr=0.979&batch=1&steps=300")
    state = page.evaluate(STATE)
    assert state["verdict"] == "diverging"
    assert state["full"][-1] > state["full"][0]
    assert page.eval_on_selector("#sgdx-status", "e => e.classList.contains('sgdx-bad')")
    # Converging, full batch: the loss falls to the least-squares loss.
    state = explorer("?lr=0.5&batch=full").evaluate(STATE)
    assert state["verdict"] == "converging"
    assert state["status"].startswith("Converging")
    assert state["excess"][-1] < 1e-12 * state["excess"][0]
    # Hovering, batch 5: the noise floor is the median excess over the last half.
    state = explorer("?lr=0.1&batch=5&steps=1000").evaluate(STATE)
    assert state["verdict"] == "hovering"
    assert state["status"].startswith("Hovering")
    half = sorted(state["excess"][-500:])
    assert math.isclose(state["floor"], (half[249] + half[250]) / 2)


def test_url_and_keyboard_drive_every_control(explorer: Opener) -> None:
    page = explorer(
        "?lr=0.9&momentum=0.5&batch=7&steps=120&seed=4&range=30&schedule=step&pin=lr:0.002"
    )
    state = page.evaluate(STATE)
    want: dict[str, object] = {"lr": 0.9, "momentum": 0.5, "batch": 7, "steps": 120, "seed": 4}
    want |= {"range": "30", "schedule": "step"}
    assert {k: state[k] for k in want} == want
    assert state["pin"]["lr"] == 0.002
    assert state["pin"]["batch"] == 7
    # Bad values are named in the status and ignored, the rest applied.
    state = explorer("?lr=abc&batch=3&colour=red&range=7").evaluate(STATE)
    assert state["batch"] == 3
    assert state["lr"] == 0.1
    assert state["range"] == "1"
    for note in ("ignored lr=abc", "ignored unknown setting colour", "ignored range=7"):
        assert note in state["status"]
    # The keyboard, control by control in tab order; the state and the URL follow.
    page = explorer("?lr=0.1&momentum=0&batch=5&steps=100&seed=0")
    page.focus("#sgdx-lr")
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    assert page.evaluate(STATE)["lr"] > 0.1
    keys = [("Tab", "Control+A"), ("type", "0.25"), ("Enter",), ("Tab",), *[("ArrowRight",)] * 30]
    keys += [("Tab",), ("End",), ("Tab",), ("Home",), *[("ArrowRight",)] * 49]
    keys += [("Tab", "Control+A"), ("type", "7"), ("Tab",), ("ArrowDown",), ("Tab",)]
    keys += [("ArrowDown",)] * 3 + [("Tab",), ("Tab",), ("Enter",)]  # cosine; pin
    for key in keys:
        if key[0] == "type":
            page.keyboard.type(key[1])
        else:
            for k in key:
                page.keyboard.press(k)
    state = page.evaluate(STATE)
    want = {"lr": 0.25, "momentum": 0.3, "batch": N, "steps": 50, "seed": 7}
    want |= {"range": "30", "schedule": "cosine"}
    assert {k: state[k] for k in want} == want
    assert state["pin"] is not None
    assert state["pin"]["schedule"] == "cosine"
    page.keyboard.press("Shift+Tab")  # back to Play
    page.keyboard.press("Shift+Tab")  # the schedule
    page.keyboard.press("ArrowUp")  # 1/t: the pinned run stays cosine
    page.wait_for_timeout(400)  # the address and the live region follow once controls rest
    query = dict(parse_qsl(urlsplit(page.url).query))
    assert query == {
        "lr": "0.25",
        "momentum": "0.3",
        "batch": "full",
        "steps": "50",
        "seed": "7",
        "range": "30",
        "schedule": "inverse",
        "pin": "schedule:cosine",
    }
    assert "after 50 updates" in page.inner_text("#sgdx-status")
    # The URL the page wrote opens the same state, the pinned run included.
    again = explorer("?" + urlsplit(page.url).query).evaluate(STATE)
    assert {k: again[k] for k in want if k != "schedule"} == {
        k: want[k] for k in want if k != "schedule"
    }
    assert again["schedule"] == "inverse"
    assert again["pin"]["schedule"] == "cosine"
    live = page.eval_on_selector(
        "#sgdx-status", "e => [e.getAttribute('role'), e.getAttribute('aria-live')]"
    )
    assert live == ["status", "polite"]


EDGES = [
    "?steps=1",
    "?steps=3&schedule=step&batch=full",
    "?steps=1&schedule=cosine&batch=1",
    "?range=30&lr=10&momentum=0.99&batch=full",  # overflows at once
    "?range=30&lr=10&batch=1&pin=batch:full,lr:0.001",
    "?lr=0.001&momentum=0.99&batch=1&steps=1000&schedule=inverse&pin=momentum:0",
    "?batch=100&seed=999999&pin=",
]


@pytest.mark.parametrize("query", EDGES)
def test_edge_settings_draw_and_play(explorer: Opener, query: str) -> None:
    """Extreme settings run, draw and play without an error (site_page fails on any)."""
    page = explorer(query)
    state = page.evaluate(STATE)
    assert state["done"] == (state["steps"] if state["diverged"] is None else state["diverged"])
    assert state["status"].startswith(("Converging", "Hovering", "Diverging", "Diverged"))
    page.click("#sgdx-play")
    page.wait_for_timeout(200)
    page.evaluate("() => sgdExplorer.redrawTime(1, true)")


def test_questions_hold_at_their_settings(explorer: Opener) -> None:
    """Each question's link sets the page; what its answer claims (data-expect) holds there."""
    page = explorer("")
    questions = page.eval_on_selector_all(
        ".sgdx-question",
        "qs => qs.map(q => [q.querySelector('a').getAttribute('href'), q.dataset.expect])",
    )
    assert len(questions) >= 5
    for i, (href, expect) in enumerate(questions):
        link = page.locator("a.sgdx-ask").nth(i)
        link.focus()
        page.keyboard.press("Enter")
        state = page.evaluate(STATE)
        assert page.url.endswith(
            page.evaluate("() => document.getElementById('sgdx-link').getAttribute('href')")
        )
        asked = dict(parse_qsl(urlsplit(href).query))
        for key, value in asked.items():
            if key != "pin":
                assert str(state[key]) == value or (
                    key == "batch" and value == "full" and state[key] == N
                )
        assert expect, f"question {i + 1} claims nothing checkable"
        for claim in expect.split(";"):
            assert holds(state, claim.split()), f"question {i + 1} ({href}): {claim} fails"
        summary = page.locator(".sgdx-question summary").nth(i)
        summary.focus()
        page.keyboard.press("Enter")
        answer = page.locator(".sgdx-question details").nth(i)
        assert answer.evaluate("d => d.open")
        assert len(answer.inner_text()) > 100


OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "<": operator.lt,
    ">": operator.gt,
    "≈": lambda a, b: math.isclose(a, b, rel_tol=1e-3),
}


def holds(state: dict[str, Any], claim: list[str]) -> bool:
    """Whether ``path op value`` holds in the page's state.

    ``path`` is a key of the state, dotted into the pinned run or a list (``pin.floor``,
    ``excess.100``); ``value`` a number, a path, or a word (``diverging``).
    """

    def value(text: str, literal: bool) -> Any:
        try:
            return float(text)
        except ValueError:
            pass
        if literal and "." not in text:  # a word on the right: diverging, hovering
            return text
        found: Any = state
        for part in text.split("."):
            found = found[int(part)] if isinstance(found, list) else found[part]
        return found

    left, op, right = claim
    return OPS[op](value(left, literal=False), value(right, literal=True))


# --------------------------------------------------------------------------- the page as a whole


def test_redraw_time(explorer: Opener, record_property: Callable[[str, object], None]) -> None:
    page = explorer("?lr=0.1&momentum=0&batch=1&steps=500&seed=0")
    state = page.evaluate(STATE)
    assert (state["batch"], state["done"]) == (1, 500)
    page.evaluate("() => sgdExplorer.redrawTime(31)")  # warm up
    warm = page.evaluate("() => sgdExplorer.redrawTime(31)")
    cold = page.evaluate("() => sgdExplorer.redrawTime(31, true)")
    page.click("#sgdx-pin")
    page.focus("#sgdx-batch")
    page.keyboard.press("ArrowRight")  # batch 2 beside the pinned batch 1
    pinned = page.evaluate("() => sgdExplorer.redrawTime(31)")
    for name, t in (("warm", warm), ("cold", cold), ("with a pinned run", pinned)):
        record_property(f"redraw_ms_{name.replace(' ', '_')}", t["median"])
        parts = ", ".join(f"{k} {v:.1f}" for k, v in t["parts"].items())
        print(
            f"\nexplorer redraw, every view, batch 1 x 500 updates, {name}: median "
            f"{t['median']:.2f} ms, max {t['max']:.2f} ms (budget 16 ms); medians by part: "
            f"{parts} ms"
        )


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_nothing(explorer: Opener, theme: str) -> None:
    page = explorer("?lr=0.5&batch=5&pin=batch:full")
    page.evaluate(f"() => document.body.dataset.theme = '{theme}'")
    page.locator(".sgdx-question summary").first.click()
    page.wait_for_timeout(100)
    colors = page.evaluate("() => sgdExplorer.colors()")
    css = page.evaluate(
        "() => getComputedStyle(document.body).getPropertyValue('--color-background-primary').trim()"
    )
    assert colors["bg"] == css, f"the views did not follow the {theme} theme"
    # The explorer's parts: nothing at all. The whole page: nothing critical or serious (furo's
    # two unnamed <aside> landmarks are a moderate best-practice finding on every page).
    ours = Axe().run(page, context={"include": [[".sgdx"], [".sgdx-question"]]})
    assert ours.violations_count == 0, ours.generate_report()
    whole = Axe().run(page)
    bad = [v for v in whole.response["violations"] if v["impact"] in ("critical", "serious")]
    assert not bad, whole.generate_report()


@pytest.mark.browser_context_args(reduced_motion="reduce")
def test_reduced_motion_shows_the_descent_at_once(explorer: Opener) -> None:
    page = explorer("?lr=0.1&batch=5&steps=300")
    page.click("#sgdx-play")
    state = page.evaluate(STATE)
    assert page.evaluate("() => sgdExplorer.reducedMotion()")
    assert state["frame"] == state["done"]
    page.emulate_media(reduced_motion="no-preference")
    page.click("#sgdx-play")
    state = page.evaluate(STATE)
    assert state["frame"] < state["done"], "Play does not animate without reduced motion"


@pytest.mark.parametrize("width", [1280, PHONE["width"]])
def test_without_javascript_a_readable_figure(page: Page, site_url: str, width: int) -> None:
    context = page.context.browser.new_context(  # type: ignore[union-attr]
        java_script_enabled=False, viewport={"width": width, "height": 900}
    )
    nojs = context.new_page()
    sizes: list[int] = []
    nojs.on("response", lambda r: sizes.append(len(r.body())) if r.ok else None)
    nojs.goto(f"{site_url}{EXPLORER}")
    figure = nojs.evaluate(
        """() => { const img = document.querySelector('.sgdx-static img');
          return {src: img.currentSrc, natural: img.naturalWidth, shown: img.clientWidth,
                  alt: img.alt, text: document.querySelector('.sgdx-static').textContent}; }"""
    )
    context.close()
    assert figure["natural"] > 0
    assert len(figure["alt"]) > 40
    assert "needs JavaScript" in figure["text"]
    narrow = width <= 640
    assert figure["src"].endswith(
        "explorer-static-narrow.png" if narrow else "explorer-static.png"
    )
    assert figure["shown"] >= 0.9 * figure["natural"] or not narrow, "phone figure scaled down"
    assert sum(sizes) <= MAX_BYTES, f"{sum(sizes)} bytes without JavaScript"


def test_with_javascript_no_fallback_fetched_and_light(explorer: Opener) -> None:
    requests: list[Request] = []
    page = explorer("")
    page.on("request", lambda r: requests.append(r))  # noqa: PLW0108  (Playwright needs a Python function)
    for _ in range(6):  # cold loads: the test server sends no-store
        load(page, page.url)
    assert not [r.url for r in requests if "explorer-static" in r.url]
    sizes: list[int] = []
    page.on("response", lambda r: sizes.append(len(r.body())) if r.ok else None)
    load(page, page.url)
    assert sum(sizes) <= MAX_BYTES, f"the explorer weighs {sum(sizes)} bytes with what it loads"


@pytest.mark.browser_context_args(viewport=PHONE)
def test_phone_shows_plots_first(explorer: Opener) -> None:
    page = explorer("")
    box = page.evaluate(
        """() => ({plot: document.getElementById('sgdx-landscape').getBoundingClientRect().top,
                   controls: document.getElementById('sgdx-form').getBoundingClientRect().top,
                   wide: document.documentElement.scrollWidth})"""
    )
    assert box["plot"] < box["controls"], "on a phone the controls come before the plots"
    assert box["wide"] <= PHONE["width"], "the page scrolls sideways on a phone"
