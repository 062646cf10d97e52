"""Every domain event of the record, one small pydantic class each.

Class names are the journal's `type` and the stored topic (`timeline:<Name>`), so a
Python refactoring never orphans stored events. Fields marked with `actor()` or
`location()` name actors or locations; the field name is the role.

    Event                      envelope: originator, version, timestamp (recorded_at), recorded_by
    ├── Reported               creates a Fact: id, incident, occurred, summary, certainty, sources,
    │                          geo, credibility
    │   ├── DroneAttackAlleged, AdvisoryIssued, CriminalCaseOpened, InterceptionClaimed,
    │   │   StatementMade, ResponsibilityAttributed, ShellingReported, FactReported
    ├── Amendment              changes a Fact; reason required
    │   ├── FactCorrected, FactRetracted, SourceAdded, FactRestored
    └── GazetteerStatement     what names mean
        ├── ActorRegistered, LocationRegistered, AliasAdded, AliasMoved, IncidentRegistered,
        │   SourceGraded
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal
from uuid import UUID

from eventsourcing.domain import CanInitAggregate, CanMutateAggregate
from pydantic import BaseModel, ConfigDict, Field, model_validator

from timeline.domain.fields import (
    Attributes,
    Credibility,
    Geo,
    GeoPrecision,
    Key,
    Latitude,
    Longitude,
    Name,
    NamedRole,
    OccurredText,
    Place,
    PlaceRole,
    Reliability,
    Role,
    Short,
    Slug,
    Source,
    SourceList,
    Text,
    Within,
)
from timeline.domain.values import Certainty

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo

TOPIC_PREFIX = "timeline:"

COLUMN_FIELDS = frozenset({"originator_id", "originator_version", "originator_topic"})
"""Envelope fields a stored event keeps out of its stored state: the id and version
have columns of their own, and the aggregate's topic follows from the event's."""
ENVELOPE_FIELDS = COLUMN_FIELDS | {"timestamp", "recorded_by", "store_user"}
"""Fields set by the system, never by a journal line."""
STORED_ENVELOPE = ENVELOPE_FIELDS | {"class_version"}
"""Keys of a stored state that are not the event's content: the envelope, and the
class version an event of a later class version is stored with."""


def actor(default: Any = ..., **kwargs: Any) -> Any:
    """A field holding actor name(s); its name is the actor's role."""
    return Field(default, json_schema_extra={"subject": "actor"}, **kwargs)


def location(default: Any = ..., **kwargs: Any) -> Any:
    """A field holding location name(s); its name is the location's role."""
    return Field(default, json_schema_extra={"subject": "location"}, **kwargs)


def subject_of(field: FieldInfo) -> str | None:
    """'actor', 'location' or None for a model field."""
    extra = field.json_schema_extra
    return extra.get("subject") if isinstance(extra, dict) else None  # type: ignore[return-value]


class Event(BaseModel, CanMutateAggregate[UUID]):
    """Base of every stored event. `timestamp` is the recorded_at (UTC, system-set)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    TOPIC: ClassVar[str] = ""
    originator_id: UUID
    originator_version: int
    timestamp: datetime
    recorded_by: Short = ""
    store_user: Short = ""
    """Who the store itself knows wrote the event (the PostgreSQL role, the OS user for
    SQLite), set by the recorder; `recorded_by` is who the writer said they were."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.TOPIC = TOPIC_PREFIX + cls.__name__

    def apply(self, aggregate: Any) -> None:
        aggregate.when(self)


class Created(Event, CanInitAggregate[UUID]):
    """An event that starts an aggregate."""

    originator_topic: str


# --- reported facts -----------------------------------------------------------------


class Reported(Created):
    """A new reported fact. Subclasses add their own fields."""

    id: Slug
    incident: Slug
    occurred: OccurredText
    summary: Text
    certainty: Certainty = Certainty.REPORTED
    sources: SourceList
    geo: Geo | None = None
    attributes: Attributes | None = None
    credibility: Credibility | None = None
    """The analyst's Admiralty credibility of the information, 1 (confirmed) to 6."""


