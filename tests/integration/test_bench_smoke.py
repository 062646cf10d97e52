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
        "import/naive",
        "actor p50/p95 ms",
        "location p50/p95 ms",
        "as-of p50/p95 ms",
    ):
        assert column in table
    row = next(line for line in table.splitlines() if line.startswith("| 300 "))
    assert "| 0 |" not in row  # every rate measured something
