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

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from timeline.domain.catalogue import FACT_TYPES
from timeline.domain.events import (
    AMENDMENT_EVENTS,
    EVENTS_BY_TYPE,
    FACT_EVENTS,
    ActorRegistered,
    AliasAdded,
    AliasMoved,
    Event,
    IncidentRegistered,
    LocationRegistered,
    SourceGraded,
)
from timeline.domain.fact import ACTIVE, apply_fields, next_status
from timeline.domain.places import Gazetteer, OverlayStore, PlaceRecord, Places, PlaceStore, location_token
from timeline.domain.values import Occurred, normalise_name
from timeline.projections.search import search_text

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

Row = dict[str, Any]


@dataclass
class ViewBatch:
    """Rows to write for a run of consecutive events, and pre-existing rows to close."""

    facts: list[Row] = field(default_factory=list)
    entries: list[Row] = field(default_factory=list)
    names: list[Row] = field(default_factory=list)
    entities: list[Row] = field(default_factory=list)
    log: list[Row] = field(default_factory=list)
    incidents: list[Row] = field(default_factory=list)
    search: list[Row] = field(default_factory=list)
    close_incidents: list[tuple[int, str]] = field(default_factory=list)
    grades: list[Row] = field(default_factory=list)
    close_facts: list[tuple[int, str]] = field(default_factory=list)
    close_names: list[tuple[int, str, str]] = field(default_factory=list)
    close_entities: list[tuple[int, str, str]] = field(default_factory=list)
    close_grades: list[tuple[int, str]] = field(default_factory=list)
    within: list[Row] = field(default_factory=list)
    close_within: list[tuple[int, str, str]] = field(default_factory=list)
    last_position: int = 0
    # Open rows created in this batch, by key, so later events in it can close them.
    open_facts: dict[str, tuple[Row, list[Row]]] = field(default_factory=dict)
    open_names: dict[tuple[str, str], Row] = field(default_factory=dict)
    open_entities: dict[tuple[str, str], Row] = field(default_factory=dict)
    open_incidents: dict[str, Row] = field(default_factory=dict)
    open_grades: dict[str, Row] = field(default_factory=dict)
    open_within: dict[tuple[str, str], Row] = field(default_factory=dict)
    open_within_by_subject: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    open_within_by_ancestor: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    """The keys of `open_within` by subject and by ancestor (a batch of a whole gazetteer
    opens thousands, and each place registered asks for those of a few)."""
    # Pre-existing open rows this batch closes (they are not looked up again).
    closed_names: set[tuple[str, str]] = field(default_factory=set)
    closed_entities: set[tuple[str, str]] = field(default_factory=set)
    closed_within: set[tuple[str, str]] = field(default_factory=set)
    gazetteer: Gazetteer | None = None
    """The gazetteer as it stands after the events of this batch so far."""


@dataclass(frozen=True)
class Lookups:
    """Reads of the current (pre-batch) view state the projection needs."""

    fact_state: Callable[[str], Row | None]
    entity_exists: Callable[[str, str], bool]
    places: PlaceStore
    was_corrected: Callable[[str], bool]
    within: Callable[[Sequence[str], Sequence[str]], list[tuple[str, str, str]]] = lambda _s, _a: []
    """(subject, ancestor, place) of the open `tl_within` rows of these subjects or ancestors."""
    lazy_children: Callable[[Sequence[str]], list[str]] = lambda name_keys: []
    """Places whose enclosing place is only a name (not yet resolved), one of these keys."""


@dataclass(frozen=True, slots=True)
class Applied:
    """One stored event as the projection reads it: its type name, its stored (JSON)
    fields, and where it stands in the log."""

    name: str
    payload: Row
    version: int
    position: int
    recorded_at: str


