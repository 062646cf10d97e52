"""Gazetteer statements: each registration or alias is its own small aggregate.

A statement's id is derived from its content, so re-appending the same statement is
a no-op, and two analysts registering different things never conflict. What names
mean at any position is the projection's job (`timeline.projections`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import BaseAggregate

from timeline.domain.fact import content_digest, start, statement_uuid

if TYPE_CHECKING:
    from timeline.domain.events import Event, GazetteerStatement


class Statement(BaseAggregate[UUID]):
    """One gazetteer statement (ActorRegistered, LocationRegistered or AliasAdded)."""

    def __init__(self) -> None:
        self.content: dict[str, Any] = {}

    @classmethod
    def make(cls, event_class: type[GazetteerStatement], *, recorded_by: str, **fields: Any) -> Statement:
        digest = content_digest({"type": event_class.__name__, **fields})
        return start(cls, event_class, statement_uuid(digest), recorded_by=recorded_by, **fields)

    @staticmethod
    def id_for(type_name: str, fields: dict[str, Any]) -> UUID:
        return statement_uuid(content_digest({"type": type_name, **fields}))

    def when(self, event: Event) -> None:
        self.content = event.model_dump(mode="json")
