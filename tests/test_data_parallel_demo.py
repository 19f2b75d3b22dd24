"""The data-parallel demo module, run as tutorial 9 runs it: two gloo processes under torchrun.

It must agree with itself three ways (the loop written with ``all_reduce``, PyTorch's
``DistributedDataParallel`` and ``sgd_distributed``), and it must not be imported by the
package, so that ``-m sgd_tutorial.data_parallel_demo`` runs without runpy's warning.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import sgd_tutorial
from sgd_tutorial import data_parallel_demo


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_package_does_not_import_the_demo() -> None:
    source = Path(sgd_tutorial.__file__).read_text(encoding="utf-8")
    assert "data_parallel_demo" not in source


@pytest.mark.slow
def test_demo_runs_on_two_processes(tmp_path: Path) -> None:
    saved = tmp_path / "fit.pt"
    command = [sys.executable, "-W", "error::RuntimeWarning", "-m", "torch.distributed.run"]
    command += ["--nproc-per-node", "2", "--master-addr", "127.0.0.1"]
    command += ["--master-port", str(_free_port()), "-m", "sgd_tutorial.data_parallel_demo"]
    command += ["--samples=512", "--batch-size=32", "--epochs=2", "--lr=0.1", f"--save={saved}"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "2 ranks, global batch 32, 32 updates" in out, out
    each = re.search(r"final coef on each rank: \[(\[[^]]+\]), (\[[^]]+\])\]", out)
    assert each, out
    assert each.group(1) == each.group(2), out
    gaps = re.findall(r"max \|sgd_distributed - (.+)\| over all updates: (\S+)", out)
    assert [name for name, _ in gaps] == ["by hand", "DDP", "single-process sgd"], out
    assert all(float(gap) < 1e-5 for _, gap in gaps), out
    assert saved.is_file()
    assert "RuntimeWarning" not in done.stderr, done.stderr


def test_demo_in_process_on_one_rank(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """One rank is a world too: everything agrees, and the fit is saved where asked."""
    env = {"RANK": "0", "WORLD_SIZE": "1", "MASTER_ADDR": "127.0.0.1"}
    for key, value in {**env, "MASTER_PORT": str(_free_port())}.items():
        monkeypatch.setenv(key, value)
    saved = tmp_path / "fit.pt"
    data_parallel_demo.main(["--samples=64", "--batch-size=8", "--epochs=1", f"--save={saved}"])
    out = capsys.readouterr().out
    assert "1 ranks, global batch 8, 8 updates" in out, out
    gaps = re.findall(r"over all updates: (\S+)", out)
    assert len(gaps) == 3, out
    assert all(float(gap) < 1e-5 for gap in gaps), out
    assert saved.is_file()
