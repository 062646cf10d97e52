"""Interop: ACLED / UCDP / Bellingcat imports and TimelineJS / CSV / NDJSON exports (issue #8)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import orjson
import pytest

from timeline import Settings, open_timeline
from timeline.domain.places import Places
from timeline.domain.values import Occurred
from timeline.interop import acled, bellingcat, export, ucdp
from timeline.interop.common import PlaceTree
from timeline.interop.importer import import_rows
from timeline.queries import TimelineQuery, places_named, timeline

DATA = Path(__file__).parents[2].parent / "shared" / "data"
FIXTURES = Path(__file__).parents[2] / "fixtures"
FULL_ACLED = DATA / "acled" / "acled_old_deletion_dummy.csv"
ACLED_CSV = FULL_ACLED if FULL_ACLED.is_file() else FIXTURES / "acled" / "ukraine.csv"
"""The whole ACLED sample where it lies beside the checkout, else its 690 Ukrainian rows."""
SNAPSHOTS = sorted((FIXTURES / "bellingcat").glob("20*"))
"""Five Bellingcat snapshots, cut to the same 203 events (see fixtures/README.md)."""


def _acled_slice(path: Path, country: str = "Ukraine", limit: int | None = None) -> Path:
    """The sample's rows for one country, as a smaller ACLED CSV."""
    with (
        ACLED_CSV.open(newline="", encoding="utf-8") as src,
        path.open("w", newline="", encoding="utf-8") as out,
    ):
        reader = csv.DictReader(src)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        rows = [r for r in reader if r["country"] == country]
        writer.writerows(rows[:limit] if limit else rows)
    return path


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _import_acled(record, path: Path, **kw):
    return import_rows(
        record,
        acled.read(path),
        table="acled",
        prefix=acled.PREFIX,
        label=path.name,
        recorded_by="tester",
        **kw,
    )


def _import_snapshot(record, snapshot: Path):
    return import_rows(
        record,
        bellingcat.read(snapshot),
        table="bellingcat",
        prefix=bellingcat.PREFIX,
        label=snapshot.name,
        recorded_by="tester",
        missing="all",
    )


# --- mapping ----------------------------------------------------------------------------


def test_acled_dates_keep_their_precision() -> None:
    assert acled.occurred("2022-03-10", "1") == "2022-03-10"
    assert acled.occurred("2022-03-10", "2") == "2022-03-07/2022-03-13"
    # only the month is known: one (unknown) day of it, in EDTF; the same bounds as the month
    assert acled.occurred("2022-03-10", "3") == "2022-03-XX"
    month = Occurred.parse(acled.occurred("2022-03-10", "3"))
    assert (month.start, month.end) == (Occurred.parse("2022-03").start, Occurred.parse("2022-03").end)
    assert month.display == "some day in March 2022"


def test_ucdp_date_prec_maps_onto_edtf_with_the_same_bounds() -> None:
    assert ucdp.occurred("2013-01-03", "2013-01-03", "1") == "2013-01-03"
    assert ucdp.occurred("2013-01-01", "2013-01-06", "2") == "2013-01-01/2013-01-06"
    assert ucdp.occurred("2013-01-07", "2013-01-13", "3") == "2013-01-07/2013-01-13"
    assert ucdp.occurred("2013-02-01", "2013-02-28", "4") == "2013-02-XX"
    assert ucdp.occurred("2012-12-01", "2012-12-31", "4") == "2012-12-XX"
    assert ucdp.occurred("2013-01-01", "2013-12-31", "5") == "2013-XX-XX"
    # a month or year precision over another span keeps the span as given
    assert ucdp.occurred("2013-02-03", "2013-02-28", "4") == "2013-02-03/2013-02-28"
    assert ucdp.occurred("2013-01-01", "2013-06-30", "5") == "2013-01-01/2013-06-30"
    for start, end, prec in (("2013-02-01", "2013-02-28", "4"), ("2013-01-01", "2013-12-31", "5")):
        mapped = Occurred.parse(ucdp.occurred(start, end, prec))
        given = Occurred.parse(f"{start}/{end}")
        assert (mapped.start, mapped.end) == (given.start, given.end)


