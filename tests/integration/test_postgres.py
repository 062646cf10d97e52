"""The PostgreSQL store: errors without passwords, schema on first use, shared databases."""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING

import orjson
import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from typer.testing import CliRunner

from cli.app import app as cli_app
from tests.factories import a_correction, a_fact, write_journal
from timeline import IntegrityFailure, Settings, StoreError, Timeline, open_timeline
from timeline.audit.verify import verify

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SECRET = "s3cret"
UNREACHABLE = f"postgresql://postgres:{SECRET}@127.0.0.1:1/x"
POSTGRES = pytest.mark.parametrize("store_url", ["postgres"], indirect=True)


def _no_secret(error: BaseException) -> None:
    """Neither the error nor anything chained to it carries the password."""
    seen: BaseException | None = error
    while seen is not None:
        assert SECRET not in str(seen)
        assert SECRET not in repr(seen)
        seen = seen.__cause__ or seen.__context__


def test_password_never_appears_when_the_server_is_unreachable() -> None:
    with pytest.raises(StoreError) as caught:
        open_timeline(Settings(db=UNREACHABLE, recorded_by="t"))
    message = str(caught.value)
    assert SECRET not in message
    assert "127.0.0.1" in message  # says where it tried
    _no_secret(caught.value)


def test_password_never_appears_in_cli_errors() -> None:
    result = CliRunner().invoke(cli_app, ["--db", UNREACHABLE, "log"])
    assert result.exit_code == 1
    assert SECRET not in result.output
    assert SECRET not in (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in result.output


def test_settings_display_hides_the_password() -> None:
    assert SECRET not in Settings(db=UNREACHABLE).display_db


@pytest.mark.postgres
def test_password_never_appears_for_a_missing_database(pg_admin_url: str) -> None:
    base = pg_admin_url.rsplit("/", 1)[0].replace("postgres@", f"postgres:{SECRET}@")
    with pytest.raises(StoreError) as caught:
        open_timeline(Settings(db=f"{base}/tl_no_such_db_here", recorded_by="t"))
    assert SECRET not in str(caught.value)
    assert "tl_no_such_db_here" in str(caught.value)
    _no_secret(caught.value)


@pytest.fixture
def pg_record(store_url: str) -> Iterator[Timeline]:
    app = open_timeline(Settings(db=store_url, recorded_by="tester"))
    yield app
    app.close()


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {r[0] for r in rows}


@pytest.mark.postgres
@POSTGRES
def test_schema_is_created_on_first_use(store_url: str) -> None:
    assert _tables(store_url) == set()
    app = open_timeline(Settings(db=store_url, recorded_by="tester"))
    try:
        assert {
            "timeline_events",
            "timeline_digests",
            "timeline_tracking",
            "tl_facts",
            "tl_entries",
            "tl_names",
            "tl_entities",
            "tl_log",
        } <= _tables(store_url)
        assert app.view.tracking_position() == 0
        assert app.recorder.digests() == []  # type: ignore[attr-defined]
    finally:
        app.close()
    # Opening again on an existing schema is fine and keeps it.
    again = open_timeline(Settings(db=store_url, recorded_by="tester"))
    again.close()


@pytest.mark.postgres
@POSTGRES
def test_concurrent_first_opens_all_succeed(store_url: str) -> None:
    errors: list[BaseException] = []
    apps: list[Timeline] = []
    lock = threading.Lock()

    def open_one() -> None:
        try:
            opened = open_timeline(Settings(db=store_url, recorded_by="tester"))
        except BaseException as error:  # reported below
            with lock:
                errors.append(error)
        else:
            with lock:
                apps.append(opened)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for opened in apps:
        opened.close()
    assert errors == []


@pytest.mark.postgres
@POSTGRES
def test_a_second_timeline_sees_the_first_ones_events(store_url: str, tmp_path: Path) -> None:
    first = open_timeline(Settings(db=store_url, recorded_by="alice"))
    second = open_timeline(Settings(db=store_url, recorded_by="bob"))
    try:
        fact = a_fact(id="shared-fact")
        first.append([str(write_journal(tmp_path / "a.ndjson", [fact]))], recorded_by="alice")
        assert second.fact_version("shared-fact") == 1
        assert [row["subject"] for row in second.view.log(0, None, None)] == ["shared-fact"]

        second.submit(a_correction("shared-fact", summary="corrected"), recorded_by="bob", where="t")
        assert first.fact_version("shared-fact") == 2
        first.project()
        versions = first.view.fact_versions("shared-fact", None)
        assert [(v["version"], v["recorded_by"]) for v in versions] == [(1, "alice"), (2, "bob")]
        assert verify(first).ok
        assert verify(second).ok
    finally:
        first.close()
        second.close()
    reopened = open_timeline(Settings(db=store_url, recorded_by="carol"))
    try:
        assert reopened.fact_version("shared-fact") == 2
        assert len(reopened.view.log(0, None, None)) == 2
    finally:
        reopened.close()


@pytest.mark.postgres
@POSTGRES
def test_each_batch_has_a_digest_and_tampering_is_found(pg_record: Timeline, tmp_path: Path) -> None:
    pg_record.append([str(write_journal(tmp_path / "a.ndjson", [a_fact(), a_fact()]))], recorded_by="t")
    pg_record.append([str(write_journal(tmp_path / "b.ndjson", [a_fact()]))], recorded_by="t")
    digests = pg_record.recorder.digests()  # type: ignore[attr-defined]
    assert [(first, last) for first, last, _ in digests] == [(1, 2), (3, 3)]
    assert all(isinstance(head, bytes) and len(head) == 32 for _, _, head in digests)
    result = verify(pg_record)
    assert result.head == digests[-1][2].hex()
    assert pg_record.recorder.version_gap() is None  # type: ignore[attr-defined]

    url = pg_record.env.get("POSTGRES_DBNAME")
    assert url
    pool_kwargs = pg_record.factory.datastore.pool.kwargs  # type: ignore[attr-defined]
    with psycopg.connect(
        host=pool_kwargs["host"], port=pool_kwargs["port"], user=pool_kwargs["user"], dbname=url
    ) as conn:
        conn.execute("UPDATE timeline_events SET state = state || '\\x20'::bytea WHERE notification_id = 2")
    with pytest.raises(IntegrityFailure, match="chain"):
        verify(pg_record)


@pytest.mark.postgres
@POSTGRES
def test_current_versions_and_version_gap(pg_record: Timeline, tmp_path: Path) -> None:
    from timeline.domain.fact import fact_uuid

    pg_record.append(
        [str(write_journal(tmp_path / "a.ndjson", [a_fact(id="a"), a_fact(id="b")]))], recorded_by="t"
    )
    pg_record.submit(a_correction("a", summary="x"), recorded_by="t", where="t")
    versions = pg_record.recorder.current_versions(  # type: ignore[attr-defined]
        [fact_uuid("a"), fact_uuid("b"), fact_uuid("nope")]
    )
    assert versions == {fact_uuid("a"): 2, fact_uuid("b"): 1}
    assert pg_record.recorder.current_versions([]) == {}  # type: ignore[attr-defined]


def _raw_events(count: int, *, pad: int = 200) -> list[StoredEvent]:
    """New one-event aggregates whose states are JSON objects (the clock re-stamps them)."""
    return [
        StoredEvent(uuid.uuid4(), 1, "tests:Raw", orjson.dumps({"n": n, "pad": "x" * pad}))
        for n in range(count)
    ]


@pytest.mark.postgres
@POSTGRES
def test_a_batch_conflicting_after_thousands_of_rows_sent_writes_nothing(pg_record: Timeline) -> None:
    recorder = pg_record.recorder
    first = _raw_events(3)
    assert list(recorder.insert_events(first) or []) == [1, 2, 3]
    digests = recorder.digests()
    # ~1 MB of rows goes to the server before the duplicate version at the end.
    batch = [*_raw_events(4000), StoredEvent(first[1].originator_id, 1, "tests:Raw", b'{"n": -1}')]
    with pytest.raises(IntegrityError):
        recorder.insert_events(batch)
    assert recorder.max_notification_id() == 3
    assert recorder.digests() == digests
    # The next batch numbers on from the last committed position, in order.
    after = _raw_events(5)
    assert list(recorder.insert_events(after) or []) == [4, 5, 6, 7, 8]
    stored = recorder.select_notifications(start=4, limit=10)
    assert [(n.id, n.originator_id) for n in stored] == [
        (p, e.originator_id) for p, e in zip(range(4, 9), after, strict=True)
    ]
    assert recorder.version_gap() is None


@pytest.mark.postgres
@POSTGRES
def test_a_reader_tailing_the_log_beside_writers_skips_no_position(pg_record: Timeline) -> None:
    """Positions commit in order (the table lock), so reading "after the last one seen"
    while two writers append never passes over a position that commits later."""
    recorder = pg_record.recorder
    batches, size = 15, 40
    done = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(batches):
                recorder.insert_events(_raw_events(size, pad=20))
        except BaseException as error:  # reported by the test
            errors.append(error)

    seen: list[int] = []

    def tail() -> None:
        while True:
            finished = done.is_set()
            section = recorder.select_notifications(
                start=seen[-1] if seen else 0, limit=500, inclusive_of_start=False
            )
            seen.extend(n.id for n in section)
            if finished and not section:
                return

    writers = [threading.Thread(target=write) for _ in range(2)]
    reader = threading.Thread(target=tail)
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    reader.join()
    assert not errors
    total = 2 * batches * size
    assert seen == list(range(1, total + 1))
    assert [(first, last) for first, last, _ in recorder.digests()] == [
        (start, start + size - 1) for start in range(1, total + 1, size)
    ]
