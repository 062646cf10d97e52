"""Places as entities: identity, qualified references, and the rules that resolve them.

A place is its name *and* where it lies: "Los Angeles" within Veracruz within Mexico
and "Los Angeles" within California within the United States are two places from
their first registration on. A place may also carry an explicit `key`.

Place ids are derived once, when a place is first met, and never change:
`#<key>` for a keyed place, else the enclosing place's id and the normalised name
joined by `" > "` (`"russia > moscow > kremlin"`); a root place's id is its
normalised name, which is also the key under which facts naming a place nobody
registered are filed, so such facts join the place when it is registered.

The rules (used alike by the projection, which applies them at each event's log
position, and by the first pass of `append`, which refuses what they cannot resolve):

- **Resolution.** Candidates are the places whose name, or one of whose aliases,
  matches. Qualifiers (`within`, nearest first) must each match an enclosing place, in
  order, levels may be skipped ("Lahore, Pakistan" finds Lahore under Punjab under
  Pakistan). One candidate resolves; of several, the one whose enclosing places are
  exactly the qualifiers resolves; otherwise the reference is ambiguous.
- **Filing.** A fact's location that resolves is filed under that place for good; one
  resolved through an alias is filed under the alias, so only an explicit `AliasMoved`
  moves it. A qualified reference that matches nothing creates its places. A bare name
  that matches nothing is filed under its name, and joins a place registered later
  under that name if it is the only one.
- **Registration** names a place exactly: by key, or by its name under exactly the
  enclosing places given (a bare name registers a place nothing encloses). It creates
  the place or updates it. A `within` of one name that matches nothing is kept as a
  name and resolves later (so journals may register a place before its parent).
- **Aliases** name one entity. Giving an alias held by another entity is refused;
  `AliasMoved` moves it explicitly.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from timeline.domain.values import normalise_name, qualifiers

SEPARATOR = " > "
MAX_DEPTH = 32
"""Deepest place tree walked (cycles in lazily resolved parents end the walk)."""


@dataclass(frozen=True, slots=True)
class PlaceRef:
    """A reference to a place: name, enclosing names (nearest first), optional key."""

    name: str
    within: tuple[str, ...] = ()
    key: str | None = None

    @classmethod
    def of(cls, value: Any) -> PlaceRef:
        """The reference of a location field value: a name or a reference object."""
        if isinstance(value, dict):
            return cls(str(value["name"]), qualifiers(value.get("within")), value.get("key"))
        return cls(str(value))

    @classmethod
    def parse(cls, text: str) -> PlaceRef:
        """`"Los Angeles, Veracruz"` -> name and qualifiers (for the command line)."""
        parts = qualifiers(text)
        return cls(parts[0], parts[1:]) if parts else cls(text.strip())

    @property
    def bare(self) -> bool:
        return not self.within and not self.key

    def __str__(self) -> str:
        return ", ".join((self.name, *self.within))


def location_token(value: Any) -> str:
    """A location field value as one comparable string (a name is itself)."""
    if isinstance(value, str):
        return value
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


@dataclass(frozen=True, slots=True)
class PlaceRecord:
    """One place as the gazetteer holds it."""

    id: str
    name: str
    parent: str | None = None
    parent_name: str | None = None
    key: str | None = None
    kind: str | None = None
    lat: float | None = None
    lon: float | None = None
    geo_precision: str | int | None = None

    @property
    def name_key(self) -> str:
        return normalise_name(self.name)


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a reference means: one place, nothing, or several candidates."""

    place: str | None = None
    via_alias: bool = False
    candidates: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


class PlaceStore(ABC):
    """The gazetteer's current places and location aliases (read side of the rules)."""

    @abstractmethod
    def get(self, place_id: str) -> PlaceRecord | None: ...

    @abstractmethod
    def named(self, name_key: str) -> list[str]:
        """Ids of the places whose own name has this key."""

    @abstractmethod
    def alias_holder(self, kind: str, alias_key: str) -> str | None:
        """The entity an alias currently names."""

    @abstractmethod
    def by_key(self, kind: str, key: str) -> str | None:
        """The entity with this explicit key."""


