"""The measurements `python -m bench` combines: each returns seconds or rates of one run.

Everything that is compared in a ratio is measured in the same run, on the same
journal, so that the load other work puts on the machine is shared by both sides.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import orjson

from bench.generate import ACTORS
from timeline.limits import batches

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent


def median(samples: Iterable[float]) -> float:
    return statistics.median(list(samples))


_BYTECODE = tempfile.mkdtemp(prefix="timeline-bench-pyc-")
atexit.register(shutil.rmtree, _BYTECODE, ignore_errors=True)
CLI_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {
    "PYTHONPYCACHEPREFIX": _BYTECODE
}
"""The processes run as an installed `timeline` does: with compiled bytecode kept
(in a scratch folder, not the source tree), even where the environment sets
PYTHONDONTWRITEBYTECODE (compiling the project's modules at each start costs more
than the rest of a query)."""


def run_cli(args: list[str]) -> tuple[float, int, str]:
    """(seconds, peak RSS in MB, stdout) of one `timeline` process."""
    seconds, usage, out = run_cli_usage(args)
    return seconds, usage.ru_maxrss // 1024, out


def run_cli_usage(args: list[str]) -> tuple[float, Any, str]:
    """(seconds, resource usage, stdout) of one `timeline` process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", *args], stdout=out, stderr=err, cwd=ROOT, env=CLI_ENV
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode:
            raise RuntimeError(f"timeline {' '.join(args)} failed: {err.read().decode()[-500:]}")
        return seconds, usage, out.read().decode()


def fresh(db: Path) -> Path:
    """`db` with any earlier file of that name (and its WAL) removed."""
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
    return db


