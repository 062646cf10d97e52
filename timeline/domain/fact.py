"""The Fact aggregate: one reported fact and every amendment of it."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

import orjson
from eventsourcing.domain import BaseAggregate
from eventsourcing.utils import get_topic
from pydantic import ValidationError

from timeline.domain.catalogue import FACT_TYPES, FactType
from timeline.domain.events import (
    FACT_EVENTS,
    STORED_ENVELOPE,
    Amendment,
    Created,
    Event,
    FactCorrected,
    FactRestored,
    FactRetracted,
    Reported,
    SourceAdded,
)
from timeline.wording import problem

_FACT_NAMESPACE = uuid5(NAMESPACE_URL, "timeline:fact")
_STATEMENT_NAMESPACE = uuid5(NAMESPACE_URL, "timeline:gazetteer")
UNCHANGEABLE = frozenset({"type", "id"})
"""Fields no correction may change: a fact keeps its type and its id."""

ACTIVE, CORRECTED, RETRACTED = "active", "corrected", "retracted"
"""A fact's statuses: as reported, changed by a correction, withdrawn from the timelines."""
A = TypeVar("A", bound=BaseAggregate[UUID])
C = TypeVar("C", bound=Created)


class AmendmentError(ValueError):
    """Raised when an amendment cannot apply to the fact as it stands."""


class NoChange(AmendmentError):
    """Raised when a correction would set every field to the value it already has."""


@lru_cache(maxsize=16_384)
def fact_uuid(fact_id: str) -> UUID:
    """The stored aggregate id of a fact id (uuid5, so the same id always maps alike).

    An append asks for each fact's id several times close together (validation,
    write, look-ups); the recent ones are kept."""
    return uuid5(_FACT_NAMESPACE, fact_id)


def statement_uuid(digest: str) -> UUID:
    return uuid5(_STATEMENT_NAMESPACE, digest)


def content_digest(content: dict[str, Any]) -> str:
    """A stable digest of a journal object's content (keys sorted, UTF-8 JSON)."""
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def occurrence_digest(digest: str, n: int) -> str:
    """The identity of the n-th (n > 1) identical amendment of a fact in one input."""
    return hashlib.sha256(f"{digest}#{n}".encode()).hexdigest()


def derived_fact_id(content: dict[str, Any]) -> str:
    """The id of a fact given without one: derived from its content."""
    return "f-" + content_digest(content)[:20]


def first_event(
    aggregate_class: type[BaseAggregate[UUID]], event_class: type[C], originator_id: UUID, **fields: Any
) -> C:
    """The event that starts an aggregate (validated), without building the aggregate."""
    return event_class(
        originator_id=originator_id,
        originator_version=aggregate_class.INITIAL_VERSION,
        timestamp=event_class.create_timestamp(),
        originator_topic=get_topic(aggregate_class),
        **fields,
    )


def start(aggregate_class: type[A], event_class: type[Created], originator_id: UUID, **fields: Any) -> A:
    """A new aggregate from its first event (like `BaseAggregate._create`, which would
    not accept a field named `id`, as facts have)."""
    event = first_event(aggregate_class, event_class, originator_id, **fields)
    aggregate = event.mutate(None)
    assert isinstance(aggregate, aggregate_class)
    aggregate.pending_events.append(event)
    return aggregate


class Fact(BaseAggregate[UUID]):
    """A reported fact. Its state is a plain dict of the current field values."""

    def __init__(self) -> None:
        self.state: dict[str, Any] = {}
        self.status = ACTIVE
        self.amendments: set[str] = set()
        self.digest = ""
        self.corrected = False

    @property
    def fact_type(self) -> FactType:
        return FACT_TYPES[self.state["type"]]

    @classmethod
    def report(cls, event_class: type[Reported], *, recorded_by: str, **fields: Any) -> Fact:
        """Record a new fact of any of the catalogue's types."""
        return start(cls, event_class, fact_uuid(fields["id"]), recorded_by=recorded_by, **fields)

    def correct(
        self, changes: dict[str, Any], *, reason: str, recorded_by: str, digest: str, as_given: bool = False
    ) -> None:
        """Set new values on some fields; they are validated against the fact's type.

        Only real changes are recorded: a correction repeating what the fact already says
        would raise its version and mark it corrected for nothing (NoChange). A journal
        line is recorded `as_given` instead, so that appending the journal again finds it
        recorded: otherwise a line that changed nothing the first time could change
        something the second, after later lines of the same journal.
        """
        self._check(FactCorrected)
        changes = validate_changes(self.fact_type, self.state, changes)
        real = {k: v for k, v in changes.items() if self.state.get(k) != v}
        if not real and not as_given:
            raise NoChange(f"fact {self.state['id']!r} already says that; no change written")
        changes = changes if as_given else real
        self.trigger_event(
            FactCorrected,
            fact=self.state["id"],
            changes=changes,
            reason=reason,
            recorded_by=recorded_by,
            digest=digest,
        )

    def retract(self, *, reason: str, recorded_by: str, digest: str) -> None:
        self._check(FactRetracted)
        self.trigger_event(
            FactRetracted, fact=self.state["id"], reason=reason, recorded_by=recorded_by, digest=digest
        )

    def restore(self, *, reason: str, recorded_by: str, digest: str) -> None:
        """Undo a retraction; only a retracted fact can be restored."""
        self._check(FactRestored)
        self.trigger_event(
            FactRestored, fact=self.state["id"], reason=reason, recorded_by=recorded_by, digest=digest
        )

    def add_source(self, source: dict[str, Any], *, reason: str, recorded_by: str, digest: str) -> None:
        self._check(SourceAdded)
        self.trigger_event(
            SourceAdded,
            fact=self.state["id"],
            source=source,
            reason=reason,
            recorded_by=recorded_by,
            digest=digest,
        )

    def _check(self, amendment: type[Amendment]) -> None:
        """AmendmentError unless the fact's status admits this amendment (`amendment_refusal`)."""
        refusal = amendment_refusal(self.state["id"], self.status, amendment.__name__, by_verb=True)
        if refusal:
            raise AmendmentError(refusal)

    def when(self, event: Event) -> None:
        """Evolve the state by one event (shared with the projections through `apply_to_state`)."""
        self.state = apply_to_state(self.state, event)
        if isinstance(event, Reported):
            self.digest = creation_digest(event)
        if isinstance(event, FactCorrected):
            self.corrected = True
        self.status = next_status(self.status, type(event).__name__, corrected=self.corrected)
        if isinstance(event, Amendment) and event.digest:
            self.amendments.add(event.digest)


