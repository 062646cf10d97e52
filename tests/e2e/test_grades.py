"""Admiralty grades through the CLI on both stores: SourceGraded, credibility, --min-grade, as-of."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
import pytest

from tests.e2e.helpers import as_json, log, ok, run

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner

INCIDENT = "grades-story"


def fact(fact_id: str, sources: list[str], credibility: int | None = None) -> dict[str, Any]:
    line: dict[str, Any] = {
        "type": "FactReported",
        "id": fact_id,
        "incident": INCIDENT,
        "occurred": "2023-05-03",
        "summary": f"Drones over the Kremlin ({fact_id})",
        "kind": "claim",
        "actors": [{"name": "Kremlin", "role": "claimed_by"}],
        "sources": [{"name": name} for name in sources],
    }
    if credibility is not None:
        line["credibility"] = credibility
    return line


STORY = [
    fact("both-sources", ["TASS", "Reuters"], credibility=2),
    fact("tass-only", ["TASS"], credibility=3),
    fact("tass-unassessed", ["tass"]),  # names match as names do: case does not matter
    fact("ungraded", ["Some Blog"]),
    {
        "type": "SourceGraded",
        "source": "TASS",
        "reliability": "D",
        "reason": "state agency, often unconfirmed",
    },
    {"type": "SourceGraded", "source": "Reuters", "reliability": "B", "reason": "usually reliable wire"},
]


@pytest.fixture
def db(cli: CliRunner, store_url: str, tmp_path: Path) -> str:
    journal = tmp_path / "grades.ndjson"
    journal.write_bytes(b"\n".join(orjson.dumps(line) for line in STORY) + b"\n")
    ok(cli, "append", journal, "--db", store_url)
    return store_url


def grades(cli: CliRunner, db: str, *args: str) -> dict[str, str | None]:
    result = as_json(ok(cli, "incident", INCIDENT, "--format", "json", "--db", db, *args))
    return {e["fact"]: e["grade"] for e in result["entries"]}


def test_a_fact_is_graded_by_its_best_source_and_its_credibility(cli: CliRunner, db: str) -> None:
    assert grades(cli, db) == {
        "both-sources": "B2",  # Reuters B beats TASS D
        "tass-only": "D3",
        "tass-unassessed": "D6",  # no credibility: truth cannot be judged
        "ungraded": None,  # no graded source, no credibility
    }


def test_min_grade_keeps_entries_at_least_that_good_on_both_scales(cli: CliRunner, db: str) -> None:
    assert list(grades(cli, db, "--min-grade", "B3")) == ["both-sources"]
    assert list(grades(cli, db, "--min-grade", "d3")) == ["both-sources", "tass-only"]
    assert list(grades(cli, db, "--min-grade", "F6")) == ["both-sources", "tass-only", "tass-unassessed"]
    assert list(grades(cli, db, "--min-grade", "F6", "--limit", "1")) == ["both-sources"]


def test_a_bad_min_grade_is_exit_2(cli: CliRunner, db: str) -> None:
    result = run(cli, "incident", INCIDENT, "--min-grade", "G9", "--db", db)

    assert result.exit_code == 2
    assert "'G9' is not a grade" in result.stderr


def test_a_regrade_applies_from_its_position_and_not_before(cli: CliRunner, db: str) -> None:
    before = log(cli, db)[-1]["position"]
    ok(cli, "grade", "Reuters", "C", "--reason", "two retracted stories this month", "--db", db)

    assert grades(cli, db)["both-sources"] == "C2"
    assert grades(cli, db, "--as-of", f"@{before}")["both-sources"] == "B2"
    assert grades(cli, db, "--as-of", f"@{before}", "--min-grade", "B2") == {"both-sources": "B2"}
    assert grades(cli, db, "--min-grade", "B2") == {}
    ok(cli, "verify", "--db", db)  # the grade rows equal a fresh replay of the log


def test_source_shows_a_sources_grade_history(cli: CliRunner, db: str) -> None:
    first = log(cli, db)[-1]["position"]
    ok(cli, "grade", "reuters", "c", "--reason", "two retracted stories", "--db", db, "--as", "maria")

    history = as_json(ok(cli, "source", "Reuters", "--format", "json", "--db", db))
    assert history["source"] == "reuters"  # as last graded
    assert history["reliability"] == "C"
    assert [(g["reliability"], g["reason"]) for g in history["gradings"]] == [
        ("B", "usually reliable wire"),
        ("C", "two retracted stories"),
    ]
    assert history["gradings"][0]["position"] == first
    assert history["gradings"][1]["recorded_by"] == "maria"
    then = as_json(ok(cli, "source", "Reuters", "--format", "json", "--as-of", f"@{first}", "--db", db))
    assert then["reliability"] == "B"
    assert len(then["gradings"]) == 1
    table = ok(cli, "source", "Reuters", "--db", db).stdout
    assert "reliability C" in table
    assert "two retracted stories" in table


def test_an_ungraded_source_is_not_found(cli: CliRunner, db: str) -> None:
    result = run(cli, "source", "Some Blog", "--db", db)

    assert result.exit_code == 3
    assert "has not been graded" in result.stderr


def test_credibility_is_corrected_like_any_field_and_checked(cli: CliRunner, db: str) -> None:
    ok(
        cli,
        "correct",
        "both-sources",
        "--set",
        "credibility=1",
        "--reason",
        "confirmed by imagery",
        "--db",
        db,
    )

    assert grades(cli, db)["both-sources"] == "B1"
    history = as_json(ok(cli, "history", "both-sources", "--format", "json", "--db", db))
    assert history["versions"][-1]["changes"] == {"credibility": {"from": 2, "to": 1}}
    bad = run(cli, "correct", "both-sources", "--set", "credibility=7", "--reason", "typo", "--db", db)
    assert bad.exit_code == 2
    assert "credibility" in bad.stderr


def test_a_bad_grading_in_a_journal_names_its_line(cli: CliRunner, db: str, tmp_path: Path) -> None:
    journal = tmp_path / "bad.ndjson"
    journal.write_bytes(
        orjson.dumps({"type": "SourceGraded", "source": "TASS", "reliability": "D", "reason": "fine"})
        + b"\n"
        + orjson.dumps({"type": "SourceGraded", "source": "TASS", "reliability": "G", "reason": "no"})
        + b"\n"
        + orjson.dumps({"type": "SourceGraded", "source": "TASS", "reliability": "A"})
        + b"\n"
    )

    result = run(cli, "append", journal, "--db", db)

    assert result.exit_code == 2
    assert f"{journal}:2: " in result.stderr
    assert "reliability" in result.stderr
    assert f"{journal}:3: " in result.stderr
    assert "reason" in result.stderr


def test_the_table_shows_the_grade(cli: CliRunner, db: str) -> None:
    table = ok(cli, "incident", INCIDENT, "--db", db).stdout

    assert "B2" in table
    assert "D3" in table


def test_record_takes_a_credibility_as_a_number(cli: CliRunner, db: str) -> None:
    recorded = [
        "record", "StatementMade", "--id", "tass-statement", "--incident", INCIDENT,
        "--occurred", "2023-05-03", "--summary", "TASS quotes Peskov", "--speaker", "Dmitry Peskov",
        "--quote", "a planned terrorist act", "--source-name", "TASS", "--db", db,
    ]  # fmt: skip
    ok(cli, *recorded, "--credibility", "4")

    assert grades(cli, db)["tass-statement"] == "D4"
    too_high = run(cli, *[a if a != "tass-statement" else "other" for a in recorded], "--credibility", "9")
    assert too_high.exit_code == 2
    assert "credibility" in too_high.stderr


def test_an_ndjson_export_carries_the_gradings_into_another_store(
    cli: CliRunner, db: str, tmp_path: Path
) -> None:
    ok(cli, "grade", "Reuters", "C", "--reason", "two retracted stories", "--db", db)
    exported = tmp_path / "backup.ndjson"
    exported.write_text(ok(cli, "export", "ndjson", "--db", db).stdout)
    other = str(tmp_path / "other.db")

    ok(cli, "append", exported, "--db", other)

    assert grades(cli, other) == grades(cli, db)
    assert [
        g["reliability"]
        for g in as_json(ok(cli, "source", "Reuters", "-f", "json", "--db", other))["gradings"]
    ] == ["B", "C"]


def test_show_gives_the_grade_then_and_now_and_how_many_distinct_sources(cli: CliRunner, db: str) -> None:
    before = log(cli, db)[-1]["position"]
    ok(cli, "grade", "Reuters", "C", "--reason", "two retracted stories", "--db", db)

    shown = as_json(ok(cli, "show", "both-sources", "-f", "json", "--db", db))
    assert (shown["grade"], shown["distinct_sources"]) == ("C2", 2)
    then = as_json(ok(cli, "show", "both-sources", "-f", "json", "--as-of", f"@{before}", "--db", db))
    assert then["grade"] == "B2"
    assert as_json(ok(cli, "show", "ungraded", "-f", "json", "--db", db))["grade"] is None
    table = ok(cli, "show", "both-sources", "--db", db).stdout
    assert "C2" in table
    assert "distinct sources" in table
