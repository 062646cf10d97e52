"""The web layer's one door to the record (a stop-gap until `Timeline` owns a read
service: then this module goes, and the app calls that service instead).

Every method answers from the read models through `timeline.queries`; none writes.
With `catch_up`, each read first brings the read models up to the log; a server
with a follower keeping them current reads without taking any lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from timeline import queries
from timeline.application import Timeline
from timeline.interop import export
from timeline.persistence.chain import GENESIS
from timeline.results import (
    FactResult,
    Head,
    HistoryResult,
    LogEntry,
    SubjectsPage,
    TimelinePage,
    TimelineResult,
)

SETTLING = timedelta(seconds=60)
"""An as-of time this long past is settled: no write still in flight can land before it."""


@dataclass(frozen=True)
class TimelineAsk:
    """What a timeline request asks (the query string of `/api/actors/{name}` …)."""

    kind: str
    name: str
    as_of: str | None = None
    occurred_from: str | None = None
    occurred_to: str | None = None
    include_retracted: bool = False
    exact: bool = False
    limit: int | None = None
    cursor: str | None = None


class Reader:
    """Read verbs over one opened record."""

    def __init__(self, record: Timeline, *, catch_up: bool = True) -> None:
        self.record = record
        self.catch_up = catch_up

    def _ready(self) -> None:
        if self.catch_up:
            self.record.refresh()
            self.record.notes.clear()  # a server has no stderr to leave them on

    @property
    def _view(self) -> Any:
        return self.record.view

    def head(self) -> Head | None:
        """The chain head at the read models' position: what every current answer
        reflects. None when that position ends no appended batch (a replay stopped
        mid-batch): the answer then has no validator."""
        self._ready()
        position = self._view.tracking_position()
        if position == 0:
            return Head(digest=GENESIS.hex(), position=0)
        found = self.record.recorder.head_at(position)  # type: ignore[attr-defined]
        if found is None or found[0] != position:
            return None
        return Head(digest=found[1].hex(), position=position)

    def position(self) -> int:
        """The log position the read models have reached."""
        self._ready()
        return int(self._view.tracking_position())

    def resolve_as_of(self, as_of: str | None) -> int | None:
        """The log position an as-of means (None: now); InvalidInputError if unreadable."""
        return queries.resolve_as_of(self._view, as_of)

    def settled(self, as_of: str | None) -> bool:
        """Whether the answer as of `as_of` can never change: a position the read models
        hold, or a time long enough past that they hold everything recorded before it."""
        if as_of is None:
            return False
        position = queries.resolve_as_of(self._view, as_of)
        held = self._view.tracking_position()
        if as_of.strip().startswith("@"):
            return position is not None and position <= held
        instant = datetime.strptime(queries.as_of_instant(as_of), "%Y-%m-%dT%H:%M:%S.%fZ")
        caught_up = held >= (self.record.recorder.max_notification_id() or 0)
        return caught_up and instant.replace(tzinfo=UTC) < datetime.now(UTC) - SETTLING

    def timeline(self, ask: TimelineAsk) -> TimelinePage:
        self._ready()
        query = queries.TimelineQuery(
            ask.kind,
            ask.name,
            ask.as_of,
            ask.exact,
            ask.include_retracted,
            ask.occurred_from,
            ask.occurred_to,
            ask.limit,
        )
        return queries.timeline_page(self._view, query, ask.cursor)

    def subjects(
        self, kind: str, *, q: str | None, as_of: str | None, limit: int | None, cursor: str | None
    ) -> SubjectsPage:
        self._ready()
        return queries.subjects_page(self._view, kind, as_of, q, limit, cursor)

    def show(self, fact_id: str, as_of: str | None) -> FactResult:
        self._ready()
        return queries.show(self._view, fact_id, as_of)

    def history(self, fact_id: str, as_of: str | None) -> HistoryResult:
        self._ready()
        return queries.history(self._view, fact_id, as_of)

    def log(self, since: int, limit: int | None, as_of: str | None) -> list[LogEntry]:
        self._ready()
        position = queries.resolve_as_of(self._view, as_of)
        return queries.log_entries(self._view.iter_log(since, limit, position))

    def search(self, query: queries.SearchQuery) -> TimelineResult:
        self._ready()
        return queries.search(self._view, query)

    def export(self, ask: TimelineAsk, form: str) -> dict[str, Any]:
        """A timeline's facts as a GeoJSON FeatureCollection (`geojson`) or a TimelineJS
        story (`timelinejs`), as `timeline export` writes them."""
        self._ready()
        position = queries.resolve_as_of(self._view, ask.as_of)
        selection = queries.timeline(
            self._view,
            queries.TimelineQuery(ask.kind, ask.name, ask.as_of, ask.exact, include_retracted=True),
        )
        ids = {entry.fact for entry in selection.entries}
        records = export.fact_records(self.record, ids, position, include_retracted=ask.include_retracted)
        locate = export.Locator(self.record, position)
        if form == "geojson":
            return {"type": "FeatureCollection", "features": list(export.geojson(records, locate))}
        title = f"{ask.kind} {selection.subject.name}"
        return export.timelinejs(records, title, ask.as_of, locate)
