"""Result models of the service; `to_json()` is the contract's JSON.

Results are immutable plain objects (`Result`), built by the service from what the
store holds (validated when it was written): answering a query neither loads nor
runs pydantic.
"""

from __future__ import annotations

from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field
from enum import Enum
from inspect import get_annotations
from typing import TYPE_CHECKING, Any, ClassVar, Self, dataclass_transform

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


@dataclass(frozen=True, slots=True)
class FactRecord:
    """A fact as it stood at a log position, as the exports read it.

    `fields` are the fact's current fields (their names are its type's: see the
    catalogue); `filed` the place each location value was filed under, in order.
    """

    fields: dict[str, Any]
    status: str
    version: int
    first_position: int
    first_recorded_at: str
    filed: tuple[str, ...] = ()

    @classmethod
    def of(cls, stored: Mapping[str, Any]) -> FactRecord:
        """From the record the read models store."""
        return cls(
            fields=stored["fields"],
            status=stored["status"],
            version=stored["version"],
            first_position=stored["first_position"],
            first_recorded_at=stored["first_recorded_at"],
            filed=tuple(stored.get("filed") or ()),
        )


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(field,))
class Result:
    """An answer of the service: immutable, built with keywords, its fields declared
    as annotations (a default, or `field(default_factory=…)`, makes one optional).

    Like a frozen dataclass, without generating code for each class: the ~25 result
    classes are defined at every start of a command, and frozen dataclasses cost
    ~1 ms each to define (pydantic models ~0.3 ms, this ~0.03 ms).
    """

    __fields: ClassVar[tuple[str, ...]] = ()
    __defaults: ClassVar[dict[str, Any]] = {}
    __factories: ClassVar[dict[str, Callable[[], Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = list(cls.__fields)
        defaults, factories = dict(cls.__defaults), dict(cls.__factories)
        for name in get_annotations(cls):
            if name not in names:
                names.append(name)
            if name in cls.__dict__:
                value = cls.__dict__[name]
                if isinstance(value, Field):
                    delattr(cls, name)
                    if value.default_factory is not MISSING:
                        factories[name] = value.default_factory
                    elif value.default is not MISSING:
                        defaults[name] = value.default
                else:
                    defaults[name] = value
        cls.__fields, cls.__defaults, cls.__factories = tuple(names), defaults, factories

    def __init__(self, **values: Any) -> None:
        cls = type(self)
        own = self.__dict__  # not through __setattr__, which refuses every change
        for name in cls.__fields:
            if name in values:
                own[name] = values.pop(name)
            elif name in cls.__defaults:
                own[name] = cls.__defaults[name]
            elif name in cls.__factories:
                own[name] = cls.__factories[name]()
            else:
                raise TypeError(f"{cls.__name__}() missing keyword argument {name!r}")
        if values:
            raise TypeError(f"{cls.__name__}() got unexpected keyword arguments {sorted(values)}")
        self._post_init()

    def _post_init(self) -> None:
        """Adjusts fields after they are set (the instance's last chance to change)."""

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Result)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__fields)
        return f"{type(self).__name__}({shown})"

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The fields, in declaration order (a base class's first)."""
        return cls.__fields

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed."""
        unknown = changes.keys() - set(self.__fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no fields {sorted(unknown)}")
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__, **changes)
        copy._post_init()
        return copy

    def to_json(self) -> dict[str, Any]:
        """Every field, nested results as their fields, as JSON values."""
        return _fields_json(self)


def _fields_json(result: Result) -> dict[str, Any]:
    own = result.__dict__  # where `Result.__init__` and `replace` keep the fields
    return {name: _json(own[name]) for name in result.field_names()}


def _floats(result: Result, *names: str) -> None:
    """Whole numbers given for float fields as floats (50 -> 50.0), so that the JSON
    of a value does not depend on how the store handed it back."""
    for name in names:
        value = getattr(result, name)
        if isinstance(value, int):
            object.__setattr__(result, name, float(value))


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _json(value: Any) -> Any:
    """A field's value as JSON: nested results by their fields (not their own
    `to_json`), tuples as lists, enums as their values, containers copied."""
    kind = type(value)
    if kind in _PLAIN:  # most values: an exact type test, not a chain of isinstance
        return value
    if kind is list:
        return [_json(v) for v in value]
    if value is None or (isinstance(value, str | int | float) and not isinstance(value, Enum)):
        return value
    if isinstance(value, Result):
        return _fields_json(value)
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, Enum):
        return value.value
    return value


class AppendResult(Result):
    """Journal lines written, and lines whose event the store already held."""

    appended: int
    present: int


class WriteResult(AppendResult):
    """One object written by `record`, `correct`, `retract`, `corroborate` or `register`.

    `fact` (or `name`, for the gazetteer) says what it is about and `version` the fact's
    version after the write; `unchanged` marks a correction that changed nothing, so
    nothing was written.
    """

    fact: str | None = None
    name: str | None = None
    version: int | None = None
    unchanged: bool = False

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in _fields_json(self).items() if v is not None}


class Subject(Result):
    kind: str
    name: str
    aliases: list[str]


class TimelineEntry(Result):
    fact: str
    type: str
    incident: str
    occurred: str
    precision: str
    role: str
    summary: str
    certainty: str
    status: str
    version: int
    sources: list[dict[str, Any]]
    recorded_at: str
    position: int
    place: str | None = None
    place_path: list[str] | None = None
    places: list[str] | None = None
    """When a fact names several places of a location's tree: each, as reported."""
    geo: dict[str, Any] | None = None
    figures: dict[str, Any] | None = None
    occurred_earliest: str | None = None
    """First instant `occurred` can mean (UTC); null when it is open (`../2023-05-03`)."""
    occurred_latest: str | None = None
    display: str = ""
    """`occurred` as a reader says it ("c. May 2023"); not in the JSON."""
    credibility: int | None = None
    grade: str | None = None
    """Admiralty grade, e.g. "B2": best source reliability and the fact's credibility."""

    def to_json(self) -> dict[str, Any]:
        data = _fields_json(self)
        del data["display"]
        for optional in ("place", "place_path", "places", "geo", "figures", "credibility"):
            if data[optional] is None:
                del data[optional]
        return data


class TimelineResult(Result):
    subject: Subject
    as_of: str | None
    entries: list[TimelineEntry]

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject.to_json(),
            "as_of": self.as_of,
            "entries": [e.to_json() for e in self.entries],
        }


