"""Shared fixtures and the device parametrisation (CUDA cases skip cleanly without a GPU)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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


SITE = Path(__file__).resolve().parents[1] / "docs" / "_build" / "html" / "index.html"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip the checks of the built site when it has not been built.

    A plain ``pytest`` in a checkout then reports them as skipped, with the reason, instead of
    failing. ``nox -s docs`` builds the site first and sets ``SGD_REQUIRE_SITE=1``, so there a
    missing site fails instead of being skipped.
    """
    if SITE.is_file() or os.environ.get("SGD_REQUIRE_SITE") == "1":
        return
    skip = pytest.mark.skip(reason=f"the site is not built ({SITE} missing): run `nox -s docs`")
    for item in items:
        if item.get_closest_marker("docs"):
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
