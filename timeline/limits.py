"""Sizes and limits of an append, shared by its check (`validation`) and its write (`application`)."""

import gc
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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


BULK_GC_THRESHOLD = (50_000, 20, 100)
"""The cyclic collector's thresholds during a bulk write or replay (Python's are
(700, 10, 10)). Such work allocates millions of short-lived, acyclic objects (rows,
payloads, events), freed by reference counting; at the default thresholds the collector
ran ~3,600 times in a 50,000-line append and took a quarter of its CPU time, scanning
the same long-lived objects again and again."""


_bulk_lock = threading.Lock()
_bulk_depth = 0
_normal_threshold: tuple[int, ...] = gc.get_threshold()


@contextmanager
def bulk_collection() -> Iterator[None]:
    """Run the cyclic garbage collector rarely while the block runs (see
    `BULK_GC_THRESHOLD`). The thresholds are the process's: blocks running at once in
    several threads (`timeline serve`) share the setting, and the last to finish puts
    the previous thresholds back."""
    global _bulk_depth, _normal_threshold
    with _bulk_lock:
        if _bulk_depth == 0:
            _normal_threshold = gc.get_threshold()
            gc.set_threshold(*BULK_GC_THRESHOLD)
        _bulk_depth += 1
    try:
        yield
    finally:
        with _bulk_lock:
            _bulk_depth -= 1
            if _bulk_depth == 0:
                gc.set_threshold(*_normal_threshold)
