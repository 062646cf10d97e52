"""Read models in a scratch store: what `verify` replays the log into, on any store."""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from eventsourcing.sqlite import SQLiteDatastore

from timeline.persistence.sqlite import SQLiteTimelineView

if TYPE_CHECKING:
    from collections.abc import Iterator

    from timeline.projections.readmodel import TimelineView


@contextmanager
def scratch_view() -> Iterator[TimelineView]:
    """Empty read models in a temporary SQLite file, deleted on exit (a PostgreSQL
    record is compared through one too: no second database is needed)."""
    with tempfile.TemporaryDirectory(prefix="timeline-verify-") as scratch:
        datastore = SQLiteDatastore(str(Path(scratch) / "replay.db"))
        try:
            view = SQLiteTimelineView(datastore)
            view.create_table()
            yield view
        finally:
            datastore.close()
