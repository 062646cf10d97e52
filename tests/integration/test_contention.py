"""Issue 18, item 4: opening, writing, replaying and following beside other clients.

Schema DDL runs on first use only (so opening a store takes no lock a projector
holds), new stores can be opened by several processes at once, `replay` waits for
writers instead of failing, lost lock races are retried, and a write that committed
is never reported as a failure.
"""

from __future__ import annotations

import multiprocessing
import queue
import sqlite3
import threading
import time
import traceback
import uuid
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from eventsourcing.persistence import OperationalError

from tests.conftest import PG_ADMIN_URL
from tests.e2e.helpers import run
from tests.factories import a_fact, write_journal
from timeline import Settings, StoreError, Timeline, open_timeline
from timeline.audit.verify import verify

if TYPE_CHECKING:
    from collections.abc import Iterator

    from typer.testing import CliRunner


@contextmanager
def _write_lock_held(url: str) -> Iterator[None]:
    """Another client holding what a projector holds mid-section: the read models' lock."""
    if url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url) as conn, conn.transaction():
            conn.execute("LOCK TABLE tl_log IN EXCLUSIVE MODE")
            conn.execute("LOCK TABLE tl_facts IN ROW EXCLUSIVE MODE")
            yield
    else:
        with closing(sqlite3.connect(url, isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            finally:
                conn.execute("ROLLBACK")


def test_opening_an_existing_store_runs_no_ddl_and_waits_for_no_lock(store_url: str) -> None:
    open_timeline(Settings(db=store_url, recorded_by="first")).close()
    opened: list[Timeline] = []
    with _write_lock_held(store_url):
        thread = threading.Thread(target=lambda: opened.append(open_timeline(Settings(db=store_url))))
        started = time.monotonic()
        thread.start()
        thread.join(timeout=8)
        assert opened, "opening the store waited for a lock another client held"
        assert time.monotonic() - started < 8
    opened[0].close()


def test_a_replay_interrupted_after_dropping_query_indexes_gets_them_back_at_the_next_opening(
    store_url: str, tmp_path: Path
) -> None:
    app = open_timeline(Settings(db=store_url, recorded_by="t"))
    app.append([str(write_journal(tmp_path / "a.ndjson", [a_fact()]))], recorded_by="t")
    with app.view.transaction(commit=True) as cursor:
        app.view.clear(cursor)  # what replay does first; then it is killed
    app.close()
    again = open_timeline(Settings(db=store_url, recorded_by="t"))
    try:
        again.project()
        indexes = {name for (name,) in again.view.query(_INDEX_QUERY[store_url.startswith("postgresql")])}
        assert {"tl_log_recorded_at", "tl_entries_by_subject"} <= indexes
    finally:
        again.close()


_INDEX_QUERY = {
    False: "SELECT name FROM sqlite_master WHERE type = 'index'",
    True: "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'",
}


# --- several processes -------------------------------------------------------------------


def _opener(urls: list[str], proc: int, barrier: Any, results: Any) -> None:
    """Open each new store at the same moment as the other processes, and write to it."""
    errors: list[str] = []
    for url in urls:
        try:
            barrier.wait(timeout=60)
            app = open_timeline(Settings(db=url, recorded_by=f"p{proc}"))
            try:
                app.submit(a_fact(id=f"p{proc}"), recorded_by=f"p{proc}", where=f"p{proc}")
            finally:
                app.close()
        except BaseException:
            errors.append(f"{url}: {traceback.format_exc()}")
    results.put(errors)


def _run(target: Any, processes: int, *args: Any, timeout: float = 180) -> list[Any]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    results = context.Queue()
    workers = [
        context.Process(target=target, args=(*args, proc, barrier, results), daemon=True)
        for proc in range(processes)
    ]
    for worker in workers:
        worker.start()
    outcomes = []
    try:
        for _ in workers:
            outcomes.append(results.get(timeout=timeout))
    except queue.Empty:
        pytest.fail(f"only {len(outcomes)} of {processes} processes reported")
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()
    return outcomes


@pytest.fixture
def new_stores(request: pytest.FixtureRequest, store_url: str, tmp_path: Path) -> Iterator[list[str]]:
    """Several fresh stores of the parametrised kind (first use happens in the test)."""
    if not store_url.startswith("postgresql://"):
        yield [str(tmp_path / f"new-{n}.db") for n in range(8)]
        return
    import psycopg

    names = [f"tl_test_{uuid.uuid4().hex[:12]}" for _ in range(3)]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield [f"{base}/{name}" for name in names]
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_processes_opening_a_new_store_at_once_all_succeed(new_stores: list[str]) -> None:
    outcomes = _run(_opener, 6, new_stores)
    errors = [error for errors in outcomes for error in errors]
    assert not errors, "\n".join(errors)
    for url in new_stores:
        app = open_timeline(Settings(db=url))
        try:
            assert app.recorder.max_notification_id() == 6
            assert verify(app).ok
        finally:
            app.close()


def _writer_or_replayer(url: str, folder: str, proc: int, barrier: Any, results: Any) -> None:
    outcome: dict[str, Any] = {"proc": proc, "written": 0, "replays": 0, "errors": []}
    try:
        app = open_timeline(Settings(db=url, recorded_by=f"p{proc}"))
        barrier.wait(timeout=60)
        try:
            for i in range(REPLAYS):
                if proc == 0:
                    app.replay()
                    outcome["replays"] += 1
                else:
                    lines = [a_fact(id=f"p{proc}-{i}-{n}") for n in range(200)]
                    journal = write_journal(Path(folder) / f"p{proc}-{i}.ndjson", lines)
                    outcome["written"] += app.append([str(journal)], recorded_by=f"p{proc}").appended
        finally:
            app.close()
    except BaseException:
        outcome["errors"].append(traceback.format_exc())
    results.put(outcome)


REPLAYS = 4
SEED = 25_000


@pytest.mark.slow
def test_replay_beside_writers_waits_for_them_and_both_succeed(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A replay section (10,000 events) holds the write lock longer than this.
    monkeypatch.setenv("TIMELINE_LOCK_TIMEOUT", "1")
    app = open_timeline(Settings(db=store_url, recorded_by="setup"))
    try:
        seed = write_journal(tmp_path / "seed.ndjson", [a_fact(id=f"seed-{n}") for n in range(SEED)])
        app.append([str(seed)], recorded_by="setup")
        outcomes = _run(_writer_or_replayer, 3, store_url, str(tmp_path))
        errors = [error for o in outcomes for error in o["errors"]]
        assert not errors, "\n".join(errors)
        assert sum(o["replays"] for o in outcomes) == REPLAYS
        assert sum(o["written"] for o in outcomes) == 2 * REPLAYS * 200
        assert app.recorder.max_notification_id() == SEED + 2 * REPLAYS * 200
        assert verify(app).ok
    finally:
        app.close()


def test_a_new_store_created_by_another_process_meanwhile_opens(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The library checks the tracking table's state before its DDL transaction: a
    process that creates the store in between must not make this one fail."""
    from eventsourcing.sqlite import SQLiteTrackingRecorder

    real = SQLiteTrackingRecorder.max_tracking_id
    others: list[Timeline] = []

    def racing(self: Any, application_name: str) -> int | None:
        try:
            return real(self, application_name)
        finally:
            if application_name == "__migration__" and not others:
                others.append(open_timeline(Settings(db=sqlite_url, recorded_by="other")))

    monkeypatch.setattr(SQLiteTrackingRecorder, "max_tracking_id", racing)
    app = open_timeline(Settings(db=sqlite_url, recorded_by="me"))
    try:
        app.submit(a_fact(), recorded_by="me", where="<test>")
        assert verify(app).ok
    finally:
        app.close()
        for other in others:
            other.close()


# --- lost lock races and failures after a commit -----------------------------------------


def _deadlock() -> OperationalError:
    return OperationalError("deadlock detected\nDETAIL: Process 1 waits for ExclusiveLock on relation 2")


def test_a_section_rolled_back_by_a_deadlock_is_applied_again(record: Timeline, tmp_path: Path) -> None:
    record.project = lambda *a, **k: 0  # type: ignore[method-assign]  # writes only
    record.append([str(write_journal(tmp_path / "a.ndjson", [a_fact() for _ in range(5)]))], recorded_by="t")
    del record.project
    view = record.view
    real = view.write_batch
    failures = iter([_deadlock(), _deadlock()])

    def flaky(cursor: Any, batch: Any) -> None:
        error = next(failures, None)
        if error is not None:
            raise error
        real(cursor, batch)

    view.write_batch = flaky  # type: ignore[method-assign]
    assert record.project() == 5
    assert view.tracking_position() == 5


def test_a_failure_after_the_write_committed_is_a_note_not_a_failure(
    store_url: str, tmp_path: Path, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Timeline.project

    def broken(self: Timeline, *args: Any, **kwargs: Any) -> int:
        if not self.recorder.max_notification_id():  # before the write: works
            return real(self, *args, **kwargs)
        raise StoreError("could not update the read models: disk I/O error")

    monkeypatch.setattr(Timeline, "project", broken)
    journal = write_journal(tmp_path / "a.ndjson", [a_fact(id="kept")])
    result = run(cli, "append", journal, "--db", store_url, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith('{"appended":1,"present":0}')
    assert "note: written; the read models will catch up later" in result.stderr
    monkeypatch.undo()
    app = open_timeline(Settings(db=store_url))
    try:
        assert app.fact_version("kept") == 1
    finally:
        app.close()


def test_follow_outlives_lost_lock_races(record: Timeline, tmp_path: Path) -> None:
    record.append([str(write_journal(tmp_path / "a.ndjson", [a_fact()]))], recorded_by="t")
    calls = {"n": 0}
    real = Timeline.project

    def flaky(self: Timeline, *args: Any, **kwargs: Any) -> int:
        calls["n"] += 1
        if calls["n"] <= 3:
            raise StoreError(f"could not update the read models: {_deadlock()}")
        return real(self, *args, **kwargs)

    record.project = flaky.__get__(record)  # type: ignore[method-assign]
    record.follow(interval=0.05, max_seconds=3)
    assert calls["n"] > 3

    def broken(self: Timeline, *args: Any, **kwargs: Any) -> int:
        raise StoreError("the read models cannot take the events after position 1; run `timeline replay`")

    record.project = broken.__get__(record)  # type: ignore[method-assign]
    with pytest.raises(StoreError, match="timeline replay"):
        record.follow(interval=0.05, max_seconds=3)
