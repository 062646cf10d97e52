"""`tl_within` (every place each location subject lies within) answers what walking the
place tree level by level answers, now and as of every position (both stores).

The walk (`place_tree` and `members_of`, which `timeline place` and exact location
queries still use) is the reference: the same subjects, each standing for the same place,
and the same entries in the same time order.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from bench.generate import journal_lines
from tests.factories import write_journal
from timeline.domain.places import Places
from timeline.queries import TimelineQuery, members_of, place_tree, timeline

if TYPE_CHECKING:
    from pathlib import Path

    from timeline import Timeline
    from timeline.projections.readmodel import TimelineView


def _shelling(fact_id: str, place: Any, day: str = "2024-03-01") -> dict[str, Any]:
    return {
        "type": "ShellingReported",
        "id": fact_id,
        "incident": "moves",
        "occurred": day,
        "summary": f"shelling {fact_id}",
        "sources": [{"name": "Reuters"}],
        "reported_by": "Ukrainian General Staff",
        "area": [place] if not isinstance(place, list) else place,
    }


# A gazetteer that changes under its facts: a place registered before its parent (its
# parent a name until then), a keyed place renamed, aliases moved, a name that becomes
# ambiguous, and a country re-registered with coordinates.
CHANGES: list[dict[str, Any]] = [
    {"type": "LocationRegistered", "name": "Hamlet", "within": "Shire"},
    _shelling("m1", "Hamlet"),
    _shelling("m2", "Shire", "2024-02-01"),
    {"type": "LocationRegistered", "name": "Shire", "within": "Ukraine", "aliases": ["The Shire"]},
    _shelling("m3", ["The Shire", "Hamlet"], "2024-02-01"),
    {"type": "LocationRegistered", "name": "Old Town", "key": "town-1", "within": "Kyiv oblast"},
    _shelling("m4", {"name": "Old Town", "key": "town-1"}),
    {"type": "LocationRegistered", "name": "New Town", "key": "town-1", "within": "Kyiv oblast"},
    _shelling("m5", "New Town"),
    {
        "type": "AliasMoved",
        "entity": "location",
        "alias": "The Shire",
        "from": "Shire",
        "to": "Kyiv oblast",
        "reason": "renamed",
    },
    _shelling("m6", "The Shire"),
    {"type": "LocationRegistered", "name": "Hamlet", "within": "Kherson oblast"},
    _shelling("m7", {"name": "Hamlet", "within": "Kherson oblast"}),
    {"type": "LocationRegistered", "name": "Ukraine", "kind": "country", "lat": 49.0, "lon": 32.0},
    {"type": "AliasAdded", "entity": "location", "name": "Russia", "alias": "RF"},
    _shelling("m8", "RF"),
]


def _walk(view: TimelineView, place: str, position: int | None) -> tuple[dict[str, str], list[Any]]:
    store = view.places(position)
    rules = Places(store)
    members = members_of(view, rules, place_tree(store, rules, place), position)
    rows = view.entries(
        "location",
        sorted(members),
        as_of=position,
        include_retracted=True,
        occurred_from=None,
        occurred_to=None,
        limit=None,
    )
    return members, [(r.record["fields"]["id"], r.role, r.subject, members[r.subject]) for r in rows]


def _within(view: TimelineView, place: str, position: int | None) -> tuple[dict[str, str], list[Any]]:
    rows = view.entries_within(
        place, as_of=position, include_retracted=True, occurred_from=None, occurred_to=None, limit=None
    )
    found = [(r.record["fields"]["id"], r.role, r.subject, r.place) for r in rows]
    return view.within(place, position), found


def _same(view: TimelineView, position: int | None) -> int:
    """Compare every place at `position`; the number of places compared."""
    places = [p.id for p in view.places(position).all_places()]
    for place in places:
        members, walked = _walk(view, place, position)
        within, found = _within(view, place, position)
        assert within == members, (place, position)
        assert sorted(found) == sorted(walked), (place, position)
        # the same time order (rows of one fact and role may come in either order)
        key = lambda row: row[:2]  # noqa: E731
        assert [k for k, _ in itertools.groupby(found, key)] == [k for k, _ in itertools.groupby(walked, key)]
    return len(places)


def test_within_answers_what_the_walk_answers_at_every_position(record: Timeline, tmp_path: Path) -> None:
    generated = list(journal_lines(400))
    journal = write_journal(tmp_path / "j.ndjson", [*generated, *CHANGES])
    record.append([str(journal)], recorded_by="tester")
    record.refresh()
    view = record.view
    head = view.tracking_position()
    gazetteer_end = len(generated) - 400  # the generated gazetteer comes first
    positions = sorted({1, 5, gazetteer_end, head // 2, *range(head - len(CHANGES) - 40, head + 1)})
    compared = sum(_same(view, position) for position in [None, *positions])
    assert compared > 1000


def test_a_country_lists_what_the_walk_lists(record: Timeline, tmp_path: Path) -> None:
    """Ukraine's timeline (more subjects than are merged one run each) through the query."""
    journal = write_journal(tmp_path / "j.ndjson", [*journal_lines(2000), *CHANGES])
    record.append([str(journal)], recorded_by="tester")
    record.refresh()
    view = record.view
    assert len(view.within("ukraine", None)) > 64
    answer = timeline(view, TimelineQuery("location", "Ukraine", limit=100, include_retracted=True))
    _, walked = _walk(view, "ukraine", None)
    facts = list(dict.fromkeys(fact for fact, *_ in walked))
    assert [e.fact for e in answer.entries] == facts[: len(answer.entries)]
    assert len(answer.entries) >= 90  # a fact naming two places of the tree is listed once
    assert {tuple(e.place_path or ()) for e in answer.entries} >= {
        ("Ukraine", "Kyiv oblast", "Kyiv settlement 0")
    }
    assert view.dump() == _replayed(record)


def _replayed(record: Timeline) -> dict[str, Any]:
    record.replay()
    return record.view.dump()
