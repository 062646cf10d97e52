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
from timeline.domain.events import AMENDMENT_EVENTS, FACT_EVENTS
from timeline.domain.fact import apply_fields
from timeline.domain.values import Occurred, normalise_name

Row = dict[str, Any]
_REPORTED = frozenset(cls.__name__ for cls in FACT_EVENTS)
_AMENDMENTS = frozenset(cls.__name__ for cls in AMENDMENT_EVENTS)


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

    def process(
        self, batch: ViewBatch, name: str, payload: Row, originator_id: str, version: int, position: int
    ) -> None:
        """Add the rows of one stored event: its type name and stored (JSON) payload."""
        recorded_at = normal_timestamp(payload["timestamp"])
        batch.last_position = position
        if name in _REPORTED:
            subject = payload["id"]
        elif name in _AMENDMENTS:
            subject = payload["fact"]
        else:
            subject = payload.get("name", "")
        batch.log.append(
            {
                "position": position,
                "recorded_at": recorded_at,
                "recorded_by": payload.get("recorded_by", ""),
                "event": name,
                "subject": subject,
                "originator_id": originator_id,
                "version": version,
            }
        )
        if name in _REPORTED or name in _AMENDMENTS:
            self._fact_event(batch, name, payload, version, position, recorded_at)
        else:
            self._gazetteer_event(batch, name, payload, position)

    # --- facts ---------------------------------------------------------------

    def _fact_event(
        self, batch: ViewBatch, name: str, payload: Row, version: int, position: int, recorded_at: str
    ) -> None:
        if name in _REPORTED:
            key, previous = payload["id"], None
        else:
            key = payload["fact"]
            previous = self._current(batch, key)
            if previous is None:  # an amendment of a fact the view never saw
                return
            self._close_fact(batch, key, position)
        before = previous["fields"] if previous else {}
        fields = apply_fields(before, name, payload)
        status = previous["status"] if previous else "active"
        if name == "FactRetracted":
            status = "retracted"
        elif name == "FactCorrected" and status != "retracted":
            status = "corrected"
        record = {
            "fields": fields,
            "status": status,
            "version": version,
            "first_position": previous["first_position"] if previous else position,
            "first_recorded_at": previous["first_recorded_at"] if previous else recorded_at,
        }
        fact_row = {
            "fact_key": key,
            "version": version,
            "position": position,
            "recorded_at": recorded_at,
            "recorded_by": payload.get("recorded_by", ""),
            "event": name,
            "reason": payload.get("reason"),
            "changes": _diff(before, fields),
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

    def _gazetteer_event(self, batch: ViewBatch, name: str, payload: Row, position: int) -> None:
        if name == "AliasAdded":
            entity = normalise_name(payload["name"])
            self._set_alias(batch, payload["entity"], payload["alias"], entity, position)
            return
        kind = "actor" if name == "ActorRegistered" else "location"
        entity = normalise_name(payload["name"])
        within = payload.get("within")
        self._close_entity(batch, kind, entity, position)
        row = {
            "kind": kind,
            "entity": entity,
            "name": payload["name"],
            "entity_kind": payload.get("kind"),
            "within": within,
            "within_key": normalise_name(within) if within else None,
            "lat": payload.get("lat"),
            "lon": payload.get("lon"),
            "valid_from": position,
            "valid_to": None,
        }
        batch.entities.append(row)
        batch.open_entities[(kind, entity)] = row
        # A registered name means itself from now on, even if it was an alias before.
        if self._alias_target(batch, kind, entity) is not None:
            self._close_name(batch, kind, entity, position)
        for alias in payload.get("aliases") or ():
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
    """Field changes of a later version; a first version's are read from its record."""
    if not before:
        return {}
    changed = {
        name: {"from": before.get(name), "to": after.get(name)}
        for name in before.keys() | after.keys()
        if before.get(name) != after.get(name)
    }
    return dict(sorted(changed.items()))


def normal_timestamp(stamp: str) -> str:
    """A stored UTC timestamp as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (sortable as text)."""
    if stamp.endswith("+00:00"):
        stamp = stamp[:-6] + "Z"
    if len(stamp) == 27:
        return stamp
    head, _, fraction = stamp[:-1].partition(".")
    return f"{head}.{fraction.ljust(6, '0')[:6]}Z"
