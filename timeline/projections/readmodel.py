"""What the read models offer: the interface the application, the reader and the queries use.

The projection (`timeline.projections.timelines`) turns events into rows; a read model
stores them, with the log position they are current to, and answers the read queries.
The SQL implementation, shared by SQLite and PostgreSQL, is
`timeline.persistence.readmodel.SQLTimelineView`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from timeline.domain.places import PlaceRecord, PlaceStore

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from contextlib import AbstractContextManager

    from timeline.projections.timelines import Lookups, Row, ViewBatch


@dataclass(frozen=True, slots=True)
class EntryRow:
    """One timeline entry as read: its role, spelling and subject, its coordinates, its fact."""

    role: str
    name: str
    subject: str
    lat: float | None
    lon: float | None
    geo_precision: str | None
    record: Row
    place: str | None = None
    """The place the subject stands for (`TimelineView.entries_within`)."""


class PlaceIndex(PlaceStore):
    """The gazetteer's places as of one log position, with the walks the queries need."""

    @abstractmethod
    def preload(self) -> PlaceIndex:
        """This index with every place fetched (for many look-ups in a row); returns itself."""

    @abstractmethod
    def aliases_of(self, place_ids: Sequence[str]) -> list[tuple[str, str]]:
        """(alias key, alias as written) of every alias of these places."""

    @abstractmethod
    def load(self, place_ids: Sequence[str]) -> None:
        """Fetch these places in one go, so that later `get`s need no query."""

    @abstractmethod
    def load_names(self, name_keys: Sequence[str]) -> None:
        """Fetch which places hold these name keys (as their own name or as a location
        alias) in one go, so that later `named` and `alias_holder` need no query."""

    @abstractmethod
    def children(self, parents: Sequence[str], parent_names: Sequence[str]) -> list[PlaceRecord]:
        """Places whose parent is one of `parents`, or whose unresolved parent name is listed."""

    @abstractmethod
    def all_places(self) -> list[PlaceRecord]:
        """Every place."""


