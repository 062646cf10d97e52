"""append: journals in, counts out; re-appending writes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.e2e.helpers import JOURNALS, SEED, SEED_LINES, last_json_line, log, ndjson_lines, ok, run

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner


def test_the_seed_journal_appends_every_line(cli: CliRunner, sqlite_url: str) -> None:
    result = ok(cli, "append", SEED, "--format", "json", "--db", sqlite_url)

    assert SEED_LINES == 37
    assert last_json_line(result) == {"appended": SEED_LINES, "present": 0}
    assert len(log(cli, sqlite_url)) == SEED_LINES


def test_re_appending_the_seed_writes_nothing_and_counts_every_line_present(
    cli: CliRunner, sqlite_url: str
) -> None:
    ok(cli, "append", SEED, "--db", sqlite_url)
    before = log(cli, sqlite_url)

    result = ok(cli, "append", SEED, "--format", "json", "--db", sqlite_url)

    assert last_json_line(result) == {"appended": 0, "present": SEED_LINES}
    assert log(cli, sqlite_url) == before


def test_append_prints_counts_in_words_by_default(cli: CliRunner, sqlite_url: str) -> None:
    result = ok(cli, "append", SEED, "--db", sqlite_url)

    assert f"appended {SEED_LINES}" in result.stdout
    assert "already present 0" in result.stdout


def test_a_journal_on_stdin_is_appended(cli: CliRunner, sqlite_url: str) -> None:
    result = ok(cli, "append", "-", "--format", "json", "--db", sqlite_url, input=SEED.read_bytes())

    assert last_json_line(result) == {"appended": SEED_LINES, "present": 0}


def test_stdin_and_a_file_together_are_one_append(cli: CliRunner, sqlite_url: str) -> None:
    aliases = JOURNALS / "aliases.ndjson"

    result = ok(cli, "append", aliases, "-", "--format", "json", "--db", sqlite_url, input=SEED.read_bytes())

    assert last_json_line(result)["appended"] + last_json_line(result)["present"] == SEED_LINES + 5


def test_a_json_array_journal_is_appended(cli: CliRunner, sqlite_url: str) -> None:
    result = ok(cli, "append", JOURNALS / "array.json", "--format", "json", "--db", sqlite_url)

    assert last_json_line(result) == {"appended": 3, "present": 0}
    assert [e["event"] for e in log(cli, sqlite_url)] == [
        "ActorRegistered",
        "DroneAttackAlleged",
        "SourceAdded",
    ]


def test_a_json_array_journal_is_also_read_from_stdin(cli: CliRunner, sqlite_url: str) -> None:
    result = ok(
        cli,
        "append",
        "-",
        "--format",
        "json",
        "--db",
        sqlite_url,
        input=(JOURNALS / "array.json").read_bytes(),
    )

    assert last_json_line(result) == {"appended": 3, "present": 0}


def test_a_dry_run_validates_and_writes_nothing(cli: CliRunner, sqlite_url: str) -> None:
    result = ok(cli, "append", "--dry-run", SEED, "--format", "json", "--db", sqlite_url)

    assert last_json_line(result) == {"appended": 0, "present": 0}
    assert log(cli, sqlite_url) == []


def test_a_dry_run_says_it_wrote_nothing(cli: CliRunner, sqlite_url: str) -> None:
    result = ok(cli, "append", "--dry-run", SEED, "--db", sqlite_url)

    assert "nothing written" in result.stdout


def test_a_dry_run_after_a_real_append_leaves_the_record_as_it_was(cli: CliRunner, sqlite_url: str) -> None:
    ok(cli, "append", JOURNALS / "aliases.ndjson", "--db", sqlite_url)
    before = log(cli, sqlite_url)

    ok(cli, "append", "--dry-run", SEED, "--db", sqlite_url)

    assert log(cli, sqlite_url) == before


def test_a_journal_of_corrections_applies_them_in_order(cli: CliRunner, sqlite_url: str) -> None:
    result = ok(cli, "append", JOURNALS / "corrections.ndjson", "--format", "json", "--db", sqlite_url)

    assert last_json_line(result) == {"appended": 4, "present": 0}
    events = log(cli, sqlite_url)
    assert [e["event"] for e in events] == [
        "DroneAttackAlleged",
        "FactCorrected",
        "FactCorrected",
        "FactRetracted",
    ]
    assert {e["fact"] for e in events} == {"drone-corrected"}
    assert [e["position"] for e in events] == [1, 2, 3, 4]


def test_every_event_is_recorded_by_the_as_user_and_at_a_utc_time(cli: CliRunner, sqlite_url: str) -> None:
    ok(cli, "--as", "analyst-1", "append", JOURNALS / "aliases.ndjson", "--db", sqlite_url)
    ok(cli, "append", JOURNALS / "array.json", "--as", "analyst-2", "--db", sqlite_url)

    events = log(cli, sqlite_url)

    assert {e["recorded_by"] for e in events[:5]} == {"analyst-1"}
    assert {e["recorded_by"] for e in events[5:]} == {"analyst-2"}
    assert all(e["recorded_at"].endswith(("Z", "+00:00")) for e in events)


def test_the_recorder_defaults_to_timeline_user(cli: CliRunner, sqlite_url: str) -> None:
    ok(cli, "append", JOURNALS / "array.json", "--db", sqlite_url)  # conftest sets TIMELINE_USER=tester

    assert {e["recorded_by"] for e in log(cli, sqlite_url)} == {"tester"}


def test_the_db_defaults_to_timeline_db(cli: CliRunner, tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "from-env.db"
    monkeypatch.setenv("TIMELINE_DB", str(db))

    ok(cli, "append", JOURNALS / "array.json")

    assert db.exists()
    assert len(log(cli, str(db))) == 3


def test_facts_without_id_are_not_duplicated_when_re_appended(
    cli: CliRunner, sqlite_url: str, tmp_path: Path
) -> None:
    from tests.factories import a_fact, write_journal

    fact = a_fact()
    del fact["id"]
    path = write_journal(tmp_path / "anon.ndjson", [fact])

    first = ok(cli, "append", path, "--format", "json", "--db", sqlite_url)
    second = ok(cli, "append", path, "--format", "json", "--db", sqlite_url)

    assert last_json_line(first) == {"appended": 1, "present": 0}
    assert last_json_line(second) == {"appended": 0, "present": 1}


def test_the_same_fact_twice_in_one_journal_is_written_once(
    cli: CliRunner, sqlite_url: str, tmp_path: Path
) -> None:
    from tests.factories import a_fact, write_journal

    fact = a_fact()
    path = write_journal(tmp_path / "twice.ndjson", [fact, fact])

    result = ok(cli, "append", path, "--format", "json", "--db", sqlite_url)

    assert last_json_line(result) == {"appended": 1, "present": 1}
    assert len(log(cli, sqlite_url)) == 1


def test_log_since_and_limit_page_through_the_log(cli: CliRunner, sqlite_url: str) -> None:
    ok(cli, "append", SEED, "--db", sqlite_url)

    result = ok(cli, "log", "--since", "10", "--limit", "3", "-f", "ndjson", "--db", sqlite_url)

    positions = [e["position"] for e in ndjson_lines(result)]
    assert positions == [11, 12, 13]


def test_a_failed_append_prints_nothing_on_stdout(cli: CliRunner, sqlite_url: str) -> None:
    from tests.e2e.helpers import INVALID

    result = run(cli, "append", INVALID / "bad_date.ndjson", "--format", "json", "--db", sqlite_url)

    assert result.exit_code == 2
    assert result.stdout == ""
