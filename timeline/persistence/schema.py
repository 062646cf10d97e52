"""Schema creation on first use and on migration only, not on every start.

Each part of the store (the log's recorder, the read-model view) records a digest of
the DDL it last ran in `timeline_schema`. Opening the store compares it with the DDL
of the running code: equal means nothing to do (no DDL, so no table locks taken at
start-up next to other clients' writes); different or absent means first use or a
new version, and the DDL runs once, under a lock (PostgreSQL: an advisory lock;
SQLite: the write lock), with the digest recorded in the same transaction.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

SCHEMA_TABLE = "timeline_schema"
CREATE_SCHEMA_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} (component TEXT PRIMARY KEY, digest TEXT NOT NULL)"
)
RECORD_SQL = (
    f"INSERT INTO {SCHEMA_TABLE} (component, digest) VALUES (?, ?) "  # noqa: S608 (constant table name)
    "ON CONFLICT (component) DO UPDATE SET digest = excluded.digest"
)
SELECT_SQL = f"SELECT digest FROM {SCHEMA_TABLE} WHERE component = ?"  # noqa: S608 (constant table name)
FORGET_SQL = f"DELETE FROM {SCHEMA_TABLE} WHERE component = ?"  # noqa: S608 (constant table name)


def schema_digest(statements: Iterable[str]) -> str:
    """A digest of DDL statements: any change to them is a migration to run."""
    digest = hashlib.sha256()
    for statement in statements:
        digest.update(" ".join(statement.split()).encode())
        digest.update(b"\x00")
    return digest.hexdigest()