class DroneAttackAlleged(Reported):
    """Someone alleges a drone attack. Actors: alleged_by, accused. Location: target."""

    alleged_by: Name = actor()
    accused: Name | None = actor(None)
    target: Place = location()
    drones: int | None = Field(None, ge=0, le=1_000_000)


class AdvisoryIssued(Reported):
    """A warning to a public. Actor: issuer. Locations: area."""

    issuer: Name = actor()
    area: list[Place] = location(min_length=1, max_length=100)
    audience: Short | None = None
    threat: Text
    advice: list[Text] | None = Field(None, max_length=100)


class CriminalCaseOpened(Reported):
    """An investigator opens a case. Actors: investigator, suspect. Location: location."""

    investigator: Name = actor()
    suspect: Name | None = actor(None)
    location: Place | None = location(None)
    offence: Text
    case_ref: Short | None = None


class InterceptionClaimed(Reported):
    """Someone claims to have intercepted weapons. Actor: claimed_by. Location: location."""

    claimed_by: Name = actor()
    location: Place | None = location(None)
    intercepted: int = Field(ge=0, le=1_000_000)
    weapon: Short | None = None


class StatementMade(Reported):
    """A public statement. Actors: speaker, about. Location: location."""

    speaker: Name = actor()
    about: list[Name] | None = actor(None, max_length=100)
    location: Place | None = location(None)
    quote: Text
    channel: Short | None = None


class ResponsibilityAttributed(Reported):
    """Someone names who is responsible. Actors: attributed_by, attributed_to."""

    attributed_by: Name = actor()
    attributed_to: Name = actor()
    basis: Text | None = None


Figure = Annotated[int | None, Field(ge=0, le=100_000_000)]


def _check_killed_range(fact: Any) -> Any:
    for low, high in (("killed_min", "killed_max"), ("injured_min", "injured_max")):
        if (
            getattr(fact, low) is not None
            and getattr(fact, high) is not None
            and getattr(fact, high) < getattr(fact, low)
        ):
            raise ValueError(f"{high} is less than {low}")
    return fact


class ShellingReported(Reported):
    """Shelling of an area, with casualty figures. Actors: reported_by, attacker. Locations: area."""

    reported_by: Name = actor()
    attacker: Name | None = actor(None)
    area: list[Place] = location(min_length=1, max_length=100)
    killed_min: Figure = None
    killed_best: Figure = None
    killed_max: Figure = None
    injured_min: Figure = None
    injured_max: Figure = None
    killed_by_side: (
        Annotated[dict[Role, Annotated[int, Field(ge=0, le=100_000_000)]], Field(max_length=20)] | None
    ) = None

    @model_validator(mode="after")
    def _killed_range(self) -> ShellingReported:
        return _check_killed_range(self)  # type: ignore[no-any-return]


class FactReported(Reported):
    """Any other kind of fact, with its actors and locations listed with their roles.

    Optional casualty figures (killed_min/killed_best/killed_max, injured_min/injured_max,
    killed_by_side) carry counts such as    ACLED fatalities or UCDP low/high estimates.
    """

    kind: Short
    actors: list[NamedRole] = Field(default_factory=list, max_length=1000)
    locations: list[PlaceRole] = Field(default_factory=list, max_length=1000)
    killed_min: Figure = None
    killed_best: Figure = None
    killed_max: Figure = None
    injured_min: Figure = None
    injured_max: Figure = None
    killed_by_side: (
        Annotated[dict[Role, Annotated[int, Field(ge=0, le=100_000_000)]], Field(max_length=20)] | None
    ) = None

    @model_validator(mode="after")
    def _killed_range(self) -> FactReported:
        return _check_killed_range(self)  # type: ignore[no-any-return]


# --- amendments -----------------------------------------------------------------


class Amendment(Event):
    """A change to the record of an existing fact. `digest` makes re-appending a no-op."""

    fact: Slug
    reason: Text
    digest: str = ""


