"""`verify` on a real SQLite file: intact stores pass, every kind of tampering is named."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing, contextmanager
from typing import TYPE_CHECKING

import pytest

from cli.app import app as cli_app
from tests.factories import a_correction, a_fact, write_journal
from timeline import IntegrityFailure, InvalidInputError, Timeline
from timeline.audit.verify import verify
from timeline.persistence.chain import GENESIS, link

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from typer.testing import CliRunner


@pytest.fixture
def filled(sqlite_record: Timeline, tmp_path: Path) -> Timeline:
    """Two appended batches: positions 1-3 (three facts), then 4-6 (two corrections, a fact)."""
    first = write_journal(
        tmp_path / "one.ndjson",
        [a_fact(id="f1", summary="alpha summary"), a_fact(id="f2", summary="beta summary"), a_fact(id="f3")],
    )
    second = write_journal(
        tmp_path / "two.ndjson",
        [
            a_correction("f1", summary="alpha corrected"),
            a_correction("f1", reason="later", drones=5),
            a_fact(id="f4", target="Kyiv"),
        ],
    )
    assert sqlite_record.append([str(first)], recorded_by="alice").appended == 3
    assert sqlite_record.append([str(second)], recorded_by="bob").appended == 3
    return sqlite_record


@contextmanager
def raw(path: str) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection to the store file, committing on exit (the attacker)."""
    with closing(sqlite3.connect(path)) as connection:
        yield connection
        connection.commit()


def _state(connection: sqlite3.Connection, position: int) -> bytes:
    return bytes(
        connection.execute("SELECT state FROM stored_events WHERE rowid = ?", (position,)).fetchone()[0]
    )


def _fails(app: Timeline, check: str, expect: str | None = None) -> str:
    with pytest.raises(IntegrityFailure) as caught:
        verify(app, expect)
    message = str(caught.value)
    assert message.startswith(f"verify: {check}:"), message
    assert "\n" not in message
    return message


def test_an_intact_store_passes(filled: Timeline) -> None:
    result = verify(filled)
    assert result.ok
    assert result.events == 6
    assert result.head_position == 6
    assert re.fullmatch(r"[0-9a-f]{64}", result.head)
    assert result.checks == {
        "chain": "ok",
        "positions": "ok",
        "recorded_at": "ok",
        "versions": "ok",
        "views": "ok",
    }
    assert verify(filled).head == result.head  # deterministic


def test_an_empty_store_passes(sqlite_record: Timeline) -> None:
    result = verify(sqlite_record)
    assert (result.events, result.head_position, result.head) == (0, 0, GENESIS.hex())


def test_editing_one_byte_of_a_payload_breaks_the_chain(filled: Timeline, sqlite_url: str) -> None:
    with raw(sqlite_url) as db:
        state = bytearray(_state(db, 2))
        index = state.index(b"beta")
        state[index] = ord("B")
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = 2", (bytes(state),))
    assert "position 3" in _fails(filled, "chain")


def test_editing_a_payload_and_the_read_models_alike_still_breaks_the_chain(
    filled: Timeline, sqlite_url: str
) -> None:
    with raw(sqlite_url) as db:
        state = _state(db, 1).replace(b"alpha summary", b"gamma summary")
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = 1", (state,))
        db.execute("UPDATE tl_facts SET record = replace(record, 'alpha summary', 'gamma summary')")
        db.execute("UPDATE tl_facts SET changes = replace(changes, 'alpha summary', 'gamma summary')")
        changed = db.execute("SELECT COUNT(*) FROM tl_facts WHERE record LIKE '%gamma summary%'").fetchone()[
            0
        ]
        assert changed == 1  # only version 1 still held the old summary
        db.execute("UPDATE tl_entries SET name = name WHERE fact_key = 'f1'")
    # The read models now agree with the edited log (a replay gives the same tables) …
    assert filled.view.query("SELECT COUNT(*) FROM tl_facts WHERE record LIKE '%gamma%'") == [(1,)]
    # … but the chain written with the batch does not.
    _fails(filled, "chain")


