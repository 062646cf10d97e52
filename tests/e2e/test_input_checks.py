"""Issue 18, items 11 and 12: hostile arguments and journal lines are refused with exit 2
and one clear line (with file:line for input files), never a library error."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

import orjson
import pytest

from tests.e2e.helpers import SEED, ok, run
from tests.factories import a_correction, a_fact, write_journal

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner

HUGE = "99999999999999999999"


@pytest.fixture
def seeded(tmp_path: Path, cli: CliRunner) -> str:
    db = str(tmp_path / "t.db")
    ok(cli, "append", SEED, "--db", db)
    return db


def _refused(cli: CliRunner, *args: str | Path, expect: str) -> str:
    result = run(cli, *args)
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert expect in result.stderr, result.stderr
    return result.stderr


# --- item 11: arguments ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("actor", "Kremlin", "--limit", HUGE),
        ("log", "--limit", HUGE),
        ("log", "--since", HUGE),
        ("log", "--since", "-1"),
    ],
)
def test_numbers_out_of_range_are_usage_errors(cli: CliRunner, seeded: str, args: tuple[str, ...]) -> None:
    _refused(cli, *args, "--db", seeded, expect="Invalid value")


def test_a_recorder_name_over_200_characters_is_refused(cli: CliRunner, seeded: str) -> None:
    stderr = _refused(
        cli,
        "--as",
        "x" * 201,
        "retract",
        "kremlin-drone-alleged",
        "--reason",
        "r",
        "--db",
        seeded,
        expect="--as",
    )
    assert "200" in stderr


@pytest.mark.parametrize("who", ["   ", "ali\x1bce", "bob\nmallory", "\u200b"])
def test_a_recorder_name_with_control_characters_or_only_blanks_is_refused(
    cli: CliRunner, seeded: str, who: str
) -> None:
    _refused(
        cli, "--as", who, "retract", "kremlin-drone-alleged", "--reason", "r", "--db", seeded, expect="--as"
    )


def test_the_environment_recorder_name_is_checked_too(
    cli: CliRunner, seeded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMELINE_USER", "x" * 300)
    _refused(cli, "retract", "kremlin-drone-alleged", "--reason", "r", "--db", seeded, expect="TIMELINE_USER")


@pytest.mark.parametrize("port", ["abc", "99999", "-1"])
def test_a_bad_port_in_a_postgresql_url_is_a_usage_error(cli: CliRunner, port: str) -> None:
    _refused(cli, "log", "--db", f"postgresql://u:secret@localhost:{port}/db", expect="port")


def _acled(path: Path, **overrides: str) -> Path:
    row = {
        "event_id_cnty": "UKR1",
        "event_date": "2023-05-03",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Air/drone strike",
        "actor1": "Military Forces of Russia",
        "country": "Ukraine",
        "location": "Kyiv",
        "notes": "A drone strike.",
        "fatalities": "0",
        "source": "Ukrainska Pravda",
    } | overrides
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    return path


def test_acled_notes_over_the_csv_modules_field_limit_are_read(cli: CliRunner, tmp_path: Path) -> None:
    """128 KiB is the csv module's default field limit; the import cuts long notes
    (keeping a note of it), as it does any text over the record's limit."""
    db = str(tmp_path / "t.db")
    table = _acled(tmp_path / "big.csv", notes="n" * (129 * 1024))
    result = run(cli, "import", "acled", table, "--db", db)
    assert result.exit_code == 0, result.stderr
    summary = orjson.loads(ok(cli, "history", "acled:ukr1", "--db", db, "--format", "json").stdout)
    assert summary["versions"][0]["changes"]["summary"]["to"].startswith("nnnn")


def test_a_csv_field_longer_than_a_journal_line_names_the_file_and_line(
    cli: CliRunner, tmp_path: Path
) -> None:
    table = _acled(tmp_path / "huge.csv", notes="n" * (1_100_000))
    stderr = _refused(
        cli, "import", "acled", table, "--db", str(tmp_path / "t.db"), expect=f"{table.name}:2:"
    )
    assert "field larger than field limit" in stderr


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400"])
def test_acled_fatalities_that_are_not_a_finite_number_are_not_a_library_error(
    cli: CliRunner, tmp_path: Path, value: str
) -> None:
    """Not a count: kept as reported in the fact's attributes, never an OverflowError."""
    db = str(tmp_path / "t.db")
    table = _acled(tmp_path / "inf.csv", fatalities=value)
    result = run(cli, "import", "acled", table, "--db", db)
    assert result.exit_code == 0, result.stderr
    history = orjson.loads(ok(cli, "history", "acled:ukr1", "--db", db, "--format", "json").stdout)
    reported = {field: change["to"] for field, change in history["versions"][0]["changes"].items()}
    assert "killed_min" not in reported


