"""The read side's one door: every read verb of the CLI, the exports and the HTTP API.

`Timeline.read` is a `Reader`. Each verb first brings the read models up to the log
(`Timeline.refresh`: a reader never answers from a state older than the log it sees,
and never needs write access to do so), then answers with typed results from
`timeline.results`. Entry points never reach the read models or the log directly.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from timeline import queries
from timeline.audit.entities import entity_history
from timeline.audit.evidence import verify_evidence
from timeline.audit.sources import source_history
from timeline.domain.values import normalise_name
from timeline.results import FactRecord, Head

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path
    from typing import IO
    from uuid import UUID

    from eventsourcing.domain import DomainEventProtocol

    from timeline.application import PhaseProgress, Timeline
    from timeline.domain.places import PlaceStore
    from timeline.projections.readmodel import TimelineView
    from timeline.projections.timelines import Lookups
    from timeline.queries import FactLocator, SearchQuery, TimelineQuery, TimelineStream
    from timeline.results import (
        DumpResult,
        EntityHistoryResult,
        EvidenceResult,
        FactResult,
        HistoryResult,
        LogEntry,
        PlacesResult,
        SourceHistoryResult,
        SubjectsPage,
        SubjectsResult,
        TimelinePage,
        TimelineResult,
        VerifyResult,
    )

SETTLING = timedelta(seconds=60)
"""An as-of time this long past is settled: no write still in flight can land before it."""


@dataclass(frozen=True)
class Selection:
    """What an export covers: the selected facts' ids (None: every fact) as of a log position."""

    facts: frozenset[str] | None
    position: int | None


@dataclass(frozen=True)
class Snapshot:
    """The read models as one consistent read, for an import diffing a table against them."""

    places: PlaceStore
    lookups: Lookups
    current_keys: list[str]