@pytest.mark.parametrize("position", [2, 3, 6])
def test_deleting_an_event_breaks_the_chain(filled: Timeline, sqlite_url: str, position: int) -> None:
    with raw(sqlite_url) as db:
        db.execute("DELETE FROM stored_events WHERE rowid = ?", (position,))
    _fails(filled, "chain")


def test_reordering_two_events_breaks_the_chain(filled: Timeline, sqlite_url: str) -> None:
    with raw(sqlite_url) as db:
        db.execute("UPDATE stored_events SET rowid = 1000 WHERE rowid = 2")
        db.execute("UPDATE stored_events SET rowid = 2 WHERE rowid = 3")
        db.execute("UPDATE stored_events SET rowid = 3 WHERE rowid = 1000")
    _fails(filled, "chain")


def test_appending_an_event_behind_timelines_back_is_caught(filled: Timeline, sqlite_url: str) -> None:
    with raw(sqlite_url) as db:
        row = db.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events WHERE rowid = 5"
        ).fetchone()
        db.execute(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
            (row[0], row[1] + 2, row[2], row[3]),
        )
    _fails(filled, "chain")


def _rechain(db: sqlite3.Connection) -> None:
    """Recompute every chain head, as an attacker would after rewriting the log."""
    head = GENESIS
    rows = db.execute(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
    ).fetchall()
    for position, oid, version, topic, state in rows:
        head = link(head, position, oid, version, topic, bytes(state))
    db.execute("DELETE FROM timeline_digests")
    db.execute("INSERT INTO timeline_digests VALUES (?, ?, ?)", (rows[-1][0], rows[0][0], head))


def test_rewriting_the_digests_too_is_caught_by_the_positions_check(
    filled: Timeline, sqlite_url: str
) -> None:
    """An attacker who deletes f1's version 2 and recomputes every chain head."""
    with raw(sqlite_url) as db:
        uid = db.execute("SELECT originator_id FROM stored_events WHERE rowid = 4").fetchone()[0]
        db.execute("DELETE FROM stored_events WHERE originator_id = ? AND originator_version = 2", (uid,))
        _rechain(db)
    assert "missing 4" in _fails(filled, "positions")


def test_renumbering_positions_too_is_caught_by_the_version_check(filled: Timeline, sqlite_url: str) -> None:
    """… and who also closes the gap in the positions."""
    with raw(sqlite_url) as db:
        uid = db.execute("SELECT originator_id FROM stored_events WHERE rowid = 4").fetchone()[0]
        db.execute("DELETE FROM stored_events WHERE originator_id = ? AND originator_version = 2", (uid,))
        for position in (5, 6):
            db.execute("UPDATE stored_events SET rowid = ? WHERE rowid = ?", (position - 1, position))
        _rechain(db)
    assert "versions numbered" in _fails(filled, "versions")


def test_editing_only_a_read_model_fails_the_views_check(filled: Timeline, sqlite_url: str) -> None:
    with raw(sqlite_url) as db:
        db.execute(
            "UPDATE tl_facts SET record = replace(record, 'beta summary', 'forged') WHERE fact_key = 'f2'"
        )
    assert "tl_facts" in _fails(filled, "views")


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM tl_entries WHERE fact_key = 'f4' AND kind = 'location'",
        "UPDATE tl_entries SET status = 'retracted' WHERE fact_key = 'f2'",
        "INSERT INTO tl_names VALUES ('location', 'kyiv', 'Kyiv', 'kremlin', 1, NULL)",
        "INSERT INTO tl_entities VALUES ('location', 'kyiv', 'Kyiv', 'kyiv', NULL, 'moscow', NULL, NULL, NULL, NULL, NULL, 1, NULL)",
        "UPDATE tl_log SET recorded_by = 'mallory' WHERE position = 4",
    ],
)
def test_any_forged_read_model_row_fails_the_views_check(
    filled: Timeline, sqlite_url: str, statement: str
) -> None:
    with raw(sqlite_url) as db:
        db.execute(statement)
    _fails(filled, "views")


