from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from sgd_tutorial import LinearData, make_linear_data


def test_lesson_layout(data: LinearData) -> None:
    assert data.x.shape == (100, 2)
    assert data.y.shape == (100,)
    assert data.n == 100
    torch.testing.assert_close(data.coef, torch.tensor([3.0, 2.0]))
    assert bool((data.x[:, -1] == 1).all())
    assert bool((data.x[:, 0] >= -1).all())
    assert bool((data.x[:, 0] < 1).all())
    noise = data.y - data.x @ data.coef
    assert float(noise.min()) >= 0.0
    assert float(noise.max()) < 1.0
    assert 0.4 < float(noise.mean()) < 0.6


def test_noise_kinds() -> None:
    clean = make_linear_data(1000, noise="none", seed=1)
    torch.testing.assert_close(clean.y, clean.x @ clean.coef)
    normal = make_linear_data(20_000, noise="normal", noise_scale=0.25, seed=1)
    residual = normal.y - normal.x @ normal.coef
    assert abs(float(residual.mean())) < 0.01
    assert abs(float(residual.std()) - 0.25) < 0.01
    assert float(residual.min()) < 0  # not uniform


def test_same_seed_same_data_and_generator_seed() -> None:
    a = make_linear_data(50, seed=7)
    b = make_linear_data(50, seed=7)
    c = make_linear_data(50, seed=8)
    assert torch.equal(a.x, b.x)
    assert torch.equal(a.y, b.y)
    assert not torch.equal(a.x, c.x)
    g1 = torch.Generator().manual_seed(7)
    g2 = torch.Generator().manual_seed(7)
    assert torch.equal(make_linear_data(5, seed=g1).y, make_linear_data(5, seed=g2).y)


def test_more_features_and_range() -> None:
    data = make_linear_data(64, coef=(1.0, -2.0, 0.5, 4.0), low=-30.0, high=30.0, seed=0)
    assert data.x.shape == (64, 4)
    assert bool((data.x[:, :3].abs() <= 30).all())
    assert float(data.x[:, :3].abs().max()) > 20


