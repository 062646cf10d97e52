"""The gazetteer from the command line: `register actor|location|incident`, `alias` (issue 15.8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

from tests.e2e.helpers import as_json, log, ok, run
from tests.factories import a_fact, write_journal

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner


def _facts(cli: CliRunner, db: str, *args: str) -> list[str]:
    return [e["fact"] for e in as_json(ok(cli, *args, "-f", "json", "--db", db))["entries"]]


def test_registered_actors_and_aliases_regroup_earlier_facts(
    cli: CliRunner, store_url: str, tmp_path: Path
) -> None:
    journal = write_journal(
        tmp_path / "j.ndjson",
        [a_fact(id="a1", alleged_by="Kremlin", target="Kiev"), a_fact(id="a2", alleged_by="Russian MoD")],
    )
    ok(cli, "append", journal, "--db", store_url)
    out = ok(
        cli, "register", "actor", "Russian Presidency", "--kind", "state body", "--alias", "Kremlin",
        "--db", store_url,
    )  # fmt: skip
    assert out.stdout.strip() == "registered actor Russian Presidency"
    assert _facts(cli, store_url, "actor", "Russian Presidency") == ["a1"]
    alias = ok(cli, "alias", "actor", "Russian Presidency", "Russian MoD", "--db", store_url)
    assert alias.stdout.strip() == "registered alias 'Russian MoD' of actor 'Russian Presidency'"
    assert sorted(_facts(cli, store_url, "actor", "Russian Presidency")) == ["a1", "a2"]
    ok(cli, "alias", "location", "Kyiv", "Kiev", "--db", store_url)
    subject = as_json(ok(cli, "location", "Kyiv", "-f", "json", "--db", store_url))
    assert subject["subject"]["aliases"] == ["Kiev"]
    assert [e["fact"] for e in subject["entries"]] == ["a1"]
    # registering the same thing again writes nothing
    again = ok(cli, "alias", "location", "Kyiv", "Kiev", "--db", store_url)
    assert again.stdout.startswith("already registered")
    events = [(e["event"], e.get("name"), e["recorded_by"]) for e in log(cli, store_url)[2:]]
    assert events == [
        ("ActorRegistered", "Russian Presidency", "tester"),
        ("AliasAdded", "Russian Presidency", "tester"),
        ("AliasAdded", "Kyiv", "tester"),
    ]


def test_register_location_passes_within_coordinates_kind_and_aliases(cli: CliRunner, store_url: str) -> None:
    ok(cli, "register", "location", "Moscow", "--db", store_url)
    ok(
        cli, "register", "location", "Kremlin", "--within", "Moscow", "--lat", "55.752", "--lon", "37.617",
        "--kind", "site", "--alias", "Moscow Kremlin", "--db", store_url,
    )  # fmt: skip
    exported = ok(cli, "export", "ndjson", "--db", store_url).stdout.splitlines()
    assert orjson.loads(exported[-1]) == {
        "type": "LocationRegistered", "name": "Kremlin", "kind": "site", "within": "Moscow",
        "lat": 55.752, "lon": 37.617, "aliases": ["Moscow Kremlin"],
    }  # fmt: skip
    locations = as_json(ok(cli, "locations", "-f", "json", "--db", store_url))["subjects"]
    assert {s["name"] for s in locations} == {"Moscow", "Kremlin"}


def test_register_incident_from_the_command_line(cli: CliRunner, store_url: str) -> None:
    out = ok(
        cli, "register", "incident", "nord-stream-2022-09", "--title", "Nord Stream explosions",
        "--description", "Blasts on both pipelines", "--format", "json", "--db", store_url,
    )  # fmt: skip
    assert as_json(out) == {"appended": 1, "present": 0, "name": "nord-stream-2022-09", "unchanged": False}
    [listed] = as_json(ok(cli, "incidents", "-f", "json", "--db", store_url))["subjects"]
    assert (listed["title"], listed["description"]) == ("Nord Stream explosions", "Blasts on both pipelines")


def test_bad_gazetteer_input_is_a_usage_error(cli: CliRunner, sqlite_url: str) -> None:
    bad_lat = run(cli, "register", "location", "X", "--lat", "100", "--db", sqlite_url)
    assert bad_lat.exit_code == 2
    assert bad_lat.stderr.startswith("error: LocationRegistered: lat:")
    bad_slug = run(cli, "register", "incident", "Nord Stream", "--title", "t", "--db", sqlite_url)
    assert bad_slug.exit_code == 2
    assert "must be a slug" in bad_slug.stderr
    bad_entity = run(cli, "alias", "incident", "a", "b", "--db", sqlite_url)
    assert bad_entity.exit_code == 2
