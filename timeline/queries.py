"""Read verbs: timelines, listings, history and the log, now or as of a past moment.

Every answer comes from the read tables (one indexed query per step), never from
replaying the log; `as_of` is a log position, resolved by `resolve_as_of`.
"""

from __future__ import annotations

import base64
import difflib
import functools
import itertools
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from timeline.domain.grading import grade_of, meets, parse_grade
from timeline.domain.places import MAX_DEPTH, PlaceRef, Places, Resolution
from timeline.domain.values import FIGURE_FIELDS, Occurred, normalise_name, place_name
from timeline.errors import InvalidInputError, NotFoundError
from timeline.persistence.readmodel import MERGE_SUBJECTS
from timeline.projections.readmodel import EntryRow
from timeline.projections.search import words
from timeline.results import (
    FactRecord,
    FactResult,
    HistoryResult,
    LogEntry,
    PlaceInfo,
    PlacesResult,
    Subject,
    SubjectCount,
    SubjectsPage,
    SubjectsResult,
    TimelineEntry,
    TimelinePage,
    TimelineResult,
    Version,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from timeline.projections.readmodel import PlaceIndex, TimelineView

KINDS = ("actor", "location", "incident")
PRELOAD_TREE = 16
"""A place tree larger than this reads the holders of its names in one go."""
_DATE_ONLY = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class TimelineQuery:
    """What a timeline command asks: a subject and its filters."""

    kind: str
    name: str
    as_of: str | None = None
    exact: bool = False
    include_retracted: bool = False
    occurred_from: str | None = None
    occurred_to: str | None = None
    limit: int | None = None
    key: str | None = None
    min_grade: str | None = None


def resolve_as_of(view: TimelineView, as_of: str | None) -> int | None:
    """`@N` -> N; an ISO time -> the last position recorded at or before it; None -> now.

    A date without a time (`2026-11-29`, also `2026-11` or `2026`) means the end of
    that day (month, year) in UTC: "as of the 29th" includes what was recorded that day.
    """
    if as_of is None:
        return None
    text = as_of.strip()
    if text.startswith("@"):
        try:
            position = int(text[1:])
        except ValueError:
            raise InvalidInputError(f"--as-of {as_of!r}: expected @N with N a log position") from None
        if position < 0:
            raise InvalidInputError(f"--as-of {as_of!r}: positions start at 1")
        return min(position, 2**63 - 1)  # beyond any position a store can hold: now
    return view.position_at(as_of_instant(as_of))


def as_of_instant(as_of: str) -> str:
    """The recorded_at stamp (UTC, microseconds) an ISO `--as-of` time means."""
    text = as_of.strip()
    if _DATE_ONLY.match(text):
        try:
            return Occurred.parse(text).end + "Z"
        except ValueError as error:
            raise InvalidInputError(f"--as-of {as_of!r}: {error}") from None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInputError(
            f"--as-of {as_of!r}: expected an ISO time (2023-05-03T12:00Z) or @N"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def not_found(view: TimelineView, kind: str, name: str, as_of: str | None) -> NotFoundError:
    """The error for a missing subject: under --as-of it says so, and a fact id or
    incident slug close to a known one gets "did you mean"."""
    message = f"no {kind} {name!r} in the record" + (f" as of {as_of}" if as_of else "")
    if kind in ("fact", "incident"):
        known = view.known_keys(kind, name.strip())
        if name.strip() in known:  # there now, not then
            return NotFoundError(f"{message} (it was recorded later)")
        close = difflib.get_close_matches(name.strip(), known, n=3, cutoff=0.75)
        if close:
            message += "; did you mean " + " or ".join(repr(key) for key in close) + "?"
    return NotFoundError(message)


def occurred_bound(value: str | None, *, end: bool, option: str) -> str | None:
    if value is None:
        return None
    try:
        parsed = Occurred.parse(value)
    except ValueError as error:
        raise InvalidInputError(f"{option} {value!r}: {error}") from None
    return parsed.end if end else parsed.start


@dataclass(frozen=True)
class TimelineStream:
    """A timeline whose entries are read from the store as they are consumed, so that
    writing them out (NDJSON, CSV) takes memory that does not grow with the timeline."""

    subject: Subject
    as_of: str | None
    entries: Iterator[TimelineEntry]


def timeline(view: TimelineView, query: TimelineQuery) -> TimelineResult:
    """The entries of one actor, location (with everything within it) or incident."""
    stream = timeline_stream(view, query, peek=None)
    return TimelineResult(subject=stream.subject, as_of=stream.as_of, entries=list(stream.entries))


def timeline_stream(view: TimelineView, query: TimelineQuery, *, peek: int | None = 1000) -> TimelineStream:
    """`timeline`, with entries streamed. The subject's shown spelling (when it is not
    registered) is taken from the first `peek` entries (None: all of them).

    Each entry carries its grade as the sources were graded at `as_of`; with
    `min_grade`, only entries at least that good are kept (before the limit).
    """
    minimum = None
    if query.min_grade is not None:
        try:
            minimum = parse_grade(query.min_grade)
        except ValueError as error:
            raise InvalidInputError(f"--min-grade: {error}") from None
    grades = view.grades(resolve_as_of(view, query.as_of))
    stream = _timeline_stream(view, replace(query, limit=None) if minimum else query, peek, grades)
    graded = stream.entries
    if minimum is not None:
        graded = itertools.islice((e for e in graded if meets(e.grade, minimum)), query.limit)
    return replace(stream, entries=graded)


def _timeline_stream(
    view: TimelineView, query: TimelineQuery, peek: int | None, grades: dict[str, str]
) -> TimelineStream:
    if query.kind not in KINDS:
        raise InvalidInputError(f"unknown subject kind {query.kind!r}")
    position = resolve_as_of(view, query.as_of)
    if query.kind == "location":
        return _location_timeline(view, query, position, peek, grades)
    if query.kind == "incident":
        canon = query.name.strip()
        keys = [canon]
    elif query.key:
        found = view.entity_by_key(query.kind, query.key, position)
        if found is None:
            raise NotFoundError(f"no {query.kind} with key {query.key!r} in the record{_as_of_note(query)}")
        canon, keys = found, [found]
    else:
        canon = view.resolve(query.kind, normalise_name(query.name), position)
        keys = [canon]
    alias_rows = view.aliases(query.kind, keys, position) if query.kind != "incident" else []
    members = sorted(set(keys) | {alias for alias, _ in alias_rows})
    pending = _iter_rows(view, query, members, position)
    rows = list(pending) if peek is None else list(itertools.islice(pending, peek))
    entity = view.entity(query.kind, canon, position) if query.kind != "incident" else None
    registered = query.kind == "incident" and canon in view.incidents(position)
    known = entity is not None or registered or rows
    if not known and not _has_entries(view, query.kind, members, position):
        raise not_found(view, query.kind, query.name, query.as_of)
    name = entity["name"] if entity else _reported_spelling(rows, canon) or query.name.strip()
    own_rows = alias_rows if keys == [canon] else view.aliases(query.kind, [canon], position)
    own_aliases = [n for alias, n in own_rows] if entity or alias_rows else []
    return TimelineStream(
        subject=Subject(kind=query.kind, name=name, aliases=_unique(own_aliases)),
        as_of=query.as_of,
        entries=(_entry(query.kind, row, grades=grades) for row in itertools.chain(rows, pending)),
    )


def _as_of_note(query: TimelineQuery) -> str:
    return f" as of {query.as_of}" if query.as_of else ""


def _iter_rows(
    view: TimelineView, query: TimelineQuery, members: list[str], position: int | None
) -> Iterator[EntryRow]:
    return view.entries(query.kind, members, **_entry_filters(query, position))


def _entry_filters(query: TimelineQuery, position: int | None) -> dict[str, Any]:
    """The keyword filters of a timeline read (`TimelineView.entries`, `entries_within`)."""
    return {
        "as_of": position,
        "include_retracted": query.include_retracted,
        "occurred_from": occurred_bound(query.occurred_from, end=False, option="--from"),
        "occurred_to": occurred_bound(query.occurred_to, end=True, option="--to"),
        "limit": query.limit,
    }


def find_place(
    view: TimelineView, name: str, key: str | None, position: int | None, store: PlaceIndex | None = None
) -> str | None:
    """The place a user names: by key, by name, or by `"Name, Enclosing, ..."`.

    None when no place matches (the name may still be a location nobody registered);
    InvalidInputError listing every candidate when several do. `store`: the places at
    `position` to read them from (and keep what was read in).
    """
    rules = Places(store or view.places(position))
    if key:
        return rules.store.by_key("location", key)
    found = resolve_named(rules, name)
    if found.ambiguous:
        enclosing = _enclosing(rules, found.candidates)
        if enclosing is not None:
            return enclosing  # "Donetsk": the oblast, with the city of that name within it
        listed = "; ".join(rules.describe(c) for c in found.candidates)
        raise InvalidInputError(
            f"location {name.strip()!r} is ambiguous: {len(found.candidates)} places match ({listed}); "
            f"name one as 'Name, Enclosing place' or use --key"
        )
    return found.place


def resolve_named(rules: Places, name: str) -> Resolution:
    """A place as a user writes it: `"Name"` or `"Name, Enclosing, ..."`.

    Place names may hold commas ("Saltovka, Kharkiv"), so the longest leading part
    that names a place is its name and the rest qualifies it.
    """
    parts = list(PlaceRef.parse(name).within)
    parts.insert(0, PlaceRef.parse(name).name)
    found = Resolution()
    for cut in range(len(parts), 0, -1):
        found = rules.resolve(PlaceRef(", ".join(parts[:cut]), tuple(parts[cut:])))
        if found.place is not None or found.ambiguous:
            return found
    return found


def _enclosing(rules: Places, candidates: tuple[str, ...]) -> str | None:
    """The one candidate that encloses every other, if there is one."""
    for candidate in candidates:
        if all(
            other == candidate or candidate in {p.id for p in rules.ancestors(other)} for other in candidates
        ):
            return candidate
    return None


def _location_timeline(
    view: TimelineView, query: TimelineQuery, position: int | None, peek: int | None, grades: dict[str, str]
) -> TimelineStream:
    store = view.places(position)
    place = find_place(view, query.name, query.key, position, store)
    if place is None:
        if query.key:
            raise NotFoundError(f"no location with key {query.key!r} in the record{_as_of_note(query)}")
        # A location nobody registered: its name (and any alias given to that name).
        canon = view.resolve("location", normalise_name(query.name), position)
        alias_rows = view.aliases("location", [canon], position)
        members = sorted({canon} | {alias for alias, _ in alias_rows})
        pending = _iter_rows(view, query, members, position)
        rows = list(pending) if peek is None else list(itertools.islice(pending, peek))
        if not rows and not _has_entries(view, "location", members, position):
            raise NotFoundError(f"no location {query.name!r} in the record{_as_of_note(query)}")
        name = _reported_spelling(rows, canon) or query.name.strip()
        return TimelineStream(
            subject=Subject(kind="location", name=name, aliases=_unique([n for _, n in alias_rows])),
            as_of=query.as_of,
            entries=(
                _entry("location", row, [row.name], grades=grades) for row in itertools.chain(rows, pending)
            ),
        )
    rules = Places(store)
    within: Iterator[EntryRow]
    if query.exact:
        filed_under = members_of(view, rules, [place], position)
        within = _iter_rows(view, query, sorted(filed_under), position)
    else:
        # every subject within the place, from the read model's tl_within: a few of them
        # are read one index run each and merged, many by one walk of the entries in time order
        filed_under = view.within(place, position, limit=MERGE_SUBJECTS + 1)
        if len(filed_under) <= MERGE_SUBJECTS:
            within = _iter_rows(view, query, sorted(filed_under), position)
        else:
            within = view.entries_within(place, **_entry_filters(query, position))
    record = store.get(place)
    assert record is not None
    subject = Subject(
        kind="location",
        name=record.name,
        aliases=_unique([n for _, n in view.aliases("location", [place], position)]),
    )

    def entries() -> Iterator[TimelineEntry]:
        """One entry per fact and role: a fact naming several places of the tree is listed once,
        under the first, with every place it matched in `places` (rows of one fact are adjacent)."""
        paths: dict[str, list[str]] = {}
        held: TimelineEntry | None = None
        matched: list[str] = []
        for row in _preloading(store, within, filed_under):
            filed = row.place or filed_under.get(row.subject)
            if (filed or "") not in paths:
                paths[filed or ""] = rules.path(filed) if filed else [row.name]
            fact_id = row.record["fields"]["id"]
            if held is not None and held.fact == fact_id and held.role == row.role:
                matched.append(row.name)
                continue
            if held is not None:
                yield _with_places(held, matched)
            geo = None
            if row.lat is None and filed is not None:
                found = store.get(filed)
                if found is not None and found.lat is not None:
                    geo = _geo(found.lat, found.lon, found.geo_precision)
            held, matched = _entry("location", row, paths[filed or ""], geo, grades), [row.name]
        if held is not None:
            yield _with_places(held, matched)

    return TimelineStream(subject=subject, as_of=query.as_of, entries=entries())


def _preloading(
    store: PlaceIndex, rows: Iterator[EntryRow], filed_under: dict[str, str]
) -> Iterator[EntryRow]:
    """The rows, with the places they are filed under and the places enclosing those
    read a page at a time (one read a level for a page's places instead of one each)."""
    while page := list(itertools.islice(rows, _PLACES_PAGE)):
        wanted = {row.place or filed_under.get(row.subject) or "" for row in page} - {""}
        for _ in range(MAX_DEPTH):
            store.load(sorted(wanted))
            wanted = {p.parent for p in map(store.get, wanted) if p is not None and p.parent} - wanted
            if not wanted:
                break
        yield from page


_PLACES_PAGE = 128


def _with_places(entry: TimelineEntry, matched: list[str]) -> TimelineEntry:
    unique = _unique(matched)
    return entry if len(unique) < 2 else entry.replace(places=unique)


def place_tree(store: PlaceIndex, rules: Places, root: str) -> list[str]:
    """A place and every place within it, at any depth, walked level by level."""
    tree = [root]
    seen = {root}
    frontier = [root]
    while frontier:
        store.load(frontier)
        names = set()
        for place_id in frontier:
            place = store.get(place_id)
            if place is not None:
                names.add(place.name_key)
        names |= {alias for alias, _ in store.aliases_of(frontier)}
        children = store.children(frontier, sorted(names))
        frontier_set = set(frontier)
        frontier = []
        for child in children:
            if child.id in seen:
                continue
            if child.parent is None and rules.effective_parent(child) not in frontier_set:
                continue  # a lazily named parent that means another place (or none)
            seen.add(child.id)
            tree.append(child.id)
            frontier.append(child.id)
    return tree


def members_of(view: TimelineView, rules: Places, tree: list[str], position: int | None) -> dict[str, str]:
    """Entry subjects filed under the places of a tree -> the place each stands for.

    A place's id, every alias it holds, and its name where facts were filed under
    the bare name before the place was registered and the name means only it.
    """
    members = {place: place for place in tree}
    for alias, _ in view.aliases("location", tree, position):
        members.setdefault(alias, rules.store.alias_holder("location", alias) or alias)
    for place_id in tree:
        place = rules.store.get(place_id)
        if (
            place is not None
            and place.name_key not in members
            and rules.holders(place.name_key) == [place_id]
        ):
            members[place.name_key] = place_id
    return members


def _geo(lat: float | None, lon: float | None, precision: str | int | None) -> dict[str, Any] | None:
    if lat is None or lon is None:
        return None
    if isinstance(precision, str) and precision.isdigit():
        precision = int(precision)
    return {"lat": lat, "lon": lon, "geo_precision": precision}


def _has_entries(view: TimelineView, kind: str, members: list[str], position: int | None) -> bool:
    return any(
        True
        for _ in view.entries(
            kind,
            members,
            as_of=position,
            include_retracted=True,
            occurred_from=None,
            occurred_to=None,
            limit=1,
        )
    )


def _reported_spelling(rows: list[EntryRow], canon: str) -> str | None:
    for row in rows:
        if normalise_name(row.name) == canon or row.record["fields"].get("incident") == canon:
            return row.name if normalise_name(row.name) == canon else canon
    return None


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _entry(
    kind: str,
    row: EntryRow,
    place_path: list[str] | None = None,
    place_geo: dict[str, Any] | None = None,
    grades: dict[str, str] | None = None,
) -> TimelineEntry:
    """The entry of a row; with `grades`, graded by them (as `grade_of`)."""
    record = row.record
    fields = record["fields"]
    occurred = Occurred.parse(fields["occurred"])
    return TimelineEntry(
        fact=fields["id"],
        type=fields["type"],
        incident=fields["incident"],
        occurred=fields["occurred"],
        precision=occurred.precision,
        occurred_earliest=occurred.earliest,
        occurred_latest=occurred.latest,
        display=occurred.display,
        credibility=fields.get("credibility"),
        role=row.role,
        summary=fields["summary"],
        certainty=fields.get("certainty", "reported"),
        status=record["status"],
        version=record["version"],
        sources=fields["sources"],
        recorded_at=record["first_recorded_at"],
        position=record["first_position"],
        place=row.name if kind == "location" else None,
        place_path=place_path if kind == "location" else None,
        geo=_geo(row.lat, row.lon, row.geo_precision) or place_geo,
        figures={k: fields[k] for k in FIGURE_FIELDS if fields.get(k) is not None} or None,
        grade=None if grades is None else grade_of(fields["sources"], fields.get("credibility"), grades),
    )


def subjects(view: TimelineView, kind: str, as_of: str | None, limit: int | None = None) -> SubjectsResult:
    """Every actor, location or incident in the record, with its number of facts."""
    position = resolve_as_of(view, as_of)
    incidents = view.incidents(position) if kind == "incident" else {}
    registered = view.registered(kind, position) if kind != "incident" else {k: k for k in incidents}
    rules = Places(view.places(position)) if kind == "location" else None
    counts: dict[str, SubjectCount] = {}

    def count(key: str, name: str, facts: int) -> SubjectCount:
        title, description = incidents.get(key, (None, None))
        return SubjectCount(
            kind=kind,
            name=name,
            facts=facts,
            registered=key in registered,
            title=title,
            description=description,
        )

    for key, spelling, facts in view.subjects(kind, position):
        if rules is not None and key not in registered:
            # a bare name filed before its place was registered counts for that place
            holders = rules.holders(key)
            key = holders[0] if len(holders) == 1 else key
        name = registered.get(key) or spelling
        known = counts.get(key)
        total = facts + (known.facts if known else 0)
        counts[key] = count(key, name, total)
    for key, name in registered.items():
        counts.setdefault(key, count(key, name, 0))
    if rules is not None:
        # a place counts the facts filed under it or within it, each once
        within = _PlaceCounts.of(view, position).facts
        counts = {
            key: found.replace(
                place_path=rules.path(key) or None,
                facts=len(within[key]) if key in within else found.facts,
            )
            for key, found in counts.items()
        }
    ordered = sorted(counts.values(), key=lambda s: (-s.facts, s.name.casefold(), s.place_path or []))
    return SubjectsResult(kind=kind, as_of=as_of, subjects=ordered[:limit] if limit else ordered)


def places_named(view: TimelineView, name: str, as_of: str | None) -> PlacesResult:
    """Every place a name (or an alias) means, with its path, key and fact count (`timeline place`)."""
    position = resolve_as_of(view, as_of)
    store = view.places(position)
    rules = Places(store)
    resolution = resolve_named(rules, name)
    found = [resolution.place] if resolution.place else list(resolution.candidates)
    if not found:
        raise NotFoundError(f"no place {name.strip()!r} in the record" + (f" as of {as_of}" if as_of else ""))
    infos = []
    for place_id in sorted(found, key=lambda p: rules.path(p)):
        tree = place_tree(store, rules, place_id)
        members = members_of(view, rules, tree, position)
        infos.append(
            _place_info(store, rules, place_id, view.count_facts("location", sorted(members), position))
        )
    return PlacesResult(name=name.strip(), as_of=as_of, places=infos)


@dataclass
class _PlaceCounts:
    """Every place at a position, its children, and the facts filed under it or within it."""

    store: PlaceIndex
    rules: Places
    children: dict[str | None, list[str]]
    facts: dict[str, set[str]]

    @classmethod
    def of(cls, view: TimelineView, position: int | None) -> _PlaceCounts:
        store = view.places(position)
        rules = Places(store)
        places = store.all_places()
        children: dict[str | None, list[str]] = {}
        for place in places:
            children.setdefault(rules.effective_parent(place), []).append(place.id)
        for kids in children.values():
            kids.sort(key=lambda c: (store.get(c).name.casefold(), c))  # type: ignore[union-attr]
        members = members_of(view, rules, [p.id for p in places], position)
        facts: dict[str, set[str]] = {}
        for subject, fact in view.subject_facts("location", position):
            place_id = members.get(subject)
            if place_id is not None:
                facts.setdefault(place_id, set()).add(fact)
        counted = cls(store, rules, children, facts)
        for root in children.get(None, []):
            counted._gather(root, 0)
        return counted

    def _gather(self, place_id: str, depth: int) -> set[str]:
        found = self.facts.setdefault(place_id, set())
        if depth < MAX_PLACE_DEPTH:
            for child in self.children.get(place_id, []):
                found |= self._gather(child, depth + 1)
        return found


MAX_PLACE_DEPTH = 32


def place_hierarchy(view: TimelineView, as_of: str | None) -> PlacesResult:
    """The whole place tree, each place with the facts filed under it or within it."""
    counted = _PlaceCounts.of(view, resolve_as_of(view, as_of))

    def build(place_id: str, depth: int) -> PlaceInfo:
        kids = (
            [build(c, depth + 1) for c in counted.children.get(place_id, [])]
            if depth < MAX_PLACE_DEPTH
            else []
        )
        info = _place_info(counted.store, counted.rules, place_id, len(counted.facts.get(place_id, ())))
        return info.replace(children=kids)

    return PlacesResult(name=None, as_of=as_of, places=[build(r, 0) for r in counted.children.get(None, [])])


def _place_info(store: PlaceIndex, rules: Places, place_id: str, facts: int) -> PlaceInfo:
    place = store.get(place_id)
    assert place is not None
    return PlaceInfo(
        id=place.id,
        name=place.name,
        place_path=rules.path(place_id),
        key=place.key,
        kind=place.kind,
        lat=place.lat,
        lon=place.lon,
        geo_precision=place.geo_precision,
        facts=facts,
    )


@dataclass(frozen=True)
class SearchQuery:
    """What `search` asks: words to find, and the timeline filters."""

    text: str
    incident: str | None = None
    as_of: str | None = None
    include_retracted: bool = False
    occurred_from: str | None = None
    occurred_to: str | None = None
    limit: int = 50


def search(view: TimelineView, query: SearchQuery) -> TimelineResult:
    """Facts whose summary, quotes or source names hold every word, most relevant first.

    The answer has the shape of a timeline (subject kind `search`, named by the
    query), with the role of every entry `match`.
    """
    if not words(query.text):
        raise InvalidInputError(f"search {query.text!r}: give at least one word to look for")
    position = resolve_as_of(view, query.as_of)
    records = view.search(
        query.text,
        as_of=position,
        include_retracted=query.include_retracted,
        incident=query.incident.strip() if query.incident else None,
        occurred_from=occurred_bound(query.occurred_from, end=False, option="--from"),
        occurred_to=occurred_bound(query.occurred_to, end=True, option="--to"),
        limit=query.limit,
    )
    return TimelineResult(
        subject=Subject(kind="search", name=query.text.strip(), aliases=[]),
        as_of=query.as_of,
        entries=[_entry("search", EntryRow("match", "", "", None, None, None, record)) for record in records],
    )


@dataclass(frozen=True)
class Located:
    """One location of a fact: role, spelling as reported, the place's path, coordinates."""

    role: str
    reported: str
    place_path: list[str]
    geo: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {"role": self.role, "place": self.reported, "place_path": self.place_path, "geo": self.geo}


class FactLocator:
    """Where facts lie: each location as filed, with its place path and coordinates.

    A fact's coordinates are its own `geo`, else those given with the location, else
    the place's. A location filed under an alias or a bare name is shown under the
    place that name means at `position`, if it means exactly one.
    """

    def __init__(self, view: TimelineView, position: int | None) -> None:
        self.places = Places(view.places(position))

    def __call__(self, item: FactRecord) -> list[Located]:
        from timeline.domain.catalogue import FACT_TYPES

        fields, filed = item.fields, item.filed
        own = fields.get("geo")
        found = []
        locations = [
            (role, value)
            for kind, role, value in FACT_TYPES[fields["type"]].subjects(fields)
            if kind == "location"
        ]
        for index, (role, value) in enumerate(locations):
            subject = filed[index] if index < len(filed) else None
            place = self.places.store.get(subject) if subject else None
            if place is None and subject:
                holders = self.places.holders(subject)
                place = self.places.store.get(holders[0]) if len(holders) == 1 else None
            path = self.places.path(place.id) if place is not None else [place_name(value)]
            geo = own or (
                {k: value.get(k) for k in ("lat", "lon", "geo_precision")}
                if isinstance(value, dict) and value.get("lat") is not None
                else None
            )
            if geo is None and place is not None and place.lat is not None:
                geo = {"lat": place.lat, "lon": place.lon, "geo_precision": place.geo_precision}
            found.append(Located(role, place_name(value), path, geo))
        if not found and own:
            found.append(Located("geo", "", [], own))
        return found


def show(view: TimelineView, fact_id: str, as_of: str | None) -> FactResult:
    """One fact's full current content (or as it stood at `as_of`), retracted or not."""
    position = resolve_as_of(view, as_of)
    record = view.fact_record(fact_id.strip(), position)
    if record is None:
        raise not_found(view, "fact", fact_id, as_of)
    fields = dict(record["fields"])
    fields.setdefault("certainty", "reported")
    sources = fields.pop("sources")
    return FactResult(
        fact=fields.pop("id"),
        type=fields.pop("type"),
        version=record["version"],
        status=record["status"],
        sources=sources,
        fields=fields,
        recorded_at=record["first_recorded_at"],
        position=record["first_position"],
        as_of=as_of,
        places=[p.to_json() for p in FactLocator(view, position)(FactRecord.of(record))],
        grade=grade_of(sources, fields.get("credibility"), view.grades(position)),
        distinct_sources=len({normalise_name(s["name"]) for s in sources}),
    )


def history(view: TimelineView, fact_id: str, as_of: str | None) -> HistoryResult:
    """Every version of one fact, with field-level changes."""
    position = resolve_as_of(view, as_of)
    versions = view.fact_versions(fact_id.strip(), position)
    if not versions:
        raise not_found(view, "fact", fact_id, as_of)
    return HistoryResult(fact=fact_id.strip(), as_of=as_of, versions=[Version(**v) for v in versions])


def log_entries(rows: Iterable[dict[str, Any]]) -> list[LogEntry]:
    return list(iter_log_entries(rows))


def iter_log_entries(rows: Iterable[dict[str, Any]]) -> Iterator[LogEntry]:
    """Log index rows as LogEntry results, as they are read."""
    for row in rows:
        about = {"fact": row["subject"]} if row["event"] in _fact_events() else {"name": row["subject"]}
        yield (
            LogEntry(
                position=row["position"],
                event=row["event"],
                recorded_at=row["recorded_at"],
                recorded_by=row["recorded_by"],
                version=row["version"],
                store_user=row.get("store_user"),
                reason=row.get("reason"),
                **about,
            )
        )


@functools.cache
def _fact_events() -> frozenset[str]:
    """Event types whose log subject is a fact (read with the first log: the domain
    events are not loaded for a timeline query)."""
    from timeline.domain.events import AMENDMENT_EVENTS, FACT_EVENTS

    return frozenset(cls.__name__ for cls in (*FACT_EVENTS, *AMENDMENT_EVENTS))


# --- pages: what the HTTP API reads a slice at a time -----------------------------


def encode_cursor(position: int, offset: int) -> str:
    """An opaque cursor: the log position the first page was read at, and how far in.

    Every later page is read as of that position, so paging to the end neither skips
    nor repeats an entry while other clients append.
    """
    return base64.urlsafe_b64encode(f"{position}:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        position, offset = (int(part) for part in text.split(":"))
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputError(f"cursor {cursor!r}: not a cursor this record gave") from None
    if position < 0 or offset < 0:
        raise InvalidInputError(f"cursor {cursor!r}: not a cursor this record gave")
    return position, offset


def _pinned(view: TimelineView, as_of: str | None, cursor: str | None) -> tuple[str | None, int, int]:
    """(as_of to answer with, the position it pins, offset) for a page."""
    if cursor is not None:
        position, offset = decode_cursor(cursor)
        return as_of or f"@{position}", position, offset
    asked = resolve_as_of(view, as_of)
    return as_of, view.tracking_position() if asked is None else asked, 0


def timeline_page(view: TimelineView, query: TimelineQuery, cursor: str | None) -> TimelinePage:
    """`limit` entries of a timeline from the cursor on (the first ones without one),
    with the cursor of the next page when there are more."""
    limit = query.limit or DEFAULT_PAGE
    as_of, position, offset = _pinned(view, query.as_of, cursor)
    # Every page, the first too, reads as of the pinned position: a page never mixes
    # in what was appended after the one before it.
    pinned = replace(query, as_of=f"@{position}", limit=offset + limit + 1)
    try:
        stream = timeline_stream(view, pinned, peek=offset + limit + 1)
    except NotFoundError:
        if as_of is None:  # say it as the question was asked (not "as of @N")
            timeline_stream(view, replace(query, limit=1), peek=1)
        raise
    entries = list(itertools.islice(stream.entries, offset, offset + limit + 1))
    more = len(entries) > limit
    return TimelinePage(
        subject=stream.subject,
        as_of=as_of,
        entries=entries[:limit],
        next_cursor=encode_cursor(position, offset + limit) if more else None,
    )


def subjects_page(
    view: TimelineView, kind: str, as_of: str | None, q: str | None, limit: int | None, cursor: str | None
) -> SubjectsPage:
    """Actors, locations or incidents (most facts first) whose name, place path, title
    or one of whose aliases holds `q`, a page at a time."""
    if kind not in KINDS:
        raise InvalidInputError(f"unknown subject kind {kind!r}")
    limit = limit or DEFAULT_PAGE
    as_of, position, offset = _pinned(view, as_of, cursor)
    found = subjects(view, kind, f"@{position}").subjects
    if q and q.strip():
        needle = normalise_name(q)
        named = view.resolve(kind, needle, position) if kind != "incident" else needle
        canonical = view.registered(kind, position).get(named) if kind != "incident" else None

        def matches(item: SubjectCount) -> bool:
            text = " ".join([item.name, *(item.place_path or []), item.title or ""])
            return needle in normalise_name(text) or item.name == canonical

        found = [item for item in found if matches(item)]
    page = found[offset : offset + limit]
    more = len(found) > offset + limit
    return SubjectsPage(
        kind=kind,
        as_of=as_of,
        subjects=page,
        next_cursor=encode_cursor(position, offset + limit) if more else None,
    )


DEFAULT_PAGE = 100
"""Entries or subjects in a page when no limit is given."""