# --- item 12: journal lines ---------------------------------------------------------------


def _line_refused(cli: CliRunner, tmp_path: Path, raw: bytes, expect: str) -> None:
    journal = tmp_path / "j.ndjson"
    journal.write_bytes(raw + b"\n")
    db = str(tmp_path / "t.db")
    stderr = _refused(cli, "append", journal, "--db", db, expect=f"{journal}:1:")
    assert expect in stderr, stderr
    log = run(cli, "log", "--db", db, "--format", "ndjson")
    assert log.stdout.strip() == ""


def test_duplicate_keys_in_a_journal_object_are_refused(cli: CliRunner, tmp_path: Path) -> None:
    line = orjson.dumps(a_fact(id="d1"))[:-1] + b', "summary": "a second summary"}'
    _line_refused(cli, tmp_path, line, "duplicate key 'summary'")


def test_duplicate_keys_in_a_json_array_journal_are_refused(cli: CliRunner, tmp_path: Path) -> None:
    obj = orjson.dumps(a_fact(id="d1"))[:-1] + b', "drones": 9}'
    journal = tmp_path / "j.json"
    journal.write_bytes(b"[\n" + obj + b"\n]\n")
    _refused(
        cli, "append", journal, "--db", str(tmp_path / "t.db"), expect=f"{journal}:2: duplicate key 'drones'"
    )


@pytest.mark.parametrize("value", [True, "3", 2.0, 2.5])
def test_an_int_field_takes_only_an_int(cli: CliRunner, tmp_path: Path, value: object) -> None:
    _line_refused(cli, tmp_path, orjson.dumps(a_fact(id="i1", drones=value)), "drones")


def test_a_correction_to_an_int_field_takes_only_an_int(cli: CliRunner, tmp_path: Path) -> None:
    journal = write_journal(tmp_path / "j.ndjson", [a_fact(id="c1"), a_correction("c1", drones="4")])
    _refused(cli, "append", journal, "--db", str(tmp_path / "t.db"), expect=f"{journal}:2:")


@pytest.mark.parametrize("occurred", ["٢٠٢٣-05-03", "２０２３-05-03", "2023-0５-03"])
def test_dates_take_only_ascii_digits(cli: CliRunner, tmp_path: Path, occurred: str) -> None:
    _line_refused(cli, tmp_path, orjson.dumps(a_fact(id="o1", occurred=occurred)), "occurred")


def test_an_amendment_cannot_carry_its_own_digest(cli: CliRunner, tmp_path: Path) -> None:
    journal = write_journal(
        tmp_path / "j.ndjson", [a_fact(id="g1"), {**a_correction("g1", drones=3), "digest": "0" * 64}]
    )
    _refused(
        cli,
        "append",
        journal,
        "--db",
        str(tmp_path / "t.db"),
        expect=f"{journal}:2: FactCorrected: unknown field 'digest'",
    )


@pytest.mark.parametrize("name", ["Krem\u200blin", "\u202eniltsa", "Kyiv\u2066", "Kre\ufeffmlin"])
def test_names_with_bidi_or_zero_width_characters_are_refused(
    cli: CliRunner, tmp_path: Path, name: str
) -> None:
    _line_refused(cli, tmp_path, orjson.dumps(a_fact(id="b1", alleged_by=name)), "alleged_by")


def test_tables_escape_control_characters(cli: CliRunner, tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    fact = a_fact(id="e1", summary="before\x1b[31mred\x1b[0m\rafter", alleged_by="Kremlin")
    ok(cli, "append", write_journal(tmp_path / "j.ndjson", [fact]), "--db", db)
    table = ok(cli, "actor", "Kremlin", "--db", db).stdout
    assert "\x1b" not in table
    assert "\r" not in table
    assert "\\x1b" in table or "␛" in table
