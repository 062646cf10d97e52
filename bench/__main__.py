"""Benchmarks: `make bench` or `python -m bench --sizes 10000,100000,1000000`.

For each size: import (CLI in a subprocess: NDJSON -> store with read models current),
the same bytes through raw sqlite3 `executemany` (the baseline of the run), replay,
timeline queries (p50/p95, first 100 entries as JSON) and an as-of query; on the
smallest size the naive path (one save per fact); PostgreSQL import where reachable.
Prints one table and writes it to bench/results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bench.generate import ACTORS, write_journal
from timeline import Settings, open_timeline, queries
from timeline.application import _batches
from timeline.journal import Entry, read_journal

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"
PG_URL = os.environ.get("TIMELINE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


def run_cli(args: list[str]) -> tuple[float, int, str]:
    """(seconds, peak RSS in MB, stdout) of one `timeline` process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "cli", *args], stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode:
            raise RuntimeError(f"timeline {' '.join(args)} failed: {err.read().decode()[-500:]}")
        return seconds, usage.ru_maxrss // 1024, out.read().decode()


def raw_sqlite(journal: Path, db: Path) -> float:
    """Seconds to insert the journal's lines as blobs with executemany, in 1,000-row transactions."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE raw (id INTEGER PRIMARY KEY, originator TEXT, version INTEGER, state BLOB)")
    started = time.perf_counter()
    with journal.open("rb") as lines:
        for chunk in _batches(lines, 1000):
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO raw (originator, version, state) VALUES (?, 1, ?)",
                [(os.urandom(16).hex(), line) for line in chunk],
            )
            conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def naive(journal: Path, db: Path, limit: int) -> float:
    """Facts/s writing one journal object per transaction (no batching), first `limit` lines."""
    app = open_timeline(Settings(db=str(db), recorded_by="bench"))
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


def query_times(db: Path, size: int) -> dict[str, tuple[float, float]]:
    app = open_timeline(Settings(db=str(db), recorded_by="bench"))
    try:
        out = {}
        cases = {
            "actor": [queries.TimelineQuery("actor", a, limit=100) for a in ACTORS],
            "location": [
                queries.TimelineQuery("location", f"{r} settlement {i}", limit=100)
                for r in ("Kyiv", "Kharkiv", "Donetsk", "Kherson")
                for i in range(3)
            ],
            "as-of": [queries.TimelineQuery("actor", a, as_of=f"@{size // 2}", limit=100) for a in ACTORS],
        }
        for name, qs in cases.items():
            samples = []
            for _ in range(5):
                for q in qs:
                    started = time.perf_counter()
                    orjson.dumps(queries.timeline(app.view, q).to_json())
                    samples.append((time.perf_counter() - started) * 1000)
            samples.sort()
            out[name] = (statistics.median(samples), samples[int(len(samples) * 0.95) - 1])
        return out
    finally:
        app.close()


def postgres_import(journal: Path) -> float | None:
    try:
        import psycopg

        name = f"tl_bench_{os.getpid()}"
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as error:  # unreachable: reported, not fatal
        print(f"PostgreSQL not reachable ({str(error).splitlines()[0]}); skipped", file=sys.stderr)
        return None
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    try:
        seconds, _, _ = run_cli(["--db", url, "append", str(journal)])
        return seconds
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _count_lines(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(1 for _ in stream)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the table is written")
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated fact counts")
    parser.add_argument("--postgres-size", type=int, default=100_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    query_by_size = {}
    with tempfile.TemporaryDirectory(prefix="timeline-bench-", dir=os.environ.get("BENCH_DIR")) as tmp:
        work = Path(tmp)
        for size in sizes:
            journal = write_journal(work / f"j{size}.ndjson", size)
            lines = _count_lines(journal)
            megabytes = journal.stat().st_size / 1e6
            db = work / f"s{size}.db"
            seconds, rss, _ = run_cli(["--db", str(db), "append", str(journal)])
            raw = raw_sqlite(journal, work / f"raw{size}.db")
            _, replay_rss, replay_out = run_cli(["--db", str(db), "replay", "--format", "json"])
            replay = orjson.loads(replay_out.strip().splitlines()[-1])
            queries_ms = query_times(db, lines)
            query_by_size[size] = queries_ms
            row = {
                "facts": size,
                "lines": lines,
                "MB": round(megabytes, 1),
                "import lines/s": round(lines / seconds),
                "raw sqlite lines/s": round(lines / raw),
                "import/raw": round(raw / seconds, 3),
                "peak RSS MB": rss,
                "replay events/s": round(replay["events_per_second"]),
                "replay RSS MB": replay_rss,
                "actor p50/p95 ms": "{:.2f} / {:.2f}".format(*queries_ms["actor"]),
                "location p50/p95 ms": "{:.2f} / {:.2f}".format(*queries_ms["location"]),
                "as-of p50/p95 ms": "{:.2f} / {:.2f}".format(*queries_ms["as-of"]),
            }
            if size == sizes[0]:
                naive_rate = naive(journal, work / "naive.db", min(lines, 3000))
                row["naive lines/s"] = round(naive_rate)
                row["import/naive"] = round((lines / seconds) / naive_rate, 1)
            rows.append(row)
            print(orjson.dumps(row).decode(), flush=True)
        pg = None
        if not args.no_postgres:
            journal = write_journal(work / "pg.ndjson", args.postgres_size)
            lines = _count_lines(journal)
            seconds = postgres_import(journal)
            pg = (lines, None if seconds is None else round(lines / seconds))
    report = render(rows, query_by_size, pg)
    print(report)
    args.output.write_text(report)


def render(rows: list[dict], query_by_size: dict, pg: tuple[int, int | None] | None) -> str:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    lines = [
        "# Benchmark results",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} cores"
        f" · Python {platform.python_version()} · SQLite {sqlite3.sqlite_version} · `python -m bench`",
        "",
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")
    sizes = sorted(query_by_size)
    if len(sizes) > 1:
        small, large = query_by_size[sizes[0]], query_by_size[sizes[-1]]
        lines += [
            "",
            f"Query p50 ratio {sizes[-1]:,} / {sizes[0]:,} facts: "
            + ", ".join(f"{k} {large[k][0] / small[k][0]:.2f}" for k in small),
        ]
    if pg:
        rate = "skipped (server unreachable)" if pg[1] is None else f"{pg[1]:,} lines/s"
        lines += ["", f"PostgreSQL import of {pg[0]:,} lines: {rate}"]
    lines += [
        "",
        "import = `timeline append` in a subprocess (validation, events, hash chain, read models);",
        "raw = the same lines as blobs via sqlite3 `executemany` in 1,000-row transactions (same run);",
        "naive = one transaction per journal object through the same service code.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