class TimelineProjection:
    """Maps each stored event to read-model rows (see the module docstring).

    `HANDLERS` gives the handler of each event class of the catalogue, and
    `SUBJECT_FIELDS` the field that names what the event is about (for the log index).
    """

    HANDLERS: ClassVar[dict[type[Event], Callable[[TimelineProjection, ViewBatch, Applied], None]]]
    SUBJECT_FIELDS: ClassVar[dict[type[Event], str]]

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups

    def process(
        self, batch: ViewBatch, name: str, payload: Row, originator_id: str, version: int, position: int
    ) -> None:
        """Add the rows of one stored event: its type name and stored (JSON) payload."""
        event_class = EVENTS_BY_TYPE[name]
        event = Applied(name, payload, version, position, normal_timestamp(payload["timestamp"]))
        batch.last_position = position
        batch.log.append(
            {
                "position": position,
                "recorded_at": event.recorded_at,
                "recorded_by": payload.get("recorded_by", ""),
                "event": name,
                "subject": payload.get(self.SUBJECT_FIELDS[event_class], ""),
                "originator_id": originator_id,
                "version": version,
                "store_user": payload.get("store_user") or None,
            }
        )
        self.HANDLERS[event_class](self, batch, event)

    # --- facts ---------------------------------------------------------------

    def reported(self, batch: ViewBatch, event: Applied) -> None:
        """A new fact (any of the catalogue's fact types): its first version."""
        self._fact_version(batch, event, event.payload["id"], None)

    def amended(self, batch: ViewBatch, event: Applied) -> None:
        """A correction, retraction, restoration or added source: the fact's next
        version, which closes the one before."""
        key = event.payload["fact"]
        previous = self._current(batch, key)
        if previous is None:  # an amendment of a fact the view never saw
            return
        self._close_fact(batch, key, event.position)
        self._fact_version(batch, event, key, previous)

    def _fact_version(self, batch: ViewBatch, event: Applied, key: str, previous: Row | None) -> None:
        name, payload, position = event.name, event.payload, event.position
        before = previous["fields"] if previous else {}
        fields = apply_fields(before, name, payload)
        status = previous["status"] if previous else ACTIVE
        corrected = name == "FactRestored" and self._was_corrected(batch, key)
        status = next_status(status, name, corrected=corrected)
        record = {
            "fields": fields,
            "status": status,
            "version": event.version,
            "first_position": previous["first_position"] if previous else position,
            "first_recorded_at": previous["first_recorded_at"] if previous else event.recorded_at,
        }
        fact_row = {
            "fact_key": key,
            "version": event.version,
            "position": position,
            "recorded_at": event.recorded_at,
            "recorded_by": payload.get("recorded_by", ""),
            "event": name,
            "reason": payload.get("reason"),
            "changes": _diff(before, fields),
            "record": record,
            "valid_from": position,
            "valid_to": None,
            "store_user": payload.get("store_user") or None,
        }
        entry_rows = self._entries(batch, key, record, previous, position)
        batch.facts.append(fact_row)
        batch.entries.extend(entry_rows)
        batch.search.append({"fact_key": key, "version": event.version, "body": search_text(fields)})
        batch.open_facts[key] = (fact_row, entry_rows)

    def _current(self, batch: ViewBatch, key: str) -> Row | None:
        if key in batch.open_facts:
            return batch.open_facts[key][0]["record"]  # type: ignore[no-any-return]
        return self.lookups.fact_state(key)

    def _was_corrected(self, batch: ViewBatch, key: str) -> bool:
        """Whether any FactCorrected applied to the fact (a restore returns it to `corrected`)."""
        in_batch = any(r["fact_key"] == key and r["event"] == "FactCorrected" for r in batch.facts)
        return in_batch or self.lookups.was_corrected(key)

    def _close_fact(self, batch: ViewBatch, key: str, position: int) -> None:
        opened = batch.open_facts.pop(key, None)
        if opened is None:
            batch.close_facts.append((position, key))
            return
        fact_row, entry_rows = opened
        fact_row["valid_to"] = position
        for row in entry_rows:
            row["valid_to"] = position

    def _entries(
        self, batch: ViewBatch, key: str, record: Row, previous: Row | None, position: int
    ) -> list[Row]:
        """Entry rows of a fact version; its locations are filed once and stay filed.

        `record["filed"]` lists the subject each location value was filed under, in the
        order of `FactType.location_values`; an amendment reuses the subject of every
        location value it leaves as it was, so it never re-files one.
        """
        fields = record["fields"]
        occurred = Occurred.parse(fields["occurred"])
        subjects = [("incident", "incident", fields["incident"])]
        subjects += FACT_TYPES[fields["type"]].subjects(fields)
        before: dict[str, str] = {}
        if previous and previous.get("filed"):
            old = FACT_TYPES[previous["fields"]["type"]].location_values(previous["fields"])
            before = {location_token(v): s for v, s in zip(old, previous["filed"], strict=False)}
        filed: list[str] = []
        fact_geo = fields.get("geo") or {}
        # actor and incident entries carry the fact's own coordinates, else its first located place's
        fallback = fact_geo or next(
            (
                v
                for k, _, v in subjects
                if k == "location" and isinstance(v, dict) and v.get("lat") is not None
            ),
            {},
        )
        seen: set[tuple[str, str, str]] = set()
        rows = []
        gazetteer = self._gazetteer(batch)
        pending = gazetteer.store.pending
        for kind, role, value in subjects:
            geo: dict[str, Any]
            if kind == "location":
                subject = before.get(location_token(value)) if before else None
                if subject is None:
                    subject = gazetteer.file(value)[0]
                    if pending:
                        self._drain(batch, position)
                filed.append(subject)
                if isinstance(value, str):
                    name, geo = value, fact_geo
                else:
                    name = value["name"]
                    geo = fact_geo or (value if value.get("lat") is not None else {})
            else:
                name = value
                subject = normalise_name(value)
                geo = fallback
            if (kind, role, subject) in seen:
                continue
            seen.add((kind, role, subject))
            precision = geo.get("geo_precision") if geo else None
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
                    "lat": geo.get("lat") if geo else None,
                    "lon": geo.get("lon") if geo else None,
                    "geo_precision": None if precision is None else str(precision),
                    "valid_from": position,
                    "valid_to": None,
                }
            )
        if filed:
            record["filed"] = filed
        return rows

    # --- incidents -------------------------------------------------------------

    def incident_registered(self, batch: ViewBatch, event: Applied) -> None:
        """The latest registration of an incident gives its title and description."""
        payload, position = event.payload, event.position
        slug = payload["incident"]
        _end_version(batch.open_incidents, batch.close_incidents, slug, position)
        row = {
            "incident": slug,
            "title": payload["title"],
            "description": payload.get("description"),
            "valid_from": position,
            "valid_to": None,
        }
        batch.incidents.append(row)
        batch.open_incidents[slug] = row

    # --- sources -----------------------------------------------------------------

    def source_graded(self, batch: ViewBatch, event: Applied) -> None:
        """A grade row valid from this position; the source's previous grade ends here."""
        payload, position = event.payload, event.position
        key = normalise_name(payload["source"])
        _end_version(batch.open_grades, batch.close_grades, key, position)
        row = {
            "source_key": key,
            "source": payload["source"],
            "reliability": payload["reliability"],
            "reason": payload["reason"],
            "recorded_at": event.recorded_at,
            "recorded_by": payload.get("recorded_by", ""),
            "valid_from": position,
            "valid_to": None,
        }
        batch.grades.append(row)
        batch.open_grades[key] = row

    # --- gazetteer -------------------------------------------------------------

    def location_registered(self, batch: ViewBatch, event: Applied) -> None:
        """A place (new, or updated), with rows for every place and alias it changes."""
        self._gazetteer(batch).register_location(event.payload)
        self._drain(batch, event.position)

    def actor_registered(self, batch: ViewBatch, event: Applied) -> None:
        """An actor's entity row (its latest registration), and rows for its aliases."""
        payload, position = event.payload, event.position
        entity, _ = self._gazetteer(batch).register_actor(payload)
        self._close_entity(batch, "actor", entity, position)
        row = _entity_row("actor", entity, payload["name"], position)
        row["entity_kind"], row["key"] = payload.get("kind"), payload.get("key")
        batch.entities.append(row)
        batch.open_entities[("actor", entity)] = row
        self._drain(batch, position)

    def alias_added(self, batch: ViewBatch, event: Applied) -> None:
        """Another name for an entity; a name that resolves to none is left out."""
        payload = event.payload
        gazetteer = self._gazetteer(batch)
        kind = payload["entity"]
        entity, problem = gazetteer.entity_of(
            kind, payload["name"], payload.get("within"), payload.get("key")
        )
        if problem is None:
            gazetteer.add_alias(kind, payload["alias"], entity)
        self._drain(batch, event.position)

    def alias_moved(self, batch: ViewBatch, event: Applied) -> None:
        """An alias passes to another entity: its old row ends, its new one starts."""
        self._gazetteer(batch).move_alias(event.payload["entity"], event.payload)
        self._drain(batch, event.position)

    def _gazetteer(self, batch: ViewBatch) -> Gazetteer:
        if batch.gazetteer is None:
            batch.gazetteer = Gazetteer(OverlayStore(self.lookups.places))
        return batch.gazetteer

    def _drain(self, batch: ViewBatch, position: int) -> None:
        """Rows for the places and aliases the last event changed."""
        if batch.gazetteer is None:
            return
        store = batch.gazetteer.store
        if not store.pending:
            return
        moved: dict[str, None] = {}
        keys: dict[str, None] = {}
        for op in store.pending:
            if op[0] == "place":
                place: PlaceRecord = op[1]
                moved[place.id] = None
                keys[place.name_key] = None
                keys[self._name_key_before(batch, place.id) or place.name_key] = None
                self._close_entity(batch, "location", place.id, position)
                row = _entity_row("location", place.id, place.name, position)
                row.update(
                    entity_kind=place.kind,
                    parent=place.parent,
                    parent_name=place.parent_name,
                    key=place.key,
                    lat=place.lat,
                    lon=place.lon,
                    geo_precision=None if place.geo_precision is None else str(place.geo_precision),
                )
                batch.entities.append(row)
                batch.open_entities[("location", place.id)] = row
            elif op[0] == "alias":
                _, kind, key, entity, spelling = op
                if kind == "location":
                    keys[key] = None
                self._close_name(batch, kind, key, position)
                if entity is not None:
                    row = {
                        "kind": kind,
                        "alias": key,
                        "alias_name": spelling,
                        "entity": entity,
                        "valid_from": position,
                        "valid_to": None,
                    }
                    batch.names.append(row)
                    batch.open_names[(kind, key)] = row
        store.pending.clear()
        if moved or keys:
            self._file_within(batch, list(moved), list(keys), position)

    def _name_key_before(self, batch: ViewBatch, place_id: str) -> str | None:
        """The name key a place had before the event being drained (None: a new place)."""
        row = batch.open_entities.get(("location", place_id))
        if row is not None:
            return str(row["name_key"])
        before = self.lookups.places.get(place_id)
        return before.name_key if before is not None else None

    # --- what lies within what (tl_within) ---------------------------------------

    def _file_within(self, batch: ViewBatch, moved: list[str], keys: list[str], position: int) -> None:
        """Bring the `tl_within` rows up to date after places `moved` were written and the
        name keys `keys` changed what they mean (a place's old and new name, location aliases).

        A row (subject, ancestor, place) says that entries filed under `subject` lie within
        `ancestor`, standing for `place`. Only subjects whose rows can have changed are
        recomputed: the keys themselves, and every subject within a place whose enclosing
        place may have changed (a written place, or one whose enclosing place is a name
        among `keys`). A place that now lies within such a place lay within it before too
        (its own chain up to it is unchanged), so the current rows find them all.
        """
        assert batch.gazetteer is not None
        store = batch.gazetteer.store
        lazy = set(self.lookups.lazy_children(keys))
        wanted = set(keys)
        lazy |= {p.id for p in store.changes.places.values() if p.parent is None and p.parent_name in wanted}
        changed = sorted(set(moved) | lazy)
        subjects = set(keys) | set(changed)
        subjects |= set(self._open_within(batch, (), changed))
        current = self._open_within(batch, sorted(subjects), ())
        places = batch.gazetteer.places
        for subject in sorted(subjects):
            after = within_rows(places, subject)
            for ancestor in sorted(current.get(subject, {}).keys() - after.keys()):
                self._close_within(batch, subject, ancestor, position)
            for ancestor, place in sorted(after.items()):
                before = current.get(subject, {}).get(ancestor)
                if before == place:
                    continue
                if before is not None:
                    self._close_within(batch, subject, ancestor, position)
                row = {
                    "subject": subject,
                    "ancestor": ancestor,
                    "place": place,
                    "valid_from": position,
                    "valid_to": None,
                }
                batch.within.append(row)
                batch.open_within[(subject, ancestor)] = row
                batch.open_within_by_subject.setdefault(subject, set()).add((subject, ancestor))
                batch.open_within_by_ancestor.setdefault(ancestor, set()).add((subject, ancestor))

    def _open_within(
        self, batch: ViewBatch, subjects: Sequence[str], ancestors: Sequence[str]
    ) -> dict[str, dict[str, str]]:
        """subject -> ancestor -> place of the open rows of these subjects or ancestors, as
        this batch has left them."""
        found: dict[str, dict[str, str]] = {}
        for subject, ancestor, place in self.lookups.within(subjects, ancestors):
            if (subject, ancestor) not in batch.closed_within:
                found.setdefault(subject, {})[ancestor] = place
        keys: set[tuple[str, str]] = set()
        for subject in subjects:
            keys |= batch.open_within_by_subject.get(subject, set())
        for ancestor in ancestors:
            keys |= batch.open_within_by_ancestor.get(ancestor, set())
        for subject, ancestor in keys:
            found.setdefault(subject, {})[ancestor] = batch.open_within[(subject, ancestor)]["place"]
        return found

    def _close_within(self, batch: ViewBatch, subject: str, ancestor: str, position: int) -> None:
        row = batch.open_within.pop((subject, ancestor), None)
        if row is not None:
            row["valid_to"] = position
            batch.open_within_by_subject[subject].discard((subject, ancestor))
            batch.open_within_by_ancestor[ancestor].discard((subject, ancestor))
        elif (subject, ancestor) not in batch.closed_within:
            batch.closed_within.add((subject, ancestor))
            batch.close_within.append((position, subject, ancestor))

    def _close_name(self, batch: ViewBatch, kind: str, key: str, position: int) -> None:
        row = batch.open_names.pop((kind, key), None)
        if row is not None:
            row["valid_to"] = position
        elif (kind, key) not in batch.closed_names and self.lookups.places.alias_holder(kind, key):
            batch.closed_names.add((kind, key))
            batch.close_names.append((position, kind, key))

    def _close_entity(self, batch: ViewBatch, kind: str, entity: str, position: int) -> None:
        row = batch.open_entities.pop((kind, entity), None)
        if row is not None:
            row["valid_to"] = position
        elif (kind, entity) not in batch.closed_entities and (
            self.lookups.places.get(entity) is not None
            if kind == "location"
            else self.lookups.entity_exists(kind, entity)
        ):
            batch.closed_entities.add((kind, entity))
            batch.close_entities.append((position, kind, entity))


