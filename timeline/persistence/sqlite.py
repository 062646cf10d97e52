"""SQLite: the event recorder (with the hash chain) and the read-model view.

Both live in one database file. The recorder writes each batch's chain head in the
same transaction as the batch; the view takes the write lock first (`BEGIN
IMMEDIATE`), so a view update never races an appender into SQLITE_BUSY.
"""

from __future__ import annotations

import os
import pwd
import sqlite3
import time
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import (
    ConnectionPoolClosedError,
    IntegrityError,
    OperationalError,
    PersistenceError,
    StoredEvent,
    Tracking,
)
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteTrackingRecorder,
)

from timeline.persistence.chain import GENESIS, extend
from timeline.persistence.clock import RecordingClock
from timeline.persistence.readmodel import (
    ADDED_COLUMNS,
    APPLICATION_NAME,
    READ_MODEL_VERSION,
    SCHEMA,
    SQLTimelineView,
)
from timeline.persistence.recorder import TimelineRecorder
from timeline.persistence.schema import (
    CREATE_SCHEMA_TABLE,
    FORGET_SQL,
    RECORD_SQL,
    SCHEMA_TABLE,
    SELECT_SQL,
    schema_digest,
)
from timeline.projections.search import fts5_query

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

_MAX_ROWID = 2**63 - 1
STREAM_PAGE = 1000
"""Rows fetched at a time by `stream`."""
WRITE_CACHE_KIB = 65_536
"""Page cache of a connection that writes (SQLite's default is 2 MiB): a large append
or replay touches index pages all over the read tables, and re-reading them from the
OS costs more than the memory."""

DIGESTS_TABLE = """CREATE TABLE IF NOT EXISTS timeline_digests (
    last_position BIGINT PRIMARY KEY, first_position BIGINT NOT NULL, head BLOB NOT NULL)"""


SEARCH_TABLE = """CREATE VIRTUAL TABLE IF NOT EXISTS tl_search USING fts5(
    body, fact_key UNINDEXED, version UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2')"""