class TimelinePage(TimelineResult):
    """A page of a timeline; `next_cursor` reads the next one (null on the last)."""

    next_cursor: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "next_cursor": self.next_cursor}


class SubjectCount(Result):
    """One actor, location or incident with its number of facts.

    Incidents also carry the `title` and `description` of their registration (null
    when unregistered); actors and locations do not have these keys.
    """

    kind: str
    name: str
    facts: int
    registered: bool
    place_path: list[str] | None = None
    key: str | None = None
    title: str | None = None
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = _fields_json(self)
        for optional in ("place_path", "key"):
            if data[optional] is None:
                del data[optional]
        if self.kind != "incident":
            del data["title"], data["description"]
        return data


class SubjectsResult(Result):
    kind: str
    as_of: str | None
    subjects: list[SubjectCount]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "as_of": self.as_of, "subjects": [s.to_json() for s in self.subjects]}


class SubjectsPage(SubjectsResult):
    """A page of a subject list; `next_cursor` reads the next one (null on the last)."""

    next_cursor: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "next_cursor": self.next_cursor}


class PlaceInfo(Result):
    """One place: its id, name, path from the outermost enclosing place, key and coordinates."""

    id: str
    name: str
    place_path: list[str]
    key: str | None
    kind: str | None
    lat: float | None
    lon: float | None
    geo_precision: str | int | None
    facts: int
    """Facts filed under the place or any place within it."""
    children: list[PlaceInfo] = field(default_factory=list)

    def _post_init(self) -> None:
        _floats(self, "lat", "lon")


class PlacesResult(Result):
    """Every place of one name (`timeline place`), or the whole tree (`locations --tree`)."""

    name: str | None
    as_of: str | None
    places: list[PlaceInfo]