class Reader:
    """Read verbs over one record; each catches up first (see the module docstring)."""

    def __init__(self, timeline: Timeline) -> None:
        self._timeline = timeline
        self.catch_up = True
        """False when a follower keeps the read models current (`timeline serve`): each
        verb then only reads, so it takes no lock and never waits for a writer."""

    def _caught_up(self) -> TimelineView:
        if self.catch_up:
            self._timeline.refresh()
        return self._timeline.view

    # --- where and when ---------------------------------------------------------------

    def resolve_as_of(self, as_of: str | None) -> int | None:
        """The log position an `--as-of` (ISO time or `@N`) stands for; None for now."""
        return queries.resolve_as_of(self._caught_up(), as_of)

    def position(self) -> int:
        """The log position the read models have reached (what answers reflect)."""
        return int(self._caught_up().tracking_position())

    def answers_head(self) -> Head | None:
        """The chain head at the position the read models have reached: what every answer
        given now reflects (an HTTP validator). None when that position ends no appended
        batch (a replay stopped mid-batch)."""
        position = self._caught_up().tracking_position()
        if position == 0:
            return Head(digest=None, position=0)
        found = self._timeline.recorder.head_at(position)
        if found is None or found[0] != position:
            return None
        return Head(digest=found[1].hex(), position=position)

    def settled(self, as_of: str | None) -> bool:
        """Whether the answer as of `as_of` can never change: a position the read models
        hold, or a time long enough past (`SETTLING`) that they hold all recorded before it."""
        if as_of is None:
            return False
        view = self._caught_up()
        position = queries.resolve_as_of(view, as_of)
        held = view.tracking_position()
        if as_of.strip().startswith("@"):
            return position is not None and position <= held
        instant = datetime.strptime(queries.as_of_instant(as_of), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        caught_up = held >= (self._timeline.recorder.max_notification_id() or 0)
        return caught_up and instant < datetime.now(UTC) - SETTLING

    # --- timelines and listings ---------------------------------------------------------

    def timeline_page(self, query: TimelineQuery, cursor: str | None) -> TimelinePage:
        """`query.limit` entries (100 by default) from `cursor` on, and the next page's
        cursor; every page reads as of the position the first was read at."""
        return queries.timeline_page(self._caught_up(), query, cursor)

    def subjects_page(
        self, kind: str, as_of: str | None, q: str | None, limit: int | None, cursor: str | None
    ) -> SubjectsPage:
        """Actors, locations or incidents whose name, alias, place path or title holds `q`,
        most facts first, a page at a time (as `timeline_page`)."""
        return queries.subjects_page(self._caught_up(), kind, as_of, q, limit, cursor)

    def timeline(self, query: TimelineQuery) -> TimelineResult:
        """One subject's whole timeline, collected."""
        return queries.timeline(self._caught_up(), query)

    def timeline_stream(self, query: TimelineQuery, *, peek: int | None = 1000) -> TimelineStream:
        """One subject's timeline as a stream of entries (constant memory for any size)."""
        return queries.timeline_stream(self._caught_up(), query, peek=peek)

    def subjects(self, kind: str, as_of: str | None, limit: int | None = None) -> SubjectsResult:
        """Every actor, location or incident with its number of facts, most first."""
        return queries.subjects(self._caught_up(), kind, as_of, limit)

    def places_named(self, name: str, as_of: str | None) -> PlacesResult:
        """Every place of that name, with the places it lies within."""
        return queries.places_named(self._caught_up(), name, as_of)

    def place_hierarchy(self, as_of: str | None) -> PlacesResult:
        """The whole place tree with fact counts."""
        return queries.place_hierarchy(self._caught_up(), as_of)

    def search(self, query: SearchQuery) -> TimelineResult:
        return queries.search(self._caught_up(), query)

    # --- one fact, one entity, one source -----------------------------------------------

    def show(self, fact_id: str, as_of: str | None) -> FactResult:
        return queries.show(self._caught_up(), fact_id, as_of)

    def history(self, fact_id: str, as_of: str | None) -> HistoryResult:
        return queries.history(self._caught_up(), fact_id, as_of)

    def entity(self, kind: str, name: str, as_of: str | None) -> EntityHistoryResult:
        """Every gazetteer statement about an actor or place, in log order."""
        return entity_history(self._timeline, kind, name, as_of)

    def source(self, name: str, as_of: str | None) -> SourceHistoryResult:
        """A source's grade history."""
        return source_history(self._caught_up(), name, as_of)

    def evidence(self, directory: Path) -> EvidenceResult:
        """Re-hash the archived files found in `directory` against the records."""
        return verify_evidence(self._caught_up(), directory)

    # --- the log ------------------------------------------------------------------------

    def verify(self, expect: str | None = None, *, progress: PhaseProgress | None = None) -> VerifyResult:
        """Re-read the whole log: hash chain, versions, recorded times, read models == replay.

        IntegrityFailure names the first thing found wrong; `expect` (DIGEST@N) proves
        the first N events unchanged.
        """
        from timeline.audit.verify import verify

        return verify(self._timeline, expect, progress=progress)

    def dump(self, out: IO[bytes]) -> DumpResult:
        """Write the whole log, with positions, recorded_at/by and chain digests, as NDJSON."""
        from timeline.persistence.dump import dump

        return dump(self._timeline, out)

    def log(self, since: int, limit: int | None, as_of: str | None) -> Iterator[LogEntry]:
        """The log in position order after `since` (streamed)."""
        view = self._caught_up()
        position = queries.resolve_as_of(view, as_of)
        return queries.iter_log_entries(view.iter_log(since, limit, position))

    def events(self, position: int | None) -> Iterator[DomainEventProtocol[UUID]]:
        """The log's events up to `position` (all when None), as domain events, streamed."""
        mapper = self._timeline.mapper
        for section in self._timeline.recorder.sections(stop=position):
            for notification in section:
                yield mapper.to_domain_event(notification)

    # --- exports ------------------------------------------------------------------------

    def selection(self, kind: str | None, subject: str | None, as_of: str | None) -> Selection:
        """The facts of one subject's timeline (retracted included), or every fact."""
        view = self._caught_up()
        position = queries.resolve_as_of(view, as_of)
        if kind is None or subject is None:
            return Selection(None, position)
        query = queries.TimelineQuery(kind, subject, as_of=as_of, include_retracted=True)
        result = queries.timeline(view, query)
        return Selection(frozenset(entry.fact for entry in result.entries), position)

    def fact_records(
        self, facts: frozenset[str] | None, position: int | None, *, include_retracted: bool = False
    ) -> list[FactRecord]:
        """The selected facts as they stood at `position` (in no order)."""
        records = self._caught_up().fact_records(facts, position)
        return [FactRecord.of(r) for r in records if include_retracted or r["status"] != "retracted"]

    def locator(self, position: int | None) -> FactLocator:
        """Where each fact's locations lie (place path, coordinates) as of `position`."""
        return queries.FactLocator(self._caught_up(), position)

    def places(self, position: int | None) -> PlaceStore:
        """The gazetteer's places as of `position`."""
        return self._caught_up().places(position)

    def registered_names(self, position: int | None) -> Callable[[str, str], str | None]:
        """registered(kind, name): the registered name a reported actor or location name
        stood for at `position`, if any. Caught up once, for a whole export's look-ups."""
        view = self._caught_up()

        def registered(kind: str, name: str) -> str | None:
            entity = view.entity(kind, view.resolve(kind, normalise_name(name), position), position)
            return None if entity is None else str(entity["name"])

        return registered

    # --- imports ------------------------------------------------------------------------

    @contextmanager
    def snapshot(self, prefix: str) -> Iterator[Snapshot]:
        """One consistent read of the read models: places, fact states, and the keys of
        the current facts whose ids start with `prefix` (an import's table)."""
        view = self._caught_up()
        with view.transaction(commit=False) as cursor:
            yield Snapshot(
                places=view.places(None),
                lookups=view.lookups(cursor),
                current_keys=view.current_fact_keys(cursor, prefix),
            )