def raw_sqlite(journal: Path, db: Path) -> float:
    """Seconds to insert the journal's lines as blobs with executemany, in 1,000-row transactions."""
    conn = sqlite3.connect(fresh(db), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE raw (id INTEGER PRIMARY KEY, originator TEXT, version INTEGER, state BLOB)")
    started = time.perf_counter()
    with journal.open("rb") as lines:
        for chunk in batches(lines, 1000):
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO raw (originator, version, state) VALUES (?, 1, ?)",
                [(os.urandom(16).hex(), line) for line in chunk],
            )
            conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def replay_floor(store: Path, db: Path) -> tuple[float, int]:
    """(seconds, events) for SQLite alone to do a replay's writing of `store`'s read models:
    no projection at all.

    A copy of the read models (made untimed) is rebuilt as `timeline replay` rebuilds
    them: every row deleted and the query indexes dropped in one transaction, then
    each table's rows copied back inside SQLite (`INSERT … SELECT` from `store`) in as
    many transactions as the replay commits, then the query indexes built. This is a
    lower bound for any replay that writes these rows, however it computes them (a
    set-based one must still derive them from the events' JSON).
    """
    from timeline.application import SECTION_SIZE
    from timeline.persistence.readmodel import INSERT_COLUMNS, QUERY_INDEXES, SCHEMA, TABLES
    from timeline.persistence.sqlite import SEARCH_TABLE, WRITE_CACHE_KIB

    conn = sqlite3.connect(fresh(db), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA cache_size = -{WRITE_CACHE_KIB}")
    for statement in [*SCHEMA, SEARCH_TABLE]:
        conn.execute(statement)
    conn.execute("ATTACH DATABASE ? AS src", (f"file:{store}?mode=ro",))
    columns = {table: ", ".join(INSERT_COLUMNS[table]) for table in TABLES}

    def copy(table: str, low: int, high: int) -> None:
        conn.execute(
            f"INSERT INTO main.{table} ({columns[table]}) SELECT {columns[table]} "
            f"FROM src.{table} WHERE rowid > ? AND rowid <= ?",
            (low, high),
        )

    last = {t: conn.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM src.{t}").fetchone()[0] for t in TABLES}
    conn.execute("BEGIN IMMEDIATE")
    for table in TABLES:
        copy(table, 0, last[table])
    conn.execute("COMMIT")
    events = conn.execute("SELECT COUNT(*) FROM src.tl_log").fetchone()[0]
    sections = max(1, -(-events // SECTION_SIZE))
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for table in TABLES:
        conn.execute(f"DELETE FROM main.{table}")
    for index in QUERY_INDEXES:
        conn.execute(f"DROP INDEX main.{index}")
    conn.execute("COMMIT")
    for section in range(sections):
        conn.execute("BEGIN IMMEDIATE")
        for table in TABLES:
            copy(table, last[table] * section // sections, last[table] * (section + 1) // sections)
        conn.execute("COMMIT")
    conn.execute("BEGIN IMMEDIATE")
    for statement in SCHEMA:
        if any(f" {index} " in statement for index in QUERY_INDEXES):
            conn.execute(statement)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds, events


def eventsourcing_save(journal: Path, db: Path) -> tuple[float, int]:
    """(seconds, events) for eventsourcing's own `Application.save(*aggregates)` of the
    journal's events, 1,000 journal objects per save, into SQLite without read models.

    The journal is parsed and validated outside the timed part (the import does that
    too, but this baseline is the library's write path): what is timed is building
    the aggregates' events (an amended fact from earlier batches is loaded through
    `repository.get`) and `save`. Same transcoder and mapper as the record.
    """
    from eventsourcing.application import Application

    from timeline.application import Timeline, _amend, _first_event, _gazetteer_types
    from timeline.domain.fact import Fact, fact_uuid
    from timeline.domain.gazetteer import Statement
    from timeline.journal import Entry, read_journal

    class Baseline(Application):
        name = "Baseline"
        env: ClassVar[dict[str, str]] = dict(Timeline.env)

    app = Baseline(
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(fresh(db)),
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    )
    seconds = 0.0
    events = 0
    try:
        with journal.open("rb") as stream:
            for chunk in batches(read_journal(stream, str(journal)), 1000):
                entries = [e for e in chunk if isinstance(e, Entry)]
                started = time.perf_counter()
                aggregates: dict[UUID, Any] = {}
                for entry in entries:
                    if entry.is_amendment:
                        uid = fact_uuid(entry.key)
                        fact = aggregates.get(uid) or app.repository.get(uid)
                        _amend(fact, entry, "bench", as_given=True)
                    else:
                        uid = (
                            Statement.id_for(entry.type, entry.fields)
                            if entry.type in _gazetteer_types()
                            else fact_uuid(entry.key)
                        )
                        if uid in aggregates:
                            continue
                        event = _first_event(entry, uid, "bench")
                        fact = event.mutate(None)
                        assert isinstance(fact, Fact | Statement)
                        fact.pending_events.append(event)
                    aggregates[uid] = fact
                recordings = app.save(*aggregates.values())
                seconds += time.perf_counter() - started
                events += len(recordings)
    finally:
        app.close()
    return seconds, events


def naive(journal: Path, db: Path, limit: int) -> float:
    """Lines/s writing one journal object per transaction (no batching), first `limit` lines,
    through the same service code, then bringing the read models up to date."""
    from timeline import Settings, open_timeline
    from timeline.journal import Entry, read_journal

    app = open_timeline(Settings(db=str(fresh(db)), recorded_by="bench"))
    try:
        with journal.open("rb") as stream:
            entries = [e for _, e in zip(range(limit), read_journal(stream, str(journal)), strict=False)]
        started = time.perf_counter()
        for entry in entries:
            assert isinstance(entry, Entry)
            app._write_with_retries([entry], "bench")
        app.project()
        return len(entries) / (time.perf_counter() - started)
    finally:
        app.close()


REGIONS = ("Kyiv", "Kharkiv", "Donetsk", "Kherson")
SEARCHES = ("corrected report", "Reuters", "developing")


def query_cases(actors: list[str], size: int) -> dict[str, list[Any]]:
    """The in-process queries: name -> the query objects sampled (limit 100 each)."""
    from timeline import queries

    def tq(kind: str, name: str, **more: Any) -> Any:
        return queries.TimelineQuery(kind, name, limit=100, **more)

    return {
        "actor": [tq("actor", a) for a in actors],
        "location": [tq("location", f"{r} settlement {i}") for r in REGIONS for i in range(3)],
        "parent location": [tq("location", f"{r} oblast") for r in REGIONS],
        "country": [tq("location", "Ukraine")],
        "as-of": [tq("actor", a, as_of=f"@{size // 2}") for a in actors],
        "search": [queries.SearchQuery(text, limit=100) for text in SEARCHES],
    }


def query_times(db: Path, cases: dict[str, list[Any]], rounds: int = 5) -> dict[str, tuple[float, float]]:
    """(p50, p95) milliseconds of each kind of query through the record's read service
    (which checks that the read models are current first), answer rendered as JSON."""
    from timeline import Settings, open_timeline, queries

    app = open_timeline(Settings(db=str(db), recorded_by="bench"))
    try:
        app.refresh()
        out = {}
        for name, qs in cases.items():
            samples = []
            for _ in range(rounds):
                for q in qs:
                    run: Callable[[Any], Any] = (
                        app.read.search if isinstance(q, queries.SearchQuery) else app.read.timeline
                    )
                    started = time.perf_counter()
                    orjson.dumps(run(q).to_json())
                    samples.append((time.perf_counter() - started) * 1000)
            samples.sort()
            out[name] = (median(samples), samples[max(0, int(len(samples) * 0.95) - 1)])
        return out
    finally:
        app.close()


def postgres_import(url: str, journal: Path) -> tuple[float, float] | None:
    """(seconds, CPU seconds of the `timeline` process) of `timeline append` into a new
    PostgreSQL database (None: unreachable). The process's CPU time bounds its rate
    however fast the server is: the server works in other processes."""
    try:
        import psycopg

        name = f"tl_bench_{os.getpid()}"
        with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as error:  # unreachable: reported, not fatal
        print(f"PostgreSQL not reachable ({str(error).splitlines()[0]}); skipped", file=sys.stderr)
        return None
    target = url.rsplit("/", 1)[0] + "/" + name
    try:
        seconds, usage, _ = run_cli_usage(["--db", target, "append", str(journal)])
        return seconds, usage.ru_utime + usage.ru_stime
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def peak(samples: Iterable[int]) -> int:
    return max(samples)


def decode_last_line(text: str) -> dict[str, Any]:
    value: dict[str, Any] = orjson.loads(text.strip().splitlines()[-1])
    return value


def read_figures(db: Path, size: int, cli_runs: int) -> dict[str, Any]:
    """The read columns of a store: in-process query p50/p95 (`query_cases`, the as-of
    case at `size // 2`), then `timeline actor X --format json --limit 100` and
    `timeline --help` as processes (p50 of `cli_runs`, after one warm-up run)."""
    row: dict[str, Any] = {}
    for name, (p50, p95) in query_times(db, query_cases(ACTORS, size)).items():
        row[f"{name} p50/p95 ms"] = f"{p50:.2f} / {p95:.2f}"
    run_cli(["--db", str(db), "actor", ACTORS[2], "--format", "json", "--limit", "1"])  # warm
    actor = ["--db", str(db), "actor", ACTORS[2], "--format", "json", "--limit", "100"]
    row["CLI actor json ms"] = round(median(run_cli(actor)[0] for _ in range(cli_runs)) * 1000)
    row["CLI --help ms"] = round(median(run_cli(["--help"])[0] for _ in range(cli_runs)) * 1000)
    return row


def table(rows: list[dict[str, Any]]) -> list[str]:
    """Rows as a Markdown table, columns in order of first appearance."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