class SQLiteTimelineRecorder(TimelineRecorder, SQLiteApplicationRecorder):
    """The event recorder, extended with the hash chain, the recording clock and batch
    look-ups. Its write transactions take the write lock first (`BEGIN IMMEDIATE`), so
    what they read (the last recorded_at, the last chain head) is the last there is."""

    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)
        self.clock = RecordingClock()

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), DIGESTS_TABLE]

    def create_table(self) -> None:
        digest = schema_digest(self.create_table_statements)
        if _schema_digest(self.datastore, "log") == digest:
            return
        with immediate(self.datastore) as c:
            self._create_table(c)
            _record_schema(c, "log", digest)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with immediate(self.datastore) as c:
            return self._insert_events(c, stored_events, **kwargs)

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Insert the events in one `executemany` and return their positions.

        eventsourcing's recorder inserts one row per `execute` to read each `lastrowid`.
        This transaction holds the write lock, and a rowid table gives each row inserted
        without a rowid the largest rowid so far plus one, so the positions are the ones
        after the last row read here; the table's maximum after the insert confirms it.
        The unique (originator_id, originator_version) key still refuses a stale version
        (`IntegrityError`, raised by `immediate`), which rolls the whole batch back.
        """
        if not stored_events:
            return []
        table = self.events_table_name
        c.execute(f"SELECT rowid, state FROM {table} ORDER BY rowid DESC LIMIT 1")  # noqa: S608
        last = c.fetchone()
        base = int(last[0]) if last else 0
        last_state = last[1] if last else None
        stored_events = self.clock.stamp(stored_events, datetime.now(UTC), last_state, os_user())
        c.executemany(
            self.insert_events_statement,
            [
                (
                    s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
                    s.originator_version,
                    s.topic,
                    s.state,
                )
                for s in stored_events
            ],
        )
        positions = range(base + 1, base + len(stored_events) + 1)
        c.execute(f"SELECT MAX(rowid) FROM {table}")  # noqa: S608
        top = c.fetchone()[0]
        if top != positions[-1]:
            raise PersistenceError(f"the log's positions after {base} are not consecutive (last is {top})")
        # This transaction holds the write lock, so the head read here is the last one.
        c.execute("SELECT head FROM timeline_digests ORDER BY last_position DESC LIMIT 1")
        row = c.fetchone()
        head = extend(bytes(row[0]) if row else GENESIS, positions, stored_events)
        c.execute("INSERT INTO timeline_digests VALUES (?, ?, ?)", (positions[-1], positions[0], head))
        return list(positions)

    def projection_rows(
        self, after: int, limit: int, stop: int | None = None
    ) -> Sequence[tuple[int, str, int, str, bytes]]:
        statement = (
            "SELECT rowid, originator_id, originator_version, topic, state "  # noqa: S608 (constant table name)
            f"FROM {self.events_table_name} WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?"
        )
        with self.datastore.transaction(commit=False) as c:
            cursor = c.sqlite_cursor
            cursor.row_factory = None  # plain tuples: the columns are read by position
            cursor.execute(statement, (after, _MAX_ROWID if stop is None else stop, limit))
            rows: list[tuple[int, str, int, str, bytes]] = cursor.fetchall()
        return rows

    def current_versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        """The stored version of each aggregate id that exists."""
        rows = self._select_by_ids(
            "SELECT originator_id, MAX(originator_version) FROM stored_events "
            "WHERE originator_id IN ({ids}) GROUP BY originator_id",
            ids,
        )
        return {UUID(row[0]): row[1] for row in rows}

    def first_events(self, ids: Sequence[UUID]) -> dict[UUID, StoredEvent]:
        """The first stored event of each aggregate id that exists."""
        rows = self._select_by_ids(
            "SELECT originator_id, topic, state FROM stored_events "
            "WHERE originator_version = 1 AND originator_id IN ({ids})",
            ids,
        )
        return {UUID(r[0]): StoredEvent(UUID(r[0]), 1, r[1], bytes(r[2])) for r in rows}

    def events_of(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """Every stored event of each aggregate id that exists, in version order (one
        query per 500 ids, where `repository.get` would make one per aggregate)."""
        rows = self._select_by_ids(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "WHERE originator_id IN ({ids}) ORDER BY originator_id, originator_version",
            ids,
        )
        found: dict[UUID, list[StoredEvent]] = {}
        for r in rows:
            uid = UUID(r[0])
            found.setdefault(uid, []).append(StoredEvent(uid, r[1], r[2], bytes(r[3])))
        return found

    def _select_by_ids(self, statement: str, ids: Sequence[UUID]) -> list[Any]:
        """Rows of `statement` for every id, 500 ids per query (`{ids}` marks the list)."""
        rows: list[Any] = []
        with self.datastore.transaction(commit=False) as c:
            for chunk in _chunks(ids, 500):
                c.execute(statement.format(ids=", ".join("?" * len(chunk))), [i.hex for i in chunk])
                rows += c.fetchall()
        return rows

    def version_gap(self) -> str | None:
        """A description of the first aggregate whose versions are not 1..n, if any."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT originator_id, COUNT(*), MIN(originator_version), MAX(originator_version) "
                "FROM stored_events GROUP BY originator_id "
                "HAVING MIN(originator_version) <> 1 OR COUNT(*) <> MAX(originator_version) LIMIT 1"
            )
            row = c.fetchone()
            if row is not None:
                return f"aggregate {row[0]} has {row[1]} versions numbered {row[2]}..{row[3]}"
            # Versions must also follow positions (a swap of two versions keeps 1..n).
            c.execute(
                "SELECT originator_id, originator_version FROM (SELECT originator_id, originator_version, "  # noqa: S608 (constant table name)
                "rowid AS p, LAG(rowid) OVER (PARTITION BY originator_id ORDER BY originator_version) "
                f"AS prev FROM {self.events_table_name}) WHERE p < prev LIMIT 1"
            )
            row = c.fetchone()
        if row is None:
            return None
        return f"aggregate {row[0]} has version {row[1]} at a position before version {row[1] - 1}"

    def wait_for_events(self, after: int, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a log position beyond `after` (polls: SQLite has
        no notifications)."""
        deadline = time.monotonic() + timeout
        while True:
            if (self.max_notification_id() or 0) > after:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(0.1, remaining))

    def digests(self) -> list[tuple[int, int, bytes]]:
        """(first position, last position, chain head) of every appended batch."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT first_position, last_position, head FROM timeline_digests ORDER BY last_position"
            )
            return [(r[0], r[1], bytes(r[2])) for r in c.fetchall()]

    def head_at(self, position: int) -> tuple[int, bytes] | None:
        """(last position, chain head) of the last appended batch ending at or before
        `position`; None before the first batch."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT last_position, head FROM timeline_digests WHERE last_position <= ? "
                "ORDER BY last_position DESC LIMIT 1",
                (position,),
            )
            row = c.fetchone()
        return (int(row[0]), bytes(row[1])) if row else None


class SQLiteTimelineView(SQLiteTrackingRecorder, SQLTimelineView):
    """The read models in the same SQLite file as the log."""

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *SCHEMA, SEARCH_TABLE]

    @property
    def tracking_table(self) -> str:
        return "tracking"

    def has_table(self, cursor: Any, name: str) -> bool:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return cursor.fetchone() is not None

    def sql(self, statement: str) -> str:
        return statement

    def search_clause(self, text: str) -> tuple[str, list[Any], str, list[Any]]:
        return "tl_search MATCH ?", [fts5_query(text)], "bm25(tl_search)", []

    def unindexed(self, column: str) -> str:
        return f"+{column}"

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Any]:
        with immediate(self.datastore, commit=commit) as cursor:
            yield cursor

    def create_table(self) -> None:
        # The library reads the tracking table's migration state before its
        # transaction, so two processes opening a new file at once both try to
        # record it. Here the whole check-and-create holds the write lock.
        digest = schema_digest([*self.create_table_statements, f"version {READ_MODEL_VERSION}"])
        if _schema_digest(self.datastore, "views", version_table="tl_version") == digest:
            return
        with immediate(self.datastore) as c:
            self.drop_outdated(c)
            c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tracking'")
            self.tracking_table_exists = c.fetchone() is not None
            migration = None
            if self.tracking_table_exists:
                migration = self._max_tracking_id(self.table_migration_identifier, c)
            self.tracking_migration_current = self.tracking_migration_previous = migration
            self._create_table(c)
            for table, column in ADDED_COLUMNS:
                c.execute(f"PRAGMA table_info({table})")
                if column not in {row[1] for row in c.fetchall()}:
                    c.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")
            _record_schema(c, "views", digest)

    def forget_schema(self, cursor: Any) -> None:
        """Make the next opening run the DDL again (a replay dropped query indexes)."""
        cursor.execute(FORGET_SQL, ("views",))

    def stream(self, statement: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        # A reader that stopped early (`| head`) may let the record close before this
        # generator is finalised: its connection then has no pool to go back to.
        with suppress(ConnectionPoolClosedError), self.transaction(commit=False) as cursor:
            cursor.execute(statement, tuple(params))
            while rows := cursor.sqlite_cursor.fetchmany(STREAM_PAGE):
                yield from (tuple(row) for row in rows)

    def record_tracking(self, cursor: Any, position: int) -> None:
        self._insert_tracking(cursor, Tracking(APPLICATION_NAME, position))

    def tracking_position(self, cursor: Any | None = None) -> int:
        if cursor is None:
            return self.max_tracking_id(APPLICATION_NAME) or 0
        return self._max_tracking_id(APPLICATION_NAME, cursor) or 0

    def reset_tracking(self, cursor: Any) -> None:
        cursor.execute("DELETE FROM tracking WHERE application_name = ?", (APPLICATION_NAME,))


def os_user() -> str:
    """The operating-system user this process runs as: who SQLite knows wrote an event."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name[:200]
    except (KeyError, AttributeError, OSError):
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def _schema_digest(datastore: SQLiteDatastore, component: str, version_table: str = "") -> str | None:
    """The digest of the DDL last run for `component`, if any (a read: no lock taken).
    With `version_table`, None unless that table holds READ_MODEL_VERSION too."""
    with immediate(datastore, commit=False) as c:
        for table in filter(None, (SCHEMA_TABLE, version_table)):
            c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
            if c.fetchone() is None:
                return None
        if version_table:
            c.execute(f"SELECT version FROM {version_table}")  # noqa: S608 (constant table name)
            if [tuple(r) for r in c.fetchall()] != [(READ_MODEL_VERSION,)]:
                return None
        c.execute(SELECT_SQL, (component,))
        row = c.fetchone()
    return str(row[0]) if row else None


