"""A mistyped --db on a reading command: exit 1, "no record at …", nothing created (issue 15.17)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.helpers import SEED, ok, run

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner

READS = [
    ("incident", "kremlin-drone-2023-05"), ("actor", "Kremlin"), ("location", "Moscow"),
    ("actors",), ("locations",), ("incidents",), ("history", "kremlin-drone-alleged"),
    ("show", "kremlin-drone-alleged"), ("search", "drone"), ("log",), ("verify",), ("replay",),
    ("export", "csv"), ("dump", "out.ndjson"),
    ("correct", "kremlin-drone-alleged", "--set", "drones=3", "--reason", "r"),
    ("retract", "kremlin-drone-alleged", "--reason", "r"),
]  # fmt: skip


@pytest.mark.parametrize("args", READS, ids=lambda args: args[0])
def test_reading_a_missing_sqlite_file_creates_nothing(
    cli: CliRunner, tmp_path: Path, args: tuple[str, ...]
) -> None:
    mistyped = tmp_path / "timelnie.db"
    result = run(cli, *args, "--db", mistyped)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: no record at {mistyped}: check --db or $TIMELINE_DB (nothing was created)"
    )
    assert list(tmp_path.iterdir()) == []


def test_commands_that_bring_content_create_the_file(cli: CliRunner, tmp_path: Path) -> None:
    ok(cli, "append", SEED, "--db", tmp_path / "a.db")
    ok(cli, "register", "actor", "Kremlin", "--db", tmp_path / "b.db")
    assert (tmp_path / "a.db").exists()
    assert (tmp_path / "b.db").exists()
    ok(cli, "actors", "--db", tmp_path / "b.db")
