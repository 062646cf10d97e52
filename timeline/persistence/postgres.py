"""PostgreSQL: the event recorder (with the hash chain) and the read-model view.

Twins of `timeline.persistence.sqlite`. The recorder writes each batch's chain head
(`timeline_digests`) in the same transaction as the batch, while the library's
EXCLUSIVE lock on the events table is held, so the previous head it reads is the
last one. The view's write transactions take an EXCLUSIVE lock on `tl_log` first,
so two processes projecting at once apply each section once and in order.

Passwords never appear in the errors raised here: the connection is tried once
when the recorder is built, and a failure is reported without the password.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager, suppress
from itertools import starmap
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

import orjson
import psycopg
from eventsourcing.persistence import (
    ConnectionPoolClosedError,
    IntegrityError,
    InterfaceError,
    InternalError,
    Notification,
    OperationalError,
    StoredEvent,
    Tracking,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
    PostgresTrackingRecorder,
)
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier

from timeline.persistence.chain import GENESIS, link
from timeline.persistence.clock import RecordingClock
from timeline.persistence.readmodel import (
    ADDED_COLUMNS,
    APPLICATION_NAME,
    INSERT_COLUMNS,
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

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from eventsourcing.utils import Environment

DIGESTS_TABLE = "timeline_digests"
STREAM_PAGE = 1000
"""Rows fetched at a time by `stream`."""
DDL_LOCK_KEY = 0x74696D656C696E65  # "timeline": serialises schema creation across processes
CREATE_RETRIES = 5

_T = TypeVar("_T")


class TimelinePostgresFactory(PostgresFactory):
    """The library's factory, with the URL's own connection parameters (sslmode, …).

    They are passed to libpq as given, and an empty password is left out, so that
    libpq's own sources ($PGPASSWORD, ~/.pgpass, $PGSSLMODE, …) apply as in psql.
    """

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        kwargs = self.datastore.pool.kwargs
        assert isinstance(kwargs, dict)
        kwargs.update(orjson.loads(env.get("TIMELINE_PG_PARAMS") or "{}"))
        if not kwargs.get("password"):
            kwargs.pop("password", None)


SEARCH_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS tl_search (
        fact_key TEXT COLLATE "C" NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
        document tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED)""",
    "CREATE INDEX IF NOT EXISTS tl_search_document ON tl_search USING GIN (document)",
    "CREATE INDEX IF NOT EXISTS tl_search_fact ON tl_search (fact_key, version)",
]
"""The full-text table: a stemmed tsvector kept by PostgreSQL, with a GIN index."""
SEARCH_INDEXES = ("tl_search_document", "tl_search_fact")
"""Indexes of the full-text table that only queries use (see `drop_query_indexes`)."""