def test_bellingcat_dates_ignore_format_only_edits() -> None:
    assert bellingcat.occurred("3/2/2022") == bellingcat.occurred("03/02/2022") == "2022-03-02"
    assert bellingcat.occurred("03/02/2022", "00:00") == "2022-03-02"


def test_acled_row_maps_actors_places_sources_and_fatalities() -> None:
    row = {
        "event_id_cnty": "UKR1234",
        "event_date": "2022-03-01",
        "time_precision": "1",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Shelling/artillery/missile attack",
        "actor1": "Military Forces of Russia (2000-)",
        "assoc_actor_1": "",
        "actor2": "Civilians (Ukraine)",
        "assoc_actor_2": "",
        "country": "Ukraine",
        "admin1": "Kharkiv",
        "admin2": "Kharkivskyi",
        "admin3": "",
        "location": "Kharkiv",
        "latitude": "49.99",
        "longitude": "36.23",
        "geo_precision": "1",
        "source": "Ukrinform; Suspilne Media",
        "notes": "On 1 March 2022, Russian forces shelled Kharkiv.",
        "fatalities": "3",
    }
    places = PlaceTree()
    *statements, fact = acled.map_row(row, places)
    assert fact["id"] == "acled:ukr1234"
    assert fact["incident"] == "acled-ukraine-2022-03"
    assert fact["kind"] == "Explosions/Remote violence: Shelling/artillery/missile attack"
    assert {"name": "Civilians (Ukraine)", "role": "actor2"} in fact["actors"]
    assert fact["locations"] == [
        {
            "name": "Kharkiv",
            "within": ["Kharkivskyi", "Kharkiv", "Ukraine"],
            "lat": 49.99,
            "lon": 36.23,
            "geo_precision": "town",
            "role": "location",
        }
    ]
    assert [s["name"] for s in fact["sources"]] == ["Ukrinform", "Suspilne Media"]
    assert fact["killed_min"] == 3
    # Kharkiv (the city) is the admin1 Kharkiv: no self-containing place
    assert [(s["name"], s.get("within")) for s in statements] == [
        ("Ukraine", None),
        ("Kharkiv", ["Ukraine"]),
        ("Kharkivskyi", ["Kharkiv", "Ukraine"]),
        ("Kharkiv", ["Kharkivskyi", "Kharkiv", "Ukraine"]),
    ]


def test_bellingcat_duplicate_id_is_disambiguated(sqlite_record) -> None:
    result = _import_snapshot(sqlite_record, SNAPSHOTS[-1])
    assert result.new == len(orjson.loads((SNAPSHOTS[-1] / "export_events.json").read_bytes()))
    first = sqlite_record.view.query("SELECT record FROM tl_facts WHERE fact_key = 'bellingcat:civ1553'")
    second = sqlite_record.view.query("SELECT record FROM tl_facts WHERE fact_key = 'bellingcat:civ1553-2'")
    assert orjson.loads(first[0][0])["fields"]["summary"] == "Iranian drone striking administrative building."
    assert orjson.loads(second[0][0])["fields"]["summary"] == "Drone striking central train station area."