class Places:
    """The resolution rules over a `PlaceStore` (see the module docstring)."""

    def __init__(self, store: PlaceStore) -> None:
        self.store = store

    def effective_parent(self, place: PlaceRecord) -> str | None:
        if place.parent is not None:
            return place.parent
        if place.parent_name is None:
            return None
        found = self.holders(place.parent_name)
        return found[0] if len(found) == 1 and found[0] != place.id else None

    def holders(self, name_key: str) -> list[str]:
        """Places a name key means: by own name or by alias, without duplicates."""
        found = list(dict.fromkeys(self.store.named(name_key)))
        holder = self.store.alias_holder("location", name_key)
        if holder is not None and holder not in found and self.store.get(holder) is not None:
            found.append(holder)
        return found

    def ancestors(self, place_id: str) -> list[PlaceRecord]:
        """The enclosing places of a place, nearest first."""
        chain: list[PlaceRecord] = []
        seen = {place_id}
        current = self.store.get(place_id)
        while current is not None and len(chain) < MAX_DEPTH:
            parent = self.effective_parent(current)
            if parent is None or parent in seen:
                break
            seen.add(parent)
            current = self.store.get(parent)
            if current is not None:
                chain.append(current)
        return chain

    def path(self, place_id: str) -> list[str]:
        """Names from the outermost enclosing place down to the place itself."""
        place = self.store.get(place_id)
        if place is None:
            return []
        return [p.name for p in reversed(self.ancestors(place_id))] + [place.name]

    def _matches(self, place: PlaceRecord, key: str) -> bool:
        return place.name_key == key or self.store.alias_holder("location", key) == place.id

    def _qualified(self, place_id: str, wanted: list[str]) -> tuple[bool, bool]:
        """(qualifiers match in order, they are exactly the enclosing places)."""
        chain = self.ancestors(place_id)
        at = 0
        for ancestor in chain:
            if at < len(wanted) and self._matches(ancestor, wanted[at]):
                at += 1
        matched = at == len(wanted)
        exact = matched and len(chain) == len(wanted)
        return matched, exact

    def resolve(self, ref: PlaceRef) -> Resolution:
        if ref.key:
            found = self.store.by_key("location", ref.key)
            return Resolution(place=found) if found else Resolution()
        name = normalise_name(ref.name)
        named = self.store.named(name)
        candidates = self.holders(name)
        wanted = [normalise_name(q) for q in ref.within]
        if not wanted and len(candidates) <= 1:  # the common case: no tree to walk
            if not candidates:
                return Resolution()
            return Resolution(place=candidates[0], via_alias=candidates[0] not in named)
        matched, exact = [], []
        for candidate in candidates:
            ok, full = self._qualified(candidate, wanted)
            if ok:
                matched.append(candidate)
            if full:
                exact.append(candidate)
        if len(matched) == 1:
            chosen = matched[0]
        elif len(exact) == 1:
            chosen = exact[0]
        else:
            return Resolution(candidates=tuple(sorted(matched)))
        return Resolution(place=chosen, via_alias=chosen not in named)

    def describe(self, place_id: str) -> str:
        """A place as users read it: its path, and its key if it has one."""
        place = self.store.get(place_id)
        text = " > ".join(self.path(place_id)) or place_id
        return f"{text} (key {place.key})" if place is not None and place.key else text


@dataclass
class PlaceChanges:
    """Places and aliases written by a run of gazetteer statements, over a base store."""

    places: dict[str, PlaceRecord] = field(default_factory=dict)
    named: dict[str, list[str]] = field(default_factory=dict)
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    aliases: dict[tuple[str, str], str | None] = field(default_factory=dict)
    """(kind, alias key) -> entity, or None when the alias was removed."""