class FactResult(Result):
    """One fact as it stands (or stood, as of a past moment): `timeline show`.

    `fields` holds every field of the fact except its id, type and sources;
    `recorded_at` and `position` are those of its first recording.
    """

    fact: str
    type: str
    version: int
    status: str
    fields: dict[str, Any]
    sources: list[dict[str, Any]]
    recorded_at: str
    position: int
    as_of: str | None = None
    places: list[dict[str, Any]] = field(default_factory=list)
    """Each location as filed: role, place (as reported), place_path, geo."""
    grade: str | None = None
    """Admiralty grade as the sources were graded then (see TimelineEntry.grade)."""
    distinct_sources: int = 0
    """How many differently named sources report the fact (credibility stays the analyst's call)."""


class Version(Result):
    version: int
    event: str
    position: int
    recorded_at: str
    recorded_by: str
    reason: str | None
    changes: dict[str, dict[str, Any]]
    store_user: str | None = None
    """Who the store knows wrote it (PostgreSQL role, OS user); null before it was kept."""


class HistoryResult(Result):
    fact: str
    as_of: str | None = None
    versions: list[Version]

    def to_json(self) -> dict[str, Any]:
        return {"fact": self.fact, "as_of": self.as_of, "versions": [v.to_json() for v in self.versions]}


class LogEntry(Result):
    position: int
    event: str
    recorded_at: str
    recorded_by: str
    version: int
    fact: str | None = None
    name: str | None = None
    store_user: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in _fields_json(self).items() if v is not None}


class Head(Result):
    """The chain head: the digest of the log up to `position` (None for an empty log)."""

    digest: str | None
    position: int

    @property
    def etag(self) -> str:
        """`DIGEST@N`, as `verify --print-head` prints it (`empty@0` for an empty log)."""
        return f"{self.digest or 'empty'}@{self.position}"


class ReplayResult(Result):
    events: int
    seconds: float
    events_per_second: float

    def _post_init(self) -> None:
        _floats(self, "seconds", "events_per_second")


class VerifyResult(Result):
    ok: bool
    events: int
    head: str
    head_position: int
    checks: dict[str, str]


class EntityStatement(Result):
    """One gazetteer statement about an actor or place, as recorded."""

    position: int
    event: str
    recorded_at: str
    recorded_by: str
    reason: str | None
    statement: dict[str, Any]


class EntityHistoryResult(Result):
    """Every statement about one actor or place (`timeline entity`)."""

    kind: str
    name: str
    place_path: list[str] | None
    aliases: list[str]
    as_of: str | None
    statements: list[EntityStatement]


def figures_text(figures: dict[str, Any]) -> str:
    """Casualty figures in a few words: `killed 6–306 (best 226; unknown 220) · injured 3`.

    `figures` is an entry's figures or a fact's fields (other keys are ignored).
    """
    parts = []
    low, best, high = (figures.get(k) for k in ("killed_min", "killed_best", "killed_max"))
    if low is not None or best is not None or high is not None:
        span = "–".join(str(v) for v in dict.fromkeys(v for v in (low, high) if v is not None))
        killed = f"killed {span or best}"
        details = [f"best {best}"] if best is not None and span and str(best) != span else []
        details += [f"{side} {n}" for side, n in (figures.get("killed_by_side") or {}).items() if n]
        parts.append(killed + (f" ({'; '.join(details)})" if details else ""))
    injured = "–".join(
        str(v) for v in dict.fromkeys(figures.get(k) for k in ("injured_min", "injured_max")) if v is not None
    )
    if injured:
        parts.append(f"injured {injured}")
    return " · ".join(parts)


class DumpResult(Result):
    """A dump written or restored: its events and the chain head it ends on."""

    events: int
    head: str
    head_position: int


class Grading(Result):
    """One grading of a source (a SourceGraded event)."""

    position: int
    recorded_at: str
    recorded_by: str
    reliability: str
    reason: str


class SourceHistoryResult(Result):
    """A source's reliability now (or as of) and every grading that led to it (`timeline source`)."""

    source: str
    as_of: str | None
    reliability: str | None
    gradings: list[Grading]


class EvidenceCheck(Result):
    """One archived file the record refers to, and what `verify --evidence` found."""

    file: str | None
    sha256: str
    bytes: int
    facts: list[str]
    state: str
    """`ok`, `missing` or `changed`."""


class EvidenceResult(Result):
    """Every archived file the record refers to, re-hashed from a directory."""

    directory: str
    ok: bool
    files: list[EvidenceCheck]
    unrecorded: int
    """Files in the directory no archive record names (not an error)."""
