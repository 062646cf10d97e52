"""The store's codec: orjson bytes for pydantic events, with stable topics.

Stored topics are `timeline:<EventName>` (see `timeline.domain.events`), not module
paths. The envelope's originator id and version live in their own columns, so the
stored JSON carries only the event's own fields, the timestamp and recorded_by.
Older class versions are upcast on load through `upcast_v<N>_v<N+1>` static methods.
"""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder

if TYPE_CHECKING:
    from eventsourcing.domain import DomainEventProtocol
    from pydantic import BaseModel

    from timeline.domain.events import Created, Event

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


@dataclass(frozen=True, eq=False)
class EncodedEvent(StoredEvent):
    """A stored event that still carries the JSON fields its state encodes, so that the
    recording clock stamps them without decoding the state it was just given."""

    fields: dict[str, Any] = field(default_factory=dict, repr=False)


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
        return self._encoded(type(event), event.originator_id, event.originator_version, state)

    def created_event(
        self, event_class: type[Created], originator_id: UUID, fields: dict[str, Any], recorded_by: str
    ) -> EncodedEvent:
        """The stored form of a new aggregate's first event, from the journal fields
        that validation produced, without building and dumping the pydantic event.

        The journal input model of an event class has the event's own fields, types and
        validators (`catalogue.input_model_for`), and `fields` is its JSON dump without
        None values; so the event's dump is those values in the event's field order,
        with each absent field's default and each nested model's absent fields filled
        in as pydantic writes them (`tests/property/test_created_state.py` checks the
        bytes against `to_stored_event` of the built event for every type).
        """
        from timeline.persistence.clock import format_timestamp

        state: dict[str, Any] = {
            "timestamp": format_timestamp(event_class.create_timestamp()),
            "recorded_by": _recorded_by_json(recorded_by),
            "store_user": "",
        }
        state.update(_filled(event_class, fields, skip=_CREATED_SKIP))
        return self._encoded(event_class, originator_id, 1, state)

    def _encoded(
        self, event_class: type[Event], originator_id: UUID, version: int, state: dict[str, Any]
    ) -> EncodedEvent:
        """The stored event of a state (its class version added when above 1), encoded,
        compressed and encrypted as the store is set up to."""
        class_version = getattr(event_class, "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        stored_state = self.transcoder.encode(state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return EncodedEvent(
            originator_id=originator_id,
            originator_version=version,
            topic=event_class.TOPIC,
            state=stored_state,
            fields=state,
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


_CREATED_SKIP = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp", "recorded_by", "store_user"}
)
"""Fields of a first event that `created_event` sets itself or stores in columns."""


@functools.lru_cache(maxsize=64)
def _recorded_by_json(recorded_by: str) -> Any:
    """`recorded_by` validated and dumped as every event's field of that name does."""
    from pydantic import TypeAdapter

    from timeline.domain.events import Event

    adapter: TypeAdapter[Any] = TypeAdapter(_field_type(Event.model_fields["recorded_by"]))
    return adapter.dump_python(adapter.validate_python(recorded_by), mode="json")


@functools.cache
def _model_plan(model: type[BaseModel]) -> tuple[tuple[tuple[str, str, Any, Any], ...], bool]:
    """(field name, key in the dump, annotation, default as JSON) of each field of a
    model in dump order, and whether the model drops None values from its dump
    (the `_Sparse` value objects)."""
    from pydantic_core import to_jsonable_python

    model.model_rebuild()  # a deferred model's annotations are resolved by its build
    by_alias = bool(model.model_config.get("serialize_by_alias"))
    plan = []
    for name, info in model.model_fields.items():
        key = (info.serialization_alias or info.alias or name) if by_alias else name
        default = (
            _REQUIRED
            if info.is_required()
            else to_jsonable_python(info.get_default(call_default_factory=True))
        )
        plan.append((name, key, info.annotation, default))
    sparse = "_without_none" in model.__pydantic_decorators__.model_serializers
    return tuple(plan), sparse


_REQUIRED = object()


def _field_type(info: Any) -> Any:
    """A field's annotation with its constraints, as a type a TypeAdapter takes."""
    return Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation


def _filled(
    model: type[BaseModel], data: dict[str, Any], skip: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A model's JSON dump from the JSON dump of the same validated values without None
    values (`exclude_none`): every field in order, absent ones at their default."""
    plan, sparse = _model_plan(model)
    out: dict[str, Any] = {}
    for name, key, annotation, default in plan:
        if name in skip:
            continue
        if key in data:
            out[key] = _filled_value(annotation, data[key])
        elif default is _REQUIRED:
            raise KeyError(f"{model.__name__}.{name} is required")
        else:
            out[key] = default
    if len(out) + len(skip & set(model.model_fields)) < len(data):  # pragma: no cover (forbidden extras)
        raise KeyError(f"{model.__name__} got keys it does not have")
    if sparse:
        return {k: v for k, v in out.items() if v is not None}
    return out


def _filled_value(annotation: Any, value: Any) -> Any:
    """`_filled` applied to the models nested in a value of this annotation."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _filled_value(typing.get_args(annotation)[0], value)
    if origin in (typing.Union, types.UnionType):
        models = [a for a in typing.get_args(annotation) if _is_model(a)]
        others = [a for a in typing.get_args(annotation) if not _is_model(a) and a is not type(None)]
        if isinstance(value, dict) and len(models) == 1:
            return _filled(models[0], value)
        if not models:
            return _filled_value(others[0], value) if len(others) == 1 else value
        raise KeyError(f"no single model of {annotation} for {value!r}")
    if origin is list and isinstance(value, list):
        (item,) = typing.get_args(annotation)
        return [_filled_value(item, v) for v in value]
    if origin is dict and isinstance(value, dict):
        return {k: _filled_value(typing.get_args(annotation)[1], v) for k, v in value.items()}
    if _is_model(annotation) and isinstance(value, dict):
        return _filled(annotation, value)
    return value


def _is_model(annotation: Any) -> bool:
    from pydantic import BaseModel

    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def upcast(cls: type[Event], state: dict[str, Any]) -> None:
    """Bring a stored state written by an older class version up to the current one."""
    version = state.pop("class_version", 1)
    current = getattr(cls, "class_version", 1)
    while version < current:
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
