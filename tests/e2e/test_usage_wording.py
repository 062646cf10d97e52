"""Commands refuse formats they cannot print, `record --help` documents every option
(issue 15.20), and no error shows the validation library's wording (issue 15.22)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.helpers import SEED, ok, run, seeded
from tests.factories import a_fact, write_journal

if TYPE_CHECKING:
    from typer.testing import CliRunner

SCRIPT = Path(sys.executable).parent / "timeline"


def timeline(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TIMELINE_USER": "tester", "COLUMNS": "100"}
    return subprocess.run(
        [str(SCRIPT), *map(str, args)], capture_output=True, text=True, env=env, timeout=60, check=False
    )


@pytest.mark.parametrize(
    "args",
    [
        ("append", SEED, "-f", "csv"),
        ("verify", "-f", "csv"),
        ("replay", "-f", "ndjson"),
        ("dump", "x.ndjson", "-f", "csv"),
    ],
    ids=lambda args: args[0],
)
def test_a_format_the_command_cannot_print_is_a_usage_error(cli: CliRunner, sqlite_url: str, args) -> None:
    seeded(cli, sqlite_url)
    result = run(cli, *args, "--db", sqlite_url)
    assert result.exit_code == 2
    assert result.stdout == ""


def test_the_script_words_a_refused_format_on_one_line(tmp_path: Path) -> None:
    result = timeline("verify", "-f", "csv", "--db", tmp_path / "t.db")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "error: Invalid value for '--format' / '-f': 'csv' is not one of 'table', 'json'. "
        "(see timeline verify --help)"
    )


def test_record_help_gives_types_allowed_values_and_the_date_format(cli: CliRunner, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    text = ok(cli, "record", "DroneAttackAlleged", "--help").stdout
    assert "<alleged|claimed|reported|confirmed|disputed|denied>" in text
    assert "2023-05-03T01:30:00+03:00" in text
    assert "<int>" in text
    assert "A whole number, 0 or more." in text


LIBRARY_WORDS = ("Value error", "Input should", "List should", "String should", "Field required")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("register", "location", "X", "--lat", "100"), "error: LocationRegistered: lat: must be at most 90"),
        (
            (
                "record",
                "DroneAttackAlleged",
                "--incident",
                "x",
                "--occurred",
                "2023",
                "--summary",
                "s",
                "--source-name",
                "A",
                "--alleged-by",
                "K",
                "--target",
                "T",
                "--drones",
                "many",
            ),
            "error: Invalid value for '--drones': must be a whole number "
            "(see timeline record DroneAttackAlleged --help)",
        ),
        (
            ("correct", "kremlin-drone-alleged", "--set", "drones=-1", "--reason", "r"),
            "error: changes make the fact invalid: drones: must be at least 0",
        ),
        (
            ("correct", "kremlin-drone-alleged", "--set", "summary=", "--reason", "r"),
            "error: changes make the fact invalid: summary: must not be empty",
        ),
    ],
    ids=["range", "option-type", "correction-range", "correction-empty"],
)
def test_errors_are_in_the_records_words(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    db = tmp_path / "t.db"
    assert timeline("append", SEED, "--db", db).returncode == 0
    result = timeline(*args, "--db", db)
    assert result.returncode == 2
    assert result.stderr.strip() == expected
    assert not any(words in result.stderr for words in LIBRARY_WORDS)


def test_journal_errors_are_in_the_records_words(cli: CliRunner, sqlite_url: str, tmp_path: Path) -> None:
    journal = write_journal(
        tmp_path / "bad.ndjson",
        [
            a_fact(certainty="sure"),
            a_fact(drones="many"),
            a_fact(sources=[]),
            a_fact(incident=""),
            {"type": "LocationRegistered", "name": "X", "lat": 100, "aliases": "Y"},
        ],
    )
    result = run(cli, "append", journal, "--db", sqlite_url)
    assert result.exit_code == 2
    problems = result.stderr.splitlines()
    assert not any(words in result.stderr for words in LIBRARY_WORDS), result.stderr
    assert problems[0].endswith(
        "certainty: must be one of 'alleged', 'claimed', 'reported', 'confirmed', 'disputed' or 'denied'"
    )
    assert problems[1].endswith("drones: must be a whole number")
    assert problems[2].endswith("sources: needs at least 1 item(s)")
    assert "incident: must be a slug" in problems[3]
    assert problems[4].endswith("lat: must be at most 90; aliases: must be a list")
