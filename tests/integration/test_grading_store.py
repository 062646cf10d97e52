"""Grades in the read tables: a store whose read tables predate them is rebuilt on open."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from tests.conftest import SEEDS
from timeline import Settings, open_timeline
from timeline.queries import TimelineQuery, timeline


def _grades(store_url: str) -> dict[str, str | None]:
    app = open_timeline(Settings(db=store_url, recorded_by="tester"))
    try:
        app.project()
        result = timeline(app.view, TimelineQuery("incident", "kremlin-drone-2023-05"))
        return {e.fact: e.grade for e in result.entries}
    finally:
        app.close()


def test_a_store_with_version_2_read_tables_is_rebuilt_with_its_grades(store_url: str) -> None:
    app = open_timeline(Settings(db=store_url, recorded_by="tester"))
    app.append([str(SEEDS / "kremlin-drone-2023-05.ndjson")], recorded_by="tester")
    app.close()
    before = _grades(store_url)
    assert before["kremlin-drone-alleged"] == "B3"
    # the read tables as version 2 left them: no grade rows, version mark 2
    old_shape = ["DROP TABLE tl_grades", "UPDATE tl_version SET version = 2"]
    if store_url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(store_url, autocommit=True) as conn:
            for statement in old_shape:
                conn.execute(statement)
    else:
        with closing(sqlite3.connect(store_url)) as db:
            for statement in old_shape:
                db.execute(statement)
            db.commit()

    assert _grades(store_url) == before
