"""Fixtures: a fresh store (SQLite file, or a PostgreSQL database), the record on it, the CLI.

`store_url` is parametrised over both stores. PostgreSQL tests skip with a message
when the server is unreachable, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from timeline import Settings, Timeline, open_timeline

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEEDS = ROOT / "seeds"
PG_ADMIN_URL = os.environ.get("TIMELINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    """None if PostgreSQL is reachable, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as error:  # any failure to connect means: not available
        return f"PostgreSQL at {PG_ADMIN_URL} unreachable: {str(error).splitlines()[0]}"


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    problem = _pg_available()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires PostgreSQL: {problem}")
        pytest.skip(problem)
    return PG_ADMIN_URL


def _postgres_database(admin_url: str) -> Iterator[str]:
    import psycopg

    name = f"tl_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store: a SQLite file path or a postgresql:// URL."""
    if request.param == "sqlite":
        yield str(tmp_path / "timeline.db")
        return
    if not _postgres_supported():
        pytest.skip("PostgreSQL store not built yet")
    admin = request.getfixturevalue("pg_admin_url")
    yield from _postgres_database(admin)


def _postgres_supported() -> bool:
    try:
        import timeline.persistence.postgres  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return str(tmp_path / "timeline.db")


@pytest.fixture
def record(store_url: str) -> Iterator[Timeline]:
    """The record on a fresh store (both stores)."""
    app = open_timeline(Settings(db=store_url, recorded_by="tester"))
    yield app
    app.close()


@pytest.fixture
def sqlite_record(sqlite_url: str) -> Iterator[Timeline]:
    app = open_timeline(Settings(db=sqlite_url, recorded_by="tester"))
    yield app
    app.close()


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def _stable_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables render at a fixed width, and no user setting leaks into tests."""
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("TIMELINE_DB", raising=False)
    monkeypatch.setenv("TIMELINE_USER", "tester")