class OverlayStore(PlaceStore):
    """A base store with pending changes on top: what the record says after them."""

    def __init__(self, base: PlaceStore) -> None:
        self.base = base
        self.changes = PlaceChanges()
        self._named_cache: dict[str, list[str]] = {}
        self._get_cache: dict[str, PlaceRecord | None] = {}
        self._alias_cache: dict[tuple[str, str], str | None] = {}
        self.pending: list[tuple[Any, ...]] = []
        self.generation = 0
        """Bumped by every change, so resolutions cached against it stay exact."""
        """What changed, in order: ("place", PlaceRecord) and ("alias", kind, key, entity, spelling)."""

    def get(self, place_id: str) -> PlaceRecord | None:
        if place_id in self.changes.places:
            return self.changes.places[place_id]
        if place_id not in self._get_cache:
            self._get_cache[place_id] = self.base.get(place_id)
        return self._get_cache[place_id]

    def named(self, name_key: str) -> list[str]:
        if name_key not in self._named_cache:
            self._named_cache[name_key] = self.base.named(name_key)
        changed = self.changes.places
        # a place renamed by the changes is named by its new name only
        kept = [p for p in self._named_cache[name_key] if p not in changed or changed[p].name_key == name_key]
        added = self.changes.named.get(name_key, [])
        return kept + [p for p in added if p not in kept and changed[p].name_key == name_key]

    def alias_holder(self, kind: str, alias_key: str) -> str | None:
        if (kind, alias_key) in self.changes.aliases:
            return self.changes.aliases[(kind, alias_key)]
        if (kind, alias_key) not in self._alias_cache:
            self._alias_cache[(kind, alias_key)] = self.base.alias_holder(kind, alias_key)
        return self._alias_cache[(kind, alias_key)]

    def by_key(self, kind: str, key: str) -> str | None:
        return self.changes.keys.get((kind, key)) or self.base.by_key(kind, key)

    def put(self, place: PlaceRecord) -> None:
        self.generation += 1
        before = self.get(place.id)
        if before is None or before.name_key != place.name_key:
            self.changes.named.setdefault(place.name_key, []).append(place.id)
        self.changes.places[place.id] = place
        if place.key:
            self.changes.keys[("location", place.key)] = place.id
        self.pending.append(("place", place))

    def set_alias(self, kind: str, alias_key: str, entity: str | None, spelling: str = "") -> None:
        self.generation += 1
        self.changes.aliases[(kind, alias_key)] = entity
        self.pending.append(("alias", kind, alias_key, entity, spelling or alias_key))

    def set_key(self, kind: str, key: str, entity: str) -> None:
        self.generation += 1
        self.changes.keys[(kind, key)] = entity


