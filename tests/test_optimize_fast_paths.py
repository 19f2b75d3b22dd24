"""The engine's speed-ups give exactly what the plain ways give.

* Shuffled batches are gathered through a 1-D integer view of ``x`` (one element per row) when
  the row is 2, 4 or 8 bytes wide: the same bits as ``x.index_select``, several times faster.
* Batch statistics are accumulated from a feature-major float64 buffer ``w = [xᵀ; yᵀ]`` as
  ``w wᵀ``, a slice of rows at a time: they must match ``xᵀx``, ``xᵀy`` and ``yᵀy`` computed
  directly, however the rows are sliced.
* The finiteness check of the data sums it first, and scans it element by element only when
  the sum is not finite (a NaN or inf in the data, or an overflow of finite values).
"""

from __future__ import annotations

import pytest
import torch

import sgd_tutorial.optimize as engine
from sgd_tutorial import make_linear_data, sgd


@pytest.mark.parametrize(
    ("k", "dtype", "word"),
    [
        (2, torch.float32, torch.int64),
        (1, torch.float64, torch.int64),
        (4, torch.float16, torch.int64),
        (1, torch.float32, torch.int32),
        (2, torch.float16, torch.int32),
        (1, torch.float16, torch.int16),
        (2, torch.bfloat16, torch.int32),
    ],
)
def test_rows_as_words_views_each_row_as_one_element(
    k: int, dtype: torch.dtype, word: torch.dtype
) -> None:
    x = torch.randn(50, k).to(dtype)
    words = engine._rows_as_words(x)
    assert words is not None
    assert words.dtype == word
    assert words.shape == (50,)
    assert words.data_ptr() == x.data_ptr()  # a view: nothing copied
    picked = torch.tensor([7, 0, 49, 7, 3])
    gathered = words.index_select(0, picked).view(dtype).view(-1, k)
    assert torch.equal(gathered, x.index_select(0, picked))


def test_rows_as_words_declines_what_it_cannot_view() -> None:
    base = torch.randn(50, 3)
    assert engine._rows_as_words(base) is None  # 12-byte rows: no such word
    assert engine._rows_as_words(torch.randn(50, 2, dtype=torch.float64)) is None  # 16 bytes
    assert engine._rows_as_words(base[:, :2]) is None  # not contiguous
    misaligned = torch.randn(101)[1:].view(50, 2)  # starts half a word in
    assert engine._rows_as_words(misaligned) is None


def _fit(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    fit = sgd(x, y, lr=0.1, epochs=3, batch_size=16, momentum=0.5, seed=0)
    return fit.params, fit.losses


def test_gathering_through_words_changes_no_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_linear_data(1000, seed=0)
    assert engine._rows_as_words(data.x) is not None
    fast = _fit(data.x, data.y)
    monkeypatch.setattr(engine, "_rows_as_words", lambda x: None)  # noqa: ARG005
    plain = _fit(data.x, data.y)
    assert torch.equal(fast[0], plain[0])
    assert torch.equal(fast[1], plain[1])


@pytest.mark.parametrize("layout", ["strided", "misaligned", "offset by a whole row"])
def test_any_layout_of_x_gives_the_same_fit(layout: str) -> None:
    data = make_linear_data(600, seed=1)
    if layout == "strided":
        wide = torch.zeros(600, 3)
        wide[:, :2] = data.x
        x = wide[:, :2]
    elif layout == "misaligned":
        flat = torch.zeros(1201)
        x = flat[1:].view(600, 2)
        x.copy_(data.x)
    else:
        x = torch.cat([torch.zeros(1, 2), data.x])[1:]
    assert torch.equal(x, data.x)
    expected = _fit(data.x, data.y)
    got = _fit(x, data.y)
    assert torch.equal(got[0], expected[0])
    assert torch.equal(got[1], expected[1])


def test_the_finiteness_check_tells_overflow_from_nan_and_inf() -> None:
    huge = torch.full((10, 2), 3e38)  # finite, but its sum overflows float32
    fit = sgd(huge[:, :1].clone(), torch.zeros(10), [0.0], lr=1e-90, epochs=1, seed=0)
    assert fit.steps == 2
    for bad in (float("nan"), float("inf"), -float("inf")):
        x = torch.ones(10, 2)
        x[4, 0] = bad
        with pytest.raises(ValueError, match="x must contain only finite values"):
            sgd(x, torch.ones(10), epochs=1)
    both = torch.ones(10, 2)
    both[1, 0], both[2, 0] = float("inf"), -float("inf")  # their sum is NaN, not a cancellation
    with pytest.raises(ValueError, match="x must contain only finite values"):
        sgd(both, torch.ones(10), epochs=1)
    y = torch.zeros(10)
    y[9] = float("nan")
    with pytest.raises(ValueError, match="y must contain only finite values"):
        sgd(torch.ones(10, 2), y, epochs=1)


@pytest.mark.parametrize("chunk_rows", [1, 7, 64, 1 << 16])
@pytest.mark.parametrize(("count", "size", "k"), [(1, 1000, 2), (5, 13, 3), (40, 1, 1), (3, 0, 2)])
def test_batch_statistics_match_the_direct_products(
    monkeypatch: pytest.MonkeyPatch, chunk_rows: int, count: int, size: int, k: int
) -> None:
    monkeypatch.setattr(engine, "_CHUNK_ROWS", chunk_rows)  # slices of every width
    generator = torch.Generator().manual_seed(0)
    xb = torch.randn(count, size, k, generator=generator)
    yb = torch.randn(count, size, generator=generator)
    gram, xty, yty = engine._batch_statistics(xb, yb, torch.float64)
    x64, y64 = xb.double(), yb.double()
    torch.testing.assert_close(gram, x64.mT @ x64, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(xty, (x64.mT @ y64[..., None])[..., 0], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(yty, (y64 * y64).sum(-1), rtol=1e-12, atol=1e-12)
    assert gram.dtype == xty.dtype == yty.dtype == torch.float64
