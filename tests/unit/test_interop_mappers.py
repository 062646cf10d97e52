"""The table mappings without a store: one source row in, valid journal objects out.

The rows are the verbatim excerpts in fixtures/ (see fixtures/README.md).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson
import pytest

from timeline.interop import acled, bellingcat, ucdp
from timeline.interop.common import NOTES, PlaceTree
from timeline.journal import Entry, parse_object

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def row_with(path: Path, column: str, value: str) -> dict[str, str]:
    return next(row for row in rows_of(path) if row[column] == value)


def entries(objects: list[dict[str, Any]]) -> list[Entry]:
    """The journal entries of mapped objects; fails on any object the journal refuses."""
    found = []
    for n, obj in enumerate(objects, start=1):
        entry = parse_object({k: v for k, v in obj.items() if k != NOTES}, "mapped", n)
        assert isinstance(entry, Entry), entry
        found.append(entry)
    return found


def test_an_acled_row_registers_its_places_outermost_first_then_reports_the_fact() -> None:
    row = row_with(FIXTURES / "acled" / "ukraine.csv", "event_id_cnty", "UKR56925")
    objects = acled.map_row(row, PlaceTree())
    *places, fact = entries(objects)
    assert [(p.type, p.fields["name"], p.fields["kind"]) for p in places] == [
        ("LocationRegistered", "Ukraine", "country"),
        ("LocationRegistered", "Kherson", "admin1"),
        ("LocationRegistered", "Beryslavskyi", "admin2"),
        ("LocationRegistered", "Beryslavska", "admin3"),
        ("LocationRegistered", "Zmiivka", "place"),
    ]
    assert places[-1].fields["within"] == ["Beryslavska", "Beryslavskyi", "Kherson", "Ukraine"]
    assert fact.type == "FactReported"
    assert fact.key == "acled:ukr56925"
    assert fact.fields["incident"] == "acled-ukraine-2022-04"
    assert fact.fields["occurred"] == "2022-04-30"
    assert fact.fields["summary"] == row["notes"]
    assert fact.fields["sources"] == [{"name": "24 Channel"}]
    assert [(a["role"], a["name"]) for a in fact.fields["actors"]] == [
        ("actor1", "Military Forces of Russia (2000-)"),
        ("actor2", "Civilians (Ukraine)"),
        ("assoc_actor_2", "Government of Ukraine (2019-)"),
    ]
    [place] = fact.fields["locations"]
    assert (place["name"], place["role"], place["lat"], place["lon"]) == (
        "Zmiivka",
        "location",
        46.8646,
        33.5835,
    )
    assert fact.fields["killed_min"] == 0
    # every column no field carries is kept as written
    assert fact.fields["attributes"]["sub_event_type"] == "Abduction/forced disappearance"
    assert "notes" not in fact.fields["attributes"]


def test_acled_rows_of_one_table_register_each_place_once() -> None:
    places = PlaceTree()
    registered = [
        (obj["name"], tuple(obj.get("within") or ()))
        for row in rows_of(FIXTURES / "acled" / "ukraine.csv")[:50]
        for obj in acled.map_row(row, places)
        if obj["type"] == "LocationRegistered"
    ]
    assert len(registered) == len(set(registered))
    assert registered.count(("Ukraine", ())) == 1


@pytest.mark.parametrize(
    ("precision", "expected"),
    [("1", "2022-04-30"), ("2", "2022-04-27/2022-05-03"), ("3", "2022-04-XX")],
)
def test_acled_time_precision_widens_the_date(precision: str, expected: str) -> None:
    assert acled.occurred("2022-04-30", precision) == expected


def test_a_ucdp_row_names_both_sides_and_keeps_its_sources_with_their_dates() -> None:
    row = row_with(FIXTURES / "ucdp" / "excerpt.csv", "id", "300380")
    *places, fact = entries(ucdp.map_row(row, PlaceTree()))
    assert [p.fields["name"] for p in places] == [
        "Syria",
        "Idlib governorate",
        "Ariha district",
        "Rami village",
    ]
    assert fact.key == "ucdp:300380"
    assert fact.fields["occurred"] == "2013-01-03"
    assert fact.fields["kind"] == "state-based violence"
    assert [(a["role"], a["name"]) for a in fact.fields["actors"]] == [
        ("side_a", "Government of Syria"),
        ("side_b", "Syrian insurgents"),
    ]
    assert [(s["name"], s.get("published")) for s in fact.fields["sources"]] == [
        ("Support Kurds in Syria", "2013-01-03"),
        ("VDC", "2013-01-03"),
    ]


def test_every_ucdp_excerpt_row_maps_to_valid_journal_objects() -> None:
    places = PlaceTree()
    for row in rows_of(FIXTURES / "ucdp" / "excerpt.csv"):
        objects = ucdp.map_row(row, places)
        assert objects[-1]["type"] == "FactReported"
        entries(objects)


@pytest.mark.parametrize(
    ("start", "end", "precision", "expected"),
    [
        ("2013-01-03", "2013-01-03", "1", "2013-01-03"),
        ("2013-01-01", "2013-01-31", "4", "2013-01-XX"),
        ("2013-01-01", "2013-12-31", "5", "2013-XX-XX"),
        ("2013-01-03", "2013-01-05", "2", "2013-01-03/2013-01-05"),
    ],
)
def test_ucdp_date_precision_maps_onto_partial_dates(
    start: str, end: str, precision: str, expected: str
) -> None:
    assert ucdp.occurred(start, end, precision) == expected


def test_a_bellingcat_event_is_reported_by_the_map_and_by_each_of_its_sources() -> None:
    snapshot = FIXTURES / "bellingcat" / "2022-04-05_ad67446"
    line, objects = next(bellingcat.read(snapshot))
    assert line == 1
    *places, fact = entries(objects)
    assert [(p.fields["name"], p.fields.get("within")) for p in places] == [
        ("Ukraine", None),
        ("Donetsk city", ["Ukraine"]),
    ]
    assert fact.key == "bellingcat:civ0010"
    assert fact.fields["incident"] == bellingcat.INCIDENT
    assert fact.fields["occurred"] == "2022-02-24"
    first, second = fact.fields["sources"]
    assert first == {"name": bellingcat.PUBLISHER}
    assert second["name"] == "twitter.com"
    assert second["url"].startswith("https://twitter.com/Caucasuswar/status/1496846910912610309")
    assert fact.fields["kind"].startswith("civilian harm")
    assert fact.fields["actors"] == []


def test_every_bellingcat_event_of_a_snapshot_maps_to_valid_journal_objects() -> None:
    snapshot = FIXTURES / "bellingcat" / "2023-05-28_0a4ee9d"
    mapped = list(bellingcat.read(snapshot))
    assert len(mapped) == len(orjson.loads((snapshot / "export_events.json").read_bytes()))
    for _, objects in mapped:
        entries(objects)


def test_bellingcat_dates_are_month_first() -> None:
    assert bellingcat.occurred("3/4/2022") == "2022-03-04"
    assert bellingcat.occurred("3/4/2022", "14:30") == "2022-03-04T14:30"
    with pytest.raises(ValueError, match="M/D/YYYY"):
        bellingcat.occurred("2022-03-04")
