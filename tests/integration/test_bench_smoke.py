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


def test_the_read_figures_of_an_existing_store_are_measured_without_importing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess
    import sys

    from bench import measure, queries
    from bench.generate import write_journal

    journal = write_journal(tmp_path / "j.ndjson", 300)
    store = tmp_path / "s.db"
    subprocess.run(
        [sys.executable, "-m", "cli", "--db", str(store), "append", str(journal)],
        check=True,
        capture_output=True,
        cwd=measure.ROOT,
    )
    queries.main(["--db", str(store), "--runs", "1"])
    header, _, row = capsys.readouterr().out.splitlines()[:3]
    for column in ("country p50/p95 ms", "search p50/p95 ms", "CLI actor json ms", "log positions"):
        assert column in header
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[0] == "s.db"
    assert int(cells[1]) > 300  # facts plus the gazetteer's statements
