"""Small iterator helpers used by the tutorials."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["with_next"]

T = TypeVar("T")


def with_next(iterable: Iterable[T]) -> Iterator[tuple[T, T]]:
    """Yield each item of ``iterable`` (consumed lazily) with the one after it.

    >>> list(with_next([1, 2, 4])), list(with_next([]))
    ([(1, 2), (2, 4)], [])
    """
    iterator = iter(iterable)
    # A bare next() on empty input would let StopIteration out, a RuntimeError (PEP 479).
    for first in iterator:
        previous = first
        for following in iterator:
            yield previous, following
            previous = following
