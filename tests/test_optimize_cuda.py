"""The engine on a CUDA GPU: no host-device sync while training, and the same results as the CPU.

Every test here is skipped without a CUDA GPU.

What may synchronise is by design: checking the data (``check_data`` reads every value once),
moving the starting point and the data to the device, the divergence check once per chunk of
updates (``engine.first_bad``, the one deliberate sync while training) and copying the
trajectory back at the end. Everything between those, the torch loop (``_steps``) and the
per-epoch shuffling, must queue work on the GPU without waiting for it. The tests run exactly
those parts under ``torch.cuda.set_sync_debug_mode("error")``, which turns any synchronising
CUDA call into a ``RuntimeError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import pytest
import torch

from sgd_tutorial import (
    DivergenceError,
    engine,
    gradient_descent,
    iter_sgd,
    make_linear_data,
    optimize,
    sgd,
)
from sgd_tutorial.engine import Settings

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]

CUDA = "cuda"


@contextmanager
def sync_debug(mode: str) -> Iterator[None]:
    """Set CUDA's sync debug mode inside the block, and put the previous one back."""
    previous = torch.cuda.get_sync_debug_mode()
    torch.cuda.set_sync_debug_mode(mode)
    try:
        yield
    finally:
        torch.cuda.set_sync_debug_mode(previous)


def test_sync_debug_mode_catches_a_sync() -> None:
    # The other tests mean something only if the mode really raises on a synchronising call.
    ones = torch.ones(3, device=CUDA)
    with sync_debug("error"), pytest.raises(RuntimeError, match="synchroniz"):
        ones.sum().item()


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_the_torch_loop_does_not_sync(momentum: float) -> None:
    data = make_linear_data(64 * 50, seed=0)
    count, size = 50, 64

    def run(device: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x, y = data.x.to(device), data.y.to(device)
        rows = torch.randperm(len(x), generator=torch.Generator().manual_seed(0)).to(device)
        batches = rows.view(count, size)
        p = torch.tensor([-1.0, 1.0], dtype=torch.float64, device=device)
        v = torch.zeros_like(p)
        params = torch.empty(count, 2, dtype=torch.float64, device=device)
        losses = torch.empty(count, dtype=torch.float64, device=device)
        if device == CUDA:
            torch.cuda.synchronize()
        with sync_debug("error") if device == CUDA else nullcontext():
            p, v = optimize._steps(x, y, batches, p, v, 0.1, momentum, params, losses)
        return params.cpu(), losses.cpu(), p.cpu()

    run(CUDA)  # warm-up: first-use set-up (cuBLAS handle, kernel loading) stays outside
    gpu, cpu = run(CUDA), run("cpu")
    for on_gpu, on_cpu in zip(gpu, cpu, strict=True):
        torch.testing.assert_close(on_gpu, on_cpu, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("shuffle", "drop_last"), [(True, False), (False, False), (True, True)])
def test_sgd_epochs_sync_only_in_the_divergence_check(
    monkeypatch: pytest.MonkeyPatch, shuffle: bool, drop_last: bool
) -> None:
    # Small chunks, so an epoch has several, and n not a multiple of the batch, so there is a
    # last, smaller batch; two epochs, so a second permutation is drawn and uploaded mid-run.
    monkeypatch.setattr(optimize, "_CHUNK_ROWS", 256)
    checked: list[int] = []
    divergence_check = engine.first_bad

    def check_allowing_sync(params: torch.Tensor, losses: torch.Tensor) -> int | None:
        checked.append(len(losses))
        with sync_debug("default"):
            return divergence_check(params, losses)

    monkeypatch.setattr(engine, "first_bad", check_allowing_sync)
    data = make_linear_data(1000, seed=0)
    settings = {"lr": 0.1, "epochs": 2, "batch_size": 32, "momentum": 0.5, "seed": 0}
    # Warm-up: first-use set-up (cuBLAS handle, kernels, pinned memory pool) stays outside.
    sgd(data.x, data.y, device=CUDA, shuffle=shuffle, drop_last=drop_last, **settings)  # type: ignore[arg-type]
    checked.clear()
    given = settings | {"shuffle": shuffle, "drop_last": drop_last, "device": CUDA}
    run = optimize.Run(data.x, data.y, (-1.0, 1.0), Settings.checked(**given))
    torch.cuda.synchronize()
    with sync_debug("error"):
        chunks = list(run.loop())  # each chunk's buffers stay on the GPU
    params = torch.cat([run.start[None], *(chunk[2] for chunk in chunks)])
    fit = run.settings.fit(params, torch.cat([chunk[3] for chunk in chunks]))  # a sync

    per_epoch = 1000 // 32 + (0 if drop_last else 1)
    assert fit.steps == 2 * per_epoch
    assert len(checked) == len(chunks) > 2  # one divergence check per chunk, several chunks
    assert {epoch for epoch, *_ in chunks} == {0, 1}
    cpu = sgd(data.x, data.y, shuffle=shuffle, drop_last=drop_last, **settings)  # type: ignore[arg-type]
    torch.testing.assert_close(fit.params, cpu.params, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(fit.losses, cpu.losses, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_gradient_descent_agrees_with_the_cpu(momentum: float) -> None:
    data = make_linear_data(10_000, seed=1)
    cpu = gradient_descent(data.x, data.y, lr=0.1, steps=300, momentum=momentum)
    gpu = gradient_descent(data.x, data.y, lr=0.1, steps=300, momentum=momentum, device=CUDA)
    assert gpu.params.device.type == "cpu"
    torch.testing.assert_close(gpu.params, cpu.params, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(gpu.losses, cpu.losses, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sgd_agrees_with_the_cpu(dtype: torch.dtype) -> None:
    data = make_linear_data(2_003, seed=2, dtype=dtype)
    kwargs = {"lr": 0.05, "epochs": 3, "batch_size": 64, "momentum": 0.9, "seed": 3}
    cpu = sgd(data.x, data.y, **kwargs)  # type: ignore[arg-type]
    gpu = sgd(data.x.to(CUDA), data.y.to(CUDA), **kwargs)  # type: ignore[arg-type]
    assert (gpu.params.dtype, gpu.losses.dtype) == (dtype, torch.float64)  # as on the CPU
    tol = (
        {"rtol": 1e-5, "atol": 1e-6} if dtype == torch.float32 else {"rtol": 1e-10, "atol": 1e-12}
    )
    torch.testing.assert_close(gpu.params, cpu.params, **tol)
    torch.testing.assert_close(gpu.losses, cpu.losses, **tol)


def test_a_seed_draws_the_same_batches_on_every_device() -> None:
    data = make_linear_data(300, seed=4)
    kwargs = {"epochs": 2, "batch_size": 7, "seed": 5}
    cpu = [step.indices.tolist() for step in iter_sgd(data.x, data.y, **kwargs)]  # type: ignore[arg-type]
    gpu_steps = list(iter_sgd(data.x, data.y, device=CUDA, **kwargs))  # type: ignore[arg-type]
    assert all(step.params.device.type == CUDA for step in gpu_steps)
    assert [step.indices.tolist() for step in gpu_steps] == cpu


def test_divergence_is_caught_at_the_same_step_as_on_the_cpu() -> None:
    data = make_linear_data(500, seed=6)
    errors = []
    for device in ("cpu", CUDA):
        with pytest.raises(DivergenceError) as caught:
            sgd(data.x, data.y, lr=50.0, epochs=5, batch_size=10, seed=0, device=device)
        errors.append(caught.value)
    assert errors[0].step == errors[1].step
    assert errors[1].fit.steps == errors[1].step
    assert torch.isfinite(errors[1].fit.params).all()
