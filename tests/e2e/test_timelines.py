"""Timelines, amendments and history through the CLI, on the seed journal (CONTRACT §4, §5)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.helpers import JOURNALS, SEED_LINES, as_json, log, ndjson_lines, ok, run, seeded

if TYPE_CHECKING:
    from typer.testing import CliRunner

INCIDENT = "kremlin-drone-2023-05"
ENTRY_KEYS = {
    "fact", "type", "incident", "occurred", "precision", "role", "summary", "certainty",
    "status", "version", "sources", "recorded_at", "position",
}  # fmt: skip


@pytest.fixture
def db(cli: CliRunner, sqlite_url: str) -> str:
    return seeded(cli, sqlite_url)


def timeline(cli: CliRunner, db: str, *args: str) -> dict[str, Any]:
    return as_json(ok(cli, *args, "--format", "json", "--db", db))


def facts(result: dict[str, Any]) -> list[str]:
    return [e["fact"] for e in result["entries"]]


def entry(result: dict[str, Any], fact: str) -> dict[str, Any]:
    [found] = [e for e in result["entries"] if e["fact"] == fact]
    return found


# --- JSON shape ---------------------------------------------------------------------


def test_an_actor_timeline_has_the_contract_json_shape(cli: CliRunner, db: str) -> None:
    result = timeline(cli, db, "actor", "Russian Presidency")

    assert set(result) == {"subject", "as_of", "entries"}
    assert result["subject"] == {
        "kind": "actor",
        "name": "Russian Presidency",
        "aliases": ["Kremlin", "Kremlin press service"],
    }
    assert result["as_of"] is None
    alleged = entry(result, "kremlin-drone-alleged")
    assert set(alleged) >= ENTRY_KEYS
    assert "place" not in alleged
    assert alleged["type"] == "DroneAttackAlleged"
    assert alleged["incident"] == INCIDENT
    assert alleged["occurred"] == "2023-05-02/2023-05-03"
    assert alleged["precision"] == "interval"
    assert alleged["role"] == "alleged_by"
    assert alleged["certainty"] == "alleged"
    assert alleged["status"] == "active"
    assert alleged["version"] == 1
    assert alleged["sources"][0]["name"] == "Europa Press"
    assert alleged["sources"][0].get("url") is None  # the seed gives no url
    assert isinstance(alleged["position"], int)
    assert alleged["recorded_at"].endswith("Z")


def test_an_alias_resolves_to_the_canonical_actor(cli: CliRunner, db: str) -> None:
    by_alias = timeline(cli, db, "actor", "Kremlin")
    by_name = timeline(cli, db, "actor", "Russian Presidency")

    assert by_alias["subject"]["name"] == "Russian Presidency"
    assert facts(by_alias) == facts(by_name)
    assert set(facts(by_alias)) == {"kremlin-drone-alleged", "kremlin-drone-interception-claimed"}


@pytest.mark.parametrize("spelling", ["kremlin", "  KREMLIN  ", "Kremlin   press service"])
def test_actor_names_match_whatever_the_case_or_white_space(cli: CliRunner, db: str, spelling: str) -> None:
    assert timeline(cli, db, "actor", spelling)["subject"]["name"] == "Russian Presidency"


def test_a_kremlin_location_timeline_holds_the_alleged_attack_and_the_interception_claim(
    cli: CliRunner, db: str
) -> None:
    result = timeline(cli, db, "location", "Kremlin")

    assert result["subject"]["kind"] == "location"
    assert result["subject"]["name"] == "Kremlin"
    assert {"kremlin-drone-alleged", "kremlin-drone-interception-claimed"} <= set(facts(result))
    assert entry(result, "kremlin-drone-alleged")["role"] == "target"
    assert entry(result, "kremlin-drone-interception-claimed")["role"] == "location"
    assert all(e["place"] == "Kremlin" for e in result["entries"])


def test_a_city_timeline_includes_the_places_within_it_unless_exact(cli: CliRunner, db: str) -> None:
    moscow = timeline(cli, db, "location", "Moscow")
    exact = timeline(cli, db, "location", "Moscow", "--exact")

    assert {
        "kremlin-drone-alleged",
        "kremlin-drone-interception-claimed",
        "kremlin-drone-criminal-case",
    } <= set(facts(moscow))
    assert facts(exact) == ["kremlin-drone-criminal-case"]
    assert entry(moscow, "kremlin-drone-alleged")["place"] == "Kremlin"
    assert entry(moscow, "kremlin-drone-criminal-case")["place"] == "Moscow"


def test_kyiv_holds_the_advisory_reported_as_kiev_with_the_spelling_kept(cli: CliRunner, db: str) -> None:
    result = timeline(cli, db, "location", "Kyiv")

    assert result["subject"]["name"] == "Kyiv"
    assert "Kiev" in result["subject"]["aliases"]
    advisory = entry(result, "kremlin-drone-us-embassy-advisory")
    assert advisory["place"] == "Kiev"
    assert advisory["role"] == "area"


def test_asking_for_a_location_by_its_alias_gives_the_canonical_name(cli: CliRunner, db: str) -> None:
    assert timeline(cli, db, "location", "kiev")["subject"]["name"] == "Kyiv"


def test_an_incident_timeline_is_ordered_oldest_occurred_first(cli: CliRunner, db: str) -> None:
    from timeline.domain.values import Occurred

    result = timeline(cli, db, "incident", INCIDENT)

    starts = [Occurred.parse(e["occurred"]).start for e in result["entries"]]
    assert starts == sorted(starts)
    assert result["subject"]["kind"] == "incident"
    assert len(result["entries"]) == 11  # every seed fact but the Kherson shelling
    assert all(e["incident"] == INCIDENT for e in result["entries"])


def test_a_late_alias_regroups_facts_recorded_before_it(cli: CliRunner, sqlite_url: str) -> None:
    ok(cli, "append", JOURNALS / "aliases.ndjson", "--db", sqlite_url)

    result = timeline(cli, sqlite_url, "location", "Kyiv")

    assert facts(result) == ["advisory-kiev", "advisory-kyiv"]
    assert [e["place"] for e in result["entries"]] == ["Kiev", "Kyiv"]
    before_alias = timeline(cli, sqlite_url, "location", "Kyiv", "--as-of", "@4")
    assert facts(before_alias) == ["advisory-kyiv"]


# --- formats ----------------------------------------------------------------------


def test_ndjson_prints_one_entry_per_line(cli: CliRunner, db: str) -> None:
    result = ok(cli, "incident", INCIDENT, "--format", "ndjson", "--db", db)

    lines = ndjson_lines(result)
    assert [e["fact"] for e in lines] == facts(timeline(cli, db, "incident", INCIDENT))
    assert set(lines[0]) >= ENTRY_KEYS


def test_csv_prints_a_header_and_one_row_per_entry(cli: CliRunner, db: str) -> None:
    result = ok(cli, "actor", "Kremlin", "--format", "csv", "--db", db)

    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["fact"] for r in rows} == {"kremlin-drone-alleged", "kremlin-drone-interception-claimed"}
    assert {"occurred", "precision", "status", "version"} <= set(rows[0])


def test_a_table_is_the_default_and_shows_the_precision(cli: CliRunner, db: str) -> None:
    result = ok(cli, "actor", "Kremlin", "--db", db)

    assert "Russian Presidency" in result.stdout
    # an interval's ends on lines of their own, so narrow tables never cut them
    assert "│ 2023-05-02/ │" in result.stdout
    assert "│ 2023-05-03  │" in result.stdout
    assert "interval" in result.stdout


@pytest.mark.parametrize("command", ["actors", "locations", "incidents"])
def test_listings_name_what_is_known_with_counts(cli: CliRunner, db: str, command: str) -> None:
    result = ok(cli, command, "--format", "json", "--db", db)

    assert result.stdout.strip()
    ok(cli, command, "--db", db)  # and as a table


def test_the_actors_listing_uses_canonical_names(cli: CliRunner, db: str) -> None:
    text = ok(cli, "actors", "--format", "json", "--db", db).stdout

    assert "Russian Presidency" in text
    assert '"Kremlin"' not in text.replace('"Kremlin press service"', "")


# --- filters ------------------------------------------------------------------------


def test_from_and_to_filter_on_occurred(cli: CliRunner, sqlite_url: str) -> None:
    ok(cli, "append", JOURNALS / "aliases.ndjson", "--db", sqlite_url)

    since_4th = timeline(cli, sqlite_url, "location", "Kyiv", "--from", "2023-05-04")
    until_3rd = timeline(cli, sqlite_url, "location", "Kyiv", "--to", "2023-05-03")
    in_may = timeline(cli, sqlite_url, "location", "Kyiv", "--from", "2023-05", "--to", "2023-05")
    in_june = timeline(cli, sqlite_url, "location", "Kyiv", "--from", "2023-06")

    assert facts(since_4th) == ["advisory-kyiv"]
    assert facts(until_3rd) == ["advisory-kiev"]
    assert facts(in_may) == ["advisory-kiev", "advisory-kyiv"]
    assert facts(in_june) == []


def test_an_interval_that_overlaps_the_from_bound_is_kept(cli: CliRunner, db: str) -> None:
    result = timeline(cli, db, "actor", "Kremlin", "--from", "2023-05-03", "--to", "2023-05-03")

    assert "kremlin-drone-alleged" in facts(result)  # occurred 2023-05-02/2023-05-03


# --- writing from the command line -------------------------------------------------


def test_a_recorded_fact_appears_in_its_timelines(cli: CliRunner, db: str) -> None:
    ok(
        cli, "record", "DroneAttackAlleged",
        "--id", "second-drone-claim", "--incident", INCIDENT, "--occurred", "2023-05-04T02:15+03:00",
        "--summary", "Kremlin alleges a second drone attack", "--certainty", "alleged",
        "--alleged-by", "Kremlin press service", "--accused", "Kiev", "--target", "Kremlin",
        "--drones", "1", "--source-name", "Europa Press", "--source-url", "https://example.org/x",
        "--db", db,
    )  # fmt: skip

    actor = timeline(cli, db, "actor", "Russian Presidency")
    location = timeline(cli, db, "location", "Moscow")

    recorded = entry(actor, "second-drone-claim")
    assert recorded["precision"] == "minute"
    assert recorded["occurred"] == "2023-05-04T02:15+03:00"
    assert recorded["role"] == "alleged_by"
    assert recorded["sources"][0]["url"] == "https://example.org/x"
    assert facts(actor)[-1] == "second-drone-claim"  # latest occurred last
    assert entry(location, "second-drone-claim")["place"] == "Kremlin"
    assert log(cli, db)[-1]["recorded_by"] == "tester"


def test_recording_with_an_invalid_value_exits_2_and_writes_nothing(cli: CliRunner, db: str) -> None:
    result = run(
        cli, "record", "DroneAttackAlleged", "--incident", INCIDENT, "--occurred", "2023-13-45",
        "--summary", "s", "--alleged-by", "Kremlin", "--target", "Kremlin", "--source-name", "X", "--db", db,
    )  # fmt: skip

    assert result.exit_code == 2
    assert "occurred" in result.stderr
    assert len(log(cli, db)) == SEED_LINES


def test_a_correction_changes_the_fact_raises_its_version_and_marks_it_corrected(
    cli: CliRunner, db: str
) -> None:
    ok(cli, "correct", "kremlin-drone-alleged", "--set", "drones=3", "--set", "certainty=disputed",
       "--reason", "later reports", "--db", db)  # fmt: skip

    alleged = entry(timeline(cli, db, "actor", "Kremlin"), "kremlin-drone-alleged")

    assert alleged["status"] == "corrected"
    assert alleged["version"] == 2
    assert alleged["certainty"] == "disputed"


def test_a_correction_of_a_location_moves_the_fact_between_location_timelines(
    cli: CliRunner, db: str
) -> None:
    ok(cli, "correct", "kremlin-drone-alleged", "--set", "target=Kyiv", "--reason", "misread", "--db", db)

    assert "kremlin-drone-alleged" not in facts(timeline(cli, db, "location", "Kremlin"))
    assert "kremlin-drone-alleged" in facts(timeline(cli, db, "location", "Kyiv"))


def test_a_retracted_fact_leaves_the_timelines_unless_asked_for(cli: CliRunner, db: str) -> None:
    ok(cli, "retract", "kremlin-drone-alleged", "--reason", "source withdrew it", "--db", db)

    default = timeline(cli, db, "actor", "Kremlin")
    included = timeline(cli, db, "actor", "Kremlin", "--include-retracted")

    assert "kremlin-drone-alleged" not in facts(default)
    retracted = entry(included, "kremlin-drone-alleged")
    assert retracted["status"] == "retracted"
    assert retracted["version"] == 2
    assert "kremlin-drone-alleged" not in facts(timeline(cli, db, "incident", INCIDENT))


def test_corroboration_adds_a_source_and_raises_the_version(cli: CliRunner, db: str) -> None:
    ok(cli, "corroborate", "kremlin-drone-alleged", "--source-name", "CNN",
       "--source-url", "https://cnn.example/kremlin", "--reason", "CNN reports it too", "--db", db)  # fmt: skip

    alleged = entry(timeline(cli, db, "actor", "Kremlin"), "kremlin-drone-alleged")

    assert alleged["version"] == 2
    assert alleged["status"] == "active"
    assert [s["name"] for s in alleged["sources"]] == ["Europa Press", "CNN"]


def test_as_of_a_position_shows_the_record_before_a_correction(cli: CliRunner, db: str) -> None:
    ok(cli, "correct", "kremlin-drone-alleged", "--set", "drones=3", "--reason", "r", "--db", db)

    then = timeline(cli, db, "actor", "Kremlin", "--as-of", f"@{SEED_LINES}")
    now = timeline(cli, db, "actor", "Kremlin")

    assert then["as_of"] == f"@{SEED_LINES}"
    assert entry(then, "kremlin-drone-alleged")["version"] == 1
    assert entry(then, "kremlin-drone-alleged")["status"] == "active"
    assert entry(now, "kremlin-drone-alleged")["version"] == 2


def test_as_of_a_time_before_anything_was_recorded_finds_nothing(cli: CliRunner, db: str) -> None:
    result = run(cli, "incident", INCIDENT, "--as-of", "2000-01-01T00:00Z", "--format", "json", "--db", db)

    assert result.exit_code in (0, 3)
    if result.exit_code == 0:
        assert as_json(result)["entries"] == []


# --- history -------------------------------------------------------------------------


def test_history_lists_every_version_with_what_changed_who_and_why(cli: CliRunner, db: str) -> None:
    ok(cli, "--as", "editor", "correct", "kremlin-drone-alleged", "--set", "drones=3", "--reason", "later reports",
       "--db", db)  # fmt: skip
    ok(
        cli,
        "corroborate",
        "kremlin-drone-alleged",
        "--source-name",
        "CNN",
        "--reason",
        "corroborated",
        "--db",
        db,
    )
    ok(cli, "retract", "kremlin-drone-alleged", "--reason", "withdrawn", "--db", db)

    result = timeline(cli, db, "history", "kremlin-drone-alleged")

    assert result["fact"] == "kremlin-drone-alleged"
    versions = result["versions"]
    assert [v["version"] for v in versions] == [1, 2, 3, 4]
    assert [v["event"] for v in versions] == [
        "DroneAttackAlleged",
        "FactCorrected",
        "SourceAdded",
        "FactRetracted",
    ]
    for v in versions:
        assert {"version", "event", "position", "recorded_at", "recorded_by", "reason", "changes"} <= set(v)
    assert versions[0]["reason"] is None
    assert versions[1]["changes"] == {"drones": {"from": 2, "to": 3}}
    assert versions[1]["reason"] == "later reports"
    assert versions[1]["recorded_by"] == "editor"
    assert versions[3]["reason"] == "withdrawn"
    positions = [v["position"] for v in versions]
    assert positions == sorted(positions)


def test_history_as_of_a_position_stops_there(cli: CliRunner, db: str) -> None:
    ok(cli, "correct", "kremlin-drone-alleged", "--set", "drones=3", "--reason", "r", "--db", db)

    result = timeline(cli, db, "history", "kremlin-drone-alleged", "--as-of", f"@{SEED_LINES}")

    assert [v["version"] for v in result["versions"]] == [1]


def test_the_corrections_journal_shows_in_history_and_leaves_the_timeline(
    cli: CliRunner, sqlite_url: str
) -> None:
    ok(cli, "append", JOURNALS / "corrections.ndjson", "--db", sqlite_url)

    history = timeline(cli, sqlite_url, "history", "drone-corrected")
    included = timeline(cli, sqlite_url, "incident", INCIDENT, "--include-retracted")

    assert [v["event"] for v in history["versions"]] == [
        "DroneAttackAlleged", "FactCorrected", "FactCorrected", "FactRetracted",
    ]  # fmt: skip
    assert history["versions"][2]["changes"]["certainty"] == {"from": "alleged", "to": "disputed"}
    corrected = entry(included, "drone-corrected")
    assert (corrected["status"], corrected["version"], corrected["precision"]) == ("retracted", 4, "interval")
    assert run(cli, "incident", INCIDENT, "--format", "json", "--db", sqlite_url).exit_code in (0, 3)


def test_log_ndjson_names_each_event_and_what_it_is_about(cli: CliRunner, db: str) -> None:
    events = log(cli, db)

    assert [e["position"] for e in events] == list(range(1, SEED_LINES + 1))
    for e in events:
        assert {"position", "event", "recorded_at", "recorded_by"} <= set(e)
        assert "fact" in e or "name" in e
    assert events[0] == events[0] | {"event": "LocationRegistered", "name": "Ukraine"}
    assert events[24]["fact"] == "kremlin-drone-alleged"
