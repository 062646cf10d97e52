"""Errors users can cause or meet, each with the CLI exit code it maps to.

TimelineError              (1)
├── InvalidInputError      (2) bad journal, option or value; nothing was written
│   └── JournalInvalidError    every bad line of a journal, each with file:line
├── NotFoundError          (3) no such fact, actor, location or incident
├── ConflictError          (4) the fact changed under you; nothing was written
├── StoreError             (1) the store or its environment failed
└── IntegrityFailure       (1) `verify` found the log or read models altered
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


class TimelineError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = 1


class InvalidInputError(TimelineError):
    """Raised when input (a journal line, an option, a value) is invalid."""

    exit_code = 2


class JournalInvalidError(InvalidInputError):
    """Raised when a journal has bad lines; `problems` lists each as 'file:line: message'."""

    def __init__(self, problems: Sequence[str], total: int) -> None:
        self.problems = list(problems)
        self.total = total
        more = f" (showing {len(problems)} of {total})" if total > len(problems) else ""
        super().__init__(f"{total} invalid journal line(s){more}; nothing was written")


class NotFoundError(TimelineError):
    """Raised when a fact, actor, location or incident is not in the record."""

    exit_code = 3


class ConflictError(TimelineError):
    """Raised when a fact changed under the writer; nothing was written."""

    exit_code = 4


class StoreError(TimelineError):
    """Raised when the store or its environment fails (locked, unreachable, read-only)."""

    exit_code = 1


class IntegrityFailure(TimelineError):
    """Raised by verify when the log or the read models are not what was written."""

    exit_code = 1