def test_ucdp_rows_keep_figures_breakdown_sources_and_every_column(record) -> None:
    path = FIXTURES / "ucdp" / "excerpt.csv"
    rows = {r["id"]: r for r in csv_rows(path)}
    result = import_rows(
        record, ucdp.read(path), table="ucdp", prefix=ucdp.PREFIX, label=path.name, recorded_by="t"
    )
    assert result.rows == result.new == len(rows)
    facts = {r.fields["id"]: r.fields for r in export.fact_records(record, None, None)}
    precisions = Counter(f["occurred"].count("/") for f in facts.values())
    assert precisions[1] > 0  # date_start != date_end kept as an interval
    for row_id, row in rows.items():
        fact = facts[f"ucdp:{row_id}"]
        assert fact["killed_best"] == int(row["best"])
        low_above_high = int(row["low"]) > int(row["high"])
        if low_above_high:  # kept as reported, flagged, not dropped
            assert "killed_min" not in fact
            assert "killed_max" not in fact
            assert (fact["attributes"]["low"], fact["attributes"]["high"]) == (row["low"], row["high"])
        else:
            assert (fact["killed_min"], fact["killed_max"]) == (int(row["low"]), int(row["high"]))
        sides = {
            "side_a": "deaths_a",
            "side_b": "deaths_b",
            "civilians": "deaths_civilians",
            "unknown": "deaths_unknown",
        }
        assert fact["killed_by_side"] == {side: int(row[column]) for side, column in sides.items()}
        # every column is carried by a field or kept verbatim
        for column in ("source_article", "source_original", "where_description", "event_clarity", "geom_wkt"):
            if row[column].strip():
                assert fact["attributes"][column] == row[column].strip()
        assert not any(a["role"] == "claimant" for a in fact["actors"])
        if row["source_article"].strip():
            assert any(s["name"] != "UCDP GED" or s.get("quote") for s in fact["sources"])
    low_high = result.notes["low above high: kept as reported in attributes, figures give best only"]
    assert sorted(low_high.rows) == sorted(
        f"ucdp:{i}" for i, r in rows.items() if int(r["low"]) > int(r["high"])
    )
    assert facts["ucdp:201593"]["killed_by_side"]["unknown"] == 220
    cut = result.notes["side_b longer than 200 characters, cut (whole in attributes)"]
    assert "ucdp:286244" in cut.rows
    assert facts["ucdp:286244"]["attributes"]["side_b"] == rows["286244"]["side_b"].strip()
    # 47642: 38 outlets, a headline holding ';' -- each article keeps its own outlet, date and headline
    sources = facts["ucdp:47642"]["sources"]
    assert len(sources) == len({(s["name"], s.get("published"), s.get("quote")) for s in sources})
    assert {
        "name": "Reuters News",
        "published": "2012-05-15",
        "quote": "WRAPUP 5-Syria attack kills 21; rebels say protect U.N. monitors",
    } in sources
    # entries carry the figures
    entry = timeline(record.view, TimelineQuery("incident", facts["ucdp:201593"]["incident"])).entries
    shown = next(e for e in entry if e.fact == "ucdp:201593").to_json()
    assert shown["figures"]["killed_best"] == 226


# --- ACLED import and re-import ----------------------------------------------------------


def test_acled_rows_keep_every_column(record) -> None:
    path = FIXTURES / "acled" / "places-excerpt.csv"
    rows = csv_rows(path)
    _import_acled(record, path)
    facts = {r.fields["id"]: r.fields for r in export.fact_records(record, None, None)}
    kept_aside = set(rows[0]) - acled.CARRIED
    assert {
        "disorder_type",
        "event_type",
        "sub_event_type",
        "inter1",
        "inter2",
        "interaction",
        "iso",
        "region",
        "source_scale",
        "timestamp",
        "time_precision",
        "geo_precision",
    } <= kept_aside
    for row in rows:
        fact = facts[acled.PREFIX + row["event_id_cnty"].lower()]
        for column in kept_aside:
            assert fact.get("attributes", {}).get(column) == (row[column].strip() or None), column
        assert fact.get("killed_min") == int(row["fatalities"])


@pytest.mark.slow
def test_acled_sample_imports_every_row(sqlite_record) -> None:
    rows = len(csv_rows(ACLED_CSV))
    result = _import_acled(sqlite_record, ACLED_CSV)
    assert (result.rows, result.new) == (rows, rows)
    again = _import_acled(sqlite_record, ACLED_CSV)
    assert (again.new, again.corrected, again.appended, again.unchanged) == (0, 0, 0, rows)


