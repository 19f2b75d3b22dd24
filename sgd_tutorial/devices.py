"""Choosing the device that tensors live on."""

from __future__ import annotations

from typing import cast

import torch

__all__ = ["available_devices", "resolve_device"]


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return backend is not None and bool(backend.is_available())


def available_devices() -> list[torch.device]:
    """List the devices this machine can run on, CPU first.

    Returns
    -------
    list of torch.device
        ``cpu``, then every visible CUDA device, then ``mps`` when Apple's GPU is available.
    """
    devices = [torch.device("cpu")]
    if torch.cuda.is_available():
        devices += [torch.device("cuda", i) for i in range(torch.cuda.device_count())]
    if _mps_available():
        devices.append(torch.device("mps"))
    return devices


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn a device name into an available ``torch.device``.

    Parameters
    ----------
    device : str or torch.device, default "auto"
        ``"auto"`` picks CUDA, then MPS, then the CPU. Anything else (``"cpu"``, ``"cuda"``,
        ``"cuda:1"``, ``torch.device("mps")``) is checked against what this machine has.

    Returns
    -------
    torch.device
        The device, with an index for CUDA (``cuda`` becomes ``cuda:0``).

    Raises
    ------
    ValueError
        If the name is not a device, or names one this machine does not have; the message lists
        the available devices.
    TypeError
        If ``device`` is neither a string nor a ``torch.device``.
    """
    if not isinstance(cast(object, device), str | torch.device):
        msg = f"device must be a str or torch.device, got {type(device).__name__}"
        raise TypeError(msg)
    available = available_devices()
    names = ", ".join(str(d) for d in available)
    if device == "auto":
        for kind in ("cuda", "mps"):
            for candidate in available:
                if candidate.type == kind:
                    return candidate
        return torch.device("cpu")
    try:
        wanted = torch.device(device)
    except RuntimeError:
        msg = f"device {device!r} is not a device name; available devices: {names}"
        raise ValueError(msg) from None
    if str(wanted) == "cuda" and torch.cuda.is_available():
        wanted = torch.device("cuda", torch.cuda.current_device())
    if wanted not in available:
        msg = (
            f"device {str(device)!r} is not available on this machine; available devices: {names}"
        )
        raise ValueError(msg)
    return wanted
