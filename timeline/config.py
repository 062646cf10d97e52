"""Settings: which store, and who is recording."""

from __future__ import annotations

import getpass
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import orjson

from timeline.domain.values import MAX_NAME_LENGTH
from timeline.errors import InvalidInputError, StoreError

DEFAULT_DB = "timeline.db"


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Where the record lives (`db`: a SQLite path or a postgresql:// URL) and who writes.

    Immutable; `dataclasses.replace(settings, pool_size=…)` makes a changed copy.
    """

    db: str = DEFAULT_DB
    recorded_by: str = ""
    pool_size: int = 2
    """PostgreSQL connections kept open (as many again may be opened under load)."""

    @classmethod
    def from_environment(cls, db: str | None = None, recorded_by: str | None = None) -> Settings:
        """Options win over TIMELINE_DB / TIMELINE_USER, which win over the defaults.

        The recorder's name is stored on every event: it must be a printable name of
        at most 200 characters (InvalidInputError naming where it came from).
        """
        if recorded_by is not None:
            user = check_recorder(recorded_by, "--as")
        elif os.environ.get("TIMELINE_USER"):
            user = check_recorder(os.environ["TIMELINE_USER"], "$TIMELINE_USER")
        else:
            user = _os_user()
        return cls(db=db or os.environ.get("TIMELINE_DB") or DEFAULT_DB, recorded_by=user)

    @property
    def is_postgres(self) -> bool:
        return self.db.startswith(("postgresql://", "postgres://"))

    @property
    def display_db(self) -> str:
        """The store's location with any password removed (safe to print)."""
        if not self.is_postgres:
            return self.db
        parts = urlsplit(self.db)
        host = parts.hostname or ""
        user = f"{parts.username}@" if parts.username else ""
        try:
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            port = ""
        return f"{parts.scheme}://{user}{host}{port}{parts.path}"

    @property
    def is_read_only(self) -> bool:
        """A SQLite store that exists but cannot be written here (a read-only file,
        directory or mount): it is read from a scratch copy (see `open_timeline`)."""
        if self.is_postgres or self.db.startswith("file:") or self.db == ":memory:":
            return False
        path = Path(self.db)
        parent = path.parent if str(path.parent) else Path(".")
        return path.is_file() and not (_writable(path) and _writable(parent))

    def to_env(self) -> dict[str, str]:
        """The eventsourcing environment for this store."""
        if self.is_postgres:
            return _postgres_env(self.db, self.pool_size)
        path = Path(self.db)
        if self.db.startswith("file:") or self.db == ":memory:":
            raise InvalidInputError(f"--db {self.db!r}: give a file path or a postgresql:// URL")
        if path.is_dir():
            raise StoreError(f"--db {self.db!r} is a directory, not a database file")
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.exists():
            raise StoreError(f"cannot open database {self.db!r}: directory {str(parent)!r} does not exist")
        if not _writable(parent) and not path.exists():
            raise StoreError(f"cannot open database {self.db!r}: directory {str(parent)!r} is not writable")
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": os.environ.get("TIMELINE_LOCK_TIMEOUT", "10"),
            "APPLICATION_RECORDER_TOPIC": "timeline.persistence.sqlite:SQLiteTimelineRecorder",
        }


def check_recorder(name: str, where: str) -> str:
    """A recorder name as given (trimmed), or InvalidInputError saying what is wrong."""
    value = name.strip()
    if not value:
        raise InvalidInputError(f"{where}: the recorder's name must not be empty or only white space")
    bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")), None)
    if bad is not None:
        raise InvalidInputError(
            f"{where}: the recorder's name must not contain control or invisible characters "
            f"(U+{ord(bad):04X})"
        )
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidInputError(f"{where}: the recorder's name is longer than {MAX_NAME_LENGTH} characters")
    return value


def _postgres_env(url: str, pool_size: int = 2) -> dict[str, str]:
    """The store's environment from a postgresql:// URL, read as libpq reads it: user,
    password and database percent-decoded, and every query parameter (sslmode, …)
    passed to the driver. A URL without a password leaves libpq to find one
    ($PGPASSWORD, ~/.pgpass), so it need not appear on a command line."""
    parts = urlsplit(url)
    dbname = unquote(parts.path.lstrip("/"))
    try:
        port = parts.port
    except ValueError:
        raise InvalidInputError("--db: the PostgreSQL URL's port must be a number from 1 to 65535") from None
    if port == 0:
        raise InvalidInputError("--db: the PostgreSQL URL's port must be a number from 1 to 65535")
    if not parts.hostname or not dbname:
        raise InvalidInputError("--db: a PostgreSQL URL needs a host and a database name")
    params: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in _libpq_options() or key in _URL_PARTS:
            raise InvalidInputError(f"--db: {key!r} is not a connection parameter this URL can set")
        params[key] = value
    return {
        "PERSISTENCE_MODULE": "timeline.persistence.postgres:TimelinePostgresFactory",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": unquote(parts.hostname),
        "POSTGRES_PORT": str(port or 5432),
        "POSTGRES_USER": unquote(parts.username or "") or os.environ.get("PGUSER") or "postgres",
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "TIMELINE_PG_PARAMS": orjson.dumps(params).decode(),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(max(4, pool_size)),
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "POSTGRES_LOCK_TIMEOUT": "30",
        "APPLICATION_RECORDER_TOPIC": "timeline.persistence.postgres:PostgresTimelineRecorder",
    }


@lru_cache(maxsize=1)
def _libpq_options() -> frozenset[str]:
    """The connection parameters the installed libpq knows (sslmode, sslrootcert, …)."""
    import psycopg

    return frozenset(option.keyword.decode() for option in psycopg.pq.Conninfo.get_defaults())


_URL_PARTS = frozenset({"host", "hostaddr", "port", "dbname", "user", "password"})


def _writable(path: Path) -> bool:
    """Whether this process may write `path` (False on a read-only mount, even for root)."""
    return os.access(path, os.W_OK)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
