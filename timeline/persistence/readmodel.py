"""The read models in SQL: schema, writes, reads and the verify dump, for SQLite and PostgreSQL.

`SQLTimelineView` implements `timeline.projections.readmodel.TimelineView`; the
SQLite and PostgreSQL views (`timeline.persistence.sqlite`, `.postgres`) add their
dialect: transactions, placeholders, tracking table, bulk writes. SQL here is written
with `?` placeholders; the PostgreSQL view rewrites them. Only constant table and
column names are ever interpolated into statements.
"""

from __future__ import annotations

import operator
from abc import abstractmethod
from typing import TYPE_CHECKING, Any

import orjson

from timeline.domain.places import PlaceRecord
from timeline.projections.readmodel import EntryRow, PlaceIndex, TimelineView

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from contextlib import AbstractContextManager

    # the projection (and the domain events it reads) loads with the first write
    from timeline.projections.timelines import Lookups, Row, ViewBatch

APPLICATION_NAME = "Timeline"

READ_MODEL_VERSION = 5
"""Bumped whenever the read tables change shape; an older store rebuilds them from the log.

3: tl_incidents (incident titles) and tl_search (full text) added.
4: tl_grades (source grades, SourceGraded) added.
5: tl_within (every place each location subject lies within) added.
"""

TABLES = (
    "tl_facts",
    "tl_entries",
    "tl_names",
    "tl_entities",
    "tl_log",
    "tl_incidents",
    "tl_search",
    "tl_grades",
    "tl_within",
)

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS tl_facts (
        fact_key TEXT NOT NULL, version INTEGER NOT NULL, position BIGINT NOT NULL,
        recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL, event TEXT NOT NULL,
        reason TEXT, changes TEXT NOT NULL, record TEXT NOT NULL,
        valid_from BIGINT NOT NULL, valid_to BIGINT, store_user TEXT,
        PRIMARY KEY (fact_key, version))""",
    "CREATE INDEX IF NOT EXISTS tl_facts_open ON tl_facts (fact_key) WHERE valid_to IS NULL",
    """CREATE TABLE IF NOT EXISTS tl_entries (
        kind TEXT NOT NULL, subject TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,
        fact_key TEXT NOT NULL, version INTEGER NOT NULL,
        occurred_start TEXT NOT NULL, occurred_end TEXT NOT NULL,
        first_position BIGINT NOT NULL, status TEXT NOT NULL,
        lat DOUBLE PRECISION, lon DOUBLE PRECISION, geo_precision TEXT,
        valid_from BIGINT NOT NULL, valid_to BIGINT)""",
    # One index serves current and as-of reads: rows closed by amendments are few.
    """CREATE INDEX IF NOT EXISTS tl_entries_by_subject ON tl_entries
        (kind, subject, occurred_start, first_position, role)""",
    # Covering what a walk in time order filters on (a large place tree, kept by
    # tl_within), so that only the entries kept are read from the table.
    """CREATE INDEX IF NOT EXISTS tl_entries_by_time ON tl_entries
        (kind, occurred_start, first_position, role, subject, status, valid_from, valid_to)""",
    "CREATE INDEX IF NOT EXISTS tl_entries_fact ON tl_entries (fact_key) WHERE valid_to IS NULL",
    """CREATE TABLE IF NOT EXISTS tl_names (
        kind TEXT NOT NULL, alias TEXT NOT NULL, alias_name TEXT NOT NULL, entity TEXT NOT NULL,
        valid_from BIGINT NOT NULL, valid_to BIGINT)""",
    "CREATE INDEX IF NOT EXISTS tl_names_alias ON tl_names (kind, alias, valid_from)",
    "CREATE INDEX IF NOT EXISTS tl_names_entity ON tl_names (kind, entity, valid_from)",
    """CREATE TABLE IF NOT EXISTS tl_entities (
        kind TEXT NOT NULL, entity TEXT NOT NULL, name TEXT NOT NULL, name_key TEXT NOT NULL,
        entity_kind TEXT, parent TEXT, parent_name TEXT, key TEXT,
        lat DOUBLE PRECISION, lon DOUBLE PRECISION, geo_precision TEXT,
        valid_from BIGINT NOT NULL, valid_to BIGINT)""",
    "CREATE INDEX IF NOT EXISTS tl_entities_entity ON tl_entities (kind, entity, valid_from)",
    "CREATE INDEX IF NOT EXISTS tl_entities_name ON tl_entities (kind, name_key, valid_from)",
    "CREATE INDEX IF NOT EXISTS tl_entities_key ON tl_entities (kind, key) WHERE key IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS tl_entities_parent ON tl_entities (kind, parent)",
    "CREATE INDEX IF NOT EXISTS tl_entities_parent_name ON tl_entities (kind, parent_name)",
    """CREATE TABLE IF NOT EXISTS tl_log (
        position BIGINT PRIMARY KEY, recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL,
        event TEXT NOT NULL, subject TEXT NOT NULL, originator_id TEXT NOT NULL,
        version INTEGER NOT NULL, store_user TEXT)""",
    "CREATE INDEX IF NOT EXISTS tl_log_recorded_at ON tl_log (recorded_at)",
    """CREATE TABLE IF NOT EXISTS tl_incidents (
        incident TEXT NOT NULL, title TEXT NOT NULL, description TEXT,
        valid_from BIGINT NOT NULL, valid_to BIGINT)""",
    "CREATE INDEX IF NOT EXISTS tl_incidents_incident ON tl_incidents (incident, valid_from)",
    # Source grades (SourceGraded), one row per grading, valid until the next one.
    """CREATE TABLE IF NOT EXISTS tl_grades (
        source_key TEXT NOT NULL, source TEXT NOT NULL, reliability TEXT NOT NULL,
        reason TEXT NOT NULL, recorded_at TEXT NOT NULL, recorded_by TEXT NOT NULL,
        valid_from BIGINT NOT NULL, valid_to BIGINT)""",
    "CREATE INDEX IF NOT EXISTS tl_grades_source ON tl_grades (source_key, valid_from)",
    # What lies within what: entries filed under `subject` lie within `ancestor` (itself
    # included), standing for `place`; "the entries within P" is one read of the index.
    """CREATE TABLE IF NOT EXISTS tl_within (
        subject TEXT NOT NULL, ancestor TEXT NOT NULL, place TEXT NOT NULL,
        valid_from BIGINT NOT NULL, valid_to BIGINT)""",
    """CREATE INDEX IF NOT EXISTS tl_within_ancestor ON tl_within
        (ancestor, subject, valid_from, valid_to, place)""",
    "CREATE INDEX IF NOT EXISTS tl_within_subject ON tl_within (subject) WHERE valid_to IS NULL",
]

ADDED_COLUMNS = (("tl_facts", "store_user"), ("tl_log", "store_user"))
"""Text columns added after a table was first created: `create_table` adds them to
older stores (NULL in rows projected before: those events did not record it)."""

_ALL_KEYS = 20_000
"""Up to this many fact ids, a "did you mean" compares against every one."""

MERGE_SUBJECTS = 64
"""Up to this many subjects, a limited timeline merges per-subject index runs."""

QUERY_INDEXES = (
    "tl_entries_by_subject",
    "tl_entries_by_time",
    "tl_names_entity",
    "tl_entities_parent",
    "tl_entities_parent_name",
    "tl_log_recorded_at",
)
"""Indexes no projection look-up needs (see `TimelineView.clear`)."""

_INSERTS = {
    "tl_facts": (
        "fact_key",
        "version",
        "position",
        "recorded_at",
        "recorded_by",
        "event",
        "reason",
        "changes",
        "record",
        "valid_from",
        "valid_to",
        "store_user",
    ),
    "tl_entries": (
        "kind",
        "subject",
        "name",
        "role",
        "fact_key",
        "version",
        "occurred_start",
        "occurred_end",
        "first_position",
        "status",
        "lat",
        "lon",
        "geo_precision",
        "valid_from",
        "valid_to",
    ),
    "tl_names": ("kind", "alias", "alias_name", "entity", "valid_from", "valid_to"),
    "tl_entities": (
        "kind",
        "entity",
        "name",
        "name_key",
        "entity_kind",
        "parent",
        "parent_name",
        "key",
        "lat",
        "lon",
        "geo_precision",
        "valid_from",
        "valid_to",
    ),
    "tl_log": (
        "position",
        "recorded_at",
        "recorded_by",
        "event",
        "subject",
        "originator_id",
        "version",
        "store_user",
    ),
    "tl_incidents": ("incident", "title", "description", "valid_from", "valid_to"),
    # The full-text table is created per store (SQLite FTS5, PostgreSQL tsvector).
    "tl_search": ("fact_key", "version", "body"),
    "tl_grades": (
        "source_key",
        "source",
        "reliability",
        "reason",
        "recorded_at",
        "recorded_by",
        "valid_from",
        "valid_to",
    ),
    "tl_within": ("subject", "ancestor", "place", "valid_from", "valid_to"),
}
INSERT_COLUMNS = _INSERTS
"""Each read table's inserted columns, in the order `insert_rows` receives values."""

