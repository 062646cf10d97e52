"""Sizes and limits of an append, shared by its check (`validation`) and its write (`application`)."""

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

BATCH_SIZE = 1000
"""Journal objects written per transaction, and facts checked against the store per query."""
MAX_REPORTED_ERRORS = 50
"""Problems of an input kept for the error message; all of them are counted."""


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last one shorter), without holding more than one list."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
