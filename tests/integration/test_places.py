"""Places are entities: qualified places, per-fact coordinates, no silent re-filing (both stores).

The ACLED checks run on `fixtures/acled/places-excerpt.csv` (633 verbatim rows: every
Pakistani, Georgian and Tunisian row of the sample, India's Punjab, Kyiv and Kyiv City,
US states that share names with countries, Mexico's Los Angeles) and, where the whole
sample is present beside the checkout, on all 9,000 rows.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tests.factories import write_journal
from timeline import InvalidInputError, Timeline
from timeline.audit.entities import entity_history
from timeline.interop import acled, ucdp
from timeline.interop.importer import import_rows
from timeline.queries import TimelineQuery, history, places_named, timeline

EXCERPT = FIXTURES / "acled" / "places-excerpt.csv"
UCDP_EXCERPT = FIXTURES / "ucdp" / "excerpt.csv"
SHARED = Path(__file__).parents[2].parent / "shared" / "data"


def _import(record: Timeline, module: Any, path: Path, table: str) -> None:
    import_rows(
        record,
        module.read(path),
        table=table,
        prefix=module.PREFIX,
        label=path.name,
        recorded_by="tester",
    )


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _located(record: Timeline, name: str) -> dict[str, dict[str, Any]]:
    result = timeline(record.view, TimelineQuery("location", name))
    return {e.fact: e.to_json() for e in result.entries}


def _check_acled_rows(record: Timeline, rows: list[dict[str, str]]) -> None:
    """Every row: filed under its own country and admin1, at its own coordinates."""
    by_country: dict[str, dict[str, dict[str, Any]]] = {}
    mismatches = []
    for row in rows:
        country = row["country"]
        if country not in by_country:
            by_country[country] = _located(record, country)
        entry = by_country[country].get(acled.PREFIX + row["event_id_cnty"].lower())
        if entry is None:
            mismatches.append((row["event_id_cnty"], "not under its country"))
            continue
        path = entry["place_path"]
        if path[0] != country or (row["admin1"] and row["admin1"] not in path):
            mismatches.append((row["event_id_cnty"], path))
        if (entry["geo"]["lat"], entry["geo"]["lon"]) != (float(row["latitude"]), float(row["longitude"])):
            mismatches.append((row["event_id_cnty"], entry["geo"]))
    assert mismatches == []


def test_acled_rows_land_in_their_own_country(record: Timeline) -> None:
    rows = _rows(EXCERPT)
    _import(record, acled, EXCERPT, "acled")
    _check_acled_rows(record, rows)
    countries = Counter(r["country"] for r in rows)
    pakistan = _located(record, "Pakistan")
    assert len(pakistan) == countries["Pakistan"] == 224
    assert not set(pakistan) & set(_located(record, "India"))
    assert all(f.startswith("acled:usa") for f in _located(record, "United States"))
    kyiv_city = _located(record, "Kyiv City")
    assert len(kyiv_city) == 9
    assert {e["place_path"][1] for e in kyiv_city.values()} == {"Kyiv City"}
    assert not set(kyiv_city) & set(_located(record, "Kyiv, Ukraine"))  # Kyiv oblast, not the city
    # two places named Los Angeles; the qualified form picks one
    found = places_named(record.view, "Los Angeles", None).places
    assert sorted(p.place_path[0] for p in found) == ["Mexico", "United States"]
    mexico = _located(record, "Los Angeles, Mexico")
    assert list(mexico) == ["acled:mex60909"]
    with pytest.raises(InvalidInputError, match="ambiguous"):
        timeline(record.view, TimelineQuery("location", "Los Angeles"))


@pytest.mark.slow
def test_the_whole_acled_sample_has_no_mismatch(sqlite_record: Timeline) -> None:
    """All 9,000 rows where the sample lies beside the checkout; else the 690 Ukrainian rows."""
    full = SHARED / "acled" / "acled_old_deletion_dummy.csv"
    path = full if full.is_file() else FIXTURES / "acled" / "ukraine.csv"
    _import(sqlite_record, acled, path, "acled")
    _check_acled_rows(sqlite_record, _rows(path))


def test_ucdp_rows_land_in_their_own_country_alone_and_after_acled(record: Timeline) -> None:
    rows = _rows(UCDP_EXCERPT)

    def check() -> None:
        wrong = []
        for country in sorted({r["country"] for r in rows}):
            located = _located(record, country)
            for row in rows:
                if row["country"] == country and f"ucdp:{row['id']}" not in located:
                    wrong.append(row["id"])
        assert wrong == []

    _import(record, ucdp, UCDP_EXCERPT, "ucdp")
    check()
    _import(record, acled, EXCERPT, "acled")
    check()


NOVOSELIVKAS = [
    {"type": "LocationRegistered", "name": "Ukraine", "kind": "country"},
    {"type": "LocationRegistered", "name": "Kharkiv Oblast", "within": "Ukraine"},
    {"type": "LocationRegistered", "name": "Donetsk Oblast", "within": "Ukraine"},
    {"type": "LocationRegistered", "name": "Novoselivka", "within": ["Kharkiv Oblast", "Ukraine"]},
    {"type": "LocationRegistered", "name": "Novoselivka", "within": "Donetsk Oblast, Ukraine"},
]


def _shelling(fact_id: str, place: Any) -> dict[str, Any]:
    return {
        "type": "ShellingReported",
        "id": fact_id,
        "incident": "novoselivka",
        "occurred": "2022-05-01",
        "summary": f"shelling {fact_id}",
        "sources": [{"name": "Ukrinform"}],
        "reported_by": "Ukrainian authorities",
        "area": [place],
    }


def test_same_named_villages_are_two_places(record: Timeline, tmp_path: Path) -> None:
    journal = write_journal(
        tmp_path / "n.ndjson",
        [
            *NOVOSELIVKAS,
            _shelling("k1", {"name": "Novoselivka", "within": "Kharkiv Oblast"}),
            _shelling("d1", {"name": "Novoselivka", "within": ["Donetsk Oblast"], "lat": 48.1, "lon": 37.9}),
        ],
    )
    record.append([str(journal)], recorded_by="tester")
    kharkiv = _located(record, "Novoselivka, Kharkiv Oblast")
    donetsk = _located(record, "Novoselivka, Donetsk Oblast")
    assert list(kharkiv) == ["k1"]
    assert list(donetsk) == ["d1"]
    assert donetsk["d1"]["place_path"] == ["Ukraine", "Donetsk Oblast", "Novoselivka"]
    assert donetsk["d1"]["geo"] == {"lat": 48.1, "lon": 37.9, "geo_precision": None}
    assert set(_located(record, "Ukraine")) == {"k1", "d1"}
    # a bare name is refused at append, with every candidate and its chain
    bare = write_journal(tmp_path / "bare.ndjson", [_shelling("x1", "Novoselivka")])
    with pytest.raises(InvalidInputError) as refused:
        record.append([str(bare)], recorded_by="tester")
    problem = refused.value.problems[0]  # type: ignore[attr-defined]
    assert problem.startswith(f"{bare}:1: place 'Novoselivka' is ambiguous")
    assert "Ukraine > Kharkiv Oblast > Novoselivka" in problem
    assert "Ukraine > Donetsk Oblast > Novoselivka" in problem
    assert record.fact_version("x1") is None


def test_a_later_registration_never_moves_a_filed_fact(record: Timeline, tmp_path: Path) -> None:
    first = write_journal(
        tmp_path / "a.ndjson", [*NOVOSELIVKAS[:4], _shelling("k1", "Novoselivka")]
    )  # one Novoselivka so far: the bare name resolves to it
    record.append([str(first)], recorded_by="tester")
    second = write_journal(tmp_path / "b.ndjson", NOVOSELIVKAS[2:3] + NOVOSELIVKAS[4:])
    record.append([str(second)], recorded_by="tester")
    assert list(_located(record, "Novoselivka, Kharkiv Oblast")) == ["k1"]
    assert _located(record, "Novoselivka, Donetsk Oblast") == {}
    # a correction of another field keeps the fact where it was filed
    record.submit(
        {"type": "FactCorrected", "fact": "k1", "changes": {"summary": "shelling, revised"}, "reason": "r"},
        recorded_by="tester",
        where="test",
    )
    assert list(_located(record, "Novoselivka, Kharkiv Oblast")) == ["k1"]


def test_an_alias_is_never_silently_moved(record: Timeline, tmp_path: Path) -> None:
    journal = write_journal(
        tmp_path / "a.ndjson",
        [
            {"type": "ActorRegistered", "name": "United States", "aliases": ["Anglo-Saxons"]},
            {"type": "ActorRegistered", "name": "United Kingdom"},
        ],
    )
    record.append([str(journal)], recorded_by="tester")
    taken = write_journal(
        tmp_path / "b.ndjson",
        [{"type": "AliasAdded", "entity": "actor", "name": "United Kingdom", "alias": "Anglo-Saxons"}],
    )
    with pytest.raises(InvalidInputError) as refused:
        record.append([str(taken)], recorded_by="tester")
    assert "alias 'Anglo-Saxons' already names the actor 'united states'" in str(
        refused.value.problems  # type: ignore[attr-defined]
    )
    moved = write_journal(
        tmp_path / "c.ndjson",
        [
            {
                "type": "AliasMoved",
                "entity": "actor",
                "alias": "Anglo-Saxons",
                "from": "United States",
                "to": "United Kingdom",
                "reason": "the speaker meant the British",
            },
            {
                "type": "StatementMade",
                "id": "s1",
                "incident": "rhetoric",
                "occurred": "2023-05-04",
                "summary": "statement about the Anglo-Saxons",
                "sources": [{"name": "TASS"}],
                "speaker": "Dmitry Medvedev",
                "about": ["Anglo-Saxons"],
                "quote": "…",
            },
        ],
    )
    record.append([str(moved)], recorded_by="tester")
    uk = timeline(record.view, TimelineQuery("actor", "United Kingdom"))
    assert [e.fact for e in uk.entries] == ["s1"]
    assert "Anglo-Saxons" in uk.subject.aliases
    assert (
        "Anglo-Saxons" not in timeline(record.view, TimelineQuery("actor", "United States")).subject.aliases
    )
    log = [e for e in record.view.log(0, None, None) if e["event"] == "AliasMoved"]
    assert [(e["subject"], e["recorded_by"]) for e in log] == [("Anglo-Saxons", "tester")]
    # both actors' histories show the move, with its reason
    for actor in ("United Kingdom", "United States"):
        shown = entity_history(record, "actor", actor)
        moves = [s for s in shown.statements if s.event == "AliasMoved"]
        assert [(m.reason, m.recorded_by) for m in moves] == [("the speaker meant the British", "tester")]
    assert entity_history(record, "actor", "United Kingdom").aliases == ["Anglo-Saxons"]


def test_history_keeps_the_reported_spelling_and_qualifier(record: Timeline, tmp_path: Path) -> None:
    journal = write_journal(
        tmp_path / "n.ndjson",
        [*NOVOSELIVKAS, _shelling("k1", {"name": "Novoselivka", "within": "Kharkiv Oblast"})],
    )
    record.append([str(journal)], recorded_by="tester")
    first = history(record.view, "k1", None).versions[0]
    assert first.changes["area"]["to"] == [{"name": "Novoselivka", "within": "Kharkiv Oblast"}]


def test_a_store_with_version_1_read_tables_is_rebuilt_on_open(store_url: str) -> None:
    """Read tables written before places were entities are rebuilt from the log, answers intact."""
    from tests.conftest import SEEDS
    from timeline import Settings, open_timeline

    app = open_timeline(Settings(db=store_url, recorded_by="tester"))
    app.append([str(SEEDS / "kremlin-drone-2023-05.ndjson")], recorded_by="tester")
    before = timeline(app.view, TimelineQuery("location", "Moscow")).to_json()
    app.close()
    old_shape = [  # the version-1 gazetteer table, and no version mark
        "DROP TABLE tl_version",
        "DROP TABLE tl_entities",
        "CREATE TABLE tl_entities (kind TEXT NOT NULL, entity TEXT NOT NULL, name TEXT NOT NULL, "
        "entity_kind TEXT, within TEXT, within_key TEXT, lat DOUBLE PRECISION, lon DOUBLE PRECISION, "
        "valid_from BIGINT NOT NULL, valid_to BIGINT)",
    ]
    if store_url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(store_url, autocommit=True) as conn:
            for statement in old_shape:
                conn.execute(statement)
    else:
        import sqlite3
        from contextlib import closing

        with closing(sqlite3.connect(store_url)) as db:
            for statement in old_shape:
                db.execute(statement)
            db.commit()
    reopened = open_timeline(Settings(db=store_url, recorded_by="tester"))
    try:
        reopened.project()
        assert timeline(reopened.view, TimelineQuery("location", "Moscow")).to_json() == before
    finally:
        reopened.close()