class PostgresTimelineRecorder(TimelineRecorder, PostgresApplicationRecorder):
    """The event recorder, extended with the hash chain and batch look-ups."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        check_connection(datastore)
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        self._events = SQL("{0}.{1}").format(schema, Identifier(self.events_table_name))
        self._digests = SQL("{0}.{1}").format(schema, Identifier(DIGESTS_TABLE))
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} (last_position BIGINT PRIMARY KEY, "
                "first_position BIGINT NOT NULL, head BYTEA NOT NULL)"
            ).format(self._digests)
        )
        self.clock = RecordingClock()
        # Positions are numbered here, under the table lock, from the last one: a
        # sequence would burn numbers on every rolled-back insert, and verify requires
        # positions without gaps. The events go by binary COPY (psycopg writes each row
        # in C; the library's INSERT of an array adapts it value by value in Python),
        # so the insert runs in an ordinary transaction, not in the library's pipeline
        # (where COPY is not allowed).
        id_type = "uuid" if self.datastore.originator_id_type == "uuid" else "text"
        self._copy_types = [id_type, "int8", "text", "bytea", "int8"]
        self._copy_events = SQL(
            "COPY {0} (originator_id, originator_version, topic, state, notification_id) "
            "FROM STDIN (FORMAT BINARY)"
        ).format(self._events)
        # One round trip (simple protocol, no parameters): the library's lock, so that
        # positions commit in order and no reader passes over one that commits later;
        # the NOTIFY that wakes followers at commit; and, with the lock held, the last
        # position, its recorded_at, the server's clock and the chain head every later
        # writer will see.
        self._lock_and_read = SQL(
            "SET LOCAL lock_timeout = '{lock_timeout}s'; "
            "LOCK TABLE {events} IN EXCLUSIVE MODE; "
            "NOTIFY {channel}; "
            "SELECT clock_timestamp() AS now, session_user AS who, top.m AS last, e.state, "
            "(SELECT head FROM {digests} ORDER BY last_position DESC LIMIT 1) AS head "
            "FROM (SELECT MAX(notification_id) AS m FROM {events}) AS top "
            "LEFT JOIN {events} AS e ON e.notification_id = top.m"
        ).format(
            lock_timeout=int(self.datastore.lock_timeout),
            events=self._events,
            channel=Identifier(self.channel_name),
            digests=self._digests,
        )
        self._insert_digest = SQL(
            "INSERT INTO {0} (last_position, first_position, head) VALUES (%s, %s, %s)"
        ).format(self._digests)

    def create_table(self) -> None:
        _create_once(self, "log", super().create_table)

    def _create_table(self, curs: Any) -> None:
        curs.execute(SQL("SELECT pg_advisory_xact_lock({0})").format(DDL_LOCK_KEY))
        super()._create_table(curs)
        _record_schema(self, curs, "log")

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """Append a batch in one transaction; its positions, in order.

        A stored (originator_id, originator_version) makes the COPY fail on the
        primary key: eventsourcing's IntegrityError, and nothing of the batch stays.
        """
        if not stored_events:
            return []
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor(row_factory=tuple_row) as curs,
        ):
            curs.execute(self._lock_and_read)
            while curs.nextset():
                pass  # the SELECT's result is the last one
            row = curs.fetchone()
            assert row is not None
            now, who, last, last_state, head = row
            first = int(last or 0) + 1
            positions = range(first, first + len(stored_events))
            # Each event is stamped and linked into the chain as it is sent: the server
            # stores the rows before it meanwhile (rows go in 32 KiB chunks).
            head = bytes(head) if head is not None else GENESIS
            stamped = self.clock.stamping(stored_events, now, last_state, str(who)[:200])
            with curs.copy(self._copy_events) as copy:
                copy.set_types(self._copy_types)
                write_row = copy.write_row
                uuid_ids = self._copy_types[0] == "uuid"
                for position, event in zip(positions, stamped, strict=True):
                    oid, version, topic, state = (
                        event.originator_id,
                        event.originator_version,
                        event.topic,
                        event.state,
                    )
                    if uuid_ids and not isinstance(oid, UUID):
                        oid = UUID(str(oid))  # the binary format takes UUID objects only
                    write_row((oid, version, topic, state, position))
                    head = link(head, position, oid, version, topic, state)
            curs.execute(self._insert_digest, (positions[-1], first, head))
        return list(positions)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """The library's query, read in binary into tuples (about half the cost a row
        of its text format and dict rows: projections and verify read the whole log)."""
        clauses: list[str] = []
        params: list[Any] = []
        if start is not None:
            clauses.append("notification_id >= %s" if inclusive_of_start else "notification_id > %s")
            params.append(start)
        if stop is not None:
            clauses.append("notification_id <= %s")
            params.append(stop)
        if topics:
            clauses.append("topic = ANY(%s)")
            params.append(list(topics))
        params.append(limit)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        query = SQL(
            "SELECT originator_id, originator_version, topic, state, notification_id FROM {0}"  # noqa: S608
            + where
            + " ORDER BY notification_id LIMIT %s"
        ).format(self._events)
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row, binary=True) as curs,
        ):
            curs.execute(query, params, prepare=True)
            return list(starmap(Notification, curs.fetchall()))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def projection_rows(
        self, after: int, limit: int, stop: int | None = None
    ) -> Sequence[tuple[int, str, int, str, bytes]]:
        # The id's hex text made by the server, the rows read in binary as tuples.
        oid = "translate(originator_id::text, '-', '')" if self._copy_types[0] == "uuid" else "originator_id"
        params: list[Any] = [after]
        bound = ""
        if stop is not None:
            bound = " AND notification_id <= %s"
            params.append(stop)
        params.append(limit)
        query = SQL(
            f"SELECT notification_id, {oid}, originator_version, topic, state FROM {{0}} "  # noqa: S608
            f"WHERE notification_id > %s{bound} ORDER BY notification_id LIMIT %s"
        ).format(self._events)
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row, binary=True) as curs,
        ):
            curs.execute(query, params, prepare=True)
            rows: list[tuple[int, str, int, str, bytes]] = curs.fetchall()
        return rows

    def current_versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        """The stored version of each aggregate id that exists."""
        rows = self._select_by_ids(
            "SELECT originator_id, MAX(originator_version) AS version FROM {0} "
            "WHERE originator_id = ANY(%s) GROUP BY originator_id",
            ids,
        )
        return {_uuid(row["originator_id"]): int(row["version"]) for row in rows}

    def first_events(self, ids: Sequence[UUID]) -> dict[UUID, StoredEvent]:
        """The first stored event of each aggregate id that exists."""
        rows = self._select_by_ids(
            "SELECT originator_id, topic, state FROM {0} "
            "WHERE originator_version = 1 AND originator_id = ANY(%s)",
            ids,
        )
        return {
            _uuid(r["originator_id"]): StoredEvent(
                _uuid(r["originator_id"]), 1, r["topic"], bytes(r["state"])
            )
            for r in rows
        }

    def events_of(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """Every stored event of each aggregate id that exists, in version order (one
        query per 1,000 ids, where `repository.get` would make one per aggregate)."""
        rows = self._select_by_ids(
            "SELECT originator_id, originator_version, topic, state FROM {0} "
            "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version",
            ids,
        )
        found: dict[UUID, list[StoredEvent]] = {}
        for r in rows:
            uid = _uuid(r["originator_id"])
            found.setdefault(uid, []).append(
                StoredEvent(uid, int(r["originator_version"]), r["topic"], bytes(r["state"]))
            )
        return found

    def _select_by_ids(self, statement: str, ids: Sequence[UUID]) -> list[Any]:
        """Rows of `statement` (events table as `{0}`, ids as `%s`), 1,000 ids per query.

        Each query on its own, outside a transaction: one round trip, not three (BEGIN,
        SELECT, ROLLBACK). A transaction would not make the queries agree anyway (READ
        COMMITTED takes a snapshot per statement), and validation asks once per
        gazetteer line.
        """
        rows: list[Any] = []
        if not ids:
            return rows
        query = SQL(statement).format(self._events)
        with self.datastore.get_connection() as conn:
            for start in range(0, len(ids), 1000):
                rows += conn.execute(query, (list(ids[start : start + 1000]),), prepare=True).fetchall()
        return rows

    def version_gap(self) -> str | None:
        """A description of the first aggregate whose versions are not 1..n, if any."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL(
                    "SELECT originator_id, COUNT(*) AS n, MIN(originator_version) AS lo, "
                    "MAX(originator_version) AS hi FROM {0} GROUP BY originator_id "
                    "HAVING MIN(originator_version) <> 1 OR COUNT(*) <> MAX(originator_version) LIMIT 1"
                ).format(self._events)
            )
            row = curs.fetchone()
            if row is not None:
                oid, n, lo, hi = _hex(row["originator_id"]), row["n"], row["lo"], row["hi"]
                return f"aggregate {oid} has {n} versions numbered {lo}..{hi}"
            # Versions must also follow positions (a swap of two versions keeps 1..n).
            curs.execute(
                SQL(
                    "SELECT originator_id, originator_version FROM (SELECT originator_id, "
                    "originator_version, notification_id AS p, LAG(notification_id) OVER "
                    "(PARTITION BY originator_id ORDER BY originator_version) AS prev FROM {0}) AS o "
                    "WHERE p < prev LIMIT 1"
                ).format(self._events)
            )
            row = curs.fetchone()
        if row is None:
            return None
        oid, version = _hex(row["originator_id"]), int(row["originator_version"])
        return f"aggregate {oid} has version {version} at a position before version {version - 1}"

    def wait_for_events(self, after: int, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a log position beyond `after`, woken by the
        NOTIFY every append sends on the events table's channel (LISTEN, no polling)."""
        with self.datastore.get_connection() as conn:
            conn.execute(SQL("LISTEN {0}").format(Identifier(self.channel_name)))
            try:
                if (self.max_notification_id() or 0) > after:
                    return True
                return any(True for _ in conn.notifies(timeout=timeout, stop_after=1))
            finally:
                conn.execute("UNLISTEN *")

    def digests(self) -> list[tuple[int, int, bytes]]:
        """(first position, last position, chain head) of every appended batch."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL("SELECT first_position, last_position, head FROM {0} ORDER BY last_position").format(
                    self._digests
                )
            )
            return [
                (int(r["first_position"]), int(r["last_position"]), bytes(r["head"])) for r in curs.fetchall()
            ]

    def head_at(self, position: int) -> tuple[int, bytes] | None:
        """(last position, chain head) of the last appended batch ending at or before
        `position`; None before the first batch."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL(
                    "SELECT last_position, head FROM {0} WHERE last_position <= %s "
                    "ORDER BY last_position DESC LIMIT 1"
                ).format(self._digests),
                (position,),
            )
            row = curs.fetchone()
        return (int(row["last_position"]), bytes(row["head"])) if row else None


