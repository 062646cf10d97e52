"""At 80 columns tables never cut ids or times, and `log` shows reasons (issue 15.15)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.helpers import as_json, log, ok, seeded

if TYPE_CHECKING:
    from typer.testing import CliRunner

INCIDENT = "kremlin-drone-2023-05"


@pytest.fixture(autouse=True)
def _eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


def _cells(table: str) -> set[str]:
    return {cell.strip() for line in table.splitlines() for cell in line.split("│")}


def test_timelines_at_80_columns_show_every_id_and_time_whole(cli: CliRunner, store_url: str) -> None:
    seeded(cli, store_url)
    ok(cli, "retract", "kremlin-drone-alleged", "--reason", "withdrawn", "--db", store_url)
    for args in (("incident", INCIDENT), ("actor", "Kremlin"), ("location", "Moscow"), ("search", "drone")):
        table = ok(cli, *args, "--include-retracted", "--db", store_url).stdout
        assert all(len(line) <= 80 for line in table.splitlines())
        assert "…" not in table
        entries = as_json(ok(cli, *args, "--include-retracted", "-f", "json", "--db", store_url))["entries"]
        assert entries
        cells = _cells(table)
        for entry in entries:
            assert entry["fact"] in cells, entry["fact"]
            for part in entry["occurred"].split("/"):
                assert part in cells or f"{part}/" in cells


def test_log_and_history_at_80_columns_keep_times_whole_and_log_shows_the_reason(
    cli: CliRunner, store_url: str
) -> None:
    seeded(cli, store_url)
    ok(cli, "correct", "kremlin-drone-alleged", "--set", "drones=3", "--reason", "ministry update",
       "--db", store_url)  # fmt: skip
    table = ok(cli, "log", "--db", store_url).stdout
    assert all(len(line) <= 80 for line in table.splitlines())
    cells = _cells(table)
    for event in log(cli, store_url):
        assert event["recorded_at"] in cells
        assert (event.get("fact") or event["name"]) in cells
    assert "ministry update" in cells
    assert log(cli, store_url)[-1]["reason"] == "ministry update"
    history = ok(cli, "history", "kremlin-drone-alleged", "--db", store_url).stdout
    recorded = [v["recorded_at"] for v in as_json(
        ok(cli, "history", "kremlin-drone-alleged", "-f", "json", "--db", store_url))["versions"]]  # fmt: skip
    assert all(stamp in _cells(history) for stamp in recorded)
