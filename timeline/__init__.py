"""timeline: an event-sourced record of reported facts, read as timelines and audited."""

from timeline.application import Timeline
from timeline.bootstrap import open_timeline
from timeline.config import Settings
from timeline.errors import (
    ConflictError,
    IntegrityFailure,
    InvalidInputError,
    JournalInvalidError,
    NotFoundError,
    StoreError,
    TimelineError,
)

__all__ = [
    "ConflictError",
    "IntegrityFailure",
    "InvalidInputError",
    "JournalInvalidError",
    "NotFoundError",
    "Settings",
    "StoreError",
    "Timeline",
    "TimelineError",
    "open_timeline",
]
