#!/usr/bin/env python3
# /// script
# dependencies = ["nox>=2025.2.9"]
# ///
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
nox.options.default_venv_backend = "venv"

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
TORCH_SPEC = os.environ.get("TORCH_SPEC", "torch==2.13.0")
DOCS = ROOT / "docs"
HTML = DOCS / "_build" / "html"
WHEEL_DIR = DOCS / "_build" / "wheel"
# The package as installed in the sessions: the checkout, or a wheel of it built beforehand
# (.ci/run builds one, so that sessions can install it side by side: two pip builds of one
# checkout would share its build/ folder).
PACKAGE = os.environ.get("SGD_WHEEL", ".")


def install(session: nox.Session, *groups: str, package: bool = True) -> None:
    """Install torch as chosen, the package (or only what it needs), and the named groups."""
    session.install(TORCH_SPEC)
    needs = [PACKAGE] if package else PYPROJECT["project"]["dependencies"]
    session.install(*needs, *nox.project.dependency_groups(PYPROJECT, *groups))


def chromium() -> Path | None:
    """Debian's Chromium (or ``$CHROMIUM``), which the browser checks drive; None if absent."""
    path = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    return path if path.is_file() and os.access(path, os.X_OK) else None


@nox.session(default=True)
def tests(session: nox.Session) -> None:
    """Run the test suite with coverage (the docs build test runs in ``docs``)."""
    install(session, "test")
    session.run(
        "pytest",
        "-m",
        "not docs and not site",
        "--cov",
        "--cov-report=term-missing:skip-covered",
        *session.posargs,
        env={"MPLBACKEND": "Agg"},
    )


@nox.session(default=True)
def lint(session: nox.Session) -> None:
    """Check style and formatting (ruff) and types (mypy, strict)."""
    # mypy reads the package from the checkout: no build of it here, so that this session can
    # run beside another that installs it (.ci/run does).
    install(session, "lint", package=False)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    # The Scientific Python development guide's checks (GH100 is ignored in pyproject.toml).
    session.run("sp-repo-review", "--show", "err", ".")


@nox.session(default=False)
def docs(session: nox.Session) -> None:
    """Build the site from clean, executing every tutorial; warnings are errors. Then check it.

    The checks: the built pages as files, every downloaded notebook run in a fresh environment
    that has only torch (the same ``TORCH_SPEC``) and the site's wheel with its tutorials
    extra, and, where Chromium is installed, the browser checks of ``nox -s site``; two pytest
    workers share them out, a test file each at a time.
    """
    install(session, "docs", "test", "site")
    for stale in ("_build", "auto_examples", "gen_modules", "api/generated"):
        shutil.rmtree(DOCS / stale, ignore_errors=True)
    (DOCS / "sg_execution_times.rst").unlink(missing_ok=True)
    # The wheel the site publishes (conf.py adds its folder to html_extra_path). setuptools
    # builds in build/, whose leftovers (a module since deleted) would go into the wheel.
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    pip_wheel = "python -m pip wheel --no-deps --no-build-isolation --quiet --wheel-dir"
    session.run(*pip_wheel.split(), str(WHEEL_DIR), ".")
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
    env = {"SGD_REQUIRE_SITE": "1", "TORCH_SPEC": TORCH_SPEC, "MPLBACKEND": "Agg"}
    marks = "docs"
    if (browser := chromium()) is not None:
        marks, env["CHROMIUM"] = "docs or site", str(browser)
    else:
        session.warn("Chromium not found: the browser checks (nox -s site) are left out")
    workers = ["-n", "2", "--dist", "loadfile"]
    session.run("pytest", "-m", marks, *workers, "-p", "no:cacheprovider", env=env)


@nox.session(default=False)
def site(session: nox.Session) -> None:
    """Check the built site (run ``docs`` first) in headless Chromium: every page, both themes.

    The checks are the ``site`` tests (``tests/test_site.py`` and the Explorer's), run by pytest
    with pytest-playwright; axe-core comes inside axe-playwright-python. They need Debian's
    Chromium at ``/usr/bin/chromium`` (or ``$CHROMIUM``): Playwright's own browser download is
    not used. Screenshots and the per-page report go to ``docs/_build/site-check``.
    """
    browser = chromium()
    if browser is None:
        session.error(
            "Chromium not found: install it with `apt-get update && apt-get install -y "
            "chromium` (or set CHROMIUM=/path/to/it)"
        )
    if not (HTML / "index.html").is_file():
        session.error(f"{HTML / 'index.html'} not found: build the site first with `nox -s docs`")
    install(session, "site", "test")  # pytest collects every test module
    session.run(
        "pytest",
        "-m",
        "site",
        "-p",
        "no:cacheprovider",
        *session.posargs,
        env={"CHROMIUM": str(browser), "SGD_REQUIRE_SITE": "1", "MPLBACKEND": "Agg"},
    )


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Run the benchmarks (minutes) and write their tables to ``benchmarks/results.md`` (+ .rst).

    Each ``benchmarks/bench_*.py`` prints its tables and appends them to the results file, under
    a header that records the machine. ``nox -s bench -- --quick`` is a smoke run at small
    sizes; it writes to the session's temporary folder instead, leaving results.md alone.
    ``SGD_BENCH_THREADS`` sets torch's CPU threads (default 1, see benchmarks/_common.py).
    """
    install(session, "bench")
    quick = "--quick" in session.posargs
    if quick:
        results = Path(session.create_tmp()) / "results.md"
    else:
        results = ROOT / "benchmarks" / "results.md"
    session.run("python", "benchmarks/_common.py", "header", str(results))
    first = ["bench_minibatch.py", "bench_full_batch.py", "bench_memory.py"]
    others = sorted(
        p.name for p in (ROOT / "benchmarks").glob("bench_*.py") if p.name not in first
    )
    for name in first + others:
        script = ROOT / "benchmarks" / name
        session.run(
            "python",
            str(script.relative_to(ROOT)),
            env={
                "SGD_BENCH_RESULTS": str(results),
                "SGD_BENCH_QUICK": "1" if quick else "0",
                "MPLBACKEND": "Agg",
            },
        )
    # The docs include the reStructuredText twin (results.rst): they have no markdown parser.
    session.run("python", "benchmarks/_common.py", "rst", str(results))
    session.log(f"results written to {results} and {results.with_suffix('.rst')}")


if __name__ == "__main__":
    nox.main()
