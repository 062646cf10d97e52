"""Exit codes and error output: 2 for bad input, 3 not found, 4 conflict, 1 environment."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson
import pytest

from tests.e2e.helpers import INVALID, JOURNALS, SEED_LINES, log, ok, run, seeded
from tests.unit.test_journal import EXPECTED

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner

INVALID_FILES = sorted(EXPECTED)


@pytest.mark.parametrize("name", INVALID_FILES)
def test_appending_an_invalid_journal_exits_2_names_the_bad_line_and_writes_nothing(
    cli: CliRunner, sqlite_url: str, name: str
) -> None:
    path = INVALID / name
    line = EXPECTED[name].line

    result = run(cli, "append", path, "--db", sqlite_url)

    assert result.exit_code == 2
    assert f"{path}:{line}: " in result.stderr
    assert EXPECTED[name].message in result.stderr
    # only the bad line is reported: every other line of the file is valid
    assert result.stderr.count(f"{path}:") == 1
    assert result.stdout == ""
    assert log(cli, sqlite_url) == []


@pytest.mark.parametrize("name", INVALID_FILES)
def test_a_failed_append_leaves_an_existing_record_unchanged(
    cli: CliRunner, sqlite_url: str, name: str
) -> None:
    ok(cli, "append", JOURNALS / "aliases.ndjson", "--db", sqlite_url)
    before = log(cli, sqlite_url)

    result = run(cli, "append", INVALID / name, "--db", sqlite_url)

    assert result.exit_code == 2
    assert log(cli, sqlite_url) == before


@pytest.mark.parametrize(
    "name", ["bad_date.ndjson", "json_array_bad_element.json", "amendment_unknown_fact.ndjson"]
)
def test_a_dry_run_of_an_invalid_journal_also_exits_2(cli: CliRunner, sqlite_url: str, name: str) -> None:
    result = run(cli, "append", "--dry-run", INVALID / name, "--db", sqlite_url)

    assert result.exit_code == 2
    assert f"{INVALID / name}:{EXPECTED[name].line}: " in result.stderr


def test_a_line_over_one_mebibyte_exits_2_with_its_line_number(
    cli: CliRunner, sqlite_url: str, tmp_path: Path
) -> None:
    good = (JOURNALS / "aliases.ndjson").read_bytes()
    huge = orjson.dumps({"type": "DroneAttackAlleged", "summary": "x" * (1024 * 1024 + 1)})
    path = tmp_path / "huge.ndjson"
    path.write_bytes(good + huge + b"\n" + good)
    bad_line = good.count(b"\n") + 1

    result = run(cli, "append", path, "--db", sqlite_url)

    assert result.exit_code == 2
    assert f"{path}:{bad_line}: line longer than" in result.stderr
    assert log(cli, sqlite_url) == []


def test_one_invalid_file_among_several_stops_them_all(cli: CliRunner, sqlite_url: str) -> None:
    result = run(cli, "append", JOURNALS / "aliases.ndjson", INVALID / "bad_date.ndjson", "--db", sqlite_url)

    assert result.exit_code == 2
    assert log(cli, sqlite_url) == []


def test_an_invalid_journal_on_stdin_is_reported_as_dash_line(cli: CliRunner, sqlite_url: str) -> None:
    result = run(cli, "append", "-", "--db", sqlite_url, input=(INVALID / "bad_interval.ndjson").read_bytes())

    assert result.exit_code == 2
    assert "-:3: " in result.stderr


def test_a_missing_journal_file_exits_2(cli: CliRunner, sqlite_url: str, tmp_path: Path) -> None:
    result = run(cli, "append", tmp_path / "nope.ndjson", "--db", sqlite_url)

    assert result.exit_code == 2
    assert "nope.ndjson" in result.stderr


def test_a_journal_amending_a_fact_already_in_the_store_with_an_unknown_field_exits_2(
    cli: CliRunner, sqlite_url: str, tmp_path: Path
) -> None:
    seeded(cli, sqlite_url)
    path = tmp_path / "fix.ndjson"
    path.write_bytes(
        orjson.dumps(
            {
                "type": "FactCorrected",
                "fact": "kremlin-drone-alleged",
                "changes": {"colour": "red"},
                "reason": "x",
            }
        )
        + b"\n"
    )

    result = run(cli, "append", path, "--db", sqlite_url)

    assert result.exit_code == 2
    assert f"{path}:1: " in result.stderr
    assert "colour" in result.stderr
    assert len(log(cli, sqlite_url)) == SEED_LINES


def test_history_of_an_unknown_fact_exits_3(cli: CliRunner, sqlite_url: str) -> None:
    seeded(cli, sqlite_url)

    result = run(cli, "history", "no-such-fact", "--db", sqlite_url)

    assert result.exit_code == 3
    assert "no-such-fact" in result.stderr
    assert result.stdout == ""


def test_an_unknown_actor_exits_3(cli: CliRunner, sqlite_url: str) -> None:
    seeded(cli, sqlite_url)

    result = run(cli, "actor", "Nobody At All", "--db", sqlite_url)

    assert result.exit_code == 3
    assert "Nobody At All" in result.stderr


@pytest.mark.parametrize("command", ["location", "incident"])
def test_an_unknown_location_or_incident_exits_3(cli: CliRunner, sqlite_url: str, command: str) -> None:
    seeded(cli, sqlite_url)

    assert run(cli, command, "atlantis", "--db", sqlite_url).exit_code == 3


@pytest.mark.parametrize(
    "args",
    [
        ["correct", "no-such-fact", "--set", "drones=3", "--reason", "r"],
        ["retract", "no-such-fact", "--reason", "r"],
        ["corroborate", "no-such-fact", "--source-name", "CNN", "--reason", "r"],
    ],
)
def test_amending_an_unknown_fact_exits_3(cli: CliRunner, sqlite_url: str, args: list[str]) -> None:
    seeded(cli, sqlite_url)

    result = run(cli, *args, "--db", sqlite_url)

    assert result.exit_code == 3
    assert len(log(cli, sqlite_url)) == SEED_LINES


def test_correcting_with_a_stale_version_exits_4_and_writes_nothing(cli: CliRunner, sqlite_url: str) -> None:
    seeded(cli, sqlite_url)
    ok(
        cli,
        "corroborate",
        "kremlin-drone-alleged",
        "--source-name",
        "CNN",
        "--reason",
        "r",
        "--db",
        sqlite_url,
    )
    before = log(cli, sqlite_url)

    result = run(
        cli,
        "correct", "kremlin-drone-alleged", "--set", "drones=3", "--reason", "r",
        "--if-version", "1", "--db", sqlite_url,
    )  # fmt: skip

    assert result.exit_code == 4
    assert "version 2" in result.stderr
    assert log(cli, sqlite_url) == before


def test_correcting_with_the_current_version_succeeds(cli: CliRunner, sqlite_url: str) -> None:
    seeded(cli, sqlite_url)

    ok(
        cli,
        "correct", "kremlin-drone-alleged", "--set", "drones=3", "--reason", "r",
        "--if-version", "1", "--db", sqlite_url,
    )  # fmt: skip

    assert len(log(cli, sqlite_url)) == SEED_LINES + 1


def test_a_db_in_a_missing_directory_exits_1_with_one_line(cli: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "missing" / "dir" / "timeline.db"

    result = run(cli, "log", "--db", db)

    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: ")
    assert not db.parent.exists()


def test_appending_to_a_db_in_a_missing_directory_exits_1(cli: CliRunner, tmp_path: Path) -> None:
    result = run(cli, "append", JOURNALS / "aliases.ndjson", "--db", tmp_path / "missing" / "t.db")

    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("as_of", ["yesterday", "@x", "2023-13-45", "@-1"])
@pytest.mark.parametrize("command", [["actor", "Kremlin"], ["history", "kremlin-drone-alleged"], ["log"]])
def test_a_bad_as_of_exits_2(cli: CliRunner, sqlite_url: str, command: list[str], as_of: str) -> None:
    seeded(cli, sqlite_url)

    result = run(cli, *command, "--as-of", as_of, "--db", sqlite_url)

    assert result.exit_code == 2
    assert "--as-of" in result.stderr


@pytest.mark.parametrize("option", ["--from", "--to"])
def test_a_bad_occurred_bound_exits_2(cli: CliRunner, sqlite_url: str, option: str) -> None:
    seeded(cli, sqlite_url)

    result = run(cli, "incident", "kremlin-drone-2023-05", option, "2023-13", "--db", sqlite_url)

    assert result.exit_code == 2
    assert option in result.stderr


def test_set_without_equals_exits_2_and_writes_nothing(cli: CliRunner, sqlite_url: str) -> None:
    seeded(cli, sqlite_url)

    result = run(
        cli, "correct", "kremlin-drone-alleged", "--set", "drones", "--reason", "r", "--db", sqlite_url
    )

    assert result.exit_code == 2
    assert "field=value" in result.stderr
    assert len(log(cli, sqlite_url)) == SEED_LINES


@pytest.mark.parametrize(
    ("change", "message"),
    [("id=other", "'id' cannot be corrected"), ("colour=red", "no field 'colour'"), ("drones=two", "drones")],
)
def test_an_invalid_correction_from_the_command_line_exits_2(
    cli: CliRunner, sqlite_url: str, change: str, message: str
) -> None:
    seeded(cli, sqlite_url)

    result = run(
        cli, "correct", "kremlin-drone-alleged", "--set", change, "--reason", "r", "--db", sqlite_url
    )

    assert result.exit_code == 2
    assert message in result.stderr
    assert len(log(cli, sqlite_url)) == SEED_LINES


def test_correcting_a_retracted_fact_is_refused_and_writes_nothing(cli: CliRunner, sqlite_url: str) -> None:
    seeded(cli, sqlite_url)
    ok(cli, "retract", "kremlin-drone-alleged", "--reason", "withdrawn", "--db", sqlite_url)
    before = log(cli, sqlite_url)

    result = run(
        cli, "correct", "kremlin-drone-alleged", "--set", "drones=3", "--reason", "r", "--db", sqlite_url
    )

    assert result.exit_code in (2, 4)
    assert "retracted" in result.stderr
    assert log(cli, sqlite_url) == before


def test_a_missing_required_option_is_a_usage_error_exit_2(cli: CliRunner, sqlite_url: str) -> None:
    assert run(cli, "retract", "kremlin-drone-alleged", "--db", sqlite_url).exit_code == 2


def test_an_unknown_command_is_a_usage_error_exit_2(cli: CliRunner) -> None:
    assert run(cli, "frobnicate").exit_code == 2


def test_an_unknown_format_is_a_usage_error_exit_2(cli: CliRunner, sqlite_url: str) -> None:
    assert run(cli, "log", "--format", "xml", "--db", sqlite_url).exit_code == 2


def test_a_long_journal_correcting_a_fact_it_retracted_earlier_exits_2_and_writes_no_batch(
    cli: CliRunner, sqlite_url: str, tmp_path: Path
) -> None:
    from tests.factories import a_correction, a_fact, a_retraction, write_journal

    objects = [a_fact(id="x-fact"), a_retraction("x-fact")]
    objects += [a_fact() for _ in range(1100)]  # more than one write batch
    objects += [a_correction("x-fact", drones=5)]
    path = write_journal(tmp_path / "long.ndjson", objects)

    result = run(cli, "append", path, "--db", sqlite_url)

    assert result.exit_code == 2
    assert f"{path}:{len(objects)}: " in result.stderr
    assert log(cli, sqlite_url) == []


def test_a_journal_correcting_a_fact_retracted_in_the_store_exits_2_and_writes_nothing(
    cli: CliRunner, sqlite_url: str, tmp_path: Path
) -> None:
    from tests.factories import a_correction, a_fact, write_journal

    seeded(cli, sqlite_url)
    ok(cli, "retract", "kremlin-drone-alleged", "--reason", "withdrawn", "--db", sqlite_url)
    before = log(cli, sqlite_url)
    path = write_journal(
        tmp_path / "late.ndjson", [a_fact(), a_correction("kremlin-drone-alleged", drones=3)]
    )

    result = run(cli, "append", path, "--db", sqlite_url)

    assert result.exit_code == 2
    assert f"{path}:2: " in result.stderr
    assert "retracted" in result.stderr
    assert log(cli, sqlite_url) == before


def test_re_appending_a_journal_that_retracts_a_fact_writes_nothing_and_succeeds(
    cli: CliRunner, sqlite_url: str
) -> None:
    from tests.e2e.helpers import last_json_line

    ok(cli, "append", JOURNALS / "corrections.ndjson", "--db", sqlite_url)

    result = ok(cli, "append", JOURNALS / "corrections.ndjson", "--format", "json", "--db", sqlite_url)

    assert last_json_line(result) == {"appended": 0, "present": 4}


def test_re_appending_a_journal_that_corrects_a_fact_retracted_since_exits_2_and_writes_nothing(
    cli: CliRunner, sqlite_url: str, tmp_path: Path
) -> None:
    """The fact line is already in the store (present), but retracted there since: the new
    correction after it cannot apply, which validation must catch before any batch is written."""
    from tests.factories import a_correction, a_fact, write_journal

    fact = a_fact(id="kept-fact")
    write_journal(tmp_path / "first.ndjson", [fact])
    ok(cli, "append", tmp_path / "first.ndjson", "--db", sqlite_url)
    ok(cli, "retract", "kept-fact", "--reason", "withdrawn", "--db", sqlite_url)
    before = log(cli, sqlite_url)
    path = write_journal(tmp_path / "again.ndjson", [fact, a_correction("kept-fact", drones=9)])

    result = run(cli, "append", path, "--db", sqlite_url)

    assert result.exit_code == 2, result.stderr
    assert f"{path}:2: " in result.stderr
    assert log(cli, sqlite_url) == before
