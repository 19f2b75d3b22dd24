"""Shared fixtures and the device parametrisation (CUDA cases skip cleanly without a GPU)."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import matplotlib.pyplot as plt
import pytest
import torch

from sgd_tutorial import LinearData, make_linear_data

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


@pytest.fixture
def site_page(page: Any, site_url: str) -> Iterator[Any]:
    """A page of the local site that fails its test on a console error or a failed request.

    A request to any other host is aborted and is a failure too: the site works offline.
    """
    problems: list[str] = []
    local = urlsplit(site_url).netloc

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if urlsplit(url).netloc == local or url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            problems.append(f"request to another host: {url}")
            request_route.abort()

    record: Callable[[str], None] = problems.append
    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and record(f"console error: {m.text}"))
    page.on("pageerror", lambda e: record(f"page error: {e}"))
    page.on("requestfailed", lambda r: record(f"failed request: {r.url} ({r.failure})"))
    yield page
    assert not problems, "\n".join(problems)
