"""`timeline dump FILE` / `timeline restore FILE`: a backup keeps the audit trail (issue 15.2).

The restored store has the same positions, recorded_at, recorded_by and chain
digests, so it verifies to the same DIGEST@N; SQLite → PostgreSQL and back included.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import TYPE_CHECKING

import orjson
import pytest

from tests.conftest import _postgres_database
from tests.e2e.helpers import as_json, log, ok, run, seeded

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from typer.testing import CliRunner


def head(cli: CliRunner, db: str) -> str:
    return ok(cli, "verify", "--print-head", "--db", db).stdout.strip()


def a_store_with_history(cli: CliRunner, db: str) -> str:
    seeded(cli, db)
    ok(
        cli,
        "--as",
        "bob",
        "correct",
        "kremlin-drone-alleged",
        "--set",
        "drones=3",
        "--reason",
        "r",
        "--db",
        db,
    )
    ok(cli, "--as", "carol", "retract", "kremlin-drone-alleged", "--reason", "withdrawn", "--db", db)
    return db


@pytest.fixture
def other_sqlite(tmp_path: Path) -> str:
    return str(tmp_path / f"other-{uuid.uuid4().hex[:6]}.db")


def test_a_dump_restored_into_an_empty_store_verifies_to_the_same_head(
    cli: CliRunner, store_url: str, other_sqlite: str, tmp_path: Path
) -> None:
    a_store_with_history(cli, store_url)
    original = head(cli, store_url)
    dumped = ok(cli, "dump", tmp_path / "backup.ndjson", "--db", store_url).stdout.strip()
    assert dumped.endswith(original)
    restored = ok(cli, "restore", tmp_path / "backup.ndjson", "--db", other_sqlite).stdout.strip()
    assert restored == f"restored {original.split('@')[1]} events; head {original}"
    assert head(cli, other_sqlite) == original
    # recorded_at, recorded_by and positions survive
    assert log(cli, other_sqlite) == log(cli, store_url)
    assert [e["recorded_by"] for e in log(cli, other_sqlite)[-2:]] == ["bob", "carol"]
    history = as_json(ok(cli, "history", "kremlin-drone-alleged", "-f", "json", "--db", other_sqlite))
    assert history == as_json(ok(cli, "history", "kremlin-drone-alleged", "-f", "json", "--db", store_url))
    # the restored store takes new appends after the restored positions, chain intact
    ok(cli, "--as", "dave", "restore-fact", "kremlin-drone-alleged", "--reason", "back", "--db", other_sqlite)
    assert log(cli, other_sqlite)[-1]["position"] == log(cli, store_url)[-1]["position"] + 1
    ok(cli, "verify", "--expect", original, "--db", other_sqlite)


@pytest.mark.postgres
def test_sqlite_to_postgresql_and_back(
    cli: CliRunner, sqlite_url: str, other_sqlite: str, pg_admin_url: str, tmp_path: Path
) -> None:
    a_store_with_history(cli, sqlite_url)
    original = head(cli, sqlite_url)
    ok(cli, "dump", tmp_path / "a.ndjson", "--db", sqlite_url)
    with _pg(pg_admin_url) as pg_url:
        ok(cli, "restore", tmp_path / "a.ndjson", "--db", pg_url)
        assert head(cli, pg_url) == original
        assert log(cli, pg_url) == log(cli, sqlite_url)
        # appends on PostgreSQL continue after the restored positions
        ok(cli, "restore-fact", "kremlin-drone-alleged", "--reason", "back", "--db", pg_url)
        extended = head(cli, pg_url)
        assert extended.endswith(f"@{int(original.split('@')[1]) + 1}")
        ok(cli, "dump", tmp_path / "b.ndjson", "--db", pg_url)
        ok(cli, "restore", tmp_path / "b.ndjson", "--db", other_sqlite)
        assert head(cli, other_sqlite) == extended
        assert log(cli, other_sqlite) == log(cli, pg_url)
    # the dump of the round-tripped store is the same file, byte for byte
    ok(cli, "dump", tmp_path / "c.ndjson", "--db", other_sqlite)
    assert (tmp_path / "c.ndjson").read_bytes() == (tmp_path / "b.ndjson").read_bytes()


@contextmanager
def _pg(admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    yield from _postgres_database(admin_url)


def test_restore_refuses_a_store_that_is_not_empty(cli: CliRunner, store_url: str, tmp_path: Path) -> None:
    db = a_store_with_history(cli, store_url)
    ok(cli, "dump", tmp_path / "backup.ndjson", "--db", db)
    before = log(cli, db)
    result = run(cli, "restore", tmp_path / "backup.ndjson", "--db", db)
    assert result.exit_code == 2
    assert "restore needs an empty store" in result.stderr
    assert log(cli, db) == before


def _edited(source: Path, target: Path, edit: Callable[[list[dict]], object]) -> Path:
    lines = [orjson.loads(line) for line in source.read_bytes().splitlines()]
    edit(lines)
    target.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return target


def _reassign_recorded_by(lines: list[dict]) -> None:
    event = next(line for line in lines if line.get("recorded_by") == "bob")
    event["state"] = event["state"].replace('"bob"', '"mallory"')


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        ("tampered", _reassign_recorded_by, "the chain does not verify"),
        ("truncated", lambda lines: lines.pop(), "no end line"),
        ("reordered", lambda lines: lines.insert(2, lines.pop(3)), "does not follow"),
        ("dropped", lambda lines: lines.pop(5), "the chain does not verify"),
    ],
)
def test_restore_refuses_a_dump_whose_chain_does_not_verify(
    cli: CliRunner, store_url: str, other_sqlite: str, tmp_path: Path, name: str, edit, message: str
) -> None:
    source = a_store_with_history(cli, other_sqlite)
    ok(cli, "dump", tmp_path / "good.ndjson", "--db", source)
    bad = _edited(tmp_path / "good.ndjson", tmp_path / f"{name}.ndjson", edit)
    result = run(cli, "restore", bad, "--db", store_url)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert log(cli, store_url) == []


def test_restore_of_something_else_is_a_usage_error(cli: CliRunner, sqlite_url: str, tmp_path: Path) -> None:
    journal = tmp_path / "journal.ndjson"
    journal.write_text('{"type": "AliasAdded", "entity": "actor", "name": "a", "alias": "b"}\n')
    assert run(cli, "restore", journal, "--db", sqlite_url).exit_code == 2
    assert run(cli, "restore", tmp_path / "missing.ndjson", "--db", sqlite_url).exit_code == 2
    assert not os.path.exists(tmp_path / "missing.ndjson")
