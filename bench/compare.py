"""Import speed of this checkout against an earlier revision, measured in the same run.

    python -m bench.compare --base c86c91f --size 50000 --rounds 3

Both builds append the same generated journal into a fresh SQLite store, alternating
(base, this, base, this, ...) so that both see the same machine load. The table gives
the median wall and CPU (user + system) seconds of each and their ratio. CPU time is
the steadier figure on a shared machine; wall time includes waiting for other work.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.generate import write_journal

ROOT = Path(__file__).resolve().parent.parent


def _append(tree: Path, journal: Path, db: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of `timeline append` run from the sources in `tree`."""
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "cli", "--db", str(db), "append", str(journal)],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(tree)},
        cwd=tree,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", required=True, help="the git revision to compare against")
    parser.add_argument("--size", type=int, default=50_000, help="facts in the generated journal")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="timeline-compare-") as scratch:
        folder = Path(scratch)
        base = folder / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base], check=True
        )
        try:
            journal = write_journal(folder / "journal.ndjson", args.size)
            runs: dict[str, list[tuple[float, float]]] = {"base": [], "this": []}
            for _ in range(args.rounds):
                runs["base"].append(_append(base, journal, folder / "base.db"))
                runs["this"].append(_append(ROOT, journal, folder / "this.db"))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=True)
    wall = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
    print(f"| {args.size:,} facts, median of {args.rounds} | wall s | CPU s | lines/s (wall) |")
    print("|---|---|---|---|")
    for name, label in (("base", f"base {args.base}"), ("this", "this checkout")):
        print(f"| {label} | {wall[name]:.2f} | {cpu[name]:.2f} | {args.size / wall[name]:,.0f} |")
    print(f"| this ÷ base | {wall['this'] / wall['base']:.3f} | {cpu['this'] / cpu['base']:.3f} | |")


if __name__ == "__main__":
    main()
