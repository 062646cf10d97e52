"""A small run of the benchmark: it runs end to end and reports every measurement."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bench.__main__ import main

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.slow


def test_the_benchmark_runs_on_a_small_journal_and_writes_its_table(tmp_path: Path) -> None:
    output = tmp_path / "results.md"
    main(["--sizes", "300", "--no-postgres", "--output", str(output)])
    table = output.read_text()
    for column in (
        "import lines/s",
        "import/raw",
        "peak RSS MB",
        "replay events/s",
        "replay floor events/s",
        "import/naive",
        "actor p50/p95 ms",
        "location p50/p95 ms",
        "as-of p50/p95 ms",
    ):
        assert column in table
    row = next(line for line in table.splitlines() if line.startswith("| 300 "))
    assert "| 0 |" not in row  # every rate measured something


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A SQLite store of a generated 300-fact journal, imported by `timeline append`."""
    import subprocess
    import sys

    from bench import measure
    from bench.generate import write_journal

    journal = write_journal(tmp_path / "j.ndjson", 300)
    store = tmp_path / "s.db"
    subprocess.run(
        [sys.executable, "-m", "cli", "--db", str(store), "append", str(journal)],
        check=True,
        capture_output=True,
        cwd=measure.ROOT,
    )
    return store


def test_the_read_figures_of_an_existing_store_are_measured_without_importing(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench import queries

    queries.main(["--db", str(store), "--runs", "1"])
    header, _, row = capsys.readouterr().out.splitlines()[:3]
    for column in ("country p50/p95 ms", "search p50/p95 ms", "CLI actor json ms", "log positions"):
        assert column in header
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[0] == "s.db"
    assert int(cells[1]) > 300  # facts plus the gazetteer's statements


@pytest.mark.postgres
def test_the_postgresql_import_reports_its_time_and_the_client_cpu_it_used(
    tmp_path: Path, pg_admin_url: str
) -> None:
    from bench import measure
    from bench.generate import write_journal

    measured = measure.postgres_import(pg_admin_url, write_journal(tmp_path / "j.ndjson", 200))
    assert measured is not None
    seconds, cpu = measured
    assert cpu > 0
    assert seconds > 0


def test_the_replay_floor_rewrites_every_read_model_row_of_the_store(store: Path, tmp_path: Path) -> None:
    import sqlite3

    from bench import measure
    from timeline.persistence.readmodel import TABLES

    seconds, events = measure.replay_floor(store, tmp_path / "floor.db")
    assert seconds > 0
    source, floor = sqlite3.connect(store), sqlite3.connect(tmp_path / "floor.db")
    assert events == source.execute("SELECT COUNT(*) FROM tl_log").fetchone()[0] > 300
    for table in TABLES:
        query = f"SELECT * FROM {table} ORDER BY rowid"
        assert floor.execute(query).fetchall() == source.execute(query).fetchall(), table
    indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'tl_%' ORDER BY name"
    assert floor.execute(indexes).fetchall() == source.execute(indexes).fetchall()
