"""Opening the record: the application and its view, on SQLite or PostgreSQL."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from eventsourcing.persistence import PersistenceError

from timeline.application import Timeline
from timeline.errors import StoreError, TimelineError
from timeline.persistence.transient import RETRIES, backoff, is_transient

if TYPE_CHECKING:
    from timeline.config import Settings


def open_timeline(settings: Settings, *, create: bool = True) -> Timeline:
    """The record at `settings.db`, with its tables created on first use.

    With `create=False` (what reading commands use), a SQLite file that does not
    exist is a StoreError and nothing is created: a mistyped path should not turn
    into an empty record that answers "not found".
    """
    env = settings.to_env()  # first: a missing or unwritable directory says so
    if not create and not settings.is_postgres and not Path(settings.db).exists():
        raise StoreError(f"no record at {settings.db}: check --db or $TIMELINE_DB (nothing was created)")
    scratch = None
    if settings.is_read_only:
        scratch = _scratch_copy(settings.db)
        env["SQLITE_DBNAME"] = str(scratch / "timeline.db")
    elif not settings.is_postgres:
        _create_private(settings.db)
    if settings.is_postgres:
        from timeline.persistence.postgres import PostgresTimelineView

        view_class: type = PostgresTimelineView
    else:
        from timeline.persistence.sqlite import SQLiteTimelineView

        view_class = SQLiteTimelineView
    attempt = 0
    while True:
        try:
            app = Timeline(env=env, view_class=view_class)
            if scratch is not None:
                app.read_only_copy(settings.display_db, scratch)
            return app
        except TimelineError:
            raise
        except Exception as error:
            # Processes opening a new SQLite file at once race to switch it to WAL
            # (which does not wait for the lock timeout): a lost race is tried again.
            if is_transient(error) and attempt < RETRIES:
                backoff(attempt)
                attempt += 1
                continue
            if isinstance(error, PersistenceError | OSError) or is_transient(error):
                message = _clean(error, settings)
                raise StoreError(f"cannot open the store {settings.display_db}: {message}") from None
            raise


def _scratch_copy(path: str) -> Path:
    """A private copy of a store that cannot be written here (file and any WAL), so it
    can be read, caught up and verified without touching the original."""
    folder = Path(tempfile.mkdtemp(prefix="timeline-read-only-"))
    try:
        for suffix in ("", "-wal"):
            source = Path(path + suffix)
            if source.exists():
                target = folder / ("timeline.db" + suffix)
                shutil.copyfile(source, target)
                target.chmod(0o600)
    except OSError as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise StoreError(f"cannot read the store {path}: {error.strerror or error}") from None
    return folder


def _create_private(path: str) -> None:
    """Create a new SQLite file readable and writable by its owner only (0600): the
    record may hold sensitive sources. (SQLite gives its -wal and -shm files the
    database file's permissions.) An existing file is left as it is."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    except OSError as error:
        raise StoreError(f"cannot create the store {path}: {error.strerror or error}") from None


def _clean(error: Exception, settings: Settings) -> str:
    """The error text with any password removed."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    env = settings.to_env()
    password = env.get("POSTGRES_PASSWORD")
    return text.replace(password, "***") if password else text
