"""Every tutorial in ``gallery/`` runs on its own and prints the numbers its prose talks about.

Each ``gallery/plot_*.py`` is run as its own process, from an empty temporary folder, with the
non-interactive matplotlib backend, exactly as a reader would run a downloaded script. The run
must exit 0, and its output must contain the key figures listed for it in ``EXPECTED`` below.

Writing a tutorial? Add an entry to ``EXPECTED``: a few ``Check`` s on the lines your prose
refers to. A check is a regular expression; give it ``low``/``high`` to also bound the number
its first group captures (keep the bounds loose enough for every device and seed-stable).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
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
        Check(rf"best line for this sample: slope {NUMBER}", 2.7, 3.3),
        Check(rf"best line for this sample: slope \S+, intercept {NUMBER}", 2.3, 2.7),
        Check(r"same x: True \| same y: True"),
        Check(rf"MSE of the guess \(-1, 1\): {NUMBER}", 5.0, 10.0),
        Check(rf"MSE of \(3, 2 \+ mean of noise\): +{NUMBER}", 0.05, 0.12),
        Check(r"mat1 and mat2 shapes cannot be multiplied \(1x2 and 100x2\)"),
        Check(r"shape of the difference: \(100, 100\)"),
        Check(r"ValueError: y_hat and y must have the same shape"),
    ],
    "plot_02_gradient_descent.py": [
        Check(r"parameter: [^|]*requires_grad=True\) \| requires_grad: True"),
        Check(rf"largest difference: {NUMBER}", 0.0, 1e-5),
        Check(rf"step +0 +loss {NUMBER}", 5.0, 10.0),
        Check(rf"step +90 +loss {NUMBER}", 0.05, 0.11),
        Check(r"Can't call numpy\(\) on Tensor that requires grad"),
        Check(rf"after 100 steps: {NUMBER} \(with zero_\(\)", 0.2, None),
        Check(r"a leaf Variable that requires grad is being used in an in-place operation"),
        Check(rf"max \|by hand - gradient_descent\|: {NUMBER}", 0.0, 1e-5),
        Check(rf"max \|by hand - least_squares\|: +{NUMBER}", 0.0, 0.05),
        Check(rf"excess {NUMBER}", 0.0, 1e-3),
    ],
    "plot_03_animate.py": [
        Check(r"recorded parameters: \(101, 2\) \| recorded losses: \(100,\)"),
        Check(rf"(?m)^ +100 +{NUMBER} +\S+$", 2.8, 3.3),
        Check(rf"loss at the first step \S+, at the last {NUMBER}", 0.05, 0.11),
        Check(rf"ratio: {NUMBER}", 2.0, 4.5),
        Check(r"SGD: 100 updates; GD: 100 updates"),
        Check(rf"SGD ends at .* with loss {NUMBER}", 0.05, 0.13),
    ],
    "plot_04_minibatch_sgd.py": [
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
    ],
    "plot_05_iterators_generators.py": [
        Check(r"Squares\(\[1, 2, 3\]\): \[1, 4, 9\]"),
        Check(r"RuntimeError: generator raised StopIteration"),
        Check(r"with_next\(\[\]\): \[\]"),
        Check(r"with_next\(generator\): \[\(0, 1\), \(1, 4\), \(4, 9\)\]"),
        Check(rf"SGD: share of negative differences, second half: {NUMBER}", 0.3, 0.7),
        Check(rf"stopped after update {NUMBER}", 1, 3999),
        Check(r"snapshots match the stored trajectory: True"),
    ],
    "plot_06_learning_rate.py": [
        Check(r"DivergenceError: the loss or parameters became NaN or infinite at step \d+"),
        Check(rf"stable learning rates: lr < 2 / lambda_max = {NUMBER}", 0.8, 1.1),
        Check(rf"condition number lambda_max / lambda_min: {NUMBER}", 2.0, 4.5),
        Check(r"lr = 1\.1 x bound .* DivergenceError at update (\d+) \(predicted: \1\)"),
        Check(rf"lr 0\.1 on \(-30, 30\): DivergenceError at update {NUMBER}", 1, 100),
        Check(rf"\(-30, 30\): stable learning rates lr < {NUMBER}", 2e-3, 5e-3),
        Check(r"gradient of sse / gradient of mse: \[100\. 100\.\] \(n = 100\)"),
    ],
    "plot_07_momentum_optim.py": [
        Check(rf"(?m)^ +0\.0 +100 +{NUMBER}", 0.0, 2e-6),
        Check(rf"(?m)^ +0\.9 +100 +{NUMBER}", 0.0, 2e-6),
        Check(rf"condition number kappa = {NUMBER}", 20.0, 300.0),
        Check(rf"(?m)^gradient descent +\S+ +\S+ +\S+ +{NUMBER}$", 50, 1000),
        Check(rf"(?m)^heavy ball +\S+ +\S+ +\S+ +{NUMBER}$", 5, 100),
        Check(rf"nn\.Linear: slope {NUMBER}", 2.7, 3.3),
    ],
    "plot_08_devices_scale.py": [
        Check(r"resolve_device\('auto'\) -> (cpu|cuda:\d+|mps)"),
        Check(r"resolve_device\('mps'\) -> "),
        Check(
            rf"log-log slope of our times between n = 100,000 and n = 1,000,000: {NUMBER}",
            0.3,
            1.5,
        ),
        Check(r"one \.item\(\)"),
    ],
    "plot_09_data_parallel.py": [
        Check(rf"largest difference from the whole: +{NUMBER}", 0.0, 1e-5),
        Check(r"rank 0 coef: (\[[^]]+\])\n +rank 1 coef: \1\n"),
        Check(rf"max \|difference\| of the parameters over all updates: {NUMBER}", 0.0, 1e-5),
        Check(rf"max \|difference\| of the batch losses over all updates: {NUMBER}", 0.0, 1e-5),
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


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_tutorial_runs_and_prints_its_figures(script: Path, tmp_path: Path) -> None:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8"}
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
