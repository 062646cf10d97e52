"""A small run of the API benchmark: server, load and the append beside it, end to end."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bench.api import main

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.slow


def test_the_api_benchmark_runs_and_writes_its_row(tmp_path: Path) -> None:
    output = tmp_path / "results.md"
    main(["--facts", "300", "--requests", "60", "--append", "50", "--workers", "1", "--output", str(output)])
    table = output.read_text()
    assert "| p50 ms | p95 ms |" in table
    lines = table.splitlines()
    header = next(line for line in lines if line.startswith("| facts "))
    row = next(line for line in lines if line.startswith("| 300 "))
    cells = dict(zip(header.strip("|").split("|"), row.strip("|").split("|"), strict=True))
    cells = {name.strip(): value.strip() for name, value in cells.items()}
    assert cells["requests"] == "60"  # every request answered
    assert cells["errors"] == "0"
