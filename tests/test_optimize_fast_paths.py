"""The fast paths give what the plain loop gives.

* On the CPU, :func:`_steps_compiled` (numba) runs the lines of :func:`_steps` (torch ops).
* Full-batch gradient descent computes ``xᵀx`` once and expands the loss around the
  least-squares point; it must match the plain loop run on one batch of all ``n`` rows.
* The compiled loop caches its machine code, where ``NUMBA_CACHE_DIR`` says, and still works
  from a read-only copy of the package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from sgd_tutorial import Fit, gradient_descent, iter_sgd, make_linear_data, optimize, sgd

BATCHINGS = [
    {"batch_size": 7},  # 103 = 14 x 7 + a short batch of 5
    {"batch_size": 7, "drop_last": True},
    {"batch_size": 10, "shuffle": False},
    {"batch_size": 1},
    {"batch_size": 200},  # one batch, larger than n
]


def _both(monkeypatch: pytest.MonkeyPatch, **kwargs: object) -> tuple[Fit, Fit]:
    data = make_linear_data(103, seed=4, dtype=torch.float64)
    compiled = sgd(data.x, data.y, seed=5, **kwargs)  # type: ignore[arg-type]
    monkeypatch.setattr(optimize, "_COMPILED", False)
    plain = sgd(data.x, data.y, seed=5, **kwargs)  # type: ignore[arg-type]
    return compiled, plain


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("batching", BATCHINGS, ids=str)
def test_compiled_loop_matches_the_torch_loop(
    monkeypatch: pytest.MonkeyPatch, momentum: float, batching: dict[str, object]
) -> None:
    compiled, plain = _both(monkeypatch, lr=0.05, epochs=3, momentum=momentum, **batching)
    assert compiled.steps == plain.steps > 0
    torch.testing.assert_close(compiled.params, plain.params, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(compiled.losses, plain.losses, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("x_dtype", "y_dtype"),
    [
        (torch.float32, torch.float32),
        (torch.float32, torch.float64),
        (torch.float64, torch.float32),
    ],
)
def test_compiled_loop_other_dtypes_and_small_chunks(
    monkeypatch: pytest.MonkeyPatch, x_dtype: torch.dtype, y_dtype: torch.dtype
) -> None:
    data = make_linear_data(103, seed=4)
    x, y = data.x.to(x_dtype), data.y.to(y_dtype)
    monkeypatch.setattr(optimize, "_CHUNK_ROWS", 16)  # many chunks per epoch
    compiled = sgd(x, y, epochs=2, batch_size=3, momentum=0.5, seed=1)
    monkeypatch.setattr(optimize, "_COMPILED", False)
    plain = sgd(x, y, epochs=2, batch_size=3, momentum=0.5, seed=1)
    # Both read x and y as they are, and compute and record in float64.
    torch.testing.assert_close(compiled.params, plain.params, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(compiled.losses, plain.losses, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_full_batch_shortcut_matches_the_plain_loop(
    monkeypatch: pytest.MonkeyPatch, compiled: bool, momentum: float
) -> None:
    data = make_linear_data(300, coef=(1.0, -2.0, 0.5), seed=3, dtype=torch.float64)
    monkeypatch.setattr(optimize, "_COMPILED", compiled)
    gd = gradient_descent(data.x, data.y, [0.0, 0.0, 0.0], lr=0.3, steps=60, momentum=momentum)
    loop = sgd(data.x, data.y, [0.0, 0.0, 0.0], lr=0.3, epochs=60, batch_size=300,
               shuffle=False, momentum=momentum)  # fmt: skip
    torch.testing.assert_close(gd.params, loop.params, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(gd.losses, loop.losses, rtol=1e-12, atol=1e-12)


def test_iter_sgd_runs_the_same_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_linear_data(50, seed=0)
    monkeypatch.setattr(optimize, "_CHUNK_ROWS", 8)
    fit = sgd(data.x, data.y, epochs=2, batch_size=3, seed=0)
    steps = list(iter_sgd(data.x, data.y, epochs=2, batch_size=3, seed=0))
    assert torch.equal(torch.stack([s.params for s in steps]), fit.params[1:])
    assert torch.equal(torch.stack([s.loss for s in steps]), fit.losses)


SCRIPT = """
from sgd_tutorial import optimize
from sgd_tutorial import make_linear_data, sgd
data = make_linear_data(20, seed=0)
sgd(data.x, data.y, epochs=1, seed=0)
print(sum(optimize._steps_compiled.stats.cache_hits.values()))
"""


def _run(package: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", SCRIPT],
        env={**os.environ, "PYTHONPATH": str(package), **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=package,
    )
    return done.stdout.strip()


@pytest.mark.slow
def test_compilation_is_cached(tmp_path: Path) -> None:
    root = Path(optimize.__file__).parent.parent
    cache = tmp_path / "numba-cache"
    env = {"NUMBA_CACHE_DIR": str(cache)}
    assert _run(root, env) == "0"  # compiled, and written to the cache
    assert list(cache.rglob("*.nbi"))
    assert _run(root, env) == "1"  # loaded from it


@pytest.mark.slow
def test_an_unwritable_install_caches_in_the_users_folder(tmp_path: Path) -> None:
    copy = tmp_path / "site"
    shutil.copytree(Path(optimize.__file__).parent, copy / "sgd_tutorial",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    # A file where the cache folder would go: no cache beside the code, even for root (who
    # may write to read-only folders), as in a read-only site-packages.
    (copy / "sgd_tutorial" / "__pycache__").write_text("")
    home = tmp_path / "home"
    env = {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "NUMBA_CACHE_DIR": ""}
    assert _run(copy, env) == "0"
    assert _run(copy, env) == "1"
    assert list(home.rglob("*.nbi"))
