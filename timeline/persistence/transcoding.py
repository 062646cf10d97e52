"""The store's codec: orjson bytes for pydantic events, with stable topics.

Stored topics are `timeline:<EventName>` (see `timeline.domain.events`), not module
paths. The envelope's originator id and version live in their own columns, so the
stored JSON carries only the event's own fields, the timestamp and recorded_by.
Older class versions are upcast on load through `upcast_v<N>_v<N+1>` static methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder

if TYPE_CHECKING:
    from eventsourcing.domain import DomainEventProtocol

    from timeline.domain.events import Event

_AGGREGATE_TOPICS = {"fact": "timeline.domain.fact:Fact", "statement": "timeline.domain.gazetteer:Statement"}
"""Topics of the aggregates (tests/unit check them): named here, not imported, so that
opening the record for a read does not load the domain events."""

TOPIC_ALIASES: dict[str, str] = {}
"""Old stored topics → current topics, for event types that were renamed."""


class UnknownTopicError(LookupError):
    """Raised when a stored event's topic names no known event class."""


def __getattr__(name: str) -> Any:
    """`EVENTS_BY_TOPIC`, the domain's topic table, loaded when first asked for."""
    if name == "EVENTS_BY_TOPIC":
        from timeline.domain.events import EVENTS_BY_TOPIC

        return EVENTS_BY_TOPIC
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def event_class_for(topic: str) -> type[Event]:
    from timeline.domain.events import EVENTS_BY_TOPIC

    try:
        return EVENTS_BY_TOPIC[TOPIC_ALIASES.get(topic, topic)]
    except KeyError:
        raise UnknownTopicError(f"no event class for stored topic {topic!r}") from None


class OrjsonTranscoder(Transcoder):
    """JSON bytes via orjson; the only JSON codec the store uses."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


class PydanticMapper(Mapper[UUID]):
    """Maps pydantic events to stored events and back, upcasting old class versions."""

    def to_stored_event(self, domain_event: DomainEventProtocol[Any]) -> StoredEvent:
        event = cast("Event", domain_event)
        from timeline.domain.events import COLUMN_FIELDS

        state = event.model_dump(mode="json", exclude=set(COLUMN_FIELDS))
        class_version = getattr(type(event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        stored_state = self.transcoder.encode(state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=event.originator_id,
            originator_version=event.originator_version,
            topic=type(event).TOPIC,
            state=stored_state,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[Any]:
        stored_state = stored_event.state
        if self.cipher:
            stored_state = self.cipher.decrypt(stored_state)
        if self.compressor:
            stored_state = self.compressor.decompress(stored_state)
        from timeline.domain.events import Created, Reported

        state: dict[str, Any] = self.transcoder.decode(stored_state)
        cls = event_class_for(stored_event.topic)
        upcast(cls, state)
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        if issubclass(cls, Created):
            kind = "fact" if issubclass(cls, Reported) else "statement"
            state["originator_topic"] = _AGGREGATE_TOPICS[kind]
        return cls.model_validate(state)


def upcast(cls: type[Event], state: dict[str, Any]) -> None:
    """Bring a stored state written by an older class version up to the current one."""
    version = state.pop("class_version", 1)
    current = getattr(cls, "class_version", 1)
    while version < current:
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
