"""The devices a fit can run on: which ones this machine has, and which one a name means."""

from __future__ import annotations

from typing import cast

import torch


def available_devices() -> list[torch.device]:
    """The devices this machine can compute on: the CPU, every CUDA device, then MPS."""
    devices = [torch.device("cpu")]
    devices += [torch.device("cuda", i) for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    return devices + ([torch.device("mps")] if mps and mps.is_available() else [])


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn a device name into an available ``torch.device``.

    ``"auto"`` picks CUDA, then MPS, then the CPU. Any other name is parsed by ``torch.device``
    and must exist here (``"cuda:1"``, ``"cpu:0"``), or a ``ValueError`` lists the devices there
    are. ``"cuda"`` becomes the current CUDA device, ``"cpu:0"`` the CPU.
    """
    if not isinstance(cast(object, device), str | torch.device):
        msg = f"device must be a str or torch.device, got {type(device).__name__}"
        raise TypeError(msg)
    available = available_devices()
    if device == "auto":
        return max(available, key=lambda d: ["cpu", "mps", "cuda"].index(d.type))
    names = ", ".join(map(str, available))
    try:
        wanted = torch.device(device)
    except RuntimeError:
        msg = f"device {device!r} is not a device name; available devices: {names}"
        raise ValueError(msg) from None
    index: int | None = wanted.index  # None for "cuda", "cpu"
    if wanted.type == "cuda" and index is None and torch.cuda.is_available():
        wanted = torch.device("cuda", torch.cuda.current_device())
    # Compared by type and index: the CPU and MPS are one device each, index 0 (or none).
    for have in available:
        if have.type == wanted.type and (have.index or 0) == (index or 0):
            return have
    msg = f"device {str(device)!r} is not available on this machine; available devices: "
    raise ValueError(msg + names)
