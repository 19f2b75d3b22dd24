"""Data-parallel SGD: two gloo processes on 127.0.0.1 must reproduce single-process ``sgd``.

Starting processes is the slow part (each imports torch), so one spawn of two ranks runs every
case and saves what each rank got; the tests below then compare those results with ``sgd`` run
here. Errors raised inside the ranks are recorded as text and checked the same way.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from sgd_tutorial import DivergenceError, make_linear_data, optimize, sgd, sgd_distributed

WORLD = 2
# 103 rows: with a global batch of 10 the last batch has 3 rows, which two ranks split 1 + 2.
N = 103
TIMEOUT = dt.timedelta(seconds=20)  # a broken collective fails the test, never hangs it

CASES: dict[str, dict[str, Any]] = {
    "shuffle": {"lr": 0.1, "epochs": 3, "batch_size": 10, "seed": 1},
    "momentum": {"lr": 0.05, "epochs": 3, "batch_size": 8, "momentum": 0.9, "seed": 2},
    "in_order": {"lr": 0.1, "epochs": 2, "batch_size": 4, "shuffle": False},
    "drop_last": {"lr": 0.1, "epochs": 3, "batch_size": 10, "drop_last": True, "seed": 3},
    "batch_over_n": {"lr": 0.1, "epochs": 4, "batch_size": 128, "seed": 4},
    "float64_init": {
        "init": (0.5, -0.5),
        "lr": 0.1,
        "epochs": 2,
        "batch_size": 6,
        "momentum": 0.5,
        "seed": 5,
        "float64": True,
    },
}
# Cases rerun with a tiny chunk so that an epoch takes many all-reduces instead of one or two.
SMALL_CHUNKS = ("shuffle", "momentum", "in_order")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _data(case: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor, dict[str, Any]]:
    data = make_linear_data(N, seed=0)
    kwargs = {key: value for key, value in case.items() if key != "float64"}
    if case.get("float64"):
        return data.x.double(), data.y.double(), kwargs
    return data.x, data.y, kwargs


def _error(call: Callable[[], object]) -> str:
    try:
        call()
    except (ValueError, RuntimeError, ArithmeticError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return "no error"


def _worker(rank: int, port: int, out: str) -> None:
    """One rank: run every case and save the trajectories and error messages."""
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=WORLD,
        timeout=TIMEOUT,
    )
    try:
        results: dict[str, Any] = {}
        for name, case in CASES.items():
            x, y, kwargs = _data(case)
            fit = sgd_distributed(x, y, **kwargs)
            results[name] = {"params": fit.params, "losses": fit.losses}
        optimize._CHUNK_ROWS = 20  # this process only
        for name in SMALL_CHUNKS:
            x, y, kwargs = _data(CASES[name])
            fit = sgd_distributed(x, y, **kwargs)
            results[f"{name}/small_chunks"] = {"params": fit.params, "losses": fit.losses}

        x, y, _ = _data({})
        # No seed: the ranks must still share one permutation.
        results["no_seed"] = {"params": sgd_distributed(x, y, batch_size=10, epochs=2).params}
        # A sub-group holding rank 0 only: new_group must be called on every rank.
        solo = dist.new_group([0])
        if rank == 0:
            fit = sgd_distributed(x, y, batch_size=5, seed=6, group=solo)
            results["solo"] = {"params": fit.params, "losses": fit.losses}
        else:
            results["not_member"] = _error(lambda: sgd_distributed(x, y, group=solo))
        results["indivisible"] = _error(lambda: sgd_distributed(x, y, batch_size=5))
        lr = 0.1 if rank == 0 else 0.2
        results["mismatch"] = _error(lambda: sgd_distributed(x, y, lr=lr, batch_size=4))
        start = (0.0, 1.0) if rank == 0 else (0.0, 2.0)
        results["mismatch_init"] = _error(lambda: sgd_distributed(x, y, start, batch_size=4))
        results["diverge"] = _error(lambda: sgd_distributed(x, y, lr=50.0, batch_size=4, seed=0))
        # Last: one rank fails its own checks. Before the fix the other waited in a collective
        # until the timeout; now both raise the failing rank's error.
        bad_lr = 0.1 if rank == 0 else -1.0
        results["one_rank_bad"] = _error(lambda: sgd_distributed(x, y, lr=bad_lr, batch_size=4))
        torch.save(results, Path(out) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope="module")
def ranks(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """What each of the two ranks computed."""
    out = tmp_path_factory.mktemp("ranks")
    mp.spawn(_worker, args=(_free_port(), str(out)), nprocs=WORLD, join=True)
    return [torch.load(out / f"rank{r}.pt", weights_only=True) for r in range(WORLD)]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", [*CASES, *(f"{name}/small_chunks" for name in SMALL_CHUNKS)], ids=str
)
def test_every_rank_matches_single_process_sgd(ranks: list[dict[str, Any]], name: str) -> None:
    x, y, kwargs = _data(CASES[name.split("/", maxsplit=1)[0]])
    single = sgd(x, y, **kwargs)
    for result in ranks:
        assert result[name]["params"].dtype == x.dtype  # the data's precision
        assert result[name]["losses"].dtype == torch.float64  # the loop's
        torch.testing.assert_close(result[name]["params"], single.params, rtol=0, atol=1e-5)
        torch.testing.assert_close(result[name]["losses"], single.losses, rtol=0, atol=1e-5)
    # All ranks apply the same all-reduced statistics, so they agree to the last bit.
    assert torch.equal(ranks[0][name]["params"], ranks[1][name]["params"])


@pytest.mark.slow
def test_no_seed_gives_one_shared_order(ranks: list[dict[str, Any]]) -> None:
    assert torch.equal(ranks[0]["no_seed"]["params"], ranks[1]["no_seed"]["params"])


@pytest.mark.slow
def test_sub_group(ranks: list[dict[str, Any]]) -> None:
    x, y, _ = _data({})
    single = sgd(x, y, batch_size=5, seed=6)
    torch.testing.assert_close(ranks[0]["solo"]["params"], single.params, rtol=0, atol=1e-5)
    assert ranks[1]["not_member"].startswith("ValueError: this process is not a member")


@pytest.mark.slow
def test_batch_not_divisible_by_world_size(ranks: list[dict[str, Any]]) -> None:
    for result in ranks:
        assert result["indivisible"].startswith("ValueError: rank 0 of 2: batch_size=5")
        assert "world size 2" in result["indivisible"]


@pytest.mark.slow
def test_ranks_with_different_settings(ranks: list[dict[str, Any]]) -> None:
    for result in ranks:
        assert result["mismatch"].startswith("ValueError: the 2 ranks")
        assert "values of lr;" in result["mismatch"]
        assert "values of init;" in result["mismatch_init"]


@pytest.mark.slow
def test_one_rank_failing_its_checks_fails_every_rank(ranks: list[dict[str, Any]]) -> None:
    expected = "ValueError: rank 1 of 2: lr must be a finite number > 0, got -1.0"
    assert [result["one_rank_bad"] for result in ranks] == [expected, expected]


@pytest.mark.slow
def test_divergence_on_every_rank(ranks: list[dict[str, Any]]) -> None:
    assert ranks[0]["diverge"].startswith("DivergenceError: the loss or parameters")
    assert ranks[0]["diverge"] == ranks[1]["diverge"]


def test_needs_an_initialised_process_group() -> None:
    assert not dist.is_initialized()
    data = make_linear_data(10, seed=0)
    with pytest.raises(RuntimeError, match=r"init_process_group.*torchrun"):
        sgd_distributed(data.x, data.y)


@pytest.fixture
def single_rank_group() -> Iterator[None]:
    """A gloo group of this process alone, torn down afterwards."""
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{_free_port()}",
        rank=0,
        world_size=1,
        timeout=TIMEOUT,
    )
    yield
    dist.destroy_process_group()


# gloo looks up this machine's hostname to pick a network interface; where the name does not
# resolve it warns and falls back to the loopback interface, which is all this test uses.
@pytest.mark.filterwarnings("ignore:Unable to resolve hostname:UserWarning")
@pytest.mark.usefixtures("single_rank_group")
def test_single_rank_group_in_process() -> None:
    # The same code path in this process, where coverage can see it.
    data = make_linear_data(N, seed=0)
    fit = sgd_distributed(data.x, data.y, batch_size=7, epochs=3, momentum=0.5, seed=0)
    single = sgd(data.x, data.y, batch_size=7, epochs=3, momentum=0.5, seed=0)
    torch.testing.assert_close(fit.params, single.params, rtol=0, atol=1e-5)
    torch.testing.assert_close(fit.losses, single.losses, rtol=0, atol=1e-5)
    assert (fit.batch_size, fit.epochs, fit.seed) == (7, 3, 0)
    with pytest.raises(DivergenceError):
        sgd_distributed(data.x, data.y, lr=50.0, batch_size=4, seed=0)
    with pytest.raises(TypeError, match="batch_size"):
        sgd_distributed(data.x, data.y, batch_size=2.0)  # type: ignore[arg-type]
