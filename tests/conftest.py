"""Shared fixtures and the device parametrisation (CUDA cases skip cleanly without a GPU)."""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pytest
import torch

from sgd_tutorial import Fit, LinearData, gradient_descent, make_linear_data, sgd

DEVICES = [
    pytest.param("cpu", id="cpu"),
    pytest.param(
        "cuda",
        id="cuda",
        marks=[
            pytest.mark.cuda,
            pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
        ],
    ),
]


HTML = Path(__file__).resolve().parents[1] / "docs" / "_build" / "html"
SITE = HTML / "index.html"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip the checks of the built site (``docs``, ``site``) when it has not been built.

    A plain ``pytest`` in a checkout then reports them as skipped, with the reason, instead of
    failing. ``nox -s docs`` builds the site first and sets ``SGD_REQUIRE_SITE=1``, so there a
    missing site fails instead of being skipped.
    """
    if SITE.is_file() or os.environ.get("SGD_REQUIRE_SITE") == "1":
        return
    skip = pytest.mark.skip(reason=f"the site is not built ({SITE} missing): run `nox -s docs`")
    for item in items:
        if item.get_closest_marker("docs") or item.get_closest_marker("site"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def data() -> LinearData:
    """The lesson's data: n = 100, coef (3, 2), U(0, 1) noise. Shared: never modify it."""
    return make_linear_data(100, seed=0)


@pytest.fixture(scope="session")
def gd(data: LinearData) -> Fit:
    """The lesson's full-batch run: lr 0.1, 100 steps from (-1, 1). Shared: never modify it."""
    return gradient_descent(data.x, data.y, lr=0.1, steps=100)


@pytest.fixture(scope="session")
def mb(data: LinearData) -> Fit:
    """The lesson's minibatch run: lr 0.1, batches of 5, 2 epochs, seed 0. Never modify it."""
    return sgd(data.x, data.y, lr=0.1, epochs=2, batch_size=5, seed=0)


TorchSGD = Callable[..., tuple[torch.Tensor, torch.Tensor]]


def _torch_sgd(
    x: torch.Tensor,
    y: torch.Tensor,
    batches: Iterable[torch.Tensor | None],
    *,
    lr: float,
    momentum: float = 0.0,
    init: tuple[float, ...] = (-1.0, 1.0),
) -> tuple[torch.Tensor, torch.Tensor]:
    a = torch.nn.Parameter(torch.tensor(init, dtype=x.dtype))
    optimizer = torch.optim.SGD([a], lr=lr, momentum=momentum)
    params, losses = [a.detach().clone()], []
    for rows in batches:
        xb, yb = (x, y) if rows is None else (x[rows.long()], y[rows.long()])
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(xb @ a, yb)
        loss.backward()
        optimizer.step()
        params.append(a.detach().clone())
        losses.append(loss.detach())
    return torch.stack(params), torch.stack(losses)


@pytest.fixture(scope="session")
def torch_sgd() -> TorchSGD:
    """The textbook loop, the engine's oracle: autograd and ``torch.optim.SGD`` in x's dtype.

    Called as ``torch_sgd(x, y, batches, lr=..., momentum=..., init=...)``, it makes one update
    per item of ``batches`` (sample indices, or None for all of them) and returns the
    parameters (the start, then after each update) and each update's loss.
    """
    return _torch_sgd


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    """Close the figures a test made (matplotlib warns, an error here, past 20 open)."""
    yield
    plt.close("all")


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> str:
    """Each device the tests should run on; CUDA skips without a GPU."""
    return str(request.param)


# --------------------------------------------------------------------------- the browser checks
# The ``site`` tests (``nox -s site``) drive Debian's Chromium through pytest-playwright, whose
# ``page`` fixture these settings configure; Playwright's own browser download is not used.


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch ``$CHROMIUM`` (default ``/usr/bin/chromium``), headless, asking no other host."""
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    flags += ["--disable-component-update", "--no-first-run"]
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    return {**browser_type_launch_args, "executable_path": chromium, "args": flags}


@pytest.fixture(scope="session")
def browser_context_args() -> dict[str, Any]:
    """A desktop window; replaces pytest-playwright's, whose ``device`` would clash with ours."""
    return {"viewport": {"width": 1280, "height": 800}}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # each visit measures a cold load
        super().end_headers()


@pytest.fixture(scope="session")
def site_url() -> Iterator[str]:
    """The built site, served from ``docs/_build/html`` on 127.0.0.1 (a free port)."""
    handler = functools.partial(_Quiet, directory=str(HTML))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}/"
        server.shutdown()


def guard(page: Any, site_url: str) -> list[str]:
    """Record on ``page`` every console error, page error and failed request, and abort (and
    record) every request to another host than ``site_url``'s: the site works offline.

    Only the other hosts' requests are routed: the pattern is a regular expression, which
    Playwright hands to its driver, so the site's own requests are never paused for Python.
    """
    problems: list[str] = []
    elsewhere = re.compile(rf"^(?!{re.escape(site_url)}|data:|blob:)")

    def route(request_route: Any) -> None:
        problems.append(f"request to another host: {request_route.request.url}")
        request_route.abort()

    record: Callable[[str], None] = problems.append
    page.route(elsewhere, route)
    page.on("console", lambda m: m.type == "error" and record(f"console error: {m.text}"))
    page.on("pageerror", lambda e: record(f"page error: {e}"))
    page.on("requestfailed", lambda r: record(f"failed request: {r.url} ({r.failure})"))
    return problems


@pytest.fixture
def site_page(page: Any, site_url: str) -> Iterator[Any]:
    """A page of the local site that fails its test on a console error or a failed request.

    A request to any other host is aborted and is a failure too: the site works offline.
    """
    problems = guard(page, site_url)
    yield page
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def _module_site_page(
    browser: Any, browser_context_args: dict[str, Any], site_url: str
) -> Iterator[tuple[Any, list[str]]]:
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    problems = guard(page, site_url)
    yield page, problems
    context.close()
    assert not problems, "after the module's last test:\n" + "\n".join(problems)


@pytest.fixture
def shared_site_page(_module_site_page: tuple[Any, list[str]]) -> Iterator[Any]:
    """One page for the tests of a module that only read it or call its scripts, with
    ``site_page``'s checks: a test fails on what went wrong while it ran, and what went wrong
    between two tests fails the next one's setup. Opened blank: the first test loads it."""
    page, problems = _module_site_page
    assert not problems, "before this test:\n" + "\n".join(problems)
    yield page
    found = problems.copy()
    problems.clear()
    assert not found, "\n".join(found)
