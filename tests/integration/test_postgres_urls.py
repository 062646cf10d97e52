"""Issue 18, item 6: PostgreSQL URLs are read as libpq reads them: query parameters
such as sslmode reach the driver, user/password/database are percent-decoded, and a
URL without a password leaves libpq its own sources ($PGPASSWORD, ~/.pgpass, $PGSSLMODE)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import psycopg
import pytest

from timeline import InvalidInputError, Settings, StoreError, open_timeline
from timeline.persistence.postgres import TimelinePostgresFactory

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.postgres


def _base(url: str) -> str:
    return url.split("://", 1)[1].split("@", 1)[1]  # host:port/db


def _server_ssl(admin: str) -> bool:
    with psycopg.connect(admin) as conn:
        row = conn.execute("SHOW ssl").fetchone()
    return bool(row and row[0] == "on")


@pytest.fixture
def pg_store(pg_admin_url: str) -> Iterator[str]:
    name = f"tl_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{pg_admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_sslmode_require_is_not_answered_in_plaintext(pg_store: str, pg_admin_url: str) -> None:
    url = f"{pg_store}?sslmode=require"
    if _server_ssl(pg_admin_url):
        app = open_timeline(Settings(db=url))
        try:
            with app.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
                row = conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
            assert row["ssl"] is True
        finally:
            app.close()
    else:  # as psql does: a server without SSL is refused, not used in plaintext
        with pytest.raises(StoreError, match="SSL"):
            open_timeline(Settings(db=url))


def test_pgsslmode_from_the_environment_applies_too(
    pg_store: str, pg_admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if _server_ssl(pg_admin_url):
        pytest.skip("the test server speaks SSL: nothing to refuse")
    with monkeypatch.context() as env:
        env.setenv("PGSSLMODE", "require")
        with pytest.raises(StoreError, match="SSL"):
            open_timeline(Settings(db=pg_store))


def test_percent_encoded_user_password_and_database_are_decoded(pg_admin_url: str) -> None:
    role = f"ana@news/{uuid.uuid4().hex[:6]}"
    database = f"tl test/{uuid.uuid4().hex[:6]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'p@ss/w:rd%x'")
        conn.execute(f'CREATE DATABASE "{database}" OWNER "{role}"')
    try:
        host = _base(pg_admin_url).rsplit("/", 1)[0]
        quoted_role = role.replace("@", "%40").replace("/", "%2F")
        quoted_db = database.replace(" ", "%20").replace("/", "%2F")
        url = f"postgresql://{quoted_role}:p%40ss%2Fw%3Ard%25x@{host}/{quoted_db}"
        env = Settings(db=url).to_env()
        assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_DBNAME"]) == (
            role,
            "p@ss/w:rd%x",
            database,
        )
        app = open_timeline(Settings(db=url, recorded_by="ana"))
        try:
            with app.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
                row = conn.execute("SELECT current_user AS u, current_database() AS d").fetchone()
            assert (row["u"], row["d"]) == (role, database)
        finally:
            app.close()
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_a_url_without_a_password_leaves_libpq_to_find_one() -> None:
    env = Settings(db="postgresql://ana@db.example:5432/news").to_env()
    factory_kwargs = {"password": env["POSTGRES_PASSWORD"]}
    assert factory_kwargs["password"] == ""
    # The factory drops the empty password so $PGPASSWORD / ~/.pgpass apply.
    from eventsourcing.utils import Environment

    factory = TimelinePostgresFactory(Environment("Timeline", env))
    try:
        assert "password" not in factory.datastore.pool.kwargs  # type: ignore[operator]
    finally:
        factory.datastore.close()


@pytest.mark.parametrize("query", ["bogus=1", "password=x", "host=elsewhere"])
def test_unknown_or_conflicting_url_parameters_are_usage_errors(query: str) -> None:
    with pytest.raises(InvalidInputError, match="connection parameter"):
        Settings(db=f"postgresql://ana@db.example/news?{query}").to_env()