def test_acled_reimport_records_corrections_and_deletions(sqlite_record, tmp_path: Path) -> None:
    first = _acled_slice(tmp_path / "acled-2024-01.csv")
    result = _import_acled(sqlite_record, first)
    assert result.new == 690
    # location tree: Donetsk (admin1) holds the places within it
    donetsk = timeline(sqlite_record.view, TimelineQuery("location", "Donetsk"))
    assert len({e.fact for e in donetsk.entries}) >= 305
    with first.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        fields = reader.fieldnames or []
    changed, dropped, listed = rows[0], rows[1], rows[2]
    changed["notes"] = changed["notes"] + " (updated)"
    newer = tmp_path / "acled-2024-02.csv"
    with newer.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(r for r in rows if r is not dropped)
    deletions = tmp_path / "deleted.csv"
    deletions.write_text(f"event_id_cnty\n{listed['event_id_cnty']}\n")
    result = _import_acled(sqlite_record, newer, missing="incidents", deleted=acled.deleted_ids(deletions))
    assert (result.corrected, result.retracted, result.new) == (1, 2, 0)
    changed_id = "acled:" + changed["event_id_cnty"].lower()
    versions = sqlite_record.view.fact_versions(changed_id, None)
    assert versions[-1]["event"] == "FactCorrected"
    assert versions[-1]["reason"] == "re-import from acled-2024-02.csv"
    assert list(versions[-1]["changes"]) == ["summary"]
    dropped_versions = sqlite_record.view.fact_versions("acled:" + dropped["event_id_cnty"].lower(), None)
    assert dropped_versions[-1]["event"] == "FactRetracted"
    assert "no longer in the table" in dropped_versions[-1]["reason"]
    listed_versions = sqlite_record.view.fact_versions("acled:" + listed["event_id_cnty"].lower(), None)
    assert "listed as deleted" in listed_versions[-1]["reason"]


# --- Bellingcat snapshots: history and as-of reproduce each snapshot ----------------------


def _expected(snapshot: Path) -> dict[str, dict]:
    """The snapshot's mapped facts by importer id (duplicates get -2 in file order)."""
    out: dict[str, dict] = {}
    for _, objects in bellingcat.read(snapshot):
        fact = objects[-1]
        key = fact["id"]
        n = 2
        while key in out:
            key = f"{fact['id']}-{n}"
            n += 1
        out[key] = fact
    return out


def _base(fact_id: str) -> str:
    head, _, tail = fact_id.rpartition(".r")
    return head if head and tail.isdigit() else fact_id


def _comparable(fields: dict) -> tuple:
    sources = sorted(
        orjson.dumps({k: v for k, v in s.items() if v is not None}, option=orjson.OPT_SORT_KEYS)
        for s in fields["sources"]
    )
    return (fields["occurred"], fields["summary"], fields["kind"], fields["locations"], sources)


def test_bellingcat_snapshots_reproduce_as_of_each_import(sqlite_record) -> None:
    assert len(SNAPSHOTS) == 5
    positions = []
    for snapshot in SNAPSHOTS:
        _import_snapshot(sqlite_record, snapshot)
        sqlite_record.project()
        positions.append(sqlite_record.view.tracking_position())
    for snapshot, position in zip(SNAPSHOTS, positions, strict=True):
        expected = _expected(snapshot)
        records = export.fact_records(sqlite_record, None, position)
        got = {_base(r.fields["id"]): r.fields for r in records}
        assert len(records) == len(got), "one active fact per snapshot row"
        assert set(got) == set(expected), snapshot.name
        for key, fields in expected.items():
            assert _comparable(got[key]) == _comparable(fields), (snapshot.name, key)
    # the weapon re-classification of CIV0077 is in its history, with the re-import as reason
    history = sqlite_record.view.fact_versions("bellingcat:civ0077", None)
    kinds = [v["changes"].get("kind", {}).get("to") for v in history if "kind" in v["changes"]]
    assert any("HE rocket artillery" in k for k in kinds)
    assert any("Cluster munitions" in k for k in kinds)
    assert any(v["reason"] and v["reason"].startswith("re-import from 2022-") for v in history)
    # the events dropped in December 2022 are retracted then, and listed with --include-retracted
    december = positions[2]
    retracted = {
        r.fields["id"]
        for r in export.fact_records(sqlite_record, None, december, include_retracted=True)
        if r.status == "retracted"
    }
    dropped = set(_expected(SNAPSHOTS[1])) - set(_expected(SNAPSHOTS[2]))
    assert dropped
    assert dropped <= retracted


