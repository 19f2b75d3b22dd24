"""The package's namespace: one sorted ``__all__``, and matplotlib loaded only when drawing."""

from __future__ import annotations

import subprocess
import sys

import pytest

import sgd_tutorial
from sgd_tutorial import animation, plotting


def test_all_is_sorted_and_complete() -> None:
    assert sgd_tutorial.__all__ == sorted(sgd_tutorial.__all__)
    for name in sgd_tutorial.__all__:
        assert getattr(sgd_tutorial, name) is not None


def test_drawing_names_are_the_submodules_objects() -> None:
    assert sgd_tutorial.plot_fit is plotting.plot_fit
    assert sgd_tutorial.FitAnimation is animation.FitAnimation
    with pytest.raises(AttributeError, match="has no attribute 'plot_fits'"):
        _ = sgd_tutorial.plot_fits


def test_fitting_does_not_import_matplotlib() -> None:
    code = (
        "import sys, sgd_tutorial as s; d = s.make_linear_data(50, seed=0); s.sgd(d.x, d.y); "
        "print('matplotlib' in sys.modules); s.plot_data; print('matplotlib' in sys.modules)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert shown.stdout.split() == ["False", "True"]