def within_rows(places: Places, subject: str) -> dict[str, str]:
    """Ancestor -> place for an entry subject: every place the subject lies within (the
    places it stands for and everything enclosing them), each with the place it stands for.

    A subject stands for a place by being its id, else by being an alias it holds, else
    by being its name when that name means only it (facts filed under a bare name before
    the place was registered); the first of these that lies within an ancestor is the
    place kept for it, as a timeline over that ancestor has always filed it.
    """
    store = places.store
    stands: list[str] = []
    if store.get(subject) is not None:
        stands.append(subject)
    holder = store.alias_holder("location", subject)
    if holder is not None and holder not in stands and store.get(holder) is not None:
        stands.append(holder)
    holders = places.holders(subject)
    if len(holders) == 1 and holders[0] not in stands:
        named = store.get(holders[0])
        if named is not None and named.name_key == subject:
            stands.append(holders[0])
    rows: dict[str, str] = {}
    for place in stands:
        rows.setdefault(place, place)
        for ancestor in places.ancestors(place):
            rows.setdefault(ancestor.id, place)
    return rows


def _by_class(
    table: dict[type[Event], Any], *groups: tuple[tuple[type[Event], ...], Any]
) -> dict[type[Event], Any]:
    for classes, value in groups:
        table.update(dict.fromkeys(classes, value))
    return table


