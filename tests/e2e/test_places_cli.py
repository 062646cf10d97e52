"""Places from the command line: qualified names, --key, `place`, `locations --tree`, exports (both stores)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.helpers import as_json, ok, run, seeded
from tests.factories import write_journal

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner

PLACES = [
    {"type": "LocationRegistered", "name": "Ukraine", "kind": "country"},
    {"type": "LocationRegistered", "name": "Kharkiv Oblast", "kind": "oblast", "within": "Ukraine"},
    {"type": "LocationRegistered", "name": "Donetsk Oblast", "kind": "oblast", "within": "Ukraine"},
    {
        "type": "LocationRegistered",
        "name": "Novoselivka",
        "within": ["Kharkiv Oblast", "Ukraine"],
        "key": "geonames:700001",
        "lat": 49.9,
        "lon": 36.5,
    },
    {"type": "LocationRegistered", "name": "Novoselivka", "within": "Donetsk Oblast, Ukraine"},
]


def _fact(fact_id: str, place: Any, **extra: Any) -> dict[str, Any]:
    return {
        "type": "ShellingReported",
        "id": fact_id,
        "incident": "novoselivka-2022",
        "occurred": "2022-05-01",
        "summary": f"shelling {fact_id}",
        "sources": [{"name": "Ukrinform", "url": "https://example.org/" + fact_id}],
        "reported_by": "Ukrainian authorities",
        "area": [place],
        **extra,
    }


@pytest.fixture
def db(cli: CliRunner, store_url: str, tmp_path: Path) -> str:
    journal = write_journal(
        tmp_path / "places.ndjson",
        [
            *PLACES,
            _fact("k1", {"name": "Novoselivka", "key": "geonames:700001"}),
            _fact("d1", {"name": "Novoselivka", "within": "Donetsk Oblast"}, geo={"lat": 48.0, "lon": 37.8}),
            _fact("u1", "Ukraine"),
        ],
    )
    ok(cli, "append", journal, "--db", store_url)
    return store_url


def test_an_ambiguous_location_lists_every_candidate(cli: CliRunner, db: str) -> None:
    refused = run(cli, "location", "Novoselivka", "--db", db)
    assert refused.exit_code == 2
    assert "ambiguous" in refused.stderr
    assert "Ukraine > Kharkiv Oblast > Novoselivka (key geonames:700001)" in refused.stderr
    assert "Ukraine > Donetsk Oblast > Novoselivka" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_qualified_names_and_keys_pick_one_place(cli: CliRunner, db: str) -> None:
    donetsk = as_json(ok(cli, "location", "Novoselivka, Donetsk Oblast", "-f", "json", "--db", db))
    assert [e["fact"] for e in donetsk["entries"]] == ["d1"]
    assert donetsk["entries"][0]["place_path"] == ["Ukraine", "Donetsk Oblast", "Novoselivka"]
    assert donetsk["entries"][0]["geo"] == {"lat": 48.0, "lon": 37.8, "geo_precision": None}
    keyed = as_json(ok(cli, "location", "-", "--key", "geonames:700001", "-f", "json", "--db", db))
    assert [e["fact"] for e in keyed["entries"]] == ["k1"]
    assert keyed["entries"][0]["geo"]["lat"] == 49.9  # the place's coordinates: the fact has none
    country = as_json(ok(cli, "location", "Ukraine", "-f", "json", "--db", db))
    assert sorted(e["fact"] for e in country["entries"]) == ["d1", "k1", "u1"]
    missing = run(cli, "location", "-", "--key", "geonames:0", "--db", db)
    assert missing.exit_code == 3


def test_place_lists_every_place_of_a_name(cli: CliRunner, db: str) -> None:
    found = as_json(ok(cli, "place", "Novoselivka", "-f", "json", "--db", db))
    assert [(p["place_path"], p["key"], p["facts"]) for p in found["places"]] == [
        (["Ukraine", "Donetsk Oblast", "Novoselivka"], None, 1),
        (["Ukraine", "Kharkiv Oblast", "Novoselivka"], "geonames:700001", 1),
    ]
    table = ok(cli, "place", "Novoselivka", "--db", db).stdout
    assert "Ukraine > Kharkiv Oblast > Novoselivka" in table
    assert run(cli, "place", "Atlantis", "--db", db).exit_code == 3


def test_locations_tree_counts_include_the_places_within(cli: CliRunner, db: str) -> None:
    tree = as_json(ok(cli, "locations", "--tree", "-f", "json", "--db", db))
    (ukraine,) = tree["places"]
    assert (ukraine["name"], ukraine["facts"]) == ("Ukraine", 3)
    assert [(c["name"], c["facts"]) for c in ukraine["children"]] == [
        ("Donetsk Oblast", 1),
        ("Kharkiv Oblast", 1),
    ]
    shown = ok(cli, "locations", "--tree", "--db", db).stdout
    assert "Ukraine country (3)" in shown
    listed = as_json(ok(cli, "locations", "-f", "json", "--limit", "2", "--db", db))
    assert len(listed["subjects"]) == 2


def test_exports_carry_places_and_coordinates(cli: CliRunner, db: str) -> None:
    collection = as_json(ok(cli, "export", "geojson", "--location", "Ukraine", "--db", db))
    assert collection["type"] == "FeatureCollection"
    points = {f["properties"]["fact"]: f["geometry"]["coordinates"] for f in collection["features"]}
    assert points == {"d1": [37.8, 48.0], "k1": [36.5, 49.9]}  # u1 has no coordinates
    feature = next(f for f in collection["features"] if f["properties"]["fact"] == "d1")
    assert feature["properties"]["place_path"] == ["Ukraine", "Donetsk Oblast", "Novoselivka"]
    rows = {r["fact"]: r for r in csv.DictReader(io.StringIO(ok(cli, "export", "csv", "--db", db).stdout))}
    assert (rows["d1"]["country"], rows["d1"]["admin"], rows["d1"]["lat"]) == (
        "Ukraine",
        "Donetsk Oblast",
        "48.0",
    )
    slides = as_json(ok(cli, "export", "timelinejs", "--incident", "novoselivka-2022", "--db", db))["events"]
    by_id = {s["unique_id"]: s for s in slides}
    assert by_id["d1"]["location"] == {
        "name": "Ukraine > Donetsk Oblast > Novoselivka",
        "lat": 48.0,
        "lon": 37.8,
    }
    assert "Ukraine &gt; Donetsk Oblast &gt; Novoselivka" in by_id["d1"]["text"]["text"]


def test_the_seed_journal_keeps_its_answers(cli: CliRunner, sqlite_url: str) -> None:
    db = seeded(cli, sqlite_url)
    moscow = as_json(ok(cli, "location", "Moscow", "-f", "json", "--db", db))
    assert {e["place"] for e in moscow["entries"]} == {"Kremlin", "Moscow"}
    assert {tuple(e["place_path"]) for e in moscow["entries"]} == {
        ("Russia", "Moscow", "Kremlin"),
        ("Russia", "Moscow"),
    }
    kiev = as_json(ok(cli, "location", "Kiev", "-f", "json", "--db", db))
    assert kiev["subject"]["name"] == "Kyiv"


def test_an_actor_is_found_by_its_key(cli: CliRunner, sqlite_url: str, tmp_path: Path) -> None:
    journal = write_journal(
        tmp_path / "a.ndjson",
        [
            {"type": "ActorRegistered", "name": "Russia", "key": "wikidata:Q159", "aliases": ["Moscow"]},
            _fact("m1", "Ukraine", reported_by="Moscow"),
        ],
    )
    ok(cli, "append", journal, "--db", sqlite_url)
    found = as_json(ok(cli, "actor", "-", "--key", "wikidata:Q159", "-f", "json", "--db", sqlite_url))
    assert (found["subject"]["name"], [e["fact"] for e in found["entries"]]) == ("Russia", ["m1"])
    assert run(cli, "actor", "-", "--key", "wikidata:Q0", "--db", sqlite_url).exit_code == 3


def test_a_place_history_lists_its_registration(cli: CliRunner, db: str) -> None:
    shown = as_json(ok(cli, "entity", "location", "Novoselivka, Kharkiv Oblast", "-f", "json", "--db", db))
    assert shown["place_path"] == ["Ukraine", "Kharkiv Oblast", "Novoselivka"]
    assert [(s["event"], s["statement"].get("key")) for s in shown["statements"]] == [
        ("LocationRegistered", "geonames:700001")
    ]
    assert run(cli, "entity", "actor", "Nobody", "--db", db).exit_code == 3


def test_a_parent_place_lists_a_fact_once_with_every_place_it_matched(cli: CliRunner, store_url: str) -> None:
    db = seeded(cli, store_url)
    ukraine = as_json(ok(cli, "location", "Ukraine", "-f", "json", "--db", db))
    advisory = [e for e in ukraine["entries"] if e["fact"] == "kremlin-drone-us-embassy-advisory"]
    assert len(advisory) == 1  # its area names Kiev and the Kiev region, both within Ukraine
    assert advisory[0]["places"] == ["Kiev", "Kiev region"]
    kyiv = as_json(ok(cli, "location", "Kyiv", "-f", "json", "--db", db))
    assert "places" not in kyiv["entries"][0]  # one place matched: no list


def test_listings_count_facts_within_a_place_and_take_a_limit(cli: CliRunner, store_url: str) -> None:
    db = seeded(cli, store_url)
    listed = {
        s["name"]: s["facts"] for s in as_json(ok(cli, "locations", "-f", "json", "--db", db))["subjects"]
    }
    # Russia holds Moscow and the Kremlin: their facts, each once
    assert listed["Russia"] == listed["Moscow"] == 4
    assert listed["Kremlin"] == 3
    assert listed["Ukraine"] == 2  # the advisory names two places within Ukraine, counted once
    for command in ("actors", "locations", "incidents"):
        top = as_json(ok(cli, command, "--limit", "1", "-f", "json", "--db", db))["subjects"]
        assert len(top) == 1