class PostgresTimelineView(PostgresTrackingRecorder, SQLTimelineView):
    """The read models in the same PostgreSQL database as the log."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.sql_create_statements.extend(SQL(_pg_ddl(statement)) for statement in SCHEMA)  # type: ignore[misc]
        self.sql_create_statements.extend(SQL(statement) for statement in SEARCH_SCHEMA)  # type: ignore[misc]
        schema = Identifier(self.datastore.schema)
        self._tracking = SQL("{0}.{1}").format(schema, Identifier(self.tracking_table_name))
        self._lock_statements: list[Composed] = [
            SQL("SET LOCAL lock_timeout = '{0}s'").format(int(self.datastore.lock_timeout)),
            SQL("LOCK TABLE {0}.tl_log IN EXCLUSIVE MODE").format(schema),
        ]
        self._copy_statements: dict[str, Composed] = {}

    def create_table(self) -> None:
        _create_once(self, "views", super().create_table)

    def _create_table(self, curs: Any) -> None:
        curs.execute(SQL("SELECT pg_advisory_xact_lock({0})").format(DDL_LOCK_KEY))
        # Projectors lock tl_log before the other read-model tables; DDL on them
        # (CREATE INDEX takes a SHARE lock) does the same, or the two deadlock.
        if self.has_table(curs, "tl_log"):
            curs.execute(self._lock_statements[-1])
        self.drop_outdated(curs)
        super()._create_table(curs)
        for table, column in ADDED_COLUMNS:
            curs.execute(
                SQL('ALTER TABLE {0}.{1} ADD COLUMN IF NOT EXISTS {2} TEXT COLLATE "C"').format(
                    Identifier(self.datastore.schema), Identifier(table), Identifier(column)
                )
            )
        _record_schema(self, curs, "views")

    def drop_query_indexes(self, cursor: Any) -> None:
        """The shared query indexes, and the full-text table's: the GIN index costs more
        to keep row by row than to build once (`create_table` builds both again)."""
        for index in SEARCH_INDEXES:
            cursor.execute(
                SQL("DROP INDEX IF EXISTS {0}.{1}").format(
                    Identifier(self.datastore.schema), Identifier(index)
                )
            )
        super().drop_query_indexes(cursor)

    def forget_schema(self, cursor: Any) -> None:
        """Make the next opening run the DDL again (a replay dropped query indexes)."""
        cursor.execute(_schema_sql(FORGET_SQL, _schema_table(self)), ("views",))

    @property
    def tracking_table(self) -> str:
        return str(self.tracking_table_name)

    def has_table(self, cursor: Any, name: str) -> bool:
        cursor.execute("SELECT to_regclass(%s)", (f"{self.datastore.schema or 'public'}.{name}",))
        row = cursor.fetchone()
        value = next(iter(row.values())) if isinstance(row, dict) else (row[0] if row else None)
        return value is not None

    def search_clause(self, text: str) -> tuple[str, list[Any], str, list[Any]]:
        query = "plainto_tsquery('english', ?)"
        return (
            f"tl_search.document @@ {query}",
            [text],
            f"-ts_rank(tl_search.document, {query})",
            [text],
        )

    def sql(self, statement: str) -> str:
        # A parameter cast to TEXT takes the columns' byte-wise collation, so a
        # recursive query's seed and its recursive term agree (`within_tree`).
        return _placeholders(statement).replace("CAST(%s AS TEXT)", 'CAST(%s AS TEXT) COLLATE "C"')

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Any]:
        # get_connection() turns psycopg errors into eventsourcing ones
        # (IntegrityError, OperationalError, …), as the SQLite view does.
        with (
            self.datastore.get_connection() as connection,
            connection.transaction(force_rollback=not commit),
            connection.cursor(row_factory=tuple_row) as cursor,
        ):
            if commit:
                for statement in self._lock_statements:
                    cursor.execute(statement)
            yield cursor

    def stream(self, statement: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        # A server-side (named) cursor: psycopg's ordinary cursor would fetch every row
        # into memory at execute.
        with (
            suppress(ConnectionPoolClosedError),  # see SQLiteTimelineView.stream
            self.datastore.get_connection() as connection,
            connection.transaction(force_rollback=True),
            connection.cursor(name="tl_stream", row_factory=tuple_row) as cursor,
        ):
            cursor.itersize = STREAM_PAGE
            cursor.execute(self.sql(statement), tuple(params))
            yield from cursor

    def insert_rows(self, cursor: Any, table: str, rows: list[tuple[Any, ...]]) -> None:
        """COPY instead of INSERT: one stream per table and batch, ~2x the rows per second."""
        statement = self._copy_statements.get(table)
        if statement is None:
            statement = self._copy_statements[table] = SQL("COPY {0}.{1} ({2}) FROM STDIN").format(
                Identifier(self.datastore.schema),
                Identifier(table),
                SQL(", ").join(Identifier(column) for column in INSERT_COLUMNS[table]),
            )
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def record_tracking(self, cursor: Any, position: int) -> None:
        self._insert_tracking(cursor, Tracking(APPLICATION_NAME, position))

    def tracking_position(self, cursor: Any | None = None) -> int:
        if cursor is None:
            return self.max_tracking_id(APPLICATION_NAME) or 0
        cursor.execute(
            SQL("SELECT MAX(notification_id) FROM {0} WHERE application_name = %s").format(self._tracking),
            (APPLICATION_NAME,),
        )
        row = cursor.fetchone()
        return int(row[0] or 0) if row else 0

    def reset_tracking(self, cursor: Any) -> None:
        cursor.execute(
            SQL("DELETE FROM {0} WHERE application_name = %s").format(self._tracking), (APPLICATION_NAME,)
        )


def check_connection(datastore: PostgresDatastore) -> None:
    """Connect once, so an unreachable server fails fast and clearly (no password shown)."""
    params = dict(datastore.pool.kwargs or {})  # type: ignore[arg-type]
    params.pop("row_factory", None)
    password = str(params.get("password") or "")
    timeout = int(datastore.pool.timeout) or 10
    try:
        with psycopg.connect(**params, connect_timeout=max(timeout, 2)):
            pass
    except psycopg.Error as error:
        text = " ".join(str(error).split()) or type(error).__name__
        if password:
            text = text.replace(password, "***")
        raise OperationalError(text) from None


def _schema_table(recorder: Any) -> Composed:
    return SQL("{0}.{1}").format(Identifier(recorder.datastore.schema), Identifier(SCHEMA_TABLE))


def _schema_sql(statement: str, table: Composed) -> Composed:
    """A `timeline.persistence.schema` statement for the schema-qualified table."""
    return SQL(_placeholders(statement.replace(SCHEMA_TABLE, "{0}"))).format(table)


def _digest(recorder: Any) -> str:
    statements = [statement.as_string() for statement in recorder.sql_create_statements]
    if isinstance(recorder, SQLTimelineView):
        statements.append(f"version {READ_MODEL_VERSION}")
    return schema_digest(statements)


def _create_once(recorder: Any, component: str, create: Callable[[], None]) -> None:
    """Run the DDL unless the store records that this code's DDL already ran."""
    table = _schema_table(recorder)
    with recorder.datastore.transaction(commit=False) as curs:
        curs.execute(SQL("SELECT to_regclass({0}) AS t").format(table.as_string()))
        row = curs.fetchone()
        current = None
        if row and row["t"] is not None:
            curs.execute(_schema_sql(SELECT_SQL, table), (component,))
            found = curs.fetchone()
            current = found["digest"] if found else None
        if current is not None and isinstance(recorder, SQLTimelineView):
            # The read tables' own version mark (see SQLTimelineView.drop_outdated) too.
            schema = recorder.datastore.schema  # type: ignore[attr-defined]
            curs.execute(SQL("SELECT to_regclass({0}) AS t").format(f"{schema}.tl_version"))
            marked = curs.fetchone()
            if not marked or marked["t"] is None:
                current = None
            else:
                curs.execute(SQL("SELECT version FROM {0}.tl_version").format(Identifier(schema)))
                if [r["version"] for r in curs.fetchall()] != [READ_MODEL_VERSION]:
                    current = None
    if current == _digest(recorder):
        recorder.datastore.register_type_adapters()
        return
    _retry_ddl(create)


def _record_schema(recorder: Any, curs: Any, component: str) -> None:
    table = _schema_table(recorder)
    curs.execute(SQL(CREATE_SCHEMA_TABLE.replace(SCHEMA_TABLE, "{0}")).format(table))
    curs.execute(_schema_sql(RECORD_SQL, table), (component, _digest(recorder)))


def _retry_ddl(create: Callable[[], _T]) -> _T:
    """Schema creation can race another process creating it too: try again."""
    for attempt in range(CREATE_RETRIES):
        try:
            return create()
        except (IntegrityError, InternalError):
            if attempt == CREATE_RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|%|\?")


def _placeholders(statement: str) -> str:
    """`?` placeholders to psycopg's `%s`; a literal `%` doubled; string literals kept."""

    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        if found == "?":
            return "%s"
        if found == "%":
            return "%%"
        return found.replace("%", "%%")

    return _PLACEHOLDER.sub(replace, statement)


def _pg_ddl(statement: str) -> str:
    """The shared schema for PostgreSQL: text compares byte-wise, as on SQLite."""
    if statement.lstrip().upper().startswith("CREATE TABLE"):
        return re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', statement)
    return statement


def _hex(value: Any) -> str:
    return value.hex if isinstance(value, UUID) else str(value)


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
