"""Issue 18, item 7: besides the free-text `--as`, every event records who the store
itself knows wrote it (the PostgreSQL role, the OS user for SQLite), shown in history
and log; new SQLite files are readable by their owner only."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import pytest

from tests.e2e.helpers import ok, run
from tests.factories import a_correction, a_fact, write_journal
from timeline import Settings, open_timeline
from timeline.persistence.sqlite import os_user

if TYPE_CHECKING:
    from typer.testing import CliRunner


def _store_user(url: str) -> str:
    if url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT session_user").fetchone()
        assert row is not None
        return str(row[0])
    return os_user()


def test_history_and_log_show_who_the_store_knows_wrote_each_event(
    store_url: str, tmp_path: Path, cli: CliRunner
) -> None:
    journal = write_journal(tmp_path / "j.ndjson", [a_fact(id="w1"), a_correction("w1", drones=7)])
    ok(cli, "--as", "maria", "append", journal, "--db", store_url)
    expected = _store_user(store_url)

    history = orjson.loads(ok(cli, "history", "w1", "--db", store_url, "--format", "json").stdout)
    assert [(v["recorded_by"], v["store_user"]) for v in history["versions"]] == [("maria", expected)] * 2
    log = [
        orjson.loads(line)
        for line in ok(cli, "log", "--db", store_url, "--format", "ndjson").stdout.splitlines()
    ]
    assert [(e["recorded_by"], e["store_user"]) for e in log] == [("maria", expected)] * 2
    table = ok(cli, "log", "--db", store_url).stdout
    assert f"maria (as {expected})" in table


def test_a_journal_line_cannot_claim_a_store_user(tmp_path: Path, cli: CliRunner) -> None:
    journal = write_journal(tmp_path / "j.ndjson", [{**a_fact(id="w2"), "store_user": "postgres"}])
    result = run(cli, "append", journal, "--db", str(tmp_path / "t.db"))
    assert result.exit_code == 2
    assert "store_user" in result.stderr


def test_the_store_user_is_part_of_the_hash_chain(store_url: str, tmp_path: Path) -> None:
    app = open_timeline(Settings(db=store_url, recorded_by="maria"))
    try:
        app.append([str(write_journal(tmp_path / "j.ndjson", [a_fact(id="w3")]))], recorded_by="maria")
        (stored,) = app.recorder.select_notifications(start=1, limit=1)
        assert orjson.loads(stored.state)["store_user"] == _store_user(store_url)
    finally:
        app.close()


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_new_sqlite_store_is_readable_by_its_owner_only(tmp_path: Path, cli: CliRunner) -> None:
    db = tmp_path / "private.db"
    ok(cli, "append", write_journal(tmp_path / "j.ndjson", [a_fact()]), "--db", db)
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_store_from_before_gets_the_new_columns_when_opened(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "old.db"
    app = open_timeline(Settings(db=str(db), recorded_by="t"))
    app.append([str(write_journal(tmp_path / "j.ndjson", [a_fact(id="old")]))], recorded_by="t")
    app.close()
    with sqlite3.connect(db) as conn:  # as the previous version left it
        for table in ("tl_facts", "tl_log"):
            conn.execute(f"ALTER TABLE {table} DROP COLUMN store_user")
        conn.execute("DROP TABLE timeline_schema")
    app = open_timeline(Settings(db=str(db), recorded_by="t"))
    try:
        app.append([str(write_journal(tmp_path / "k.ndjson", [a_fact(id="new")]))], recorded_by="t")
        assert [e["store_user"] for e in app.view.log(0, None, None)] == [None, os_user()]
    finally:
        app.close()