_GETTERS = {table: operator.itemgetter(*cols) for table, cols in _INSERTS.items()}
INSERT_SQL = {
    table: f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"  # noqa: S608
    for table, cols in _INSERTS.items()
}


def valid(alias: str, as_of: int | None) -> str:
    """SQL condition: the row was valid at log position `as_of` (None: now).

    `as_of` is always an int produced by the application, never user text.
    """
    if as_of is None:
        return f"{alias}.valid_to IS NULL"
    n = int(as_of)
    return f"{alias}.valid_from <= {n} AND ({alias}.valid_to IS NULL OR {alias}.valid_to > {n})"


class SQLPlaceStore(PlaceIndex):
    """The gazetteer's places as the read tables hold them at a log position (None: now).

    With a cursor it reads inside the caller's transaction (the projection); without,
    each look-up is its own read (queries), and places read once are kept.
    """

    _COLUMNS = "entity, name, parent, parent_name, key, entity_kind, lat, lon, geo_precision"

    PRELOAD_LIMIT = 200_000
    """Up to this many places, a writer reads them all at once instead of one look-up each."""

    def __init__(self, view: SQLTimelineView, cursor: Any | None, as_of: int | None) -> None:
        self.view = view
        self.cursor = cursor
        self.as_of = as_of
        self._places: dict[str, PlaceRecord | None] = {}
        self._named: dict[str, list[str]] | None = None
        self._aliases: dict[str, str] | None = None
        self._lazy: dict[str, list[str]] | None = None
        # name keys looked up in batches (`load_names`): their places and alias holder
        self._named_some: dict[str, list[str]] = {}
        self._aliases_some: dict[str, str | None] = {}

    def preload(self) -> SQLPlaceStore:
        """Read every current place and location alias once (for a run of look-ups that write nothing)."""
        counted = self._rows(
            "SELECT COUNT(*) FROM tl_entities e WHERE kind = 'location' AND valid_to IS NULL", ()
        )
        if int(counted[0][0]) > self.PRELOAD_LIMIT:
            return self
        named: dict[str, list[str]] = {}
        for place in self.all_places():
            named.setdefault(place.name_key, []).append(place.id)
        self._named = {key: sorted(ids) for key, ids in named.items()}
        rows = self._rows(
            f"SELECT alias, entity FROM tl_names n WHERE kind = 'location' AND {valid('n', self.as_of)}",  # noqa: S608
            (),
        )
        self._aliases = dict(rows)
        return self

    def _rows(self, statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        if self.cursor is None:
            return self.view.query(statement, params)
        self.cursor.execute(self.view.sql(statement), tuple(params))
        return [tuple(row) for row in self.cursor.fetchall()]

    def get(self, place_id: str) -> PlaceRecord | None:
        if (self.cursor is None or self._named is not None) and place_id in self._places:
            return self._places[place_id]
        if self._named is not None:
            return None
        rows = self._rows(
            f"SELECT {self._COLUMNS} FROM tl_entities e "  # noqa: S608
            f"WHERE kind = 'location' AND entity = ? AND {valid('e', self.as_of)}",
            (place_id,),
        )
        place = _place(rows[0]) if rows else None
        if self.cursor is None:
            self._places[place_id] = place
        return place

    def load(self, place_ids: Sequence[str]) -> None:
        """Read many places at once (queries over a place tree)."""
        for chunk in _chunks([p for p in place_ids if p not in self._places], 500):
            marks = ", ".join("?" * len(chunk))
            for row in self._rows(
                f"SELECT {self._COLUMNS} FROM tl_entities e "  # noqa: S608
                f"WHERE kind = 'location' AND entity IN ({marks}) AND {valid('e', self.as_of)}",
                chunk,
            ):
                self._places[row[0]] = _place(row)

    def load_names(self, name_keys: Sequence[str]) -> None:
        wanted = sorted({k for k in name_keys if k not in self._named_some})
        for chunk in _chunks(wanted, 500):
            marks = ", ".join("?" * len(chunk))
            named: dict[str, list[str]] = {key: [] for key in chunk}
            for entity, key in self._rows(
                "SELECT entity, name_key FROM tl_entities e WHERE kind = 'location' "  # noqa: S608
                f"AND name_key IN ({marks}) AND {valid('e', self.as_of)} ORDER BY entity",
                chunk,
            ):
                named[key].append(entity)
            self._named_some.update(named)
            holders: dict[str, str | None] = dict.fromkeys(chunk)
            for alias, entity in self._rows(
                "SELECT alias, entity FROM tl_names n WHERE kind = 'location' "  # noqa: S608
                f"AND alias IN ({marks}) AND {valid('n', self.as_of)}",
                chunk,
            ):
                holders[alias] = holders[alias] or entity
            self._aliases_some.update(holders)

    def named(self, name_key: str) -> list[str]:
        if self._named is not None:
            return list(self._named.get(name_key, ()))
        if name_key in self._named_some:
            return list(self._named_some[name_key])
        rows = self._rows(
            "SELECT entity FROM tl_entities e "  # noqa: S608
            f"WHERE kind = 'location' AND name_key = ? AND {valid('e', self.as_of)} ORDER BY entity",
            (name_key,),
        )
        found = [r[0] for r in rows]
        if self.cursor is None:  # a query's reads are kept (a writer's view moves on)
            self._named_some[name_key] = list(found)
        return found

    def alias_holder(self, kind: str, alias_key: str) -> str | None:
        if kind == "location" and self._aliases is not None:
            return self._aliases.get(alias_key)
        if kind == "location" and alias_key in self._aliases_some:
            return self._aliases_some[alias_key]
        rows = self._rows(
            f"SELECT entity FROM tl_names n WHERE kind = ? AND alias = ? AND {valid('n', self.as_of)}",  # noqa: S608
            (kind, alias_key),
        )
        holder = rows[0][0] if rows else None
        if kind == "location" and self.cursor is None:
            self._aliases_some[alias_key] = holder
        return holder

    def by_key(self, kind: str, key: str) -> str | None:
        rows = self._rows(
            f"SELECT entity FROM tl_entities e WHERE kind = ? AND key = ? AND {valid('e', self.as_of)}",  # noqa: S608
            (kind, key),
        )
        return rows[0][0] if rows else None

    def aliases_of(self, place_ids: Sequence[str]) -> list[tuple[str, str]]:
        return self.view.aliases("location", place_ids, self.as_of)

    def children(self, parents: Sequence[str], parent_names: Sequence[str]) -> list[PlaceRecord]:
        """Places whose parent is one of `parents`, or whose unresolved parent name is listed."""
        found: list[PlaceRecord] = []
        for column, keys in (("parent", parents), ("parent_name", parent_names)):
            for chunk in _chunks(list(keys), 500):
                marks = ", ".join("?" * len(chunk))
                found += [
                    _place(row)
                    for row in self._rows(
                        f"SELECT {self._COLUMNS} FROM tl_entities e WHERE kind = 'location' "  # noqa: S608
                        f"AND {column} IN ({marks}) AND {valid('e', self.as_of)}",
                        chunk,
                    )
                ]
        for place in found:
            self._places.setdefault(place.id, place)
        return found

    def lazy_children(self, name_keys: Sequence[str]) -> list[str]:
        """Places whose enclosing place is only a name (not yet resolved), one of these keys."""
        if self._named is not None:  # preloaded: every place is at hand
            if self._lazy is None:
                self._lazy = {}
                for place in self._places.values():
                    if place is not None and place.parent is None and place.parent_name is not None:
                        self._lazy.setdefault(place.parent_name, []).append(place.id)
            return sorted(p for key in set(name_keys) for p in self._lazy.get(key, ()))
        found: list[str] = []
        for chunk in _chunks(sorted(set(name_keys)), 500):
            marks = ", ".join("?" * len(chunk))
            found += [
                row[0]
                for row in self._rows(
                    "SELECT entity FROM tl_entities e WHERE kind = 'location' AND parent IS NULL "  # noqa: S608
                    f"AND parent_name IN ({marks}) AND {valid('e', self.as_of)}",
                    chunk,
                )
            ]
        return sorted(found)

    def all_places(self) -> list[PlaceRecord]:
        rows = self._rows(
            f"SELECT {self._COLUMNS} FROM tl_entities e WHERE kind = 'location' AND {valid('e', self.as_of)}",  # noqa: S608
            (),
        )
        places = [_place(row) for row in rows]
        for place in places:
            self._places[place.id] = place
        return places


def _place(row: Sequence[Any]) -> PlaceRecord:
    precision = row[8]
    return PlaceRecord(
        id=row[0],
        name=row[1],
        parent=row[2],
        parent_name=row[3],
        key=row[4],
        kind=row[5],
        lat=row[6],
        lon=row[7],
        geo_precision=int(precision) if precision is not None and precision.isdigit() else precision,
    )


class SQLTimelineView(TimelineView):
    """The read models as SQL tables, with the tracking position they are current to."""

    @abstractmethod
    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]:
        """A DB-API cursor in one transaction; writes take the write lock first."""

    @abstractmethod
    def sql(self, statement: str) -> str:
        """The statement in this database's placeholder style."""

    def unindexed(self, column: str) -> str:
        """The column in a form the planner will not use an index for (SQLite: `+col`)."""
        return column

    @abstractmethod
    def has_table(self, cursor: Any, name: str) -> bool:
        """Whether the table exists."""

    @property
    @abstractmethod
    def tracking_table(self) -> str:
        """The name of the table that holds the tracking position."""

    def drop_outdated(self, cursor: Any) -> None:
        """Drop read tables of another READ_MODEL_VERSION, so they are rebuilt from the log.

        Runs before the tables are created; the next catch-up replays the whole log
        into the new tables (the log itself is never touched).
        """
        cursor.execute("CREATE TABLE IF NOT EXISTS tl_version (version INTEGER NOT NULL)")
        cursor.execute("SELECT version FROM tl_version")
        row = _first(cursor.fetchone())
        if row is not None and row == READ_MODEL_VERSION:
            return
        if row is not None or self.has_table(cursor, "tl_facts"):
            for table in TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
            if self.has_table(cursor, self.tracking_table):
                self.reset_tracking(cursor)
        cursor.execute("DELETE FROM tl_version")
        cursor.execute(self.sql("INSERT INTO tl_version (version) VALUES (?)"), (READ_MODEL_VERSION,))

    @abstractmethod
    def record_tracking(self, cursor: Any, position: int) -> None:
        """Record the position in the tracking table; IntegrityError unless it advances."""

    @abstractmethod
    def tracking_position(self, cursor: Any | None = None) -> int:
        """The last log position applied to the read models (0 if none)."""

    # --- writing -----------------------------------------------------------------

    def lookups(self, cursor: Any) -> Lookups:
        from timeline.projections.timelines import Lookups

        def fact_state(key: str) -> Row | None:
            cursor.execute(
                self.sql("SELECT record FROM tl_facts WHERE fact_key = ? AND valid_to IS NULL"),
                (key,),
            )
            row = cursor.fetchone()
            return orjson.loads(row[0]) if row else None

        def entity_exists(kind: str, entity: str) -> bool:
            cursor.execute(
                self.sql("SELECT 1 FROM tl_entities WHERE kind = ? AND entity = ? AND valid_to IS NULL"),
                (kind, entity),
            )
            return cursor.fetchone() is not None

        def was_corrected(key: str) -> bool:
            cursor.execute(
                self.sql("SELECT 1 FROM tl_facts WHERE fact_key = ? AND event = 'FactCorrected' LIMIT 1"),
                (key,),
            )
            return cursor.fetchone() is not None

        def within(subjects: Sequence[str], ancestors: Sequence[str]) -> list[tuple[str, str, str]]:
            found: list[tuple[str, str, str]] = []
            for column, keys in (("subject", subjects), ("ancestor", ancestors)):
                for chunk in _chunks(list(keys), 500):
                    marks = ", ".join("?" * len(chunk))
                    cursor.execute(
                        self.sql(
                            "SELECT subject, ancestor, place FROM tl_within "  # noqa: S608
                            f"WHERE {column} IN ({marks}) AND valid_to IS NULL"
                        ),
                        tuple(chunk),
                    )
                    found += [(r[0], r[1], r[2]) for r in cursor.fetchall()]
            return found

        places = SQLPlaceStore(self, cursor, None).preload()
        return Lookups(fact_state, entity_exists, places, was_corrected, within, places.lazy_children)

    def write_batch(self, cursor: Any, batch: ViewBatch) -> None:
        """Write a batch's rows and its tracking position in the caller's transaction."""
        if batch.close_facts:
            for table in ("tl_facts", "tl_entries"):
                cursor.executemany(
                    self.sql(
                        f"UPDATE {table} SET valid_to = ? WHERE fact_key = ? AND valid_to IS NULL"  # noqa: S608
                    ),
                    batch.close_facts,
                )
        if batch.close_names:
            cursor.executemany(
                self.sql(
                    "UPDATE tl_names SET valid_to = ? WHERE kind = ? AND alias = ? AND valid_to IS NULL"
                ),
                batch.close_names,
            )
        if batch.close_entities:
            cursor.executemany(
                self.sql(
                    "UPDATE tl_entities SET valid_to = ? WHERE kind = ? AND entity = ? AND valid_to IS NULL"
                ),
                batch.close_entities,
            )
        if batch.close_incidents:
            cursor.executemany(
                self.sql("UPDATE tl_incidents SET valid_to = ? WHERE incident = ? AND valid_to IS NULL"),
                batch.close_incidents,
            )
        if batch.close_within:
            cursor.executemany(
                self.sql(
                    "UPDATE tl_within SET valid_to = ? "
                    "WHERE subject = ? AND ancestor = ? AND valid_to IS NULL"
                ),
                batch.close_within,
            )
        if batch.close_grades:
            cursor.executemany(
                self.sql("UPDATE tl_grades SET valid_to = ? WHERE source_key = ? AND valid_to IS NULL"),
                batch.close_grades,
            )
        for table, rows in (
            ("tl_incidents", batch.incidents),
            ("tl_facts", batch.facts),
            ("tl_entries", batch.entries),
            ("tl_names", batch.names),
            ("tl_entities", batch.entities),
            ("tl_log", batch.log),
            ("tl_search", batch.search),
            ("tl_grades", batch.grades),
            ("tl_within", batch.within),
        ):
            if rows:
                columns = _INSERTS[table]
                self.insert_rows(
                    cursor,
                    table,
                    list(map(_GETTERS[table], rows))
                    if table != "tl_facts"
                    else [_fact_row(row, columns) for row in rows],
                )
        if batch.last_position:
            self.record_tracking(cursor, batch.last_position)

    def insert_rows(self, cursor: Any, table: str, rows: list[tuple[Any, ...]]) -> None:
        """Insert rows (values in `_INSERTS[table]` order) in the caller's transaction."""
        cursor.executemany(self.sql(INSERT_SQL[table]), rows)

    def clear(self, cursor: Any) -> None:
        """Delete every read-model row and the tracking position (for a replay).

        Indexes only queries use are dropped too: building them once after a full
        rebuild is cheaper than maintaining them row by row. `create_table` (run
        after the rebuild, or at the next opening if the rebuild is interrupted)
        puts them back.
        """
        for table in TABLES:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        self.drop_query_indexes(cursor)
        self.reset_tracking(cursor)

    def drop_query_indexes(self, cursor: Any) -> None:
        for index in QUERY_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {index}")
        self.forget_schema(cursor)

    @abstractmethod
    def forget_schema(self, cursor: Any) -> None:
        """Record that the read models' DDL must run again at the next opening."""

    @abstractmethod
    def reset_tracking(self, cursor: Any) -> None:
        """Forget the tracking position."""

    # --- reading -----------------------------------------------------------------

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.transaction(commit=False) as cursor:
            cursor.execute(self.sql(statement), tuple(params))
            return [tuple(row) for row in cursor.fetchall()]

    @abstractmethod
    def stream(self, statement: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows of a query as the database hands them over, a page at a time, in one
        read transaction (memory does not grow with the result)."""

    def resolve(self, kind: str, key: str, as_of: int | None) -> str:
        """The canonical key a name key stands for (following aliases, at most 8 hops)."""
        seen = {key}
        for _ in range(8):
            rows = self.query(
                f"SELECT entity FROM tl_names n WHERE kind = ? AND alias = ? AND {valid('n', as_of)}",  # noqa: S608
                (kind, key),
            )
            if not rows or rows[0][0] in seen:
                break
            key = rows[0][0]
            seen.add(key)
        return key

    def places(self, as_of: int | None) -> SQLPlaceStore:
        """The places at a position, for resolving and walking the place tree."""
        return SQLPlaceStore(self, None, as_of)

    def aliases(self, kind: str, keys: Sequence[str], as_of: int | None) -> list[tuple[str, str]]:
        """(alias key, alias as written) of every alias pointing at one of `keys`."""
        found: list[tuple[str, str]] = []
        for chunk in _chunks(keys, 500):
            marks = ", ".join("?" * len(chunk))
            found += [
                (row[0], row[1])
                for row in self.query(
                    f"SELECT alias, alias_name FROM tl_names n WHERE kind = ? AND entity IN ({marks}) "  # noqa: S608
                    f"AND {valid('n', as_of)} ORDER BY valid_from",
                    (kind, *chunk),
                )
            ]
        return found

    def entity(self, kind: str, key: str, as_of: int | None) -> Row | None:
        rows = self.query(
            "SELECT name, entity_kind, key FROM tl_entities e "  # noqa: S608
            f"WHERE kind = ? AND entity = ? AND {valid('e', as_of)}",
            (kind, key),
        )
        if not rows:
            return None
        name, entity_kind, entity_key = rows[0]
        return {"name": name, "kind": entity_kind, "key": entity_key}

    def entity_by_key(self, kind: str, key: str, as_of: int | None) -> str | None:
        rows = self.query(
            f"SELECT entity FROM tl_entities e WHERE kind = ? AND key = ? AND {valid('e', as_of)}",  # noqa: S608
            (kind, key),
        )
        return rows[0][0] if rows else None

    def entries(
        self,
        kind: str,
        subjects: Sequence[str],
        *,
        as_of: int | None,
        include_retracted: bool,
        occurred_from: str | None,
        occurred_to: str | None,
        limit: int | None,
    ) -> Iterator[EntryRow]:
        """The entries of the subjects, by occurred then position.

        With a limit and a handful of subjects (a name and its aliases, a small place
        tree), each subject is read in index order up to the limit and the runs are
        merged, so the cost follows the limit, not the size of the timeline.
        """
        if not subjects:
            return
        conditions, filters = _entry_filters(as_of, include_retracted, None, occurred_from, occurred_to)
        order = "ORDER BY occurred_start, first_position, role"
        cap = "" if limit is None else f" LIMIT {int(limit)}"
        columns = (
            "e.occurred_start, e.first_position, e.role, e.name, e.fact_key, e.version, "
            "e.subject, e.lat, e.lon, e.geo_precision"
        )
        where = " AND ".join(conditions)
        params: list[Any] = []
        if limit is not None and len(subjects) <= MERGE_SUBJECTS:
            runs = []
            for n, subject in enumerate(subjects):
                runs.append(
                    f"SELECT * FROM (SELECT {columns} FROM tl_entries e "  # noqa: S608
                    f"WHERE e.kind = ? AND e.subject = ? AND {where} {order}{cap}) AS run{n}"
                )
                params += [kind, subject, *filters]
            selected = " UNION ALL ".join(runs)
        else:
            # Many subjects (a large place tree): walk the kind's entries in time order
            # and keep members, which stops at the limit when members are common.
            marks = ", ".join("?" * len(subjects))
            member = self.unindexed("e.subject")
            selected = (
                f"SELECT {columns} FROM tl_entries e "  # noqa: S608
                f"WHERE e.kind = ? AND {member} IN ({marks}) AND {where} {order}{cap}"
            )
            params += [kind, *subjects, *filters]
        statement = (
            "SELECT u.role, u.name, u.subject, u.lat, u.lon, u.geo_precision, f.record "  # noqa: S608
            f"FROM ({selected}) AS u "
            "JOIN tl_facts f ON f.fact_key = u.fact_key AND f.version = u.version "
            f"ORDER BY u.occurred_start, u.first_position, u.role{cap}"
        )
        for role, name, subject, lat, lon, precision, record in self.stream(statement, params):
            yield EntryRow(role, name, subject, lat, lon, precision, orjson.loads(record))

    def within(self, place: str, as_of: int | None, limit: int | None = None) -> dict[str, str]:
        """Location subject -> the place it stands for, of every subject within `place`
        (the place itself included), up to `limit` subjects."""
        cap = "" if limit is None else f" LIMIT {int(limit)}"
        rows = self.query(
            f"SELECT subject, place FROM tl_within w WHERE ancestor = ? AND {valid('w', as_of)}{cap}",  # noqa: S608
            (place,),
        )
        return {row[0]: row[1] for row in rows}

    def entries_within(
        self,
        place: str,
        *,
        as_of: int | None,
        include_retracted: bool,
        occurred_from: str | None,
        occurred_to: str | None,
        limit: int | None,
    ) -> Iterator[EntryRow]:
        """The location entries within a place (at any depth), by occurred then position,
        each with the place its subject stands for.

        The kind's entries are read in time order and each is kept if its subject lies
        within the place (one probe of `tl_within_ancestor`), which stops at the limit
        when the place holds many of them: for a large place tree. The probe is a
        correlated subquery so that neither planner turns it into a join driven from
        `tl_within` (which reads every entry of the tree before sorting).
        """
        conditions, filters = _entry_filters(as_of, include_retracted, None, occurred_from, occurred_to)
        cap = "" if limit is None else f" LIMIT {int(limit)}"
        probe = (
            "(SELECT w.place FROM tl_within w WHERE w.ancestor = ? "  # noqa: S608
            f"AND w.subject = e.subject AND {valid('w', as_of)} LIMIT 1)"
        )
        statement = (
            "SELECT u.role, u.name, u.subject, u.lat, u.lon, u.geo_precision, f.record, u.place "  # noqa: S608
            "FROM (SELECT * FROM (SELECT e.occurred_start, e.first_position, e.role, e.name, e.fact_key, "
            f"e.version, e.subject, e.lat, e.lon, e.geo_precision, {probe} AS place FROM tl_entries e "
            f"WHERE e.kind = 'location' AND {' AND '.join(conditions)}) AS k WHERE k.place IS NOT NULL "
            f"ORDER BY k.occurred_start, k.first_position, k.role{cap}) AS u "
            "JOIN tl_facts f ON f.fact_key = u.fact_key AND f.version = u.version "
            f"ORDER BY u.occurred_start, u.first_position, u.role{cap}"
        )
        for role, name, subject, lat, lon, precision, record, stands in self.stream(
            statement, [place, *filters]
        ):
            yield EntryRow(role, name, subject, lat, lon, precision, orjson.loads(record), stands)

    def subjects(self, kind: str, as_of: int | None) -> list[tuple[str, str, int]]:
        """(canonical key, a reported spelling, fact count) of every subject with entries."""
        statement = (
            # the spelling shown: one of the canonical name itself if a fact used it, not an alias's
            "SELECT COALESCE(n.entity, e.subject) AS canon, "  # noqa: S608
            "COALESCE(MIN(CASE WHEN n.entity IS NULL THEN e.name END), MIN(e.name)), "
            "COUNT(DISTINCT e.fact_key) FROM tl_entries e "
            "LEFT JOIN tl_names n ON n.kind = e.kind AND n.alias = e.subject AND "
            f"{valid('n', as_of)} WHERE e.kind = ? AND {valid('e', as_of)} "
            "AND e.status <> 'retracted' GROUP BY canon ORDER BY canon"
        )
        return [(r[0], r[1], int(r[2])) for r in self.query(statement, (kind,))]

    def count_facts(self, kind: str, subjects: Sequence[str], as_of: int | None) -> int:
        """Distinct facts (not retracted) with an entry under any of the subjects."""
        seen: set[str] = set()
        for chunk in _chunks(list(subjects), 500):
            marks = ", ".join("?" * len(chunk))
            seen.update(
                row[0]
                for row in self.query(
                    f"SELECT DISTINCT fact_key FROM tl_entries e WHERE kind = ? AND subject IN ({marks}) "  # noqa: S608
                    f"AND {valid('e', as_of)} AND e.status <> 'retracted'",
                    (kind, *chunk),
                )
            )
        return len(seen)

    def subject_facts(self, kind: str, as_of: int | None) -> Iterator[tuple[str, str]]:
        """(subject, fact) of every entry of a kind (not retracted)."""
        for row in self.query(
            f"SELECT subject, fact_key FROM tl_entries e WHERE kind = ? AND {valid('e', as_of)} "  # noqa: S608
            "AND e.status <> 'retracted'",
            (kind,),
        ):
            yield row[0], row[1]

    def registered(self, kind: str, as_of: int | None) -> dict[str, str]:
        """Canonical key -> registered name of every registered entity of a kind."""
        rows = self.query(
            f"SELECT entity, name FROM tl_entities e WHERE kind = ? AND {valid('e', as_of)}",  # noqa: S608
            (kind,),
        )
        return dict(rows)

    def fact_versions(self, key: str, as_of: int | None) -> list[Row]:
        """Every version of a fact up to `as_of`, with its field changes (`from`/`to`).

        The first version's changes are its reported fields (from null); they are
        derived from its record here rather than stored twice.
        """
        limit = "" if as_of is None else f" AND position <= {int(as_of)}"
        rows = self.query(
            "SELECT version, event, position, recorded_at, recorded_by, reason, changes, "  # noqa: S608
            "CASE WHEN version = 1 THEN record END, store_user "
            f"FROM tl_facts WHERE fact_key = ?{limit} ORDER BY version",
            (key,),
        )
        versions = []
        for r in rows:
            changes = orjson.loads(r[6])
            if r[7] is not None:
                fields = orjson.loads(r[7])["fields"]
                changes = {name: {"from": None, "to": fields[name]} for name in sorted(fields)}
            versions.append(
                {
                    "version": r[0],
                    "event": r[1],
                    "position": r[2],
                    "recorded_at": r[3],
                    "recorded_by": r[4],
                    "reason": r[5],
                    "changes": changes,
                    "store_user": r[8],
                }
            )
        return versions

    def incidents(self, as_of: int | None) -> dict[str, tuple[str, str | None]]:
        """Slug -> (title, description) of every registered incident."""
        rows = self.query(
            f"SELECT incident, title, description FROM tl_incidents i WHERE {valid('i', as_of)}",  # noqa: S608
        )
        return {slug: (title, description) for slug, title, description in rows}

    # --- full-text search ---------------------------------------------------------

    @abstractmethod
    def search_clause(self, text: str) -> tuple[str, list[Any], str, list[Any]]:
        """(WHERE condition on `tl_search`, its parameters, rank expression (best first
        when ascending), its parameters) matching every word of `text`."""

    def search(
        self,
        text: str,
        *,
        as_of: int | None,
        include_retracted: bool,
        incident: str | None,
        occurred_from: str | None,
        occurred_to: str | None,
        limit: int,
    ) -> list[Row]:
        """Fact records whose summary, quotes or source names hold every word, best first.

        Each fact version has its own search row, so an as-of search matches the text
        the fact had then.
        """
        condition, params, rank, rank_params = self.search_clause(text)
        # the incident entry: one per fact version, with its status and occurred span
        conditions, filters = _entry_filters(as_of, include_retracted, incident, occurred_from, occurred_to)
        conditions[:0] = [condition, "e.kind = 'incident'"]
        # Every match is ranked (relevance first is the promised order), but only the keys
        # are carried through the sort: the winners' records are read after the limit.
        statement = (
            "SELECT f.record FROM (SELECT e.fact_key, e.version, e.first_position, "  # noqa: S608
            f"{rank} AS score FROM tl_search "
            "JOIN tl_entries e ON e.fact_key = tl_search.fact_key AND e.version = tl_search.version "
            f"WHERE {' AND '.join(conditions)} "
            f"ORDER BY score, e.first_position LIMIT {int(limit)}) AS top "
            "JOIN tl_facts f ON f.fact_key = top.fact_key AND f.version = top.version "
            "ORDER BY top.score, top.first_position"
        )
        return [orjson.loads(r[0]) for r in self.query(statement, [*rank_params, *params, *filters])]

    def known_keys(self, kind: str, near: str) -> list[str]:
        """Fact ids (kind `fact`) or incident slugs a mistyped `near` may have meant.

        Every one while there are few; in a large record, those sharing its first
        two characters (a range read of the primary key).
        """
        if kind == "incident":
            rows = self.query("SELECT DISTINCT subject FROM tl_entries WHERE kind = 'incident'")
            rows += self.query("SELECT DISTINCT incident FROM tl_incidents")
            return sorted({r[0] for r in rows})
        rows = self.query(f"SELECT DISTINCT fact_key FROM tl_facts LIMIT {_ALL_KEYS + 1}")  # noqa: S608
        if len(rows) <= _ALL_KEYS or len(near) < 2:
            return [r[0] for r in rows]
        prefix = near[:2]
        rows = self.query(
            "SELECT DISTINCT fact_key FROM tl_facts WHERE fact_key >= ? AND fact_key < ?",
            (prefix, prefix + "\U0010ffff"),
        )
        return [r[0] for r in rows]

    def fact_record(self, key: str, as_of: int | None) -> Row | None:
        """The fact's record (fields, status, version, first position) valid at `as_of`."""
        rows = self.query(
            f"SELECT record FROM tl_facts f WHERE fact_key = ? AND {valid('f', as_of)}",  # noqa: S608
            (key,),
        )
        return orjson.loads(rows[0][0]) if rows else None

    def fact_records(self, facts: frozenset[str] | None, as_of: int | None) -> Iterator[Row]:
        """The records of `facts` (every fact when None) valid at `as_of`, in no order."""
        base = f"SELECT record FROM tl_facts f WHERE {valid('f', as_of)}"  # noqa: S608
        if facts is None:
            for (text,) in self.query(base):
                yield orjson.loads(text)
            return
        for chunk in _chunks(sorted(facts), 500):
            marks = ", ".join("?" * len(chunk))
            for (text,) in self.query(f"{base} AND f.fact_key IN ({marks})", chunk):
                yield orjson.loads(text)

    def current_fact_keys(self, cursor: Any, prefix: str) -> list[str]:
        """The ids of the facts standing now whose ids start with `prefix`."""
        cursor.execute(
            self.sql("SELECT fact_key FROM tl_facts WHERE valid_to IS NULL AND fact_key LIKE ?"),
            (prefix.replace("%", "") + "%",),
        )
        return [row[0] for row in cursor.fetchall()]

    def archived_sources(self) -> Iterator[tuple[str, Row]]:
        """(fact id, archive record) of every source of every fact as it stands now."""
        rows = self.query(
            "SELECT record FROM tl_facts WHERE valid_to IS NULL AND record LIKE ?", ('%"archive"%',)
        )
        for (record,) in rows:
            fields = orjson.loads(record)["fields"]
            for source in fields.get("sources") or ():
                if isinstance(source.get("archive"), dict):
                    yield fields["id"], source["archive"]

    def log(self, since: int, limit: int | None, as_of: int | None) -> list[Row]:
        return list(self.iter_log(since, limit, as_of))

    def iter_log(self, since: int, limit: int | None, as_of: int | None) -> Iterator[Row]:
        """The log index after position `since`, in position order, streamed.

        An amendment's reason is on its fact version, the one written at the same position.
        """
        statement = (
            "SELECT l.position, l.recorded_at, l.recorded_by, l.event, l.subject, l.version, "
            "l.store_user, f.reason FROM tl_log l LEFT JOIN tl_facts f ON f.fact_key = l.subject "
            "AND f.version = l.version AND f.position = l.position WHERE l.position > ?"
        )
        params: list[Any] = [since]
        if as_of is not None:
            statement += " AND l.position <= ?"
            params.append(as_of)
        statement += " ORDER BY l.position"
        if limit is not None:
            statement += f" LIMIT {int(limit)}"
        for r in self.stream(statement, params):
            yield {
                "position": r[0],
                "recorded_at": r[1],
                "recorded_by": r[2],
                "event": r[3],
                "subject": r[4],
                "version": r[5],
                "store_user": r[6],
                "reason": r[7],
            }

    def alias_keys_ever(self, kind: str, entity: str) -> list[str]:
        """Every alias that has ever named the entity (moved or not)."""
        return [
            r[0]
            for r in self.query(
                "SELECT DISTINCT alias FROM tl_names WHERE kind = ? AND entity = ?", (kind, entity)
            )
        ]

    def log_of_events(self, events: Sequence[str], as_of: int | None) -> list[Row]:
        """Log rows (with the originator id) of the given event types, in position order."""
        marks = ", ".join("?" * len(events))
        statement = (
            "SELECT position, recorded_at, recorded_by, event, originator_id FROM tl_log "  # noqa: S608
            f"WHERE event IN ({marks})"
        )
        params: list[Any] = list(events)
        if as_of is not None:
            statement += " AND position <= ?"
            params.append(as_of)
        rows = self.query(statement + " ORDER BY position", params)
        keys = ("position", "recorded_at", "recorded_by", "event", "originator_id")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def grades(self, as_of: int | None) -> dict[str, str]:
        """Source name key -> its reliability grade (A-F) at `as_of`, for every graded source."""
        rows = self.query(
            f"SELECT source_key, reliability FROM tl_grades g WHERE {valid('g', as_of)}"  # noqa: S608
        )
        return dict(rows)

    def grade_history(self, source_key: str, as_of: int | None) -> list[Row]:
        """Every grading of one source up to `as_of`, oldest first."""
        limit = "" if as_of is None else f" AND valid_from <= {int(as_of)}"
        rows = self.query(
            "SELECT valid_from, recorded_at, recorded_by, source, reliability, reason "  # noqa: S608
            f"FROM tl_grades WHERE source_key = ?{limit} ORDER BY valid_from",
            (source_key,),
        )
        keys = ("position", "recorded_at", "recorded_by", "source", "reliability", "reason")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def position_at(self, recorded_at: str) -> int:
        """The last log position recorded at or before the given UTC time (0 if none)."""
        rows = self.query("SELECT MAX(position) FROM tl_log WHERE recorded_at <= ?", (recorded_at,))
        return int(rows[0][0] or 0)

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every read-model row, sorted: for comparing two views."""
        out = {}
        for table in TABLES:
            columns = _INSERTS[table]
            rows = self.query(f"SELECT {', '.join(columns)} FROM {table}")  # noqa: S608
            out[table] = sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r))
        return out


def _entry_filters(
    as_of: int | None,
    include_retracted: bool,
    incident: str | None,
    occurred_from: str | None,
    occurred_to: str | None,
) -> tuple[list[str], list[Any]]:
    """The WHERE conditions on tl_entries (alias `e`) of a timeline or search, and their parameters."""
    conditions = [valid("e", as_of)]
    filters: list[Any] = []
    if not include_retracted:
        conditions.append("e.status <> 'retracted'")
    if incident is not None:
        conditions.append("e.subject = ?")
        filters.append(incident)
    if occurred_from:
        conditions.append("e.occurred_end >= ?")
        filters.append(occurred_from)
    if occurred_to:
        conditions.append("e.occurred_start <= ?")
        filters.append(occurred_to)
    return conditions, filters


def _first(row: Any) -> Any:
    """The first column of a fetched row (a tuple, or a dict on some PostgreSQL cursors)."""
    if row is None:
        return None
    return next(iter(row.values())) if isinstance(row, dict) else row[0]


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _fact_row(row: Row, columns: Sequence[str]) -> tuple[Any, ...]:
    """A tl_facts row with its JSON columns (record, changes) encoded."""
    if columns is _FACT_COLUMNS:  # the usual case, without a test per column
        values = list(_FACT_GETTER(row))
        for i in _FACT_JSON_AT:
            values[i] = orjson.dumps(values[i], option=orjson.OPT_SORT_KEYS).decode()
        return tuple(values)
    return tuple(
        orjson.dumps(row[c], option=orjson.OPT_SORT_KEYS).decode() if c in _JSON_COLUMNS else row[c]
        for c in columns
    )


_JSON_COLUMNS = frozenset({"record", "changes"})
_FACT_COLUMNS = _INSERTS["tl_facts"]
_FACT_GETTER = _GETTERS["tl_facts"]
_FACT_JSON_AT = tuple(i for i, c in enumerate(_FACT_COLUMNS) if c in _JSON_COLUMNS)
