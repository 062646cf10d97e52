"""Query and CLI figures of an existing store, without importing again.

    python -m bench.queries --db s100000.db [--db s1000000.db ...]

For each store: in-process query p50/p95 (the cases of `python -m bench`, 5 rounds
each) and `timeline actor X --format json --limit 100` and `timeline --help` as
processes (p50 of `--runs`). The as-of case asks at the middle of the store's log.
Prints one Markdown table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bench import measure


def measure_store(db: Path, runs: int) -> dict[str, Any]:
    from timeline import Settings, open_timeline

    app = open_timeline(Settings(db=str(db), recorded_by="bench"), create=False)
    try:
        head = app.read.position()
    finally:
        app.close()
    return {"store": db.name, "log positions": head, **measure.read_figures(db, head, runs)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, action="append", required=True, help="a SQLite store (repeatable)")
    parser.add_argument("--runs", type=int, default=9, help="CLI processes per figure (p50 shown)")
    args = parser.parse_args(argv)
    rows = [measure_store(db, args.runs) for db in args.db]
    print("\n".join(measure.table(rows)))


if __name__ == "__main__":
    sys.exit(main())