def _record_schema(cursor: Any, component: str, digest: str) -> None:
    cursor.execute(CREATE_SCHEMA_TABLE)
    cursor.execute(RECORD_SQL, (component, digest))


@contextmanager
def immediate(datastore: SQLiteDatastore, *, commit: bool = True) -> Iterator[Any]:
    """A cursor in one transaction; a writing one takes the write lock first (waiting
    up to the lock timeout), so it never fails to upgrade a read lock mid-way."""
    with datastore.get_connection(commit=commit) as connection:
        cursor = connection.cursor()
        try:
            if commit:
                cursor.execute(f"PRAGMA cache_size = -{WRITE_CACHE_KIB}")
            cursor.execute("BEGIN IMMEDIATE" if commit else "BEGIN")
            yield cursor
            if commit:
                connection.commit()
            else:
                connection.rollback()
        except sqlite3.IntegrityError as error:
            connection.rollback()
            raise IntegrityError(error) from error
        except sqlite3.OperationalError as error:
            _rollback(connection)
            raise OperationalError(error) from error
        except sqlite3.Error as error:
            _rollback(connection)
            raise PersistenceError(error) from error
        except BaseException:
            _rollback(connection)
            raise
        finally:
            cursor.sqlite_cursor.close()


def _rollback(connection: Any) -> None:
    with suppress(sqlite3.Error):
        connection.rollback()


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
