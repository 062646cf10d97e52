"""Incidents have titles: `IncidentRegistered` and the `incidents` listing (issue 15.7)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from tests.e2e.helpers import as_json, ok, seeded
from tests.factories import write_journal

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner

KREMLIN = "kremlin-drone-2023-05"


def _listed(cli: CliRunner, db: str, *args: str) -> dict[str, dict]:
    subjects = as_json(ok(cli, "incidents", "-f", "json", *args, "--db", db))["subjects"]
    return {s["name"]: s for s in subjects}


def test_registered_incidents_are_listed_with_title_and_description(
    cli: CliRunner, store_url: str, tmp_path: Path
) -> None:
    seeded(cli, store_url)
    journal = write_journal(
        tmp_path / "incidents.ndjson",
        [
            {"type": "IncidentRegistered", "incident": KREMLIN, "title": "Drones over the Kremlin"},
            {
                "type": "IncidentRegistered",
                "incident": "nord-stream-2022-09",
                "title": "Nord Stream explosions",
                "description": "Blasts on Nord Stream 1 and 2, 26 September 2022",
            },
        ],
    )
    ok(cli, "append", journal, "--db", store_url)
    listed = _listed(cli, store_url)
    assert listed[KREMLIN] == {
        "kind": "incident", "name": KREMLIN, "facts": 11, "registered": True,
        "title": "Drones over the Kremlin", "description": None,
    }  # fmt: skip
    assert listed["nord-stream-2022-09"]["facts"] == 0
    assert listed["nord-stream-2022-09"]["description"].startswith("Blasts on Nord Stream")
    assert listed["kherson-shelling-2023-05"]["registered"] is False
    table = ok(cli, "incidents", "--db", store_url).stdout
    assert "Drones over the Kremlin" in table
    assert "yes" in table
    rows = list(csv.DictReader(io.StringIO(ok(cli, "incidents", "-f", "csv", "--db", store_url).stdout)))
    assert {r["name"]: r["title"] for r in rows}[KREMLIN] == "Drones over the Kremlin"
    # a registered incident without facts yet has an (empty) timeline, not "not found"
    assert (
        as_json(ok(cli, "incident", "nord-stream-2022-09", "-f", "json", "--db", store_url))["entries"] == []
    )
    log = as_json(ok(cli, "log", "-f", "json", "--db", store_url))
    assert (log[-1]["event"], log[-1]["name"]) == ("IncidentRegistered", "nord-stream-2022-09")
    ok(cli, "verify", "--db", store_url)


def test_a_later_registration_retitles_the_incident_and_as_of_shows_the_old_title(
    cli: CliRunner, store_url: str, tmp_path: Path
) -> None:
    seeded(cli, store_url)
    first = {"type": "IncidentRegistered", "incident": KREMLIN, "title": "Kremlin drones"}
    ok(cli, "append", write_journal(tmp_path / "a.ndjson", [first]), "--db", store_url)
    position = as_json(ok(cli, "log", "-f", "json", "--db", store_url))[-1]["position"]
    second = {**first, "title": "Drones over the Kremlin, 3 May 2023"}
    ok(cli, "append", write_journal(tmp_path / "b.ndjson", [second]), "--db", store_url)
    assert _listed(cli, store_url)[KREMLIN]["title"] == "Drones over the Kremlin, 3 May 2023"
    assert _listed(cli, store_url, "--as-of", f"@{position}")[KREMLIN]["title"] == "Kremlin drones"
    ok(cli, "replay", "--db", store_url)
    assert _listed(cli, store_url)[KREMLIN]["title"] == "Drones over the Kremlin, 3 May 2023"
    ok(cli, "verify", "--db", store_url)
