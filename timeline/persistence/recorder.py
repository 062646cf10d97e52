"""The event recorder the record needs: eventsourcing's application recorder, and more.

Declared once, as an abstract class over eventsourcing's `ApplicationRecorder` (the
way its searchable-timestamps example declares the recorder method it adds), so that
the application, validation and verify reach these methods typed, and each store
(`persistence.sqlite`, `persistence.postgres`) must implement every one of them.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from eventsourcing.persistence import Notification, StoredEvent

    from timeline.persistence.clock import RecordingClock


class TimelineRecorder(ApplicationRecorder):
    """The log: stored events with gapless positions, the hash chain of every appended
    batch, and the recording clock that stamps recorded_at under the write lock."""

    clock: RecordingClock
    """Stamps recorded_at (and the store's user) on the events of each write."""
    events_table_name: str

    def sections(self, stop: int | None = None, size: int = 5000) -> Iterator[Sequence[Notification]]:
        """The log in position order up to `stop` (all when None), `size` events at a time:
        reading the whole log never holds more than one section."""
        start = 0
        while True:
            section = self.select_notifications(start=start, limit=size, stop=stop, inclusive_of_start=False)
            if not section:
                return
            yield section
            start = section[-1].id
            if stop is not None and start >= stop:
                return

    def projection_rows(
        self, after: int, limit: int, stop: int | None = None
    ) -> Sequence[tuple[int, str, int, str, bytes]]:
        """(position, originator id as stored text, version, topic, state) of up to `limit`
        events after position `after` (and up to `stop`), in position order: what the
        projection reads, without building a `Notification` and a UUID per event."""
        return [
            (n.id, _id_text(n.originator_id), n.originator_version, n.topic, n.state)
            for n in self.select_notifications(start=after, limit=limit, stop=stop, inclusive_of_start=False)
        ]

    @abstractmethod
    def current_versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        """The stored version of each aggregate id that exists (absent ids are left out)."""

    @abstractmethod
    def first_events(self, ids: Sequence[UUID]) -> dict[UUID, StoredEvent]:
        """The first stored event of each aggregate id that exists."""

    @abstractmethod
    def events_of(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """Every stored event of each aggregate id that exists, in version order (in
        batches, where `repository.get` would read each aggregate on its own)."""

    @abstractmethod
    def version_gap(self) -> str | None:
        """A description of the first aggregate whose versions are not 1..n in position
        order, or None if every aggregate's are."""

    @abstractmethod
    def wait_for_events(self, after: int, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a log position beyond `after`; True if one came."""

    @abstractmethod
    def digests(self) -> list[tuple[int, int, bytes]]:
        """(first position, last position, chain head) of every appended batch, in order."""

    @abstractmethod
    def head_at(self, position: int) -> tuple[int, bytes] | None:
        """(last position, chain head) of the last appended batch ending at or before
        `position`; None before the first batch (one indexed read, for HTTP validators)."""


def _id_text(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)
