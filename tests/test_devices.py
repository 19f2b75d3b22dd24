"""Devices: names parsed by ``torch.device``, compared by type and index, checked everywhere."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from sgd_tutorial import (
    LinearData,
    available_devices,
    gradient_descent,
    iter_sgd,
    make_linear_data,
    resolve_device,
    sgd,
)


def test_auto_and_cpu() -> None:
    auto = resolve_device()
    assert auto in available_devices()
    if torch.cuda.is_available():
        assert auto.type == "cuda"
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert available_devices()[0] == torch.device("cpu")


@pytest.mark.parametrize("name", ["cpu:0", torch.device("cpu", 0), "cpu"])
def test_the_cpu_by_any_of_its_names(name: str | torch.device) -> None:
    # torch.device("cpu:0") != torch.device("cpu"), yet both name this machine's one CPU.
    assert resolve_device(name) == torch.device("cpu")


FITTERS: list[Callable[[LinearData, str | torch.device], object]] = [
    lambda d, device: sgd(d.x, d.y, epochs=1, seed=0, device=device).params,
    lambda d, device: next(iter_sgd(d.x, d.y, seed=0, device=device)).params,
    lambda d, device: gradient_descent(d.x, d.y, steps=3, device=device).params,
    lambda _, device: make_linear_data(5, seed=0, device=device).x,
]


@pytest.mark.parametrize("fit", FITTERS, ids=["sgd", "iter_sgd", "gradient_descent", "data"])
@pytest.mark.parametrize("name", ["cpu:0", torch.device("cpu", 0)], ids=str)
def test_cpu_0_is_accepted_wherever_a_device_is(
    data: LinearData, fit: Callable[[LinearData, object], torch.Tensor], name: object
) -> None:
    got = fit(data, name)
    assert isinstance(got, torch.Tensor)
    assert torch.equal(got, fit(data, "cpu"))


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
@pytest.mark.parametrize("name", ["cuda", "cuda:0"])
def test_unavailable_cuda_lists_available(name: str) -> None:
    with pytest.raises(
        ValueError, match=rf"device '{name}' is not available .* available devices: cpu"
    ):
        resolve_device(name)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_gets_an_index() -> None:
    assert resolve_device("cuda").index is not None
    assert resolve_device(f"cuda:{torch.cuda.current_device()}") == resolve_device("cuda")


@pytest.mark.parametrize(
    ("device", "error", "pattern"),
    [
        ("gpu0", ValueError, r"device 'gpu0' is not a device name"),
        ("cuda:-1", ValueError, r"device 'cuda:-1' is not a device name"),
        ("cuda:99", ValueError, r"device 'cuda:99' is not available"),
        ("cpu:1", ValueError, r"device 'cpu:1' is not available .* available devices: cpu"),
        ("meta", ValueError, r"device 'meta' is not available"),
        (0, TypeError, r"device must be a str or torch\.device, got int"),
        (None, TypeError, r"device must be a str or torch\.device, got NoneType"),
    ],
)
def test_bad_device(device: object, error: type[Exception], pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        resolve_device(device)  # type: ignore[arg-type]
