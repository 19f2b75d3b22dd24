"""Choosing the device that tensors live on."""

from __future__ import annotations

from typing import cast

import torch

__all__ = ["available_devices", "resolve_device"]


def available_devices() -> list[torch.device]:
    """The devices this machine can compute on: the CPU, every CUDA device, then MPS."""
    devices = [torch.device("cpu")]
    devices += [torch.device("cuda", i) for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    return devices + ([torch.device("mps")] if mps and mps.is_available() else [])


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn a device name into an available ``torch.device``.

    ``"auto"`` picks CUDA, then MPS, then the CPU; any other name (``"cuda:1"``) must exist
    here, or a ``ValueError`` lists the devices there are. ``"cuda"`` becomes ``cuda:0``.
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
    if str(wanted) == "cuda" and torch.cuda.is_available():
        wanted = torch.device("cuda", torch.cuda.current_device())
    if wanted not in available:
        msg = f"device {str(device)!r} is not available on this machine; available devices: {names}"  # fmt: skip
        raise ValueError(msg)
    return wanted