def already_says(fact: Fact, entry: Any) -> bool:
    """True if the amendment journal entry would change nothing the fact says now
    (its corrected values, its retraction, its sources)."""
    fields = entry.fields
    if entry.type == "FactRetracted":
        return fact.status == RETRACTED
    if entry.type == "FactRestored":
        return fact.status != RETRACTED
    if entry.type == "SourceAdded":
        return fields["source"] in fact.state.get("sources", [])
    if fact.status == RETRACTED:
        return False
    try:
        changes = validate_changes(fact.fact_type, fact.state, fields["changes"])
    except AmendmentError:
        return False
    return all(fact.state.get(field) == value for field, value in changes.items())


def next_status(status: str, event_name: str, *, corrected: bool) -> str:
    """A fact's status after one more event: `corrected` once any correction applied,
    `retracted` from a retraction until a `FactRestored` brings it back.

    The aggregate, the projections and the journal check all step a fact's status
    through this one function.
    """
    if event_name == "FactRetracted":
        return RETRACTED
    if event_name == "FactRestored":
        return CORRECTED if corrected else ACTIVE
    if event_name == "FactCorrected" and status != RETRACTED:
        return CORRECTED
    return status


_REFUSED_BY_VERB = {
    "FactCorrected": "is retracted and cannot be corrected",
    "FactRetracted": "is already retracted",
}


def amendment_refusal(fact_id: str, status: str, event_name: str, *, by_verb: bool = False) -> str | None:
    """Why a fact with this status cannot take this amendment, or None if it can.

    The rule, for the aggregate and the journal check alike: only a retracted fact can
    be restored, and a retracted fact takes nothing else but more sources. The
    aggregate's own verbs (`by_verb`) name what they were asked to do; a journal line
    is told it cannot amend the fact.
    """
    if event_name == "FactRestored":
        return None if status == RETRACTED else f"fact {fact_id!r} is not retracted; nothing to restore"
    if status != RETRACTED or event_name == "SourceAdded":
        return None
    said = _REFUSED_BY_VERB.get(event_name) if by_verb else None
    return f"fact {fact_id!r} {said or 'is retracted and cannot be amended'}"


def field_refusal(fact_type: FactType, field: str) -> str | None:
    """Why a correction cannot set this field of a fact of this type, or None if it can."""
    if field in UNCHANGEABLE:
        return f"field {field!r} cannot be corrected"
    if field not in fact_type.input_model.model_fields:
        return f"{fact_type.name} has no field {field!r}"
    return None


def creation_digest(event: Reported) -> str:
    """The digest of a fact's reported content, equal to its journal line's `Entry.digest`."""
    fields = event.model_dump(mode="json", exclude=set(STORED_ENVELOPE), exclude_none=True)
    return content_digest({"type": type(event).__name__, **fields})


def validate_changes(fact_type: FactType, state: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The changes, normalised; AmendmentError unless applied to `state` they make a valid fact."""
    # unchangeable fields are named first, then unknown ones, each in name order
    for field in sorted(changes, key=lambda name: (name not in UNCHANGEABLE, name)):
        refusal = field_refusal(fact_type, field)
        if refusal:
            raise AmendmentError(refusal)
    merged = {k: v for k, v in state.items() if k != "type"} | changes
    try:
        valid = fact_type.input_model.model_validate(merged).model_dump(mode="json")
    except ValidationError as error:
        raise AmendmentError(f"changes make the fact invalid: {problem(error.errors()[0])}") from None
    return {field: valid[field] for field in changes}


def apply_fields(fields: dict[str, Any], event_name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The fact's fields (journal-shaped, with `type`, no None values) after one more event.

    `payload` is the event's own fields as stored (JSON-shaped). The aggregate and the
    projections both evolve facts through this one function.
    """
    if event_name in _REPORTED_NAMES:
        reported = {k: v for k, v in payload.items() if v is not None and k not in STORED_ENVELOPE}
        reported["sources"] = [{k: v for k, v in s.items() if v is not None} for s in payload["sources"]]
        return {"type": event_name, **reported}
    if event_name == "FactCorrected":
        changed = fields | payload["changes"]
        return {k: v for k, v in changed.items() if v is not None}
    if event_name == "SourceAdded":
        source = {k: v for k, v in payload["source"].items() if v is not None}
        return fields | {"sources": [*fields["sources"], source]}
    return fields


def apply_to_state(state: dict[str, Any], event: Event) -> dict[str, Any]:
    """The fact state after one more (decoded) event."""
    return apply_fields(
        state, type(event).__name__, event.model_dump(mode="json", exclude=set(STORED_ENVELOPE))
    )


_REPORTED_NAMES = frozenset(cls.__name__ for cls in FACT_EVENTS)