# --- exports ---------------------------------------------------------------------------


def _check_date(value: dict) -> None:
    assert set(value) <= {"year", "month", "day", "hour", "minute", "second", "millisecond", "display_date"}
    assert all(isinstance(v, str) for v in value.values())
    assert value["year"].lstrip("-").isdigit()


def test_timelinejs_export_has_the_sample_structure(sqlite_record, tmp_path: Path) -> None:
    sample = orjson.loads((FIXTURES / "timelinejs" / "women_in_computing.json").read_bytes())
    _import_acled(sqlite_record, _acled_slice(tmp_path / "ukr.csv", limit=300))
    ids, position = export.select(sqlite_record, "location", "Donetsk", None)
    data = export.timelinejs(export.fact_records(sqlite_record, ids, position), "location Donetsk", None)
    assert set(data) == set(sample)
    assert set(data["title"]["text"]) == set(sample["title"]["text"])
    sample_keys = set().union(*(set(e) for e in sample["events"])) | {"unique_id", "display_date"}
    media_keys = set(sample["events"][0]["media"])
    assert data["events"]
    for event in data["events"]:
        assert set(event) <= sample_keys
        assert set(event["media"]) == media_keys
        assert set(event["text"]) == {"headline", "text"}
        assert event["text"]["headline"]
        _check_date(event["start_date"])
        if "end_date" in event:
            _check_date(event["end_date"])
        assert event["group"].startswith("acled-ukraine-")
        assert event["media"]["credit"]
    assert len({e["unique_id"] for e in data["events"]}) == len(data["events"])
    by_precision = {e["display_date"] for e in data["events"] if "display_date" in e}
    months = [e for e in data["events"] if e["start_date"]["day"] == ""]
    assert all(e["display_date"] for e in months)
    assert not months or by_precision


def test_csv_export_one_row_per_fact(sqlite_record, tmp_path: Path) -> None:
    _import_acled(sqlite_record, _acled_slice(tmp_path / "ukr.csv", limit=100))
    records = export.fact_records(sqlite_record, None, None)
    rows = list(csv.DictReader(export.to_csv(records).splitlines()))
    assert len(rows) == 100
    assert rows[0]["fact"].startswith("acled:ukr")
    assert rows == sorted(rows, key=lambda r: (r["occurred_start"], int(r["position"]), r["fact"]))


def _timelines(record) -> dict:
    """Every timeline of the record, without the store-specific recorded_at/position."""
    record.project()
    out = {}
    for kind in ("actor", "location", "incident"):
        places = Places(record.view.places(None))
        for key, name, _ in record.view.subjects(kind, None):
            path = places.path(key) if kind == "location" else []
            asked = ", ".join(reversed(path)) if path else name  # a place by its whole chain
            result = timeline(
                record.view, TimelineQuery(kind, asked, include_retracted=True, exact=bool(path))
            )
            out[(kind, key)] = sorted(
                orjson.dumps(
                    {k: v for k, v in e.to_json().items() if k not in ("recorded_at", "position")},
                    option=orjson.OPT_SORT_KEYS,
                )
                for e in result.entries
            )
    return out


def test_ndjson_export_round_trips_into_an_empty_store(sqlite_record, tmp_path: Path) -> None:
    for snapshot in SNAPSHOTS[:3]:
        _import_snapshot(sqlite_record, snapshot)
    _import_acled(sqlite_record, _acled_slice(tmp_path / "ukr.csv", limit=200))
    journal = tmp_path / "export.ndjson"
    ids, position = export.select(sqlite_record, None, None, None)
    journal.write_bytes(
        b"".join(orjson.dumps(o) + b"\n" for o in export.journal(sqlite_record, ids, position))
    )
    other = open_timeline(Settings(db=str(tmp_path / "other.db"), recorded_by="tester"))
    try:
        result = other.append([str(journal)], recorded_by="tester")
        assert result.present == 0
        assert _timelines(other) == _timelines(sqlite_record)
        for fact in ("bellingcat:civ0077", "bellingcat:civ0080"):
            strip = lambda vs: [(v["event"], v["reason"], v["changes"]) for v in vs]  # noqa: E731
            assert strip(other.view.fact_versions(fact, None)) == strip(
                sqlite_record.view.fact_versions(fact, None)
            )
        again = other.append([str(journal)], recorded_by="tester")
        assert again.appended == 0
    finally:
        other.close()