def test_expect_proves_a_published_head(filled: Timeline, tmp_path: Path) -> None:
    published = verify(filled)
    expect = f"{published.head}@{published.head_position}"
    assert verify(filled, expect).ok
    # the head published at 6 still proves the first 6 events after more are appended
    write_journal(tmp_path / "three.ndjson", [a_fact(id="f5")])
    filled.append([str(tmp_path / "three.ndjson")], recorded_by="carol")
    later = verify(filled, expect)
    assert later.head_position == 7
    assert later.head != published.head
    wrong = ("0" if published.head[0] != "0" else "1") + published.head[1:]
    _fails(filled, "expect", f"{wrong}@6")
    _fails(filled, "expect", f"{published.head}@5")  # the right digest at the wrong position
    _fails(filled, "expect", f"{published.head}@99")  # no such position
    with pytest.raises(InvalidInputError):
        verify(filled, "not-a-digest@6")


def test_expect_fails_after_tampering_before_n(filled: Timeline, sqlite_url: str) -> None:
    head = verify(filled).head
    with raw(sqlite_url) as db:
        state = _state(db, 6).replace(b"Kyiv", b"Kiev")
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = 6", (state,))
    with pytest.raises(IntegrityFailure):
        verify(filled, f"{head}@6")


def test_cli_verify(filled: Timeline, sqlite_url: str, cli: CliRunner) -> None:
    ok = cli.invoke(cli_app, ["verify", "--db", sqlite_url])
    assert ok.exit_code == 0, ok.output
    assert "intact" in ok.stdout
    head = cli.invoke(cli_app, ["verify", "--print-head", "--db", sqlite_url])
    assert head.exit_code == 0, head.output
    printed = head.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{64}@6", printed)
    assert printed == f"{verify(filled).head}@6"
    expect = cli.invoke(cli_app, ["verify", "--expect", printed, "--db", sqlite_url])
    assert expect.exit_code == 0, expect.output

    with raw(sqlite_url) as db:
        state = _state(db, 2).replace(b"beta", b"Beta")
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = 2", (state,))
    broken = cli.invoke(cli_app, ["verify", "--db", sqlite_url])
    assert broken.exit_code != 0
    lines = broken.stderr.strip().splitlines()
    assert len(lines) == 1, broken.stderr
    assert "chain" in lines[0]
    assert "Traceback" not in broken.output


def test_read_models_that_reject_the_log_stop_the_catch_up_with_a_clear_error(tmp_path) -> None:
    """A read-model row in the way of the next event (tampering, corruption) must not loop forever."""
    import sqlite3

    from tests.factories import a_correction, a_fact, write_journal
    from timeline import Settings, StoreError, open_timeline

    db = tmp_path / "stuck.db"
    app = open_timeline(Settings(db=str(db), recorded_by="tester"))
    app.append([str(write_journal(tmp_path / "a.ndjson", [a_fact(id="stuck")]))], recorded_by="tester")
    # A stray version-2 row that the next correction's projection will collide with.
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO tl_facts SELECT fact_key, 2, position, recorded_at, recorded_by, event, reason, "
            "changes, record, valid_from, 1, store_user FROM tl_facts WHERE fact_key = 'stuck'"
        )
    journal = write_journal(tmp_path / "b.ndjson", [a_correction("stuck", drones=5)])
    # The write stands (it committed); the read models' failure is a note, not an error …
    assert app.append([str(journal)], recorded_by="tester").appended == 1
    assert any("timeline replay" in note for note in app.notes)
    # … and the next catch-up says what to do.
    with pytest.raises(StoreError, match="timeline replay"):
        app.project()
    app.replay()  # the log is intact: rebuilding the read models repairs them
    from timeline.audit.verify import verify

    verify(app)
    app.close()
