"""The store's environment failing: a locked database, a missing or read-only directory."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from typer.testing import CliRunner

from cli.app import app
from tests.factories import a_fact, write_journal

if TYPE_CHECKING:
    import pytest


def test_a_database_locked_by_another_process_waits_then_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "locked.db"
    journal = write_journal(tmp_path / "j.ndjson", [a_fact(id="one")])
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(db), "append", str(journal)]).exit_code == 0
    monkeypatch.setenv("TIMELINE_LOCK_TIMEOUT", "1")
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        second = write_journal(tmp_path / "k.ndjson", [a_fact(id="two")])
        result = runner.invoke(app, ["--db", str(db), "append", str(second)])
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.exit_code == 1
    assert "locked" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stdout + result.stderr
    # Nothing half-written: once the lock is gone the same append completes.
    retry = runner.invoke(app, ["--db", str(db), "append", str(second), "--format", "json"])
    assert retry.exit_code == 0
    assert retry.stdout.strip().endswith('{"appended":1,"present":0}')


def test_a_missing_directory_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "nope" / "x.db"), "actors"])
    assert result.exit_code == 1
    assert "does not exist" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_read_only_directory_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    if os.geteuid() == 0:  # root writes anywhere: make the permission check see what a user sees
        real_access = os.access
        monkeypatch.setattr(
            "timeline.config.os.access",
            lambda path, mode: False if Path(path) == folder else real_access(path, mode),
        )
    try:
        result = CliRunner().invoke(app, ["--db", str(folder / "x.db"), "actors"])
    finally:
        folder.chmod(0o700)
    assert result.exit_code == 1
    assert "not writable" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_directory_given_as_the_database_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--db", str(tmp_path), "actors"])
    assert result.exit_code == 1
    assert "is a directory" in result.stderr
