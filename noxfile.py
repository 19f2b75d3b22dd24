"""Sessions for contributors and CI: ``nox -s tests``, ``lint``, ``docs``, ``site``, ``bench``.

Each session installs everything it needs into its own virtualenv, so a fresh machine needs only
Python and nox. torch is installed first, from ``TORCH_SPEC`` (default ``torch==2.13.0``): on our
build machines that pin selects the local CPU wheel, where a bare ``torch`` would pull a
multi-GB CUDA build. Set ``TORCH_SPEC=torch`` (or any requirement) to choose another build.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.sessions = ["tests", "lint"]
nox.options.default_venv_backend = "venv"

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
TORCH_SPEC = os.environ.get("TORCH_SPEC", "torch==2.13.0")
DOCS = ROOT / "docs"
HTML = DOCS / "_build" / "html"


def install(session: nox.Session, *groups: str) -> None:
    """Install torch as chosen, the package, and the named dependency groups."""
    session.install(TORCH_SPEC)
    session.install(".", *nox.project.dependency_groups(PYPROJECT, *groups))


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite with coverage (the docs build test runs in ``docs``)."""
    install(session, "test")
    session.run(
        "pytest",
        "-m",
        "not docs",
        "--cov",
        "--cov-report=term-missing:skip-covered",
        *session.posargs,
        env={"MPLBACKEND": "Agg"},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and formatting (ruff) and types (mypy, strict)."""
    install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site from clean, executing every tutorial; warnings are errors."""
    install(session, "docs", "test")
    for stale in ("_build", "auto_examples", "gen_modules", "api/generated"):
        shutil.rmtree(DOCS / stale, ignore_errors=True)
    (DOCS / "sg_execution_times.rst").unlink(missing_ok=True)
    session.run(
        "sphinx-build",
        "-W",
        "--keep-going",
        "-b",
        "html",
        str(DOCS),
        str(HTML),
        *session.posargs,
        env={"MPLBACKEND": "Agg"},
    )
    session.run("pytest", "-m", "docs", "-p", "no:cacheprovider")