def test_dtype_and_device(device: str) -> None:
    data = make_linear_data(10, seed=3, device=device, dtype=torch.float64)
    assert data.x.dtype == data.y.dtype == data.coef.dtype == torch.float64
    assert data.x.device.type == device
    cpu = make_linear_data(10, seed=3, dtype=torch.float64)
    assert torch.equal(data.x.cpu(), cpu.x)  # bit-identical on every device
    assert torch.equal(data.y.cpu(), cpu.y)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 300),
    k=st.integers(2, 5),
    dtype=st.sampled_from([torch.float16, torch.bfloat16, torch.float32, torch.float64]),
    noise=st.sampled_from(["uniform", "normal", "none"]),
)
def test_shapes_and_dtypes(n: int, k: int, dtype: torch.dtype, noise: str) -> None:
    data = make_linear_data(n, coef=[1.0] * k, noise=noise, seed=0, dtype=dtype)  # type: ignore[arg-type]
    assert data.x.shape == (n, k)
    assert data.y.shape == (n,)
    assert data.coef.shape == (k,)
    assert data.x.dtype == data.y.dtype == dtype
    assert bool((data.x[:, -1] == 1).all())
    assert bool(torch.isfinite(data.y).all())


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"n": 0}, ValueError, r"n must be an integer >= 1, got 0"),
        ({"n": -3}, ValueError, r"n must be .* got -3"),
        ({"n": 2.5}, TypeError, r"n must be an integer, got 2\.5"),
        ({"n": True}, TypeError, r"n must be an integer, got True"),
        ({"coef": (3.0,)}, ValueError, r"coef must have at least 2 values"),
        ({"coef": "ab"}, TypeError, r"coef must be a sequence"),
        ({"coef": (1.0, float("nan"))}, ValueError, r"coef must be finite, got nan"),
        ({"low": 1.0, "high": 1.0}, ValueError, r"low must be < high, got low=1\.0 and high=1\.0"),
        ({"low": 2.0, "high": -2.0}, ValueError, r"low must be < high"),
        ({"low": float("-inf")}, ValueError, r"low must be finite"),
        ({"noise": "gaussian"}, ValueError, r"noise must be one of .* got 'gaussian'"),
        ({"noise_scale": -1.0}, ValueError, r"noise_scale must be finite and >= 0, got -1\.0"),
        ({"dtype": torch.int64}, TypeError, r"dtype must be a floating-point torch\.dtype"),
        ({"seed": "abc"}, TypeError, r"seed must be an integer, got 'abc'"),
        ({"device": "tpu"}, ValueError, r"device 'tpu' is not a device name; available"),
        ({"device": "cuda:7"}, ValueError, r"device 'cuda:7' is not available"),
    ],
)
def test_bad_input(kwargs: dict[str, object], error: type[Exception], pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        make_linear_data(**kwargs)  # type: ignore[arg-type]


# --- issue 22: values that the dtype cannot hold, and values users naturally pass -------------


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        # float16's largest value is 65504: these used to come back as inf, or as uniform_'s
        # RuntimeError ("from is out of bounds for c10::Half").
        ({"coef": (1e5, 0.0)}, r"coef=100000\.0 is beyond the range of torch\.float16"),
        ({"coef": (6e4, 6e4)}, r"y = x @ coef \+ noise overflows torch\.float16"),
        ({"noise_scale": 1e6}, r"y = x @ coef \+ noise overflows torch\.float16"),
        ({"low": -1e5}, r"low=-100000\.0 is beyond the range of torch\.float16"),
        ({"high": 7e4}, r"high=70000\.0 is beyond the range of torch\.float16"),
        ({"low": -4e4, "high": 4e4}, r"high - low must be within the range of torch\.float16"),
    ],
)
def test_values_beyond_the_dtype_are_refused(kwargs: dict[str, object], pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        make_linear_data(10, seed=0, dtype=torch.float16, **kwargs)  # type: ignore[arg-type]


def test_the_range_check_follows_the_dtype() -> None:
    # The same values fit float32; a span beyond float32's largest value (3.4e38) does not.
    wide = make_linear_data(10, coef=(1e5, 0.0), low=-1e5, high=1e5, seed=0)
    assert bool(torch.isfinite(wide.y).all())
    with pytest.raises(ValueError, match=r"high - low must be within the range of torch\.float32"):
        make_linear_data(10, low=-3e38, high=3e38, seed=0)
    with pytest.raises(ValueError, match=r"y = x @ coef \+ noise overflows torch\.float32"):
        make_linear_data(10, coef=(3e38, 3e38), seed=0)


@pytest.mark.parametrize("coef", [torch.tensor(3.0), np.array(3.0)], ids=["tensor", "array"])
def test_a_scalar_coef_is_named(coef: object) -> None:
    with pytest.raises(ValueError, match=r"coef must be 1-D, got (tensor\(3\.\)|array\(3\.\))"):
        make_linear_data(10, coef=coef)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "n", [np.array([5]), torch.tensor([5]), np.array([[5]])], ids=["array", "tensor", "2d"]
)
def test_n_as_a_one_element_array_is_named(n: object) -> None:
    with pytest.raises(TypeError, match=r"n must be an integer, got an array of shape"):
        make_linear_data(n)  # type: ignore[arg-type]


def test_0_dim_n_and_seed_work() -> None:
    expected = make_linear_data(5, seed=3)
    got = make_linear_data(np.int64(5), seed=torch.tensor(3))  # type: ignore[arg-type]
    assert torch.equal(got.x, expected.x)


def test_the_data_do_not_depend_on_the_cpus_kernels() -> None:
    """The same draws on another CPU's kernels (``ATEN_CPU_CAPABILITY=default``, unfused)."""
    cases = [(-30.0, 30.0, "float32"), (-7.3, 123.9, "float32"), (-7.3, 123.9, "float64")]
    cases += [(-3.0, 5.0, "float16")]
    code = (
        "import sys, torch, sgd_tutorial as st\n"
        f"for low, high, dtype in {cases!r}:\n"
        "    d = st.make_linear_data(500, low=low, high=high, seed=3, dtype=getattr(torch, dtype))\n"
        "    sys.stdout.write(d.x.double().numpy().tobytes().hex() + '\\n')\n"
    )
    env = {**os.environ, "ATEN_CPU_CAPABILITY": "default"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)  # the package imported here
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    there = done.stdout.split()
    for (low, high, dtype), other in zip(cases, there, strict=True):
        data = make_linear_data(500, low=low, high=high, seed=3, dtype=getattr(torch, dtype))
        assert data.x.double().numpy().tobytes().hex() == other, (low, high, dtype)
