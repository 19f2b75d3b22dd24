from __future__ import annotations

import pytest
import torch

from sgd_tutorial import available_devices, resolve_device


def test_auto_and_cpu() -> None:
    auto = resolve_device()
    assert auto in available_devices()
    if torch.cuda.is_available():
        assert auto.type == "cuda"
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert available_devices()[0] == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_unavailable_cuda_lists_available() -> None:
    with pytest.raises(
        ValueError, match=r"device 'cuda' is not available .* available devices: cpu"
    ):
        resolve_device("cuda")


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_gets_an_index() -> None:
    assert resolve_device("cuda").index is not None


@pytest.mark.parametrize(
    ("device", "error", "pattern"),
    [
        ("gpu0", ValueError, r"device 'gpu0' is not a device name"),
        ("cuda:99", ValueError, r"device 'cuda:99' is not available"),
        (0, TypeError, r"device must be a str or torch\.device, got int"),
        (None, TypeError, r"device must be a str or torch\.device, got NoneType"),
    ],
)
def test_bad_device(device: object, error: type[Exception], pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        resolve_device(device)  # type: ignore[arg-type]
