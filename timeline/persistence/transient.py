"""Which store failures are worth trying again: lost lock races, not broken stores.

PostgreSQL aborts one transaction of a deadlock (40P01) or of a serialization
conflict (40001) and may time out waiting for a lock (55P03); SQLite reports a write
lock it could not get within its timeout as "database is locked". Each leaves the
store as it was, so the transaction can simply run again.
"""

from __future__ import annotations

import random
import time

TRANSIENT_SQLSTATES = frozenset({"40P01", "40001", "55P03"})
_TRANSIENT_TEXT = ("deadlock detected", "could not serialize access", "database is locked", "lock timeout")
RETRIES = 8


def is_transient(error: BaseException) -> bool:
    """True if `error` (or what caused it) is a failure that trying again can cure."""
    seen: BaseException | None = error
    for _ in range(8):
        if seen is None:
            return False
        if getattr(seen, "sqlstate", None) in TRANSIENT_SQLSTATES:
            return True
        if any(text in str(seen).lower() for text in _TRANSIENT_TEXT):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def backoff(attempt: int) -> None:
    """Wait before attempt `attempt + 1`: growing, with jitter so racers spread out."""
    time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))  # noqa: S311 (not crypto)
