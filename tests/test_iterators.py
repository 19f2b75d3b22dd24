from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from sgd_tutorial import with_next


@given(st.lists(st.integers(), max_size=20))
def test_pairs(items: list[int]) -> None:
    assert list(with_next(items)) == list(pairwise(items))


def test_empty_and_single_yield_nothing() -> None:
    assert list(with_next([])) == []
    assert list(with_next(iter([]))) == []
    assert list(with_next([1])) == []


def test_lazy_on_generators() -> None:
    consumed: list[int] = []

    def numbers() -> Iterator[int]:
        for i in range(1_000_000):
            consumed.append(i)
            yield i

    pairs = with_next(numbers())
    assert next(pairs) == (0, 1)
    assert next(pairs) == (1, 2)
    assert consumed == [0, 1, 2]
