"""Small iterator helpers used by the tutorials."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["with_next"]

T = TypeVar("T")


def with_next(iterable: Iterable[T]) -> Iterator[tuple[T, T]]:
    """Yield each item of ``iterable`` together with the one after it.

    Parameters
    ----------
    iterable : iterable
        Any iterable, consumed lazily (a generator works).

    Yields
    ------
    tuple
        ``(current, next)`` pairs: ``n - 1`` of them for ``n`` items, none for zero or one item.

    Examples
    --------
    >>> list(with_next([1, 2, 4]))
    [(1, 2), (2, 4)]
    >>> list(with_next([]))
    []
    """
    iterator = iter(iterable)
    # A bare next() would let StopIteration escape this generator on empty input, which
    # Python turns into a RuntimeError (PEP 479); catching it makes "no items" a normal case.
    try:
        current = next(iterator)
    except StopIteration:
        return
    for following in iterator:
        yield current, following
        current = following
