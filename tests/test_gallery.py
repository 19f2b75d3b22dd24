"""Every tutorial in ``gallery/`` runs on its own and prints the numbers its prose talks about.

Each ``gallery/plot_*.py`` is run as its own process, from an empty temporary folder, with the
non-interactive matplotlib backend, exactly as a reader would run a downloaded script. The run
must exit 0, and its output must contain the key figures listed for it in ``EXPECTED`` below.

Writing a tutorial? Add an entry to ``EXPECTED``: a few ``Check`` s on the lines your prose
refers to. A check is a regular expression; give it ``low``/``high`` to also bound the number
its first group captures (keep the bounds loose enough for every device and seed-stable).

Every tutorial ends with a section titled ``Exercises``: 3 to 5 predict-then-run tasks, each
followed by its solution folded away in ``<details>`` (the pattern is in
``test_tutorial_ends_with_exercises``). The solutions are code cells of the script, so running
the tutorial runs them. A tutorial that animates writes its videos to files and prints their
absolute paths; the run checks that each printed file exists and is not empty.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "gallery"
SCRIPTS = sorted(GALLERY.glob("plot_*.py"))
# The issue asks for < 20 s per tutorial on our 2-core machines; the test allows slack for a
# loaded machine (override with GALLERY_TIME_LIMIT) and prints each measured time.
TIME_LIMIT = float(os.environ.get("GALLERY_TIME_LIMIT", "60"))
NUMBER = r"([-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"
# Calls that make an animation: a tutorial with one must write it to a file when run as a script.
ANIMATES = re.compile(r"\b(animate_fit|animate_descent|FuncAnimation)\(")
# An absolute path to a video the script printed.
VIDEO_PATH = re.compile(r"(?<![.\w])(/\S+\.(?:mp4|gif|html))\b")


@dataclass(frozen=True)
class Check:
    """A regular expression the output must match; ``low``/``high`` bound its first group."""

    pattern: str
    low: float | None = None
    high: float | None = None

    def verify(self, output: str, script: str) -> None:
        match = re.search(self.pattern, output)
        assert match, (
            f"{script}: no output line matches {self.pattern!r}\n--- output ---\n{output}"
        )
        if self.low is None and self.high is None:
            return
        value = float(match.group(1))
        low = -float("inf") if self.low is None else self.low
        high = float("inf") if self.high is None else self.high
        assert low <= value <= high, (
            f"{script}: {match.group(0)!r} gives {value}, expected it in [{low}, {high}]"
        )


# The key figures of each tutorial, by file name. Every plot_*.py must have an entry.
EXPECTED: dict[str, list[Check]] = {
    "plot_01_the_problem.py": [
        Check(r"shape of x: \(100, 2\)"),
        Check(rf"mean of the noise: {NUMBER}", 0.35, 0.65),
        Check(rf"smallest and largest height above the line y = 3u \+ 2: {NUMBER}", 0.0, 0.1),
        Check(rf"least-squares line for this sample: slope {NUMBER}", 2.7, 3.3),
        Check(rf"least-squares line for this sample: slope \S+, intercept {NUMBER}", 2.3, 2.7),
        Check(r"same x: True \| same y: True"),
        Check(rf"MSE of the guess \(-1, 1\): {NUMBER}", 5.0, 10.0),
        Check(rf"MSE of \(3, 2 \+ mean of noise\): +{NUMBER}", 0.05, 0.12),
        Check(rf"MSE of the least-squares line: +{NUMBER}", 0.05, 0.12),
        Check(r"mat1 and mat2 shapes cannot be multiplied \(1x2 and 100x2\)"),
        Check(r"shape of the difference: \(100, 100\)"),
        Check(rf"trained with the bug: +slope {NUMBER}", -0.01, 0.01),
        Check(rf"MSE of the bug's line: {NUMBER}", 1.0, None),
        Check(r"ValueError: y_hat and y must have the same shape"),
        Check(r"MSE\(true\) - MSE\(shifted\): +(\S+)\n\(mean of the noise\)\^2: +\1\n"),
    ],
    "plot_02_gradient_descent.py": [
        Check(r"parameter: [^|]*requires_grad=True\) \| requires_grad: True"),
        Check(rf"largest difference: {NUMBER}", 0.0, 1e-5),
        Check(r"df/dw = 8 "),
        Check(r"w\.grad = 18 \(8 \+ 10\)"),
        Check(rf"step +0 +loss {NUMBER}", 5.0, 10.0),
        Check(rf"step +90 +loss {NUMBER}", 0.05, 0.11),
        Check(r"Can't call numpy\(\) on Tensor that requires grad"),
        Check(rf"after 100 steps: {NUMBER} \(with zero_\(\)", 0.2, None),
        Check(rf"max \|forgetful loop - SGD\(momentum=1\.0\)\| over 100 steps: {NUMBER}", 0, 1e-4),
        Check(rf"beta = 1\.0 \(no zero_\(\)\): \S+ to {NUMBER}", 1.0, None),
        Check(rf"beta = 0\.9: +\S+ to {NUMBER}", 0.05, 0.2),
        Check(r"a leaf Variable that requires grad is being used in an in-place operation"),
        Check(r"is_leaf: False"),
        Check(r"a\.grad after the second backward\(\): None"),
        Check(r"TypeError: unsupported operand type\(s\) for \*: 'float' and 'NoneType'"),
        Check(rf"max \|by hand - gradient_descent\|: {NUMBER}", 0.0, 1e-5),
        Check(rf"max \|by hand - least_squares\|: +{NUMBER}", 0.0, 0.05),
        Check(rf"excess {NUMBER}", 0.0, 1e-3),
        Check(r"w\.grad = 6\n"),
    ],
    "plot_03_animate.py": [
        Check(r"recorded parameters: \(101, 2\) \| recorded losses: \(100,\)"),
        Check(rf"(?m)^ +100 +{NUMBER} +\S+$", 2.8, 3.3),
        Check(rf"loss at the first step \S+, at the last {NUMBER}", 0.05, 0.11),
        Check(rf"to_jshtml\(\): +\S+ s, +{NUMBER} KiB", 1000, 6000),
        Check(rf"to_html5_video\(\): +\S+ s, +{NUMBER} KiB", 20, 400),
        Check(rf"to_html\(\): +\S+ s, +{NUMBER} KiB", 10, 200),
        Check(rf"against to_html5_video\(\): {NUMBER} times faster", 2.0, None),
        Check(rf"ratio: {NUMBER}", 2.0, 4.5),
        Check(r"SGD: 100 updates of 5 samples; GD: 100 updates of 100 samples"),
        Check(rf"SGD ends at .*, {NUMBER} from least squares", 0.0, 0.02),
        Check(rf"GD  ends at .*, {NUMBER} from least squares", 0.0, 0.02),
        Check(r"fit animation written to /\S+/fit\.mp4"),
        Check(rf"max \|sgd\(batch_size=n\) - gradient_descent\|: {NUMBER}", 0.0, 1e-5),
    ],
    "plot_04_minibatch_sgd.py": [
        Check(r"updates: by hand 200, sgd 200, DataLoader 200"),
        Check(rf"largest difference, by hand vs sgd\(\): +{NUMBER}", 0.0, 1e-5),
        Check(rf"largest difference, by hand vs DataLoader: +{NUMBER}", 0.0, 1e-5),
        Check(r"backward\(\) #2: RuntimeError: Trying to backward through the graph a second"),
        Check(r"gradient at the first update: tensor\(\[0\., 0\.\]"),
        Check(r"after 200 updates: a = \[-1\.  1\.\] \(it started at \[-1\.  1\.\]\)"),
        Check(r"total iterations: 200 \(sgd recorded 200 updates\)"),
        Check(r"epoch 1: 20 batches, .* each exactly once: True"),
        Check(rf"share unseen, mean over \d+ epochs: {NUMBER}", 0.34, 0.39),
        Check(rf"theory \(1 - 1/n\)\^n: {NUMBER}", 0.365, 0.367),
        Check(rf"gradient descent loss after 200 updates: {NUMBER}", 0.05, 0.11),
        Check(
            rf"log-log slope of the excess against batch size \(with replacement\): {NUMBER}",
            -1.4,
            -0.7,
        ),
        Check(r"n = 100: 12 updates, batch sizes of the first epoch: \[30, 30, 30, 10\]"),
        Check(rf"(?m)^ratio: {NUMBER}", 0.3, 0.7),
    ],
    "plot_05_iterators_generators.py": [
        Check(r"Squares\(\[1, 2, 3\]\): \[1, 4, 9\]"),
        Check(r"3 batches per epoch\nnext: a batch of x \(40, 2\)"),
        Check(r"next: a batch of x \(20, 2\) and y \(20,\)\nnext: StopIteration"),
        Check(r"RuntimeError: generator raised StopIteration"),
        Check(r"with_next\(\[\]\): \[\]"),
        Check(r"with_next\(generator\): \[\(0, 1\), \(1, 4\), \(4, 9\)\]"),
        Check(rf"SGD: share of negative differences, second half: {NUMBER}", 0.3, 0.7),
        Check(rf"update +0: change / previous change = {NUMBER}", 0.6, 0.85),
        Check(rf"update +60: change / previous change = {NUMBER}", 0.85, 0.88),
        Check(rf"flat direction {NUMBER}", 0.85, 0.88),
        Check(rf"stopped after update {NUMBER}", 1, 3999),
        Check(r"snapshots match the stored trajectory: True"),
        Check(r"3 batches, 2 pairs"),
    ],
    "plot_06_learning_rate.py": [
        Check(r"DivergenceError: the loss or parameters became NaN or infinite at step \d+"),
        Check(rf"stable learning rates: lr < 2 / lambda_max = {NUMBER}", 0.8, 1.1),
        Check(rf"condition number lambda_max / lambda_min: {NUMBER}", 2.0, 4.5),
        # The intercept, not the slope, is the steep direction (REFERENCE §5).
        Check(rf"top eigenvector \(slope, intercept\): \(\S+, {NUMBER}\)", 0.99, 1.0),
        Check(rf"top eigenvector \(slope, intercept\): \({NUMBER},", -0.1, 0.1),
        Check(rf"lr 1\.5, last finite parameters, slope / intercept: {NUMBER}", -0.1, 0.1),
        Check(rf"best constant rate 2 / \(lambda_max \+ lambda_min\): {NUMBER}", 0.6, 0.85),
        # At the best rate both factors are equal (the table's middle row).
        Check(r"(?m)^ +\S+ +(\d\.\d+) +\1 +\1$"),
        Check(r"lr = 1\.1 x bound .* DivergenceError at update (\d+) \(predicted: \1\)"),
        Check(
            r"explorer, lr = 0\.9 x bound: \.\./explorer\.html\?lr=[\d.]+&momentum=0&batch=100&"
        ),
        Check(rf"lr 0\.1 on \(-30, 30\): DivergenceError at update {NUMBER}", 1, 100),
        Check(rf"\(-30, 30\): stable learning rates lr < {NUMBER}", 2e-3, 5e-3),
        Check(r"gradient of sse / gradient of mse: \[100\. 100\.\] \(n = 100\)"),
        Check(r"predicted overflow at update (\d+)\nDivergenceError at update \1\n"),
        Check(rf"DivergenceError at update \d+; last finite slope {NUMBER}", 1e10, None),
        Check(rf"1\.1 x that rate: summed loss after 100 updates {NUMBER}", 1e6, None),
    ],
    "plot_07_momentum_optim.py": [
        Check(rf"(?m)^ +0\.0 +100 +{NUMBER}", 0.0, 2e-6),
        Check(rf"(?m)^ +0\.9 +100 +{NUMBER}", 0.0, 2e-6),
        Check(rf"condition number kappa = {NUMBER}", 20.0, 300.0),
        Check(rf"(?m)^gradient descent +\S+ +\S+ +\S+ +{NUMBER}$", 50, 1000),
        Check(rf"(?m)^heavy ball +\S+ +\S+ +\S+ +{NUMBER}$", 5, 100),
        Check(rf"steps to the tolerance, heavy ball / gradient descent: {NUMBER}", 0.0, 0.5),
        Check(r"explorer, momentum 0\.9: \.\./explorer\.html\?lr=0\.1&batch=5&steps=100&"),
        Check(rf"nn\.Linear: slope {NUMBER}", 2.7, 3.3),
        Check(rf"0\.9 x: first loss \S+, last loss {NUMBER}", 0.05, 0.11),
        Check(r"1\.1 x: DivergenceError at step \d+"),
        Check(rf"momentum 0\.9: 100th step \S+, / \(lr x gradient\) = {NUMBER}", 9.9, 10.0),
    ],
    "plot_08_devices_scale.py": [
        Check(r"resolve_device\('auto'\) -> (cpu|cuda:\d+|mps)"),
        Check(r"resolve_device\('mps'\) -> "),
        # Timings vary with the machine: only that the figures and their reading are printed.
        Check(rf"fitted log-log slope for n >= 100,000: {NUMBER}; on this run the time grew "),
        Check(r"one \.item\(\)"),
        Check(r"n grew 1,000x; the time per step changed \S+x, "),
        # Recorded losses are exact even with targets offset by 1e8 (issue 11).
        Check(rf"recorded vs from residuals, over 20 steps: {NUMBER}", 0.0, 1e-6),
        Check(r"drop_last=False: 245 updates\ndrop_last=True: 244 updates"),
    ],
    "plot_09_data_parallel.py": [
        Check(rf"largest difference from the whole: +{NUMBER}", 0.0, 1e-5),
        Check(r"step 0, each rank's gradient on its 32 rows: \[\[\S+, \S+\], \[\S+, \S+\]\]"),
        Check(r"2 ranks, global batch 64, 780 updates"),
        Check(r"final coef on each rank: \[(\[[^]]+\]), \1\]"),
        Check(rf"max \|sgd_distributed - by hand\| over all updates: {NUMBER}", 0.0, 1e-5),
        Check(rf"max \|sgd_distributed - DDP\| over all updates: {NUMBER}", 0.0, 1e-5),
        Check(
            rf"max \|sgd_distributed - single-process sgd\| over all updates: {NUMBER}", 0, 1e-5
        ),
        Check(rf"largest difference, plain: +{NUMBER}", 0.01, None),
        Check(rf"largest difference, weighted: +{NUMBER}", 0.0, 1e-5),
        Check(rf"W = 8: largest difference from iter_sgd over \d+ updates {NUMBER}", 0.0, 1e-5),
        Check(r"W = 4: global batch 128, +390 updates"),
    ],
    "plot_10_neural_network.py": [
        Check(rf"best line: slope \S+, intercept \S+, MSE {NUMBER}", 0.3, 0.5),
        Check(rf"nn\.Linear\(1, 1\) by the loop: MSE {NUMBER}", 0.3, 0.5),
        Check(rf"two-layer net, 32 hidden units, 97 parameters: MSE {NUMBER}", 0.008, 0.03),
        Check(
            rf"the loop's shuffles: .*\n.*\n +largest difference from the hand-trained net: {NUMBER}",
            0.0,
            1e-4,
        ),
        Check(r"video written to \S+\.mp4"),
        Check(r"3s and 7s: 362 images \(179 sevens\), 64 inputs each"),
        Check(
            rf"MLP, 128 hidden units after \d+ epochs: .* validation loss \S+, accuracy {NUMBER}",
            0.95,
            1.0,
        ),
        Check(rf"MLP, 128 hidden units: lowest .*, training accuracy {NUMBER}", 0.95, 1.0),
        Check(rf"MLP, 128 hidden units: lowest validation loss {NUMBER}", 0.0, 0.5),
        Check(r"lambda_max from the formula (\S+), by power iteration \1"),
        Check(
            rf"MLP: largest multiple of 2/lambda_max\(start\) that stayed finite: {NUMBER}", 1, 16
        ),
        Check(rf"two linear layers, no ReLU: MSE {NUMBER}", 0.3, 0.5),
    ],
    "plot_11_schedules_adaptive.py": [
        Check(r"excess at \(-1, 1\): from the formula (\S+), as a difference of losses \1"),
        Check(rf"(?m)^ +constant +\S+ +\S+ +\S+ +{NUMBER}$", 1e-4, 3e-3),
        Check(rf"(?m)^ +1/t +\S+ +\S+ +\S+ +{NUMBER}$", 0.0, 1e-5),
        Check(rf"(?m)^ +Polyak averaging \(constant rate\) +\S+ +\S+ +\S+ +{NUMBER}$", 0.0, 1e-5),
        Check(rf"heavy ball: {NUMBER}", 3.7, 3.81),
        Check(rf"Nesterov: +{NUMBER}", 1.32, 1.36),
        Check(rf"largest relative gap between measurement and theory: {NUMBER}%", 0.0, 1.0),
        Check(rf"along the axes: .* after diagonal rescaling {NUMBER}", 1.0, 1.5),
        Check(rf"rotated 45 degrees: .* after diagonal rescaling {NUMBER}", 100, 1000),
        Check(rf"along the axes \| +Adam, lr 0\.1: +\S+ +{NUMBER}", 0.0, 1e-6),
        Check(rf"rotated 45 degrees \| +Adam, lr 0\.1: +\S+ +{NUMBER}", 0.05, 100),
        Check(rf"(?m)^ +1 \| +\S+ \| +{NUMBER}$", 0.5, 0.9),
        Check(rf"(?m)^ +100 \| +\S+ \| +{NUMBER}$", 0.97, 1.01),
        Check(rf"Nesterov, momentum 0\.5: predicted \S+, measured {NUMBER}", 0.0027, 0.0029),
    ],
}


def test_every_tutorial_has_expected_output() -> None:
    missing = [s.name for s in SCRIPTS if s.name not in EXPECTED]
    assert not missing, f"add the key figures of {missing} to EXPECTED in {__file__}"
    stale = sorted(set(EXPECTED) - {s.name for s in SCRIPTS})
    assert not stale, f"EXPECTED lists tutorials that do not exist: {stale}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_tutorial_is_well_formed(script: Path) -> None:
    """A title and intro docstring, a chosen thumbnail, and the reader's best device."""
    source = script.read_text(encoding="utf-8")
    doc = ast.get_docstring(ast.parse(source))
    assert doc, f"{script.name} needs a module docstring: the page title and introduction"
    lines = doc.strip().splitlines()
    assert len(lines) >= 3, f"{script.name}: a title, its underline, then an introduction"
    assert set(lines[1]) == {"="}, f"{script.name}: underline the title with ="
    assert re.search(r"^# sphinx_gallery_thumbnail_number = \d+$", source, re.MULTILINE), (
        f"{script.name}: choose its thumbnail with '# sphinx_gallery_thumbnail_number = N'"
    )
    assert 'resolve_device("auto")' in source, f"{script.name}: use resolve_device('auto')"
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


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_tutorial_runs_and_prints_its_figures(script: Path, tmp_path: Path) -> None:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8"}
    # The script may write its videos to the system's temporary folder: give it one of its own.
    videos_dir = Path(tempfile.mkdtemp(prefix=f"{script.stem}-videos-"))
    env.update(TMPDIR=str(videos_dir), TEMP=str(videos_dir), TMP=str(videos_dir))
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=max(TIME_LIMIT * 2, 120),
        check=False,
    )
    elapsed = time.perf_counter() - start
    print(f"{script.name}: {elapsed:.1f} s")
    assert result.returncode == 0, (
        f"{script.name} exited {result.returncode}\n--- stdout ---\n{result.stdout}"
        f"\n--- stderr ---\n{result.stderr}"
    )
    for check in EXPECTED.get(script.name, []):
        check.verify(result.stdout, script.name)
    assert elapsed < TIME_LIMIT, f"{script.name} took {elapsed:.1f} s (limit {TIME_LIMIT} s)"
    assert not list(tmp_path.iterdir()), f"{script.name} left files in its working folder"
    try:
        videos = [Path(p) for p in VIDEO_PATH.findall(result.stdout)]
        if ANIMATES.search(script.read_text(encoding="utf-8")):
            assert videos, f"{script.name} animates: it must save its videos and print the paths"
        for video in videos:
            assert video.is_file(), f"{script.name} printed {video}, which does not exist"
            assert video.stat().st_size > 0, f"{script.name}: {video} is empty"
    finally:
        shutil.rmtree(videos_dir, ignore_errors=True)
