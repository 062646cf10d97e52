"""`timeline search TEXT`: full text over summaries, quotes and source names (issue 15.4)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest

from tests.e2e.helpers import as_json, ok, run
from tests.factories import a_fact, a_retraction, a_source, write_journal

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner

NORD = "nord-stream-2022-09"


@pytest.fixture
def db(cli: CliRunner, store_url: str, tmp_path: Path) -> str:
    facts = [
        a_fact(
            id="ns-blasts",
            incident=NORD,
            occurred="2022-09-26T02:03+02:00",
            summary="Explosions recorded near Bornholm; explosion on Nord Stream 2, then a second explosion",
            sources=[a_source(name="Swedish National Seismic Network")],
        ),
        a_fact(
            id="ns-leak",
            incident=NORD,
            occurred="2022-09-27",
            summary="Danish Energy Agency reports a gas leak on Nord Stream 1 and 2 after an explosion "
            "that the agency says it is still assessing with partners along the pipelines in the Baltic",
            sources=[a_source(name="Danish Energy Agency", quote="Sabotage cannot be ruled out")],
        ),
        a_fact(
            id="ns-statement",
            incident=NORD,
            occurred="2022-09-28",
            summary="Kremlin calls the damage unprecedented",
            sources=[a_source(name="TASS")],
        ),
        a_fact(id="kremlin", summary="Drone over the Kremlin", sources=[a_source(name="TASS")]),
    ]
    ok(cli, "append", write_journal(tmp_path / "j.ndjson", facts), "--db", store_url)
    return store_url


def found(cli: CliRunner, db: str, *args: str) -> list[str]:
    result = as_json(ok(cli, "search", *args, "-f", "json", "--db", db))
    assert result["subject"]["kind"] == "search"
    return [e["fact"] for e in result["entries"]]


def test_search_finds_summaries_quotes_and_source_names_ranked(cli: CliRunner, db: str) -> None:
    # stemmed: "explosion" finds "Explosions"; the fact that says it three times first
    assert found(cli, db, "explosion") == ["ns-blasts", "ns-leak"]
    assert found(cli, db, "sabotage") == ["ns-leak"]  # a source's quote
    assert found(cli, db, "seismic network") == ["ns-blasts"]  # a source's name
    assert sorted(found(cli, db, "TASS kremlin")) == ["kremlin", "ns-statement"]
    assert found(cli, db, "explosion sabotage") == ["ns-leak"]  # every word must match
    assert found(cli, db, "nothing-like-this") == []
    entry = as_json(ok(cli, "search", "sabotage", "-f", "json", "--db", db))["entries"][0]
    assert set(entry) >= {"fact", "type", "incident", "occurred", "precision", "summary", "sources", "status"}
    assert "ns-leak" in ok(cli, "search", "sabotage", "--db", db).stdout


def test_search_filters_by_incident_time_and_limit(cli: CliRunner, db: str) -> None:
    assert found(cli, db, "TASS", "--incident", NORD) == ["ns-statement"]
    assert found(cli, db, "explosion", "--from", "2022-09-27") == ["ns-leak"]
    assert found(cli, db, "explosion", "--to", "2022-09-26") == ["ns-blasts"]
    assert found(cli, db, "explosion", "--limit", "1") == ["ns-blasts"]


def test_search_follows_corrections_retractions_and_as_of(cli: CliRunner, db: str, tmp_path: Path) -> None:
    before = as_json(ok(cli, "log", "-f", "json", "--db", db))[-1]["position"]
    ok(
        cli,
        "correct",
        "ns-statement",
        "--set",
        "summary=Kremlin blames sabotage",
        "--reason",
        "r",
        "--db",
        db,
    )
    assert found(cli, db, "unprecedented") == []
    assert found(cli, db, "unprecedented", "--as-of", f"@{before}") == ["ns-statement"]
    assert sorted(found(cli, db, "sabotage")) == ["ns-leak", "ns-statement"]
    ok(cli, "append", write_journal(tmp_path / "r.ndjson", [a_retraction("ns-leak")]), "--db", db)
    assert found(cli, db, "sabotage") == ["ns-statement"]
    assert sorted(found(cli, db, "sabotage", "--include-retracted")) == ["ns-leak", "ns-statement"]
    ok(cli, "verify", "--db", db)


def test_a_search_without_words_is_a_usage_error(cli: CliRunner, db: str) -> None:
    result = run(cli, "search", "?!", "--db", db)
    assert result.exit_code == 2
    assert "give at least one word" in result.stderr


def test_a_store_from_before_search_rebuilds_its_read_models_with_the_index(
    cli: CliRunner, sqlite_url: str, tmp_path: Path
) -> None:
    journal = write_journal(tmp_path / "j.ndjson", [a_fact(id="a", summary="pipeline explosion")])
    ok(cli, "append", journal, "--db", sqlite_url)
    # read tables of the previous shape: no search table, an older read-model version
    with sqlite3.connect(sqlite_url) as connection:
        connection.execute("DROP TABLE tl_search")
        connection.execute("UPDATE tl_version SET version = version - 1")
    assert found(cli, sqlite_url, "explosion") == ["a"]
    ok(cli, "verify", "--db", sqlite_url)
