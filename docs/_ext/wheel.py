"""Publish the package's wheel with the site, so a downloaded tutorial can install it.

At the start of the build, ``pip wheel`` builds the package from a copy of its sources (so the
repository gets no ``build/`` or ``.egg-info``), without build isolation: the build backend
(setuptools, in the ``docs`` dependency group) is already installed, and the build needs no
network. The wheel's (temporary) folder is added to ``html_extra_path``, so it lands at the root of the site next to
``index.html``, under its standard file name. ``|wheel|`` in any page is that file name and
``|wheel_link|`` a link to it (relative: for pages at the site's root, like the installation page).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.errors import ExtensionError

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["pyproject.toml", "README.md", "LICENSE", "sgd_tutorial"]


def build_wheel(destination: Path) -> Path:
    """Build the package's wheel into ``destination``; return its path."""
    with tempfile.TemporaryDirectory(prefix="sgd-wheel-src-") as tmp:
        source = Path(tmp)
        for name in SOURCES:
            path = ROOT / name
            if path.is_dir():
                shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
            elif path.is_file():
                shutil.copy2(path, source / name)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
        command += ["--no-cache-dir", "--quiet", "--wheel-dir", str(destination), str(source)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(destination.glob("sgd_tutorial-*.whl"))
    if result.returncode != 0 or len(wheels) != 1:
        msg = (
            f"building the wheel failed ({' '.join(command)}, exit {result.returncode}):\n"
            f"{result.stdout}{result.stderr}"
        )
        raise ExtensionError(msg)
    return wheels[0]


def publish_wheel(app: Sphinx, config: Config) -> None:
    """Build the wheel into a staging folder that Sphinx copies to the site's root."""
    staging = Path(tempfile.mkdtemp(prefix="sgd-wheel-"))
    app.connect("build-finished", lambda *_: shutil.rmtree(staging, ignore_errors=True))
    wheel = build_wheel(staging)
    config.html_extra_path = [*config.html_extra_path, str(staging)]
    config.rst_epilog = (config.rst_epilog or "") + (
        f"\n.. |wheel| replace:: {wheel.name}\n"
        f".. |wheel_link| replace:: `{wheel.name} <{wheel.name}>`__\n"
    )


def setup(app: Sphinx) -> dict[str, Any]:
    """Build and publish the wheel once the configuration is read."""
    app.connect("config-inited", publish_wheel)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
