"""Issue 18, item 3: `verify` cannot be blinded by deleting the chain heads, by
deleting or swapping events and re-chaining, or by a back-dated event (both stores)."""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
import pytest

from tests.factories import a_correction, a_fact, write_journal
from timeline import IntegrityFailure, Settings, Timeline, open_timeline
from timeline.audit.verify import verify
from timeline.persistence.chain import GENESIS, link

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


class Attacker:
    """Plain SQL on the store, as someone with database access would write it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith("postgresql://")
        self.events = "timeline_events" if self.postgres else "stored_events"
        self.position = "notification_id" if self.postgres else "rowid"

    @contextmanager
    def connect(self) -> Iterator[Any]:
        if self.postgres:
            import psycopg

            with psycopg.connect(self.url) as conn:
                yield conn
        else:
            with closing(sqlite3.connect(self.url)) as conn:
                yield conn
                conn.commit()

    def run(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        statement = statement.format(events=self.events, position=self.position)
        if self.postgres:
            statement = statement.replace("?", "%s")
        with self.connect() as conn:
            cursor = conn.execute(statement, params)
            return list(cursor.fetchall()) if cursor.description else []

    def rows(self) -> list[tuple[Any, ...]]:
        return self.run(
            "SELECT {position}, originator_id, originator_version, topic, state FROM {events} ORDER BY {position}"
        )

    def rechain(self) -> None:
        """Recompute every chain head over the log as it now is, in one batch."""
        head = GENESIS
        rows = self.rows()
        for position, oid, version, topic, state in rows:
            head = link(head, position, oid, version, topic, bytes(state))
        self.run("DELETE FROM timeline_digests")
        self.run("INSERT INTO timeline_digests VALUES (?, ?, ?)", (rows[-1][0], rows[0][0], head))


@pytest.fixture
def filled(store_url: str, tmp_path: Path) -> Iterator[Timeline]:
    """Positions 1-3 (three facts) in one batch, 4-6 (two corrections of f1, a fact) in another."""
    app = open_timeline(Settings(db=store_url, recorded_by="tester"))
    first = write_journal(tmp_path / "one.ndjson", [a_fact(id="f1"), a_fact(id="f2"), a_fact(id="f3")])
    second = write_journal(
        tmp_path / "two.ndjson",
        [a_correction("f1", drones=4), a_correction("f1", reason="later", drones=5), a_fact(id="f4")],
    )
    app.append([str(first)], recorded_by="alice")
    app.append([str(second)], recorded_by="bob")
    assert verify(app).ok
    yield app
    app.close()


def _fails(app: Timeline, check: str) -> str:
    with pytest.raises(IntegrityFailure) as caught:
        verify(app)
    message = str(caught.value)
    assert message.startswith(f"verify: {check}:"), message
    return message


def test_an_edit_hidden_by_deleting_the_chain_heads_and_replaying_is_caught(
    filled: Timeline, store_url: str
) -> None:
    attacker = Attacker(store_url)
    state = bytes(attacker.run("SELECT state FROM {events} WHERE {position} = 2")[0][0])
    attacker.run("UPDATE {events} SET state = ? WHERE {position} = 2", (state.replace(b"Kremlin", b"Kyiv"),))
    attacker.run("DELETE FROM timeline_digests")
    filled.replay()
    assert "no digest covers" in _fails(filled, "chain")


def test_deleting_some_chain_heads_is_caught(filled: Timeline, store_url: str) -> None:
    Attacker(store_url).run("DELETE FROM timeline_digests WHERE last_position = 3")
    assert "do not cover positions 1..3" in _fails(filled, "chain")


def test_deleting_a_middle_event_and_re_chaining_is_caught(filled: Timeline, store_url: str) -> None:
    attacker = Attacker(store_url)
    attacker.run("DELETE FROM {events} WHERE {position} = 3")  # f3: a fact with one version
    attacker.rechain()
    filled.replay()
    assert "missing 3" in _fails(filled, "positions")


def test_swapping_two_middle_events_and_re_chaining_is_caught(filled: Timeline, store_url: str) -> None:
    attacker = Attacker(store_url)
    # f3 (position 3, first batch) and f4 (position 6, second batch): independent facts.
    attacker.run("UPDATE {events} SET {position} = 1000 WHERE {position} = 3")
    attacker.run("UPDATE {events} SET {position} = 3 WHERE {position} = 6")
    attacker.run("UPDATE {events} SET {position} = 6 WHERE {position} = 1000")
    attacker.rechain()
    filled.replay()
    assert "back-dated or reordered" in _fails(filled, "recorded_at")


def test_swapping_two_events_of_one_batch_and_re_chaining_is_caught(filled: Timeline, store_url: str) -> None:
    attacker = Attacker(store_url)
    attacker.run("UPDATE {events} SET {position} = 1000 WHERE {position} = 2")
    attacker.run("UPDATE {events} SET {position} = 2 WHERE {position} = 3")
    attacker.run("UPDATE {events} SET {position} = 3 WHERE {position} = 1000")
    attacker.rechain()
    filled.replay()
    _fails(filled, "recorded_at")


def test_an_appended_event_with_a_back_dated_recorded_at_is_caught(filled: Timeline, store_url: str) -> None:
    attacker = Attacker(store_url)
    _, _, _, topic, state = attacker.rows()[0]
    payload = orjson.loads(bytes(state))
    payload["id"] = "forged"
    payload["timestamp"] = "2020-01-01T00:00:00Z"
    forged_state = orjson.dumps(payload)
    oid: Any = uuid.uuid4()
    oid_stored = oid if attacker.postgres else oid.hex
    head = bytes(attacker.run("SELECT head FROM timeline_digests WHERE last_position = 6")[0][0])
    head = link(head, 7, oid, 1, topic, forged_state)
    if attacker.postgres:
        attacker.run(
            "INSERT INTO {events} (originator_id, originator_version, topic, state, notification_id) "
            "VALUES (?, 1, ?, ?, 7)",
            (oid_stored, topic, forged_state),
        )
    else:
        attacker.run("INSERT INTO {events} VALUES (?, 1, ?, ?)", (oid_stored, topic, forged_state))
    attacker.run("INSERT INTO timeline_digests VALUES (7, 7, ?)", (head,))
    assert "position 7 was recorded at 2020-01-01" in _fails(filled, "recorded_at")


def test_recorded_at_rises_strictly_with_position(filled: Timeline, store_url: str) -> None:
    stamps = [
        datetime.fromisoformat(orjson.loads(bytes(row[4]))["timestamp"].replace("Z", "+00:00"))
        for row in Attacker(store_url).rows()
    ]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)
    assert all(abs((datetime.now(UTC) - stamp).total_seconds()) < 300 for stamp in stamps)


def test_a_refused_write_leaves_no_gap_in_the_positions(filled: Timeline, tmp_path: Path) -> None:
    from eventsourcing.persistence import IntegrityError

    # A stale write (a version that exists) is rolled back; on PostgreSQL a sequence
    # would have burnt a position for it.
    stale = filled.recorder.select_notifications(start=1, limit=1)[0]
    with pytest.raises(IntegrityError):
        filled.recorder.insert_events([stale])
    filled.append([str(write_journal(tmp_path / "more.ndjson", [a_fact(id="f5")]))], recorded_by="carol")
    assert [n.id for n in filled.recorder.select_notifications(start=1, limit=100)] == list(range(1, 8))
    assert verify(filled).ok