class FactCorrected(Amendment):
    """New values for some of a fact's fields; the fact keeps its id, its version goes up."""

    changes: dict[str, Any] = Field(min_length=1)


class FactRetracted(Amendment):
    """The fact stays in the log and in history but leaves the timelines."""


class SourceAdded(Amendment):
    """Another source reports the fact (corroboration)."""

    source: Source


class FactRestored(Amendment):
    """A retraction is undone: the fact is back in the timelines (history keeps both)."""


# --- gazetteer -----------------------------------------------------------------


class GazetteerStatement(Created):
    """A statement about what a name means. Each statement is its own aggregate."""


class ActorRegistered(GazetteerStatement):
    """An actor's canonical name, its kind, an optional explicit key and its aliases."""

    name: Name
    kind: Short | None = None
    key: Key | None = None
    aliases: list[Name] = Field(default_factory=list, max_length=1000)


class LocationRegistered(GazetteerStatement):
    """A place: its name and the places it lies `within` (nearest first) are its identity.

    An explicit `key` identifies it instead. Registering a place that already exists
    (same key, or same name under the same enclosing places) updates its kind,
    coordinates and aliases; it never moves facts filed under another place.
    Version 1 had `within` as one name; it is upcast to a one-element list.
    """

    class_version: ClassVar[int] = 2

    name: Name
    kind: Short | None = None
    within: Within | None = None
    key: Key | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    geo_precision: GeoPrecision | None = None
    aliases: list[Name] = Field(default_factory=list, max_length=1000)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        if isinstance(state.get("within"), str):
            state["within"] = [state["within"]]


class AliasAdded(GazetteerStatement):
    """`alias` is another name for the actor or location `name` (qualified by `within` or `key`).

    An alias names one entity: giving it to a second one is refused (see AliasMoved).
    """

    entity: Literal["actor", "location"]
    name: Name
    alias: Name
    within: Within | None = None
    key: Key | None = None


class AliasMoved(GazetteerStatement):
    """An alias leaves the entity `from` for the entity `to`, for a stated reason.

    Facts filed under the alias (not under the entity's own name) move with it.
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_by_name=True, serialize_by_alias=True, defer_build=True
    )

    entity: Literal["actor", "location"]
    alias: Name
    from_: Name = Field(alias="from")
    to: Name
    to_within: Within | None = None
    reason: Text


class IncidentRegistered(GazetteerStatement):
    """A story's title and description, for the incident slug that facts name."""

    incident: Slug
    title: Text
    description: Text | None = None


class SourceGraded(GazetteerStatement):
    """An analyst grades a source's reliability (Admiralty A-F), from this position on.

    The latest grading of a source applies to every fact it reports, earlier facts
    included, but only from its own position: `--as-of` before it shows the old grade.
    """

    source: Name
    reliability: Reliability
    reason: Text


FACT_EVENTS: tuple[type[Reported], ...] = (
    DroneAttackAlleged,
    AdvisoryIssued,
    CriminalCaseOpened,
    InterceptionClaimed,
    StatementMade,
    ResponsibilityAttributed,
    ShellingReported,
    FactReported,
)
AMENDMENT_EVENTS: tuple[type[Amendment], ...] = (FactCorrected, FactRetracted, SourceAdded, FactRestored)
GAZETTEER_EVENTS: tuple[type[GazetteerStatement], ...] = (
    ActorRegistered,
    LocationRegistered,
    AliasAdded,
    AliasMoved,
    IncidentRegistered,
    SourceGraded,
)
ALL_EVENTS: tuple[type[Event], ...] = FACT_EVENTS + AMENDMENT_EVENTS + GAZETTEER_EVENTS
EVENTS_BY_TYPE: dict[str, type[Event]] = {cls.__name__: cls for cls in ALL_EVENTS}
EVENTS_BY_TOPIC: dict[str, type[Event]] = {cls.TOPIC: cls for cls in ALL_EVENTS}