class TimelineView(ABC):
    """Read models of the timeline, with the tracking position they are current to.

    `as_of` arguments are log positions (None: now); rows are the stored records.
    """

    # --- keeping them current ---------------------------------------------------------

    @abstractmethod
    def create_table(self) -> None:
        """Create what is missing of the read-model tables and their query indexes."""

    @abstractmethod
    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]:
        """A DB-API cursor in one transaction; writes take the write lock first."""

    @abstractmethod
    def tracking_position(self, cursor: Any | None = None) -> int:
        """The last log position applied to the read models (0 if none)."""

    @abstractmethod
    def lookups(self, cursor: Any) -> Lookups:
        """What the projection needs to read while it writes, inside the caller's transaction."""

    @abstractmethod
    def write_batch(self, cursor: Any, batch: ViewBatch) -> None:
        """Write a batch's rows and its tracking position in the caller's transaction."""

    @abstractmethod
    def clear(self, cursor: Any) -> None:
        """Delete every read-model row and the tracking position (for a replay)."""

    @abstractmethod
    def drop_query_indexes(self, cursor: Any) -> None:
        """Drop the indexes only queries use (for a large append or a replay), marking
        the schema for its DDL, which builds them again, at the next opening."""

    @abstractmethod
    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every read-model row, sorted: for comparing two views."""

    # --- names, places, entities ------------------------------------------------------

    @abstractmethod
    def resolve(self, kind: str, key: str, as_of: int | None) -> str:
        """The canonical key a name key stands for (following aliases)."""

    @abstractmethod
    def places(self, as_of: int | None) -> PlaceIndex:
        """The places at a position, for resolving and walking the place tree."""

    @abstractmethod
    def aliases(self, kind: str, keys: Sequence[str], as_of: int | None) -> list[tuple[str, str]]:
        """(alias key, alias as written) of every alias pointing at one of `keys`."""

    @abstractmethod
    def entity(self, kind: str, key: str, as_of: int | None) -> Row | None:
        """The registered entity with this canonical key, if any."""

    @abstractmethod
    def entity_by_key(self, kind: str, key: str, as_of: int | None) -> str | None:
        """The entity registered with this explicit key, if any."""

    @abstractmethod
    def alias_keys_ever(self, kind: str, entity: str) -> list[str]:
        """Every alias that has ever named the entity (moved or not)."""

    @abstractmethod
    def registered(self, kind: str, as_of: int | None) -> dict[str, str]:
        """Canonical key -> registered name of every registered entity of a kind."""

    @abstractmethod
    def incidents(self, as_of: int | None) -> dict[str, tuple[str, str | None]]:
        """Slug -> (title, description) of every registered incident."""

    # --- timelines and listings -------------------------------------------------------

    @abstractmethod
    def entries(
        self,
        kind: str,
        subjects: Sequence[str],
        *,
        as_of: int | None,
        include_retracted: bool,
        occurred_from: str | None,
        occurred_to: str | None,
        limit: int | None,
    ) -> Iterator[EntryRow]:
        """The entries of the subjects, by occurred then position."""

    @abstractmethod
    def within(self, place: str, as_of: int | None, limit: int | None = None) -> dict[str, str]:
        """Location subject -> the place it stands for, of every subject within `place`
        (the place itself included), up to `limit` subjects."""

    @abstractmethod
    def entries_within(
        self,
        place: str,
        *,
        as_of: int | None,
        include_retracted: bool,
        occurred_from: str | None,
        occurred_to: str | None,
        limit: int | None,
    ) -> Iterator[EntryRow]:
        """The location entries within a place (at any depth), by occurred then position,
        each with the place its subject stands for (`EntryRow.place`)."""

    @abstractmethod
    def subjects(self, kind: str, as_of: int | None) -> list[tuple[str, str, int]]:
        """(canonical key, a reported spelling, fact count) of every subject with entries."""

    @abstractmethod
    def count_facts(self, kind: str, subjects: Sequence[str], as_of: int | None) -> int:
        """Distinct facts (not retracted) with an entry under any of the subjects."""

    @abstractmethod
    def subject_facts(self, kind: str, as_of: int | None) -> Iterator[tuple[str, str]]:
        """(subject, fact) of every entry of a kind (not retracted)."""

    @abstractmethod
    def search(
        self,
        text: str,
        *,
        as_of: int | None,
        include_retracted: bool,
        incident: str | None,
        occurred_from: str | None,
        occurred_to: str | None,
        limit: int,
    ) -> list[Row]:
        """Fact records whose summary, quotes or source names hold every word, best first."""

    # --- facts ------------------------------------------------------------------------

    @abstractmethod
    def fact_versions(self, key: str, as_of: int | None) -> list[Row]:
        """Every version of a fact up to `as_of`, with its field changes (`from`/`to`)."""

    @abstractmethod
    def fact_record(self, key: str, as_of: int | None) -> Row | None:
        """The fact's record (fields, status, version, first position) valid at `as_of`."""

    @abstractmethod
    def fact_records(self, facts: frozenset[str] | None, as_of: int | None) -> Iterator[Row]:
        """The records of `facts` (every fact when None) valid at `as_of`, in no order."""

    @abstractmethod
    def current_fact_keys(self, cursor: Any, prefix: str) -> list[str]:
        """The ids of the facts standing now whose ids start with `prefix`."""

    @abstractmethod
    def known_keys(self, kind: str, near: str) -> list[str]:
        """Fact ids (kind `fact`) or incident slugs a mistyped `near` may have meant."""

    @abstractmethod
    def archived_sources(self) -> Iterator[tuple[str, Row]]:
        """(fact id, archive record) of every source of every fact as it stands now."""

    # --- the log and the sources ------------------------------------------------------

    @abstractmethod
    def log(self, since: int, limit: int | None, as_of: int | None) -> list[Row]:
        """The log index after position `since`, in position order."""

    @abstractmethod
    def iter_log(self, since: int, limit: int | None, as_of: int | None) -> Iterator[Row]:
        """The log index after position `since`, in position order, streamed."""

    @abstractmethod
    def log_of_events(self, events: Sequence[str], as_of: int | None) -> list[Row]:
        """Log rows (with the originator id) of the given event types, in position order."""

    @abstractmethod
    def position_at(self, recorded_at: str) -> int:
        """The last log position recorded at or before the given UTC time (0 if none)."""

    @abstractmethod
    def grades(self, as_of: int | None) -> dict[str, str]:
        """Source name key -> its reliability grade (A-F) at `as_of`, for every graded source."""

    @abstractmethod
    def grade_history(self, source_key: str, as_of: int | None) -> list[Row]:
        """Every grading of one source up to `as_of`, oldest first."""
