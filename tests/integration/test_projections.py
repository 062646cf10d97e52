"""The read models, through the timeline queries: location trees, aliases, name variants,
retractions, ordering and precision."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import pytest

from tests.factories import a_correction, a_fact, a_retraction, write_journal
from timeline import NotFoundError, Timeline
from timeline.queries import TimelineQuery, subjects, timeline

if TYPE_CHECKING:
    from pathlib import Path

_files = itertools.count()


@pytest.fixture
def add(record: Timeline, tmp_path: Path) -> Any:
    """add(*objects): append them as one journal (one batch)."""

    def add(*objects: dict[str, Any]) -> None:
        path = write_journal(tmp_path / f"j{next(_files)}.ndjson", list(objects))
        record.append([str(path)], recorded_by="tester")

    return add


def facts_of(record: Timeline, kind: str, name: str, **options: Any) -> list[str]:
    return [e.fact for e in timeline(record.view, TimelineQuery(kind=kind, name=name, **options)).entries]


def place(name: str, within: str | None = None, **extra: Any) -> dict[str, Any]:
    line = {"type": "LocationRegistered", "name": name, "kind": "place", **extra}
    if within:
        line["within"] = within
    return line


# --- location tree --------------------------------------------------------------------


def test_location_includes_places_within_it_at_any_depth(record: Timeline, add: Any) -> None:
    add(
        place("Russia"),
        place("Moscow", within="Russia"),
        place("Kremlin", within="moscow"),  # `within` is a name: it matches case-insensitively
        place("Senate Palace", within=" KREMLIN "),
        a_fact(id="in-russia", target="Russia"),
        a_fact(id="in-moscow", target="Moscow"),
        a_fact(id="in-kremlin", target="Kremlin"),
        a_fact(id="in-palace", target="Senate Palace"),
        a_fact(id="in-kyiv", target="Kyiv"),
    )
    assert set(facts_of(record, "location", "Russia")) == {
        "in-russia",
        "in-moscow",
        "in-kremlin",
        "in-palace",
    }
    assert set(facts_of(record, "location", "Moscow")) == {"in-moscow", "in-kremlin", "in-palace"}
    assert set(facts_of(record, "location", "kremlin")) == {"in-kremlin", "in-palace"}
    assert facts_of(record, "location", "Russia", exact=True) == ["in-russia"]
    assert facts_of(record, "location", "Moscow", exact=True) == ["in-moscow"]
    assert facts_of(record, "location", "Kyiv") == ["in-kyiv"]
    result = timeline(record.view, TimelineQuery(kind="location", name="russia"))
    assert result.subject.name == "Russia"
    assert {(e.fact, e.place) for e in result.entries} >= {("in-palace", "Senate Palace")}


def test_within_through_an_alias_and_a_tree_registered_after_the_facts(record: Timeline, add: Any) -> None:
    add(a_fact(id="k1", target="Kremlin"), a_fact(id="m1", target="Moscow"))
    with pytest.raises(NotFoundError):  # never registered, no entries
        facts_of(record, "location", "Russia")
    add(place("Russia", aliases=["Russian Federation"]))
    add(place("Moscow", within="Russian Federation"), place("Kremlin", within="Moscow"))
    assert set(facts_of(record, "location", "Russia")) == {"k1", "m1"}
    # re-registering Kremlin elsewhere moves it out of Moscow's tree
    add(place("Kremlin", within="Nowhere"))
    assert facts_of(record, "location", "Moscow") == ["m1"]
    assert set(facts_of(record, "location", "Russia", as_of="@5")) == {"k1", "m1"}
    assert facts_of(record, "location", "Russia", as_of="@6") == ["m1"]


def test_a_cycle_of_within_does_not_hang(record: Timeline, add: Any) -> None:
    add(
        place("A", within="B"),
        place("B", within="A"),
        a_fact(id="in-a", target="A"),
        a_fact(id="in-b", target="B"),
    )
    assert set(facts_of(record, "location", "A")) == {"in-a", "in-b"}
    assert facts_of(record, "location", "A", exact=True) == ["in-a"]


# --- aliases and name variants --------------------------------------------------------


def test_a_late_alias_regroups_earlier_facts(record: Timeline, add: Any) -> None:
    add(a_fact(id="ky", target="Kyiv"), a_fact(id="ki", target="Kiev", occurred="2023-05-01"))
    assert facts_of(record, "location", "Kyiv") == ["ky"]
    assert facts_of(record, "location", "Kiev") == ["ki"]
    counts = {s.name: s.facts for s in subjects(record.view, "location", None).subjects}
    assert counts == {"Kyiv": 1, "Kiev": 1}
    add({"type": "AliasAdded", "entity": "location", "name": "Kyiv", "alias": "Kiev"})
    assert facts_of(record, "location", "Kyiv") == ["ki", "ky"]
    assert facts_of(record, "location", "kiev") == ["ki", "ky"]
    result = timeline(record.view, TimelineQuery(kind="location", name="Kiev"))
    assert result.subject.name == "Kyiv"
    assert result.subject.aliases == ["Kiev"]
    assert [e.place for e in result.entries] == ["Kiev", "Kyiv"]  # the spelling each source used
    counts = {s.name: s.facts for s in subjects(record.view, "location", None).subjects}
    assert counts == {"Kyiv": 2}


def test_registered_actor_aliases_resolve_to_the_canonical_name(record: Timeline, add: Any) -> None:
    add(
        a_fact(id="p1", alleged_by="Kremlin press service"),
        a_fact(id="p2", alleged_by="Russian Presidency", occurred="2023-05-04"),
        {
            "type": "ActorRegistered",
            "name": "Russian Presidency",
            "kind": "state body",
            "aliases": ["Kremlin press service"],
        },
    )
    for name in ("Russian Presidency", "kremlin press service", " KREMLIN  PRESS SERVICE "):
        result = timeline(record.view, TimelineQuery(kind="actor", name=name))
        assert result.subject.name == "Russian Presidency"
        assert result.subject.aliases == ["Kremlin press service"]
        assert [(e.fact, e.role) for e in result.entries] == [("p1", "alleged_by"), ("p2", "alleged_by")]
    listing = {s.name: (s.facts, s.registered) for s in subjects(record.view, "actor", None).subjects}
    assert listing["Russian Presidency"] == (2, True)
    assert "Kremlin press service" not in listing


@pytest.mark.parametrize(
    "variants",
    [
        ["Kyiv", " kyiv ", "KYIV", "ＫＹＩＶ"],  # case, white space, full-width (NFKC)
        ["Kyïv", "Kyi\u0308v", "KYÏV"],  # composed and decomposed diaeresis
        ["US Embassy", "us  embassy", "US\u00a0Embassy"],  # inner and non-breaking space
    ],
)
def test_case_and_unicode_variants_do_not_split_an_entity(
    record: Timeline, add: Any, variants: list[str]
) -> None:
    add(*(a_fact(id=f"v{i}", target=name, occurred=f"2023-05-0{i + 1}") for i, name in enumerate(variants)))
    expected = [f"v{i}" for i in range(len(variants))]
    for name in variants:
        assert facts_of(record, "location", name) == expected
    locations = subjects(record.view, "location", None).subjects
    assert [s.facts for s in locations] == [len(variants)]


# --- retractions, corrections ---------------------------------------------------------


def test_retracted_facts_leave_the_timelines_unless_asked_for(record: Timeline, add: Any) -> None:
    add(a_fact(id="r1", target="Kyiv"), a_fact(id="r2", target="Kyiv", occurred="2023-05-04"))
    add(a_retraction("r1"))
    assert facts_of(record, "location", "Kyiv") == ["r2"]
    assert facts_of(record, "actor", "Kremlin") == ["r2"]
    assert facts_of(record, "incident", "kremlin-drone-2023-05") == ["r2"]
    both = timeline(record.view, TimelineQuery(kind="location", name="Kyiv", include_retracted=True)).entries
    assert [(e.fact, e.status, e.version) for e in both] == [("r1", "retracted", 2), ("r2", "active", 1)]
    assert {s.name: s.facts for s in subjects(record.view, "location", None).subjects} == {"Kyiv": 1}
    add(a_retraction("r2"))
    assert facts_of(record, "location", "Kyiv") == []  # known, but empty
    with pytest.raises(NotFoundError):
        facts_of(record, "location", "Lviv")


def test_a_correction_moves_a_fact_between_timelines(record: Timeline, add: Any) -> None:
    add(a_fact(id="c1", target="Kyiv", alleged_by="Kremlin", summary="old"))
    add(a_correction("c1", target="Odesa", alleged_by="TASS", summary="new"))
    assert facts_of(record, "location", "Odesa") == ["c1"]
    with pytest.raises(NotFoundError):  # nothing in the record names Kyiv any more
        facts_of(record, "location", "Kyiv", include_retracted=True)
    assert facts_of(record, "actor", "TASS") == ["c1"]
    entry = timeline(record.view, TimelineQuery(kind="actor", name="TASS")).entries[0]
    assert (entry.summary, entry.status, entry.version, entry.position) == ("new", "corrected", 2, 1)
    add({"type": "SourceAdded", "fact": "c1", "source": {"name": "AP"}, "reason": "corroborated"})
    entry = timeline(record.view, TimelineQuery(kind="actor", name="TASS")).entries[0]
    assert (entry.status, entry.version, [s["name"] for s in entry.sources]) == (
        "corrected",
        3,
        ["Europa Press", "AP"],
    )


# --- ordering and precision -----------------------------------------------------------


def test_entries_are_ordered_by_occurred_start_then_position_and_keep_precision(
    record: Timeline, add: Any
) -> None:
    add(
        a_fact(id="day", occurred="2023-05-03"),
        a_fact(id="minute", occurred="2023-05-03T01:30"),
        a_fact(id="second-offset", occurred="2023-05-03T01:30:00+03:00"),  # 2023-05-02T22:30Z
        a_fact(id="interval", occurred="2023-05-02/2023-05-03"),
        a_fact(id="month", occurred="2023-05"),
        a_fact(id="year", occurred="2023"),
        a_fact(id="day-again", occurred="2023-05-03"),
    )
    add(a_fact(id="day-later", occurred="2023-05-03"), a_fact(id="earliest", occurred="2022-12-31T23:59:59Z"))
    entries = timeline(record.view, TimelineQuery(kind="incident", name="kremlin-drone-2023-05")).entries
    assert [(e.fact, e.occurred, e.precision) for e in entries] == [
        ("earliest", "2022-12-31T23:59:59Z", "second"),
        ("year", "2023", "year"),
        ("month", "2023-05", "month"),
        ("interval", "2023-05-02/2023-05-03", "interval"),
        ("second-offset", "2023-05-03T01:30:00+03:00", "second"),
        ("day", "2023-05-03", "day"),
        ("day-again", "2023-05-03", "day"),
        ("day-later", "2023-05-03", "day"),
        ("minute", "2023-05-03T01:30", "minute"),
    ]
    positions = {e.fact: e.position for e in entries}
    assert positions["day"] < positions["day-again"] < positions["day-later"]


def test_occurred_filters(record: Timeline, add: Any) -> None:
    add(
        a_fact(id="may2", occurred="2023-05-02"),
        a_fact(id="may", occurred="2023-05"),
        a_fact(id="may3", occurred="2023-05-03T10:00"),
    )
    assert facts_of(record, "actor", "Kremlin", occurred_from="2023-05-03") == ["may", "may3"]
    assert facts_of(record, "actor", "Kremlin", occurred_to="2023-05-02") == ["may", "may2"]


def test_the_read_models_equal_a_replay(record: Timeline, add: Any) -> None:
    add(place("Moscow"), place("Kremlin", within="Moscow"), a_fact(id="x", target="Kiev"))
    add(
        {"type": "AliasAdded", "entity": "location", "name": "Kyiv", "alias": "Kiev"},
        a_correction("x", drones=9),
    )
    add(a_retraction("x"), place("Kremlin", within="Russia"))
    before = record.view.dump()
    result = record.replay()
    assert result.events == 7
    assert record.view.dump() == before
