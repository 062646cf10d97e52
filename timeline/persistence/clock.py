"""The recording clock: `recorded_at` is set under the log's write lock, from one clock.

Events carry the writer's clock from when they were made, and two writers' clocks
(or one writer's clock and its commit order) need not agree. So each recorder sets
the `timestamp` (recorded_at) of the events it writes while it holds the write lock,
from one clock (PostgreSQL: the server's; SQLite: the writing process's), and never
earlier than the last event's: recorded_at rises strictly with position, which `verify`
checks.

A path that writes events with recorded_at values of their own (restoring a dump)
sets `RecordingClock.keep` and passes them through unchanged; verify still checks
that they rise with position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from eventsourcing.persistence import StoredEvent

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

TICK = timedelta(microseconds=1)


def recorded_at(now: datetime, last: datetime | None) -> datetime:
    """The recorded_at of the first event of the batch being written: `now` from the
    lock holder's clock, but always after the last recorded event's. Each further
    event of the batch is one microsecond later, so recorded_at orders the log
    exactly as positions do."""
    now = now.astimezone(UTC)
    return now if last is None or now > last else last + TICK


def format_timestamp(when: datetime) -> str:
    """How a recorded_at is stored (as pydantic writes a UTC datetime)."""
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _plain_decode(state: bytes) -> dict[str, Any]:
    decoded: dict[str, Any] = orjson.loads(state)
    return decoded


@dataclass
class RecordingClock:
    """Stamps stored events with the recording time; `decode`/`encode` turn a stored
    state into its JSON fields and back (the application sets them from its mapper,
    so compressed or encrypted states work too)."""

    decode: Callable[[bytes], dict[str, Any]] = _plain_decode
    encode: Callable[[dict[str, Any]], bytes] = field(default=orjson.dumps)
    keep: bool = False
    """True while restoring: keep the events' own recorded_at."""

    def last(self, state: bytes | None) -> datetime | None:
        """The recorded_at in a stored state (the log's last event), if any."""
        if state is None:
            return None
        return parse_timestamp(self.decode(bytes(state))["timestamp"])

    def stamp(
        self, events: Sequence[StoredEvent], now: datetime, last_state: bytes | None, store_user: str
    ) -> Sequence[StoredEvent]:
        """The events with their recorded_at set (see the module docstring), and the
        name the store knows their writer by (`store_user`)."""
        if self.keep or not events:
            return events
        return list(self.stamping(events, now, last_state, store_user))

    def stamping(
        self, events: Sequence[StoredEvent], now: datetime, last_state: bytes | None, store_user: str
    ) -> Iterator[StoredEvent]:
        """`stamp`, one event at a time: a writer streaming the batch to the store sends
        each event as it is stamped, while the store takes in the ones before it."""
        if self.keep:
            yield from events
            return
        first = recorded_at(now, self.last(last_state))
        for n, event in enumerate(events):
            # The mapper's events carry the fields their state encodes (`EncodedEvent`).
            fields = getattr(event, "fields", None)
            state = dict(fields) if fields is not None else self.decode(event.state)
            state["timestamp"] = format_timestamp(first + n * TICK)
            state["store_user"] = store_user
            yield StoredEvent(event.originator_id, event.originator_version, event.topic, self.encode(state))
