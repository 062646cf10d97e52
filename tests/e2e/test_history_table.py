"""The history table shows list changes as the items removed and added (issue 15.10)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.e2e.helpers import ok, seeded

if TYPE_CHECKING:
    from typer.testing import CliRunner

FACT = "kremlin-drone-us-embassy-advisory"


def test_history_lists_the_items_a_change_added_and_removed(cli: CliRunner, store_url: str) -> None:
    seeded(cli, store_url)
    ok(cli, "corroborate", FACT, "--source-name", "Reuters", "--source-url", "https://r.example/1",
       "--reason", "second source", "--db", store_url)  # fmt: skip
    ok(cli, "correct", FACT, "--set", 'area=["Kyiv", "Lviv"]', "--reason", "wider area", "--db", store_url)
    table = ok(cli, "history", FACT, "--db", store_url).stdout
    cells = [cell.strip() for line in table.splitlines() for cell in line.split("│")]
    # the source SourceAdded added, by name and url
    assert "+ Reuters (https://r.example/1)" in cells
    assert {"− Kiev", "− Kiev region", "+ Kyiv", "+ Lviv"} <= set(cells)
    assert "…" not in table.split("@")[-1]  # the last version's changes are shown whole
