"""`timeline show ID`: a fact's full content, now or as of a past moment (issue 15.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.e2e.helpers import as_json, ok, run, seeded

if TYPE_CHECKING:
    from typer.testing import CliRunner

FACT = "kremlin-drone-us-embassy-advisory"


def test_show_gives_every_field_and_source_of_the_fact(cli: CliRunner, store_url: str) -> None:
    seeded(cli, store_url)
    shown = as_json(ok(cli, "show", "kremlin-drone-alleged", "-f", "json", "--db", store_url))
    assert set(shown) == {
        "fact", "type", "version", "status", "fields", "sources", "recorded_at", "position", "as_of",
        "places", "grade", "distinct_sources",  # docs/places.md, docs/uncertainty.md
    }  # fmt: skip
    # each location as filed: the Kremlin within Moscow within Russia, with its coordinates
    assert shown["places"] == [
        {"role": "target", "place": "Kremlin", "place_path": ["Russia", "Moscow", "Kremlin"],
         "geo": {"lat": 55.752, "lon": 37.617, "geo_precision": None}},
    ]  # fmt: skip
    assert (shown["fact"], shown["type"], shown["version"], shown["status"]) == (
        "kremlin-drone-alleged", "DroneAttackAlleged", 1, "active",
    )  # fmt: skip
    assert shown["fields"]["drones"] == 2
    assert shown["fields"]["accused"] == "Ukraine"
    assert shown["sources"][0]["quote"].startswith("The Russian Presidency reported")
    table = ok(cli, "show", "kremlin-drone-alleged", "--db", store_url).stdout
    assert "drones" in table
    assert "Europa Press" in table
    assert "Russia > Moscow > Kremlin" in table


def test_show_follows_amendments_and_answers_as_of(cli: CliRunner, store_url: str) -> None:
    seeded(cli, store_url)
    before = as_json(ok(cli, "show", FACT, "-f", "json", "--db", store_url))
    head = as_json(ok(cli, "log", "-f", "json", "--db", store_url))[-1]["position"]
    ok(cli, "correct", FACT, "--set", "threat=missile strikes", "--reason", "r", "--db", store_url)
    ok(cli, "corroborate", FACT, "--source-name", "Reuters", "--reason", "r", "--db", store_url)
    ok(cli, "retract", FACT, "--reason", "withdrawn", "--db", store_url)
    now = as_json(ok(cli, "show", FACT, "-f", "json", "--db", store_url))
    assert (now["version"], now["status"]) == (before["version"] + 3, "retracted")
    assert now["fields"]["threat"] == "missile strikes"
    assert now["sources"][-1] == {"name": "Reuters"}
    assert (now["recorded_at"], now["position"]) == (before["recorded_at"], before["position"])
    then = as_json(ok(cli, "show", FACT, "-f", "json", "--as-of", f"@{head}", "--db", store_url))
    assert {k: v for k, v in then.items() if k != "as_of"} == {
        k: v for k, v in before.items() if k != "as_of"
    }


def test_show_of_an_unknown_fact_is_not_found(cli: CliRunner, store_url: str) -> None:
    seeded(cli, store_url)
    result = run(cli, "show", "no-such-fact", "--db", store_url)
    assert result.exit_code == 3
    assert result.stderr.strip() == "error: no fact 'no-such-fact' in the record"
