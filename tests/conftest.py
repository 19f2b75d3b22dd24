"""Shared fixtures and the device parametrisation (CUDA cases skip cleanly without a GPU)."""

from __future__ import annotations

from collections.abc import Iterator

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
