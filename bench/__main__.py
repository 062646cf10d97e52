"""Benchmarks: `make bench` or `python -m bench --sizes 10000,100000,1000000`.

For each size, every figure is the median of `--samples` runs (3 by default):
- import: `timeline append` of a generated NDJSON journal into a new SQLite store,
  read models current, as a process (its peak RSS is the largest of the runs);
- raw: the same lines as blobs through sqlite3 `executemany` (the baseline of the run);
- eventsourcing: the library's own `Application.save(*1000 aggregates)` of the same
  events without read models (the stretch target);
- naive: one transaction per journal object through the same service code (measured
  once, on the first 1,000 lines of the smallest journal);
- replay: `timeline replay` as a process;
- replay floor: SQLite alone rewriting the replayed store's read-model rows as a
  replay does (clear, copy in the replay's sections, build the query indexes): the
  lower bound of any replay of these read models on this machine;
- queries in process (p50/p95 over 5 rounds of each case, first 100 entries as JSON):
  actor, leaf place, parent place (an oblast), a country, as-of and search;
- CLI: `timeline actor X --format json --limit 100` and `timeline --help` as processes
  (p50 of 5 each, after the import: start-up is measured apart from importing);
- PostgreSQL: `timeline append` into a new database where a server is reachable.
Prints one table and writes it to bench/results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import measure
from bench.generate import places_within, write_journal

RESULTS = measure.ROOT / "bench" / "results.md"
PG_URL = os.environ.get("TIMELINE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
NAIVE_LINES = 1000
CLI_RUNS = 5


def measure_size(work: Path, size: int, samples: int, naive_rate: float | None) -> dict[str, Any]:
    journal = write_journal(work / f"j{size}.ndjson", size)
    lines = _count_lines(journal)
    db = work / f"s{size}.db"
    imports, rss = [], []
    for _ in range(samples):
        seconds, peak, _ = measure.run_cli(["--db", str(measure.fresh(db)), "append", str(journal)])
        imports.append(seconds)
        rss.append(peak)
    raw = measure.median(measure.raw_sqlite(journal, work / "raw.db") for _ in range(samples))
    saved = [measure.eventsourcing_save(journal, work / "es.db") for _ in range(samples)]
    es_events = saved[0][1]
    es_seconds = measure.median(s for s, _ in saved)
    replays, replay_rss = [], []
    for _ in range(samples):
        _, peak, out = measure.run_cli(["--db", str(db), "replay", "--format", "json"])
        replays.append(measure.decode_last_line(out)["events_per_second"])
        replay_rss.append(peak)
    floors = [measure.replay_floor(db, work / "floor.db") for _ in range(samples)]
    floor_rate = floors[0][1] / measure.median(seconds for seconds, _ in floors)
    import_rate = lines / measure.median(imports)
    raw_rate = lines / raw
    replay_rate = measure.median(replays)
    row: dict[str, Any] = {
        "facts": size,
        "lines": lines,
        "MB": round(journal.stat().st_size / 1e6, 1),
        "import lines/s": round(import_rate),
        "raw sqlite lines/s": round(raw_rate),
        "import/raw": round(import_rate / raw_rate, 3),
        "es save lines/s": round(lines / es_seconds),
        "import/es save": round(import_rate / (lines / es_seconds), 2),
        "es events": es_events,
        "import/naive": "" if not naive_rate else round(import_rate / naive_rate, 1),
        "peak RSS MB": max(rss),
        "replay events/s": round(replay_rate),
        "replay/raw": round(replay_rate / raw_rate, 3),
        "replay floor events/s": round(floor_rate),
        "replay/floor": round(replay_rate / floor_rate, 2),
        "replay RSS MB": max(replay_rss),
        "places in country": places_within("Ukraine", size),
    }
    row.update(measure.read_figures(db, lines, CLI_RUNS))
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the table is written")
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated fact counts")
    parser.add_argument("--samples", type=int, default=3, help="runs per figure (median shown)")
    parser.add_argument("--postgres-size", type=int, default=100_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="timeline-bench-", dir=os.environ.get("BENCH_DIR")) as tmp:
        work = Path(tmp)
        first = write_journal(work / "naive.ndjson", sizes[0])
        naive_rate = measure.median(
            measure.naive(first, work / "naive.db", NAIVE_LINES) for _ in range(args.samples)
        )
        for size in sizes:
            row = measure_size(work, size, args.samples, naive_rate)
            row["naive lines/s"] = round(naive_rate)
            rows.append(row)
            print(_json(row), flush=True)
        pg = None
        if not args.no_postgres:
            journal = write_journal(work / "pg.ndjson", args.postgres_size)
            lines = _count_lines(journal)
            runs = [measure.postgres_import(PG_URL, journal) for _ in range(args.samples)]
            measured = [s for s in runs if s is not None]
            pg = (
                (
                    lines,
                    round(lines / measure.median(s for s, _ in measured)),
                    round(lines / measure.median(c for _, c in measured)),
                )
                if measured
                else (lines, None, None)
            )
    report = render(rows, pg, args.samples)
    print(report)
    args.output.write_text(report)


def _count_lines(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(1 for _ in stream)


def _load() -> str:
    """The machine's 1-minute load average (2 cores: above 2, processes wait for a core)."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def _json(row: dict[str, Any]) -> str:
    import orjson

    return orjson.dumps(row).decode()


def render(rows: list[dict[str, Any]], pg: tuple[int, int | None, int | None] | None, samples: int) -> str:
    """The results as Markdown, one row per size."""
    lines = [
        "# Benchmark results",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} cores"
        f" · Python {platform.python_version()} · SQLite {sqlite3.sqlite_version}"
        f" · `python -m bench` · median of {samples} runs per figure · load average at the end {_load()}",
        "",
        *measure.table(rows),
    ]
    if pg:
        rate = (
            "skipped (server unreachable)"
            if pg[1] is None
            else f"{pg[1]:,} lines/s; the client process alone, per CPU-second it used: {pg[2]:,} lines"
        )
        lines += ["", f"PostgreSQL import of {pg[0]:,} lines: {rate}"]
    lines += [
        "",
        "import = `timeline append` as a process (validation, events, hash chain, read models);",
        "raw = the same lines as blobs via sqlite3 `executemany` in 1,000-row transactions (same run);",
        "es save = eventsourcing's `Application.save(*1000 aggregates)` of the same events, no read models;",
        "naive = one transaction per journal object through the same service code;",
        "replay floor = SQLite alone clearing and rewriting the replayed read models in the replay's",
        "sections (`INSERT … SELECT` from the store, query indexes built after): no projection at all;",
        "location = a leaf place, parent location = an oblast, country = Ukraine",
        "(with `places in country` places below it);",
        "CLI = `timeline actor 'Russian MoD' --format json --limit 100` and `timeline --help`,",
        "p50 of 5 processes each.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
