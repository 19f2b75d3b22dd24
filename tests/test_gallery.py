"""The tutorials in ``gallery/`` are well formed and check their own claims.

Each tutorial checks what it says where it says it: a sentence of prose that states a measured
fact (a comparison, a bound, "zero to within 1e-6", "falls like 1/b") is followed, in the same or
the next code cell, by a plain ``assert`` whose message a reader can understand, with the
measured numbers in it::

    # %%
    # Three implementations, one trajectory: they agree to float32 rounding.

    gap = float((by_hand - package.params).abs().max())
    print(f"largest difference, by hand vs sgd(): {gap:.1e}")
    assert gap < 1e-5, f"by hand and sgd() differ by {gap:.1e}, more than float32 rounding"

Margins come from the maths (rounding level, a bound over many seeds), never from one run on one
machine, so that a claim holds with other CPUs' rounding (``ATEN_CPU_CAPABILITY=default``), one or
two threads, and on a GPU. ``torch.testing.assert_close`` and ``math.isclose`` state closeness.
Timings are never asserted tightly: a tutorial states them qualitatively, with wide margins.

A claim that stops holding fails the tutorial, so it fails the site build (``nox -s docs``, which
executes every tutorial) and the run of every downloaded notebook from an empty folder (the
``docs`` tests): each tutorial runs twice per CI run, never in ``nox -s tests``. To run one by
hand: ``MPLBACKEND=Agg python gallery/plot_04_minibatch_sgd.py``.

These tests read the tutorials' source: a title, cells, a thumbnail, checks with messages, and
the closing exercises, each with its folded, executed solution.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "gallery"
SCRIPTS = sorted(GALLERY.glob("plot_*.py"))
# Sections that introduce or sum up rather than claim: they need no check of their own.
UNCHECKED_SECTIONS = {"Setup", "What to take away", "Exercises"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_tutorial_is_well_formed(script: Path) -> None:
    """A title and intro docstring, a chosen thumbnail, and ``# %%`` cells."""
    source = script.read_text(encoding="utf-8")
    doc = ast.get_docstring(ast.parse(source))
    assert doc, f"{script.name} needs a module docstring: the page title and introduction"
    lines = doc.strip().splitlines()
    assert len(lines) >= 3, f"{script.name}: a title, its underline, then an introduction"
    assert set(lines[1]) == {"="}, f"{script.name}: underline the title with ="
    assert re.search(r"^# sphinx_gallery_thumbnail_number = \d+$", source, re.MULTILINE), (
        f"{script.name}: choose its thumbnail with '# sphinx_gallery_thumbnail_number = N'"
    )
    assert "# %%" in source, f"{script.name}: split prose and code into '# %%' cells"


def _text_cells(source: str) -> list[str]:
    """The prose of each ``# %%`` cell (its leading comment lines, without the ``# ``)."""
    cells = []
    for cell in re.split(r"(?m)^# %%.*$", source)[1:]:
        lines = []
        for line in cell.strip("\n").splitlines():
            if not line.startswith("#"):
                break
            lines.append(line[2:] if line.startswith("# ") else line[1:])
        cells.append("\n".join(lines))
    return cells


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_tutorial_ends_with_exercises(script: Path) -> None:
    """The last section is ``Exercises``: 3-5 tasks, each with its folded, executed solution.

    The pattern (prose cells; the solution's code cells go between them)::

        # Exercises
        # ---------
        #
        # **Exercise 1.** Predict ..., then run it.
        #
        # .. raw:: html
        #
        #    <details class="sg-solution"><summary>Solution to exercise 1</summary>

        <the solution's code cells>

        # .. raw:: html
        #
        #    </details>
    """
    source = script.read_text(encoding="utf-8")
    prose = "\n".join(_text_cells(source))
    headings = [h for h, _ in re.findall(r"(?m)^(\S[^\n]*)\n(-{3,}|={3,})$", prose)]
    assert headings[-1:] == ["Exercises"], (
        f"{script.name}: its last section must be titled 'Exercises' (sections: {headings})"
    )
    exercises = prose[prose.rindex("Exercises\n---") :]
    numbers = [int(n) for n in re.findall(r"(?m)^\*\*Exercise (\d+)\.\*\*", exercises)]
    assert 3 <= len(numbers) <= 5, f"{script.name}: {len(numbers)} exercises, expected 3 to 5"
    assert numbers == list(range(1, len(numbers) + 1)), f"{script.name}: numbered {numbers}"
    tags = re.findall(r"<details\b[^>]*>\s*<summary>([^<]*)</summary>|(</details>)", exercises)
    expected = []
    for n in numbers:
        expected += [(f"Solution to exercise {n}", ""), ("", "</details>")]
    assert tags == expected, (
        f'{script.name}: each exercise needs one \'<details class="sg-solution"><summary>'
        f"Solution to exercise N</summary>' ... '</details>' pair, in order; found {tags}"
    )
    for n in numbers:
        task = re.search(rf"(?s)\*\*Exercise {n}\.\*\*(.*?)<details", exercises)
        assert task, f"{script.name}: exercise {n} has no task"
        assert task.group(1).strip(), f"{script.name}: exercise {n} has no task"
        start = source.index(f"Solution to exercise {n}<")
        solution = source[start : source.index("</details>", start)]
        code = [line for line in solution.splitlines() if line and not line.startswith("#")]
        assert code, f"{script.name}: the solution to exercise {n} runs no code"
        assert not re.search(r"(?m)^# (-{3,}|={3,})$", solution), (
            f"{script.name}: no section heading inside the solution to exercise {n}"
        )


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_tutorial_checks_its_claims(script: Path) -> None:
    """Checks with a message a reader can follow, at least as many as the sections that claim."""
    source = script.read_text(encoding="utf-8")
    checks = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Assert)]
    silent = [node.lineno for node in checks if node.msg is None]
    assert not silent, f"{script.name}: give each assert a message (lines {silent})"
    prose = "\n".join(_text_cells(source))
    sections = [h for h, _ in re.findall(r"(?m)^(\S[^\n]*)\n(-{3,})$", prose)]
    claiming = [h for h in sections if h not in UNCHECKED_SECTIONS]
    assert len(checks) >= len(claiming), (
        f"{script.name}: {len(checks)} checks for {len(claiming)} sections that make claims "
        f"({claiming}): check each measured claim where it is made"
    )
