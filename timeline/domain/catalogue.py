"""The catalogue of fact types, read from the event models themselves.

Each fact type says, in one place (its field declarations), which fields name actors
and which name locations. Projections, the journal reader and the CLI's `record`
options are all derived from here, so a new fact type needs no other code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Strict, create_model, model_validator

from timeline.domain.events import (
    ENVELOPE_FIELDS,
    EVENTS_BY_TYPE,
    FACT_EVENTS,
    Event,
    FactReported,
    Reported,
    subject_of,
)

NAMED_ROLE_FIELDS = {"actors": "actor", "locations": "location"}
"""`FactReported` lists its actors and locations with explicit roles."""


@dataclass(frozen=True)
class FactType:
    """One fact type: its event class, role fields and journal input model."""

    name: str
    event_class: type[Reported]
    actor_fields: tuple[str, ...]
    location_fields: tuple[str, ...]

    @property
    def input_model(self) -> type[BaseModel]:
        """The journal line model of this type (built on first use)."""
        return INPUT_MODELS[self.name]

    @cached_property
    def role_fields(self) -> tuple[tuple[str, str], ...]:
        """(subject kind, field) of every actor and location field, actors first."""
        return tuple(("actor", f) for f in self.actor_fields) + tuple(
            ("location", f) for f in self.location_fields
        )

    @property
    def own_fields(self) -> tuple[str, ...]:
        """Fields of this type beyond the common fact fields."""
        common = set(Reported.model_fields)
        return tuple(f for f in self.input_model.model_fields if f not in common)

    def location_values(self, state: dict[str, Any]) -> list[Any]:
        """Every location value a fact state names (a name or a reference object)."""
        found: list[Any] = []
        for field in self.location_fields:
            value = state.get(field)
            if isinstance(value, list):
                found.extend(v for v in value if v)
            elif value:
                found.append(value)
        if self.event_class is FactReported:
            found.extend(state.get("locations") or ())
        return found

    def subjects(self, state: dict[str, Any]) -> list[tuple[str, str, Any]]:
        """(subject kind, role, value) for every actor and location a fact state names.

        An actor's value is its name; a location's is its field value (a name or a
        reference object, see `timeline.domain.places.PlaceRef.of`).
        """
        found: list[tuple[str, str, Any]] = []
        for kind, field in self.role_fields:
            value = state.get(field)
            if isinstance(value, list):
                found.extend((kind, field, name) for name in value if name)
            elif value:
                found.append((kind, field, value))
        if self.event_class is FactReported:
            for field, kind in NAMED_ROLE_FIELDS.items():
                for item in state.get(field) or ():
                    # a location keeps its whole reference (within, key, coordinates)
                    found.append((kind, item["role"], item if kind == "location" else item["name"]))
        return found


SYSTEM_FIELDS = frozenset({"digest"})
"""Fields of stored events that the system sets and a journal line may not (an
amendment's `digest` is its identity as a journal line, computed from its content)."""


def _strict_numbers(annotation: Any) -> Any:
    """The annotation with every int and float strict: a journal's `true`, `"3"` or
    `2.0` is not silently taken for a number of drones."""
    if annotation is int or annotation is float:
        return Annotated[annotation, Strict()]
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return Annotated[(_strict_numbers(args[0]), *annotation.__metadata__)]
    if origin in (Union, UnionType):
        return Union[tuple(_strict_numbers(arg) for arg in args)]  # noqa: UP007
    if origin is list:
        return list[_strict_numbers(args[0])]  # type: ignore[misc]
    return annotation


def input_model_for(event_class: type[Event]) -> type[BaseModel]:
    """The journal line model of an event: its fields without the system envelope."""
    fields: dict[str, Any] = {
        name: (_strict_numbers(info.annotation), info)
        for name, info in event_class.model_fields.items()
        if name not in ENVELOPE_FIELDS and name not in SYSTEM_FIELDS
    }
    # The event's own cross-field checks (e.g. killed_max >= killed_min) apply to input too.
    decorators = event_class.__pydantic_decorators__
    validators: dict[str, Any] = {
        name: model_validator(mode=decorator.info.mode)(decorator.func)
        for name, decorator in decorators.model_validators.items()
    }
    return create_model(
        event_class.__name__,
        __config__=ConfigDict(
            frozen=True, extra="forbid", validate_by_name=True, serialize_by_alias=True, defer_build=True
        ),
        __validators__=validators,
        **fields,
    )


def _fact_type(event_class: type[Reported]) -> FactType:
    actor_fields, location_fields = [], []
    for name, info in event_class.model_fields.items():
        kind = subject_of(info)
        if kind == "actor":
            actor_fields.append(name)
        elif kind == "location":
            location_fields.append(name)
    return FactType(
        name=event_class.__name__,
        event_class=event_class,
        actor_fields=tuple(actor_fields),
        location_fields=tuple(location_fields),
    )


class _InputModels(Mapping[str, type[BaseModel]]):
    """Event type name -> its journal line model, each built when first asked for:
    building them all costs more than a reading command's whole start-up."""

    def __init__(self) -> None:
        self._built: dict[str, type[BaseModel]] = {}

    def __getitem__(self, name: str) -> type[BaseModel]:
        model = self._built.get(name)
        if model is None:
            model = self._built[name] = input_model_for(EVENTS_BY_TYPE[name])
        return model

    def __iter__(self) -> Iterator[str]:
        return iter(EVENTS_BY_TYPE)

    def __len__(self) -> int:
        return len(EVENTS_BY_TYPE)

    def __contains__(self, name: object) -> bool:
        return name in EVENTS_BY_TYPE


FACT_TYPES: dict[str, FactType] = {cls.__name__: _fact_type(cls) for cls in FACT_EVENTS}
INPUT_MODELS: Mapping[str, type[BaseModel]] = _InputModels()
