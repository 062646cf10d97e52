"""The timeline projection: turns events into rows of the read models.

One projection maintains every read model, because they share one tracking
position: fact versions (for history and as-of), timeline entries (one per fact x
actor/location/incident it names), the gazetteer (entities and aliases) and the log
index. Every row carries the log positions in which it was valid
(`valid_from` <= N < `valid_to`), so "what did the record say at N" is an indexed read.

Rows are gathered in a `ViewBatch` and written by the view in one transaction with
the tracking position, so a batch is applied exactly once or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from timeline.domain.catalogue import FACT_TYPES
from timeline.domain.events import (
    ActorRegistered,
    AliasAdded,
    Amendment,
    Event,
    FactCorrected,
    FactRetracted,
    GazetteerStatement,
    LocationRegistered,
    Reported,
)
from timeline.domain.fact import apply_to_state
from timeline.domain.values import Occurred, normalise_name

Row = dict[str, Any]


@dataclass
class ViewBatch:
    """Rows to write for a run of consecutive events, and pre-existing rows to close."""

    facts: list[Row] = field(default_factory=list)
    entries: list[Row] = field(default_factory=list)
    names: list[Row] = field(default_factory=list)
    entities: list[Row] = field(default_factory=list)
    log: list[Row] = field(default_factory=list)
    close_facts: list[tuple[int, str]] = field(default_factory=list)
    close_names: list[tuple[int, str, str]] = field(default_factory=list)
    close_entities: list[tuple[int, str, str]] = field(default_factory=list)
    last_position: int = 0
    # Open rows created in this batch, by key, so later events in it can close them.
    open_facts: dict[str, tuple[Row, list[Row]]] = field(default_factory=dict)
    open_names: dict[tuple[str, str], Row] = field(default_factory=dict)
    open_entities: dict[tuple[str, str], Row] = field(default_factory=dict)
    # Pre-existing open rows this batch closes (they are not looked up again).
    closed_names: set[tuple[str, str]] = field(default_factory=set)
    closed_entities: set[tuple[str, str]] = field(default_factory=set)


@dataclass(frozen=True)
class Lookups:
    """Reads of the current (pre-batch) view state the projection needs."""

    fact_state: Callable[[str], Row | None]
    alias_target: Callable[[str, str], str | None]
    entity_exists: Callable[[str, str], bool]


class TimelineProjection:
    """Maps each stored event to read-model rows (see the module docstring)."""

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups

    def process(self, batch: ViewBatch, event: Event, position: int) -> None:
        recorded_at = _iso_utc(event)
        batch.last_position = position
        if isinstance(event, Reported):
            subject = event.id
        elif isinstance(event, Amendment):
            subject = event.fact
        else:
            subject = getattr(event, "alias", None) or getattr(event, "name", "")
        batch.log.append(
            {
                "position": position,
                "recorded_at": recorded_at,
                "recorded_by": event.recorded_by,
                "event": type(event).__name__,
                "subject": subject,
                "originator_id": event.originator_id.hex,
                "version": event.originator_version,
            }
        )
        if isinstance(event, Reported | Amendment):
            self._fact_event(batch, event, position, recorded_at)
        elif isinstance(event, GazetteerStatement):
            self._gazetteer_event(batch, event, position)

    # --- facts ---------------------------------------------------------------

    def _fact_event(
        self, batch: ViewBatch, event: Reported | Amendment, position: int, recorded_at: str
    ) -> None:
        if isinstance(event, Reported):
            key, previous = event.id, None
        else:
            key = event.fact
            previous = self._current(batch, key)
            if previous is None:  # an amendment of a fact the view never saw
                return
            self._close_fact(batch, key, position)
        state = apply_to_state(previous["fields"] if previous else {}, event)
        status = previous["status"] if previous else "active"
        if isinstance(event, FactRetracted):
            status = "retracted"
        elif isinstance(event, FactCorrected) and status != "retracted":
            status = "corrected"
        record = {
            "fields": state,
            "status": status,
            "version": event.originator_version,
            "first_position": previous["first_position"] if previous else position,
            "first_recorded_at": previous["first_recorded_at"] if previous else recorded_at,
        }
        fact_row = {
            "fact_key": key,
            "version": event.originator_version,
            "position": position,
            "recorded_at": recorded_at,
            "recorded_by": event.recorded_by,
            "event": type(event).__name__,
            "reason": getattr(event, "reason", None),
            "changes": _diff(previous["fields"] if previous else {}, state),
            "record": record,
            "valid_from": position,
            "valid_to": None,
        }
        entry_rows = self._entries(key, record, position)
        batch.facts.append(fact_row)
        batch.entries.extend(entry_rows)
        batch.open_facts[key] = (fact_row, entry_rows)

    def _current(self, batch: ViewBatch, key: str) -> Row | None:
        if key in batch.open_facts:
            return batch.open_facts[key][0]["record"]  # type: ignore[no-any-return]
        return self.lookups.fact_state(key)

    def _close_fact(self, batch: ViewBatch, key: str, position: int) -> None:
        opened = batch.open_facts.pop(key, None)
        if opened is None:
            batch.close_facts.append((position, key))
            return
        fact_row, entry_rows = opened
        fact_row["valid_to"] = position
        for row in entry_rows:
            row["valid_to"] = position

    @staticmethod
    def _entries(key: str, record: Row, position: int) -> list[Row]:
        fields = record["fields"]
        occurred = Occurred.parse(fields["occurred"])
        subjects = [("incident", "incident", fields["incident"])]
        subjects += FACT_TYPES[fields["type"]].subjects(fields)
        seen: set[tuple[str, str, str]] = set()
        rows = []
        for kind, role, name in subjects:
            subject = normalise_name(name)
            if (kind, role, subject) in seen:
                continue
            seen.add((kind, role, subject))
            rows.append(
                {
                    "kind": kind,
                    "subject": subject,
                    "name": name,
                    "role": role,
                    "fact_key": key,
                    "version": record["version"],
                    "occurred_start": occurred.start,
                    "occurred_end": occurred.end,
                    "first_position": record["first_position"],
                    "status": record["status"],
                    "valid_from": position,
                    "valid_to": None,
                }
            )
        return rows

    # --- gazetteer -------------------------------------------------------------

    def _gazetteer_event(self, batch: ViewBatch, event: GazetteerStatement, position: int) -> None:
        if isinstance(event, AliasAdded):
            self._set_alias(batch, event.entity, event.alias, normalise_name(event.name), position)
            return
        assert isinstance(event, ActorRegistered | LocationRegistered)
        kind = "actor" if isinstance(event, ActorRegistered) else "location"
        entity = normalise_name(event.name)
        within = getattr(event, "within", None)
        self._close_entity(batch, kind, entity, position)
        row = {
            "kind": kind,
            "entity": entity,
            "name": event.name,
            "entity_kind": event.kind,
            "within": within,
            "within_key": normalise_name(within) if within else None,
            "lat": getattr(event, "lat", None),
            "lon": getattr(event, "lon", None),
            "valid_from": position,
            "valid_to": None,
        }
        batch.entities.append(row)
        batch.open_entities[(kind, entity)] = row
        # A registered name means itself from now on, even if it was an alias before.
        if self._alias_target(batch, kind, entity) is not None:
            self._close_name(batch, kind, entity, position)
        for alias in event.aliases:
            self._set_alias(batch, kind, alias, entity, position)

    def _set_alias(self, batch: ViewBatch, kind: str, alias: str, entity: str, position: int) -> None:
        key = normalise_name(alias)
        if key == entity or self._alias_target(batch, kind, key) == entity:
            return
        self._close_name(batch, kind, key, position)
        row = {
            "kind": kind,
            "alias": key,
            "alias_name": alias,
            "entity": entity,
            "valid_from": position,
            "valid_to": None,
        }
        batch.names.append(row)
        batch.open_names[(kind, key)] = row

    def _alias_target(self, batch: ViewBatch, kind: str, key: str) -> str | None:
        if (kind, key) in batch.open_names:
            return batch.open_names[(kind, key)]["entity"]  # type: ignore[no-any-return]
        if (kind, key) in batch.closed_names:
            return None
        return self.lookups.alias_target(kind, key)

    def _close_name(self, batch: ViewBatch, kind: str, key: str, position: int) -> None:
        row = batch.open_names.pop((kind, key), None)
        if row is not None:
            row["valid_to"] = position
        elif (kind, key) not in batch.closed_names and self.lookups.alias_target(kind, key):
            batch.closed_names.add((kind, key))
            batch.close_names.append((position, kind, key))

    def _close_entity(self, batch: ViewBatch, kind: str, entity: str, position: int) -> None:
        row = batch.open_entities.pop((kind, entity), None)
        if row is not None:
            row["valid_to"] = position
        elif (kind, entity) not in batch.closed_entities and self.lookups.entity_exists(kind, entity):
            batch.closed_entities.add((kind, entity))
            batch.close_entities.append((position, kind, entity))


def _diff(before: Row, after: Row) -> dict[str, dict[str, Any]]:
    return {
        name: {"from": before.get(name), "to": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def _iso_utc(event: Event) -> str:
    return event.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
