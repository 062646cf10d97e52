"""Read verbs: timelines, listings, history and the log, now or as of a past moment.

Every answer comes from the read tables (one indexed query per step), never from
replaying the log; `as_of` is a log position, resolved by `resolve_as_of`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from timeline.domain.values import Occurred, normalise_name
from timeline.errors import InvalidInputError, NotFoundError
from timeline.results import (
    HistoryResult,
    LogEntry,
    Subject,
    SubjectCount,
    SubjectsResult,
    TimelineEntry,
    TimelineResult,
    Version,
)

if TYPE_CHECKING:
    from timeline.projections.views import TimelineView

KINDS = ("actor", "location", "incident")


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


def resolve_as_of(view: TimelineView, as_of: str | None) -> int | None:
    """`@N` -> N; an ISO time -> the last position recorded at or before it; None -> now."""
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
        return position
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInputError(
            f"--as-of {as_of!r}: expected an ISO time (2023-05-03T12:00Z) or @N"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    stamp = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return view.position_at(stamp)


def occurred_bound(value: str | None, *, end: bool, option: str) -> str | None:
    if value is None:
        return None
    try:
        parsed = Occurred.parse(value)
    except ValueError as error:
        raise InvalidInputError(f"{option} {value!r}: {error}") from None
    return parsed.end if end else parsed.start


def timeline(view: TimelineView, query: TimelineQuery) -> TimelineResult:
    """The entries of one actor, location (with everything within it) or incident."""
    if query.kind not in KINDS:
        raise InvalidInputError(f"unknown subject kind {query.kind!r}")
    position = resolve_as_of(view, query.as_of)
    if query.kind == "incident":
        canon = query.name.strip()
        keys = [canon]
    else:
        canon = view.resolve(query.kind, normalise_name(query.name), position)
        keys = [canon]
        if query.kind == "location" and not query.exact:
            keys = view.within_tree(canon, position)
    alias_rows = view.aliases(query.kind, keys, position) if query.kind != "incident" else []
    members = sorted(set(keys) | {alias for alias, _ in alias_rows})
    rows = list(
        view.entries(
            query.kind,
            members,
            as_of=position,
            include_retracted=query.include_retracted,
            occurred_from=occurred_bound(query.occurred_from, end=False, option="--from"),
            occurred_to=occurred_bound(query.occurred_to, end=True, option="--to"),
            limit=query.limit,
        )
    )
    entity = view.entity(query.kind, canon, position) if query.kind != "incident" else None
    if entity is None and not rows and not _has_entries(view, query.kind, members, position):
        raise NotFoundError(f"no {query.kind} {query.name!r} in the record")
    name = entity["name"] if entity else _reported_spelling(rows, canon) or query.name.strip()
    own_aliases = (
        [n for alias, n in view.aliases(query.kind, [canon], position)] if entity or alias_rows else []
    )
    return TimelineResult(
        subject=Subject(kind=query.kind, name=name, aliases=_unique(own_aliases)),
        as_of=query.as_of,
        entries=[_entry(query.kind, role, reported, record) for role, reported, record in rows],
    )


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


def _reported_spelling(rows: list[tuple[str, str, dict[str, Any]]], canon: str) -> str | None:
    for _, reported, record in rows:
        if normalise_name(reported) == canon or record["fields"].get("incident") == canon:
            return reported if normalise_name(reported) == canon else canon
    return None


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _entry(kind: str, role: str, reported: str, record: dict[str, Any]) -> TimelineEntry:
    fields = record["fields"]
    return TimelineEntry(
        fact=fields["id"],
        type=fields["type"],
        incident=fields["incident"],
        occurred=fields["occurred"],
        precision=Occurred.parse(fields["occurred"]).precision,
        role=role,
        summary=fields["summary"],
        certainty=fields.get("certainty", "reported"),
        status=record["status"],
        version=record["version"],
        sources=fields["sources"],
        recorded_at=record["first_recorded_at"],
        position=record["first_position"],
        place=reported if kind == "location" else None,
    )


def subjects(view: TimelineView, kind: str, as_of: str | None) -> SubjectsResult:
    """Every actor, location or incident in the record, with its number of facts."""
    position = resolve_as_of(view, as_of)
    registered = view.registered(kind, position) if kind != "incident" else {}
    counts: dict[str, SubjectCount] = {}
    for key, spelling, facts in view.subjects(kind, position):
        name = registered.get(key) or spelling
        counts[key] = SubjectCount(kind=kind, name=name, facts=facts, registered=key in registered)
    for key, name in registered.items():
        counts.setdefault(key, SubjectCount(kind=kind, name=name, facts=0, registered=True))
    ordered = sorted(counts.values(), key=lambda s: (-s.facts, s.name.casefold()))
    return SubjectsResult(kind=kind, as_of=as_of, subjects=ordered)


def history(view: TimelineView, fact_id: str, as_of: str | None) -> HistoryResult:
    """Every version of one fact, with field-level changes."""
    position = resolve_as_of(view, as_of)
    versions = view.fact_versions(fact_id.strip(), position)
    if not versions:
        raise NotFoundError(f"no fact {fact_id!r} in the record")
    return HistoryResult(fact=fact_id.strip(), as_of=as_of, versions=[Version(**v) for v in versions])


def log_entries(rows: list[dict[str, Any]]) -> list[LogEntry]:
    out = []
    for row in rows:
        about = {"fact": row["subject"]} if row["event"] in _FACT_EVENTS else {"name": row["subject"]}
        out.append(
            LogEntry(
                position=row["position"],
                event=row["event"],
                recorded_at=row["recorded_at"],
                recorded_by=row["recorded_by"],
                version=row["version"],
                **about,
            )
        )
    return out


def _fact_events() -> frozenset[str]:
    from timeline.domain.events import AMENDMENT_EVENTS, FACT_EVENTS

    return frozenset(cls.__name__ for cls in (*FACT_EVENTS, *AMENDMENT_EVENTS))


_FACT_EVENTS = _fact_events()