def _snapshot(folder: Path, events: list[dict]) -> Path:
    folder.mkdir(parents=True)
    (folder / "export_events.json").write_bytes(orjson.dumps(events))
    (folder / "export_sources.json").write_bytes(b"{}")
    (folder / "export_associations.json").write_bytes(b"[]")
    return folder


def _event(event_id: str, location: str, lat: str = "50.5156", lon: str = "30.2425") -> dict:
    return {"id": event_id, "date": "03/01/2022", "time": "00:00", "description": f"strike {event_id}",
            "location": location, "latitude": lat, "longitude": lon, "associations": [], "sources": [],
            "graphic": "FALSE"}  # fmt: skip


def test_bellingcat_spelling_variants_at_one_point_are_one_place(sqlite_record, tmp_path: Path) -> None:
    first = _snapshot(
        tmp_path / "a",
        [
            _event("CIV1", "Irpin"),
            _event("CIV2", "Irpen"),
            _event("CIV3", "Irpin"),
            _event("CIV4", "Bucha", "50.5"),
        ],
    )
    result = _import_snapshot(sqlite_record, first)
    assert result.new == 4
    irpin = timeline(sqlite_record.view, TimelineQuery("location", "Irpin"))
    assert sorted(e.fact for e in irpin.entries) == ["bellingcat:civ1", "bellingcat:civ2", "bellingcat:civ3"]
    assert {e.place for e in irpin.entries} == {"Irpin", "Irpen"}  # each keeps its spelling
    assert irpin.subject.aliases == ["Irpen"]
    assert [p.name for p in places_named(sqlite_record.view, "Irpen", None).places] == ["Irpin"]
    # a later snapshot: Butcha joins Bucha as its alias
    second = _snapshot(tmp_path / "b", [_event("CIV5", "Bucha", "50.5"), _event("CIV6", "Butcha", "50.5")])
    _import_snapshot(sqlite_record, second)
    bucha = timeline(sqlite_record.view, TimelineQuery("location", "Bucha"))
    assert [e.fact for e in bucha.entries] == ["bellingcat:civ5", "bellingcat:civ6"]
    # a variant that is already a place of its own stays apart, and the summary says so
    third = _snapshot(tmp_path / "c", [_event("CIV7", "Kiyv", "50.45", "30.52")])
    _import_snapshot(sqlite_record, third)
    fourth = _snapshot(
        tmp_path / "d",
        [
            _event(f"CIV{n}", spelling, "50.45", "30.52")
            for n, spelling in ((8, "Kyiv"), (9, "Kyiv"), (10, "Kiyv"))
        ],
    )
    result = _import_snapshot(sqlite_record, fourth)
    assert list(result.notes) == ["spelling 'Kiyv' is already a place, not an alias of 'Kyiv'"]
    assert [e.fact for e in timeline(sqlite_record.view, TimelineQuery("location", "Kiyv")).entries] == [
        "bellingcat:civ10"
    ]


def test_bellingcat_rows_that_come_back_are_the_same_fact_restored(sqlite_record) -> None:
    results = [_import_snapshot(sqlite_record, snapshot) for snapshot in SNAPSHOTS]
    assert sum(r.reappeared for r in results) > 0
    keys = [row[0] for row in sqlite_record.view.query("SELECT DISTINCT fact_key FROM tl_facts")]
    assert not [k for k in keys if ".r" in k.rpartition(":")[2]]  # no second fact for a return
    returned = 0
    for key in keys:
        events = [v["event"] for v in sqlite_record.view.fact_versions(key, None)]
        if "FactRestored" in events:
            returned += 1
            restored_at = events.index("FactRestored")
            assert events[restored_at - 1] == "FactRetracted"  # history whole: gone, then back
    assert returned == sum(r.reappeared for r in results)
