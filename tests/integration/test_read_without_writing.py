"""Issue 18, item 8: reading does not need write access. Read models that cannot be
written (a full disk) answer as they stand, saying how far behind the log they are;
a SQLite store that cannot be written here (read-only file or mount) is read, caught
up and verified from a scratch copy, and refuses writes."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pytest
from eventsourcing.persistence import OperationalError

from tests.e2e.helpers import SEED, ok, run
from tests.factories import a_fact, write_journal
from timeline import Settings, open_timeline
from timeline.persistence.readmodel import SQLTimelineView

if TYPE_CHECKING:
    from collections.abc import Iterator

    from typer.testing import CliRunner


@pytest.fixture
def behind(store_url: str, tmp_path: Path, cli: CliRunner) -> tuple[str, int]:
    """The seed journal with current read models, then two facts they have not seen:
    (store, position the read models are at)."""
    return _behind(store_url, tmp_path, cli)


@pytest.fixture
def pg_behind(pg_admin_url: str, tmp_path: Path, cli: CliRunner) -> Iterator[tuple[str, int]]:
    """`behind`, on PostgreSQL only."""
    from tests.conftest import _postgres_database

    for store_url in _postgres_database(pg_admin_url):
        yield _behind(store_url, tmp_path, cli)


def _behind(store_url: str, tmp_path: Path, cli: CliRunner) -> tuple[str, int]:
    ok(cli, "append", SEED, "--db", store_url)
    writer = open_timeline(Settings(db=store_url, recorded_by="other"))
    seen = writer.view.tracking_position()
    writer.project = lambda *a, **k: 0  # type: ignore[method-assign]  # another client, mid-catch-up
    facts = [a_fact(id="late-1", alleged_by="Kremlin"), a_fact(id="late-2", alleged_by="Kremlin")]
    writer.append([str(write_journal(tmp_path / "late.ndjson", facts))], recorded_by="other")
    writer.close()
    return store_url, seen


@pytest.fixture
def full_disk(behind: tuple[str, int], monkeypatch: pytest.MonkeyPatch) -> tuple[str, int]:
    """Every write to the store's read models fails as on a full disk (verify's own
    scratch replay, elsewhere, still works)."""
    real = SQLTimelineView.write_batch

    def write_batch(self: Any, cursor: Any, batch: Any) -> None:
        if "timeline-verify-" not in str(getattr(self.datastore.pool, "db_name", "")):
            raise OperationalError("database or disk is full")
        real(self, cursor, batch)

    monkeypatch.setattr(SQLTimelineView, "write_batch", write_batch)
    return behind


def test_reads_on_a_full_disk_answer_from_the_read_models_as_they_stand(
    full_disk: tuple[str, int], cli: CliRunner
) -> None:
    store, seen = full_disk
    log = ok(cli, "log", "--db", store, "--format", "ndjson")
    assert len(log.stdout.split("\n")) - 1 == seen
    assert f"as of position {seen} (the log is at {seen + 2})" in log.stderr
    actor = ok(cli, "actor", "Kremlin", "--db", store, "--format", "json")
    assert orjson.loads(actor.stdout)["entries"]
    assert "late-1" not in actor.stdout
    assert "database or disk is full" in actor.stderr


def test_verify_on_a_full_disk_checks_the_log_and_the_views_as_far_as_they_go(
    full_disk: tuple[str, int], cli: CliRunner
) -> None:
    store, seen = full_disk
    result = ok(cli, "verify", "--db", store, "--format", "json")
    report = orjson.loads(result.stdout)
    assert report["events"] == seen + 2
    assert f"views compared up to position {seen} only" in result.stderr


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_store_that_cannot_be_written_is_read_and_verified_from_a_copy(
    sqlite_url: str, tmp_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(cli, "append", SEED, "--db", sqlite_url)
    store = Path(sqlite_url)
    events = sum(1 for _ in ok(cli, "log", "--db", store, "--format", "ndjson").stdout.splitlines())
    before = {p.name: _digest(p) for p in tmp_path.glob("timeline.db*")}
    # As on a read-only mount (where even root may not write).
    monkeypatch.setattr("timeline.config._writable", lambda path: False)
    actor = ok(cli, "actor", "Kremlin", "--db", store, "--format", "json")
    assert orjson.loads(actor.stdout)["entries"]
    assert "scratch copy" in actor.stderr
    assert ok(cli, "verify", "--db", store).exit_code == 0
    assert len(ok(cli, "log", "--db", store, "--format", "ndjson").stdout.splitlines()) == events
    refused = run(cli, "append", write_journal(tmp_path / "j.ndjson", [a_fact()]), "--db", store)
    assert refused.exit_code == 1
    assert "read-only" in refused.stderr
    assert "nothing was written" in refused.stderr
    after = {p.name: _digest(p) for p in tmp_path.glob("timeline.db*")}
    assert after == before
    assert not list(Path("/tmp").glob("timeline-read-only-*"))


@pytest.mark.postgres
def test_a_postgresql_role_that_may_only_read_can_read_and_verify(
    pg_behind: tuple[str, int], cli: CliRunner
) -> None:
    import uuid

    import psycopg

    store, seen = pg_behind
    role = f"reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
    reader_url = store.replace("postgres@", f"{role}@", 1)
    try:
        actor = ok(cli, "actor", "Kremlin", "--db", reader_url, "--format", "json")
        assert "late-1" not in actor.stdout
        assert f"as of position {seen} (the log is at {seen + 2})" in actor.stderr
        assert ok(cli, "verify", "--db", reader_url).exit_code == 0
        refused = run(cli, "append", SEED, "--db", reader_url)
        assert refused.exit_code == 1
    finally:
        with psycopg.connect(store, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')