TimelineProjection.HANDLERS = _by_class(
    {
        IncidentRegistered: TimelineProjection.incident_registered,
        SourceGraded: TimelineProjection.source_graded,
        LocationRegistered: TimelineProjection.location_registered,
        ActorRegistered: TimelineProjection.actor_registered,
        AliasAdded: TimelineProjection.alias_added,
        AliasMoved: TimelineProjection.alias_moved,
    },
    (FACT_EVENTS, TimelineProjection.reported),
    (AMENDMENT_EVENTS, TimelineProjection.amended),
)
TimelineProjection.SUBJECT_FIELDS = _by_class(
    {
        IncidentRegistered: "incident",
        SourceGraded: "source",
        LocationRegistered: "name",
        ActorRegistered: "name",
        AliasAdded: "name",
        AliasMoved: "alias",
    },
    (FACT_EVENTS, "id"),
    (AMENDMENT_EVENTS, "fact"),
)


def _entity_row(kind: str, entity: str, name: str, position: int) -> Row:
    return {
        "kind": kind,
        "entity": entity,
        "name": name,
        "name_key": normalise_name(name),
        "entity_kind": None,
        "parent": None,
        "parent_name": None,
        "key": None,
        "lat": None,
        "lon": None,
        "geo_precision": None,
        "valid_from": position,
        "valid_to": None,
    }


def _end_version(opened: dict[str, Row], closing: list[tuple[int, str]], key: str, position: int) -> None:
    """End the row valid for `key` at `position`: the one this batch opened, if any, else
    the stored one (closed when the batch is written)."""
    row = opened.pop(key, None)
    if row is not None:
        row["valid_to"] = position
    else:
        closing.append((position, key))


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