class Gazetteer:
    """Applies gazetteer statements and files fact locations by the rules above.

    Every method returns what it did; problems (an alias held by another entity, an
    ambiguous reference) are returned as messages, which the first pass of `append`
    reports and the projection ignores (it never re-files silently).
    """

    def __init__(self, store: OverlayStore) -> None:
        self.store = store
        self.places = Places(store)
        self._bare: dict[str, tuple[int, str]] = {}
        """Bare name -> (store generation, subject): facts name the same places over and over."""

    # --- facts ---------------------------------------------------------------

    def file(self, value: Any) -> tuple[str, str | None]:
        """(subject key, problem) for a fact's location field value.

        The subject is a place id, an alias key, or the normalised bare name.
        """
        if isinstance(value, str):  # the common case, a bare name seen before
            cached = self._bare.get(value)
            if cached is not None and cached[0] == self.store.generation:
                return cached[1], None
        ref = PlaceRef.of(value)
        found = self.places.resolve(ref)
        if ref.bare and not found.ambiguous:
            subject = (
                found.place if found.place is not None and not found.via_alias else normalise_name(ref.name)
            )
            self._bare[ref.name] = (self.store.generation, subject)
        if found.place is not None:
            if found.via_alias and ref.bare:
                return normalise_name(ref.name), None
            return found.place, None
        if found.ambiguous:
            return normalise_name(ref.name), self.ambiguity(ref, found)
        if ref.bare:
            return normalise_name(ref.name), None
        return self._create(ref, geo=value if isinstance(value, dict) else None), None

    def ambiguity(self, ref: PlaceRef, found: Resolution) -> str:
        listed = "; ".join(self.places.describe(c) for c in found.candidates)
        return (
            f"place {str(ref)!r} is ambiguous: it matches {len(found.candidates)} places ({listed}); "
            "qualify it with within or key"
        )

    # --- registrations -----------------------------------------------------------

    def register_location(self, payload: dict[str, Any]) -> tuple[str, list[str]]:
        """(place id, problems) of a LocationRegistered payload."""
        ref = PlaceRef(payload["name"], qualifiers(payload.get("within")), payload.get("key"))
        problems: list[str] = []
        attributes: dict[str, Any] = {
            "kind": payload.get("kind"),
            "lat": payload.get("lat"),
            "lon": payload.get("lon"),
            "geo_precision": payload.get("geo_precision"),
        }
        # A registration names one place exactly: its key, or its name under exactly
        # the enclosing places given (a bare name is a place nothing encloses).
        place_id = (self.store.by_key("location", ref.key) if ref.key else None) or self._create(
            ref, geo=attributes, lazy_parent=True
        )
        place = self.store.get(place_id)
        assert place is not None
        updated = replace(place, name=payload["name"], **attributes)
        if updated != place:
            self.store.put(updated)
        name_key = normalise_name(ref.name)
        if self.store.alias_holder("location", name_key) not in (None, place_id):
            # a registered name means itself from now on, even if it was an alias
            self.store.set_alias("location", name_key, None, ref.name)
        for alias in payload.get("aliases") or ():
            problem = self.add_alias("location", alias, place_id)
            if problem:
                problems.append(problem)
        return place_id, problems

    def register_actor(self, payload: dict[str, Any]) -> tuple[str, list[str]]:
        entity = normalise_name(payload["name"])
        problems: list[str] = []
        if self.store.alias_holder("actor", entity) not in (None, entity):
            self.store.set_alias("actor", entity, None, payload["name"])
        if payload.get("key"):
            holder = self.store.by_key("actor", payload["key"])
            if holder not in (None, entity):
                problems.append(f"key {payload['key']!r} already names actor {holder!r}")
            else:
                self.store.set_key("actor", payload["key"], entity)
        for alias in payload.get("aliases") or ():
            problem = self.add_alias("actor", alias, entity)
            if problem:
                problems.append(problem)
        return entity, problems

    def _create(self, ref: PlaceRef, *, geo: dict[str, Any] | None, lazy_parent: bool = False) -> str:
        parent: str | None = None
        parent_name: str | None = None
        if ref.within:
            outer = PlaceRef(ref.within[0], ref.within[1:])
            found = self.places.resolve(outer)
            if found.place is not None:
                parent = found.place
            elif found.ambiguous:
                parent = found.candidates[0]  # refused at append; deterministic in replay
            elif lazy_parent and len(ref.within) == 1:
                parent_name = normalise_name(ref.within[0])
            else:
                parent = self._create(outer, geo=None)
        stem = parent or parent_name
        place_id = (
            f"#{ref.key}" if ref.key else (f"{stem}{SEPARATOR}" if stem else "") + normalise_name(ref.name)
        )
        geo = geo or {}
        existing = self.store.get(place_id)
        if existing is not None:
            return place_id
        self.store.put(
            PlaceRecord(
                id=place_id,
                name=ref.name,
                parent=parent,
                parent_name=parent_name,
                key=ref.key,
                kind=geo.get("kind"),
                lat=geo.get("lat"),
                lon=geo.get("lon"),
                geo_precision=geo.get("geo_precision"),
            )
        )
        return place_id

    # --- aliases ---------------------------------------------------------------

    def entity_of(
        self, kind: str, name: str, within: Any = None, key: str | None = None
    ) -> tuple[str, str | None]:
        """(entity id, problem) that a gazetteer statement's `name` means."""
        if kind == "actor":
            if key:
                return self.store.by_key("actor", key) or normalise_name(name), None
            key_ = normalise_name(name)
            return self.store.alias_holder("actor", key_) or key_, None
        ref = PlaceRef(name, qualifiers(within), key)
        found = self.places.resolve(ref)
        if found.place is not None:
            return found.place, None
        if found.ambiguous:
            return normalise_name(name), self.ambiguity(ref, found)
        return normalise_name(name), None

    def add_alias(self, kind: str, alias: str, entity: str) -> str | None:
        """Give an alias to an entity; the problem if another entity holds it."""
        key = normalise_name(alias)
        if key == entity:
            return None
        holder = self.store.alias_holder(kind, key)
        if holder is not None and holder != entity:
            return (
                f"alias {alias!r} already names the {kind} {self.display(kind, holder)!r}; "
                "use AliasMoved to move it"
            )
        if holder is None:
            self.store.set_alias(kind, key, entity, alias)
        return None

    def move_alias(self, kind: str, payload: dict[str, Any]) -> tuple[str | None, str | None]:
        """(new entity, problem) of an AliasMoved payload."""
        key = normalise_name(payload["alias"])
        source, problem = self.entity_of(kind, payload.get("from") or payload["from_"])
        if problem:
            return None, problem
        holder = self.store.alias_holder(kind, key)
        if holder != source:
            held = f"names {self.display(kind, holder)!r}" if holder else "names nothing"
            return None, f"alias {payload['alias']!r} {held}, not {payload.get('from') or payload['from_']!r}"
        target, problem = self.entity_of(kind, payload["to"], payload.get("to_within"))
        if problem:
            return None, problem
        self.store.set_alias(kind, key, target, payload["alias"])
        return target, None

    def display(self, kind: str, entity: str) -> str:
        if kind == "location":
            place = self.store.get(entity)
            if place is not None:
                return " > ".join(self.places.path(entity))
        return entity
