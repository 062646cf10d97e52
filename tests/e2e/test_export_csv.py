"""CSV export: canonical names beside the reported spelling, casualty figures, and cells
a spreadsheet would run as formulas escaped (issue 15.21)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from tests.e2e.helpers import ok, seeded
from tests.factories import a_fact, a_source, write_journal

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner


def rows(cli: CliRunner, db: str, *args: str) -> dict[str, dict[str, str]]:
    text = ok(cli, "export", "csv", *args, "--db", db).stdout
    return {row["fact"]: row for row in csv.DictReader(io.StringIO(text))}


def test_csv_names_are_canonical_with_the_reported_spelling_and_figures(
    cli: CliRunner, store_url: str, tmp_path: Path
) -> None:
    seeded(cli, store_url)
    journal = write_journal(
        tmp_path / "kiev.ndjson", [a_fact(id="kiev-fact", alleged_by="Kremlin", target="Kiev")]
    )
    ok(cli, "append", journal, "--db", store_url)
    row = rows(cli, store_url)["kiev-fact"]
    assert row["actors"] == "alleged_by: Russian Presidency; accused: Ukraine"
    assert row["actors_reported"] == "alleged_by: Kremlin; accused: Ukraine"
    assert row["locations"] == "target: Kyiv"
    assert row["locations_reported"] == "target: Kiev"
    shelling = rows(cli, store_url, "--incident", "kherson-shelling-2023-05")["kherson-shelling-reported"]
    assert shelling["killed_min"] == "18"
    assert {"killed_max", "injured_min"} <= set(shelling)


def test_csv_cells_that_start_like_formulas_are_escaped(
    cli: CliRunner, store_url: str, tmp_path: Path
) -> None:
    journal = write_journal(
        tmp_path / "hostile.ndjson",
        [
            a_fact(
                id="hostile",
                summary='=HYPERLINK("http://evil.example","click")',
                sources=[a_source(name="@UCDP"), a_source(name="+Reuters")],
                alleged_by="-Anonymous",
            )
        ],
    )
    ok(cli, "append", journal, "--db", store_url)
    row = rows(cli, store_url)["hostile"]
    assert row["summary"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["sources"] == "'@UCDP; +Reuters"
    assert row["actors"].startswith("alleged_by: -Anonymous")  # not at the start of the cell: harmless
    timeline_csv = ok(cli, "incident", "kremlin-drone-2023-05", "-f", "csv", "--db", store_url).stdout
    [entry] = list(csv.DictReader(io.StringIO(timeline_csv)))
    assert entry["summary"].startswith("'=HYPERLINK")
    assert entry["sources"] == "'@UCDP; +Reuters"
