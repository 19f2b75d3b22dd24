"""What every fit shares: settings checked once, the start and record, the NaN checks."""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pytest
import torch

from sgd_tutorial import gradient_descent, iter_sgd, sgd, sgd_distributed
from sgd_tutorial.engine import START, Settings, first_bad, params_dtype, record, setup

GIVEN = {
    "lr": 0.1, "epochs": 2, "batch_size": 5, "shuffle": True, "drop_last": False,
    "momentum": 0.0, "seed": None, "device": None,
}  # fmt: skip


def test_every_entry_point_takes_the_settings_and_nothing_else() -> None:
    # One declaration: a setting added to Settings must appear in each signature, and the
    # other way round, with the same default start.
    names = [f.name for f in dataclasses.fields(Settings)]
    for fit in (sgd, iter_sgd, sgd_distributed):
        parameters = inspect.signature(fit).parameters
        keywords = [p for p in parameters.values() if p.kind is p.KEYWORD_ONLY]
        assert [p.name for p in keywords if p.name != "group"] == names, fit.__name__
        assert parameters["init"].default is START
    assert inspect.signature(gradient_descent).parameters["init"].default is START


def test_settings_are_checked_once_into_plain_values() -> None:
    given = GIVEN | {
        "lr": torch.tensor(0.25),
        "epochs": np.int64(3),
        "shuffle": np.bool_(False),
        "seed": np.uint64(2**63),
        "device": "cpu:0",
    }
    settings = Settings.checked(**given)
    assert (settings.lr, settings.epochs, settings.shuffle) == (0.25, 3, False)
    assert settings.seed == 2**63
    assert type(settings.lr) is float
    assert type(settings.epochs) is int
    assert settings.device == torch.device("cpu")
    assert settings == Settings.checked(**given)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.lr = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "value", "error", "pattern"),
    [
        ("lr", 0.0, ValueError, r"lr must be a finite number > 0, got 0\.0"),
        ("epochs", np.array([3]), TypeError, r"epochs must be an integer, got an array of shape"),
        ("batch_size", torch.tensor([4]), TypeError, r"batch_size must be an integer, got an"),
        ("batch_size", 0, ValueError, r"batch_size must be an integer >= 1, got 0"),
        ("drop_last", 1, TypeError, r"drop_last must be True or False, got 1"),
        ("momentum", 1.0, ValueError, r"momentum must be in \[0, 1\), got 1\.0"),
        ("seed", np.array([1]), TypeError, r"seed must be an integer, got an array of shape"),
        ("device", "tpu", ValueError, r"device 'tpu' is not a device name"),
    ],
)
def test_each_setting_names_itself(
    name: str, value: object, error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        Settings.checked(**(GIVEN | {name: value}))


@pytest.mark.parametrize(
    ("x_dtype", "y_dtype", "recorded"),
    [
        (torch.float16, torch.float16, torch.float32),  # at least float32
        (torch.bfloat16, torch.float32, torch.float32),
        (torch.float32, torch.float32, torch.float32),  # so that x @ fit.coef works
        (torch.float32, torch.float64, torch.float64),  # the wider of the data's dtypes
        (torch.float64, torch.float32, torch.float64),
    ],
)
def test_params_in_the_datas_precision_losses_and_start_in_float64(
    x_dtype: torch.dtype, y_dtype: torch.dtype, recorded: torch.dtype
) -> None:
    x, y = torch.ones(4, 2, dtype=x_dtype), torch.zeros(4, dtype=y_dtype)
    _, _, start = setup(x, y, (3e38, -1.0), None)  # beyond float16's range, within float32's
    assert start.dtype == torch.float64  # the loop's
    assert start.tolist() == [3e38, -1.0]
    assert params_dtype(x, y) == recorded
    params, losses = record(start, 3, "steps", 3, recorded)
    assert (params.dtype, losses.dtype) == (recorded, torch.float64)
    assert params.shape == (4, 2)
    assert params[0].tolist() == start.to(recorded).tolist()


@pytest.mark.parametrize("dtype", [torch.float16, torch.float32])
def test_a_start_the_record_cannot_hold_is_refused(dtype: torch.dtype) -> None:
    x, y = torch.ones(4, 2, dtype=dtype), torch.zeros(4, dtype=dtype)
    with pytest.raises(ValueError, match=r"init=1e\+39 is beyond the range of torch\.float32"):
        setup(x, y, (1e39, -1.0), None)
    setup(x.double(), y, (1e39, -1.0), None)  # float64 data: its fit is recorded in float64


def test_a_record_too_large_names_the_argument() -> None:
    start = torch.zeros(2, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"epochs=10\*\*20 means 100000000000000000000 updates"):
        record(start, 10**20, "epochs", "10**20", torch.float64)


def test_first_bad() -> None:
    params = torch.zeros(5, 2, dtype=torch.float64)
    losses = torch.zeros(5, dtype=torch.float64)
    assert first_bad(params, losses) is None
    params[3, 1] = float("inf")
    assert first_bad(params, losses) == 3
    losses[1] = float("nan")
    assert first_bad(params, losses) == 1


def test_first_bad_when_the_sum_overflows() -> None:
    # Every value finite, their sum not: the quick check must not call that divergence.
    params = torch.full((4, 2), 1e308, dtype=torch.float64)
    losses = torch.full((4,), 1e308, dtype=torch.float64)
    assert first_bad(params, losses) is None
    params[2, 0] = -float("inf")
    assert first_bad(params, losses) == 2
