"""`timeline restore-fact ID --reason R` undoes a retraction (issue 15.6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.e2e.helpers import as_json, ok, run, seeded
from tests.factories import a_fact, a_retraction, write_journal

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner

FACT = "kremlin-drone-alleged"
INCIDENT = "kremlin-drone-2023-05"


def _incident_facts(cli: CliRunner, db: str) -> dict[str, dict]:
    entries = as_json(ok(cli, "incident", INCIDENT, "-f", "json", "--db", db))["entries"]
    return {e["fact"]: e for e in entries}


def test_restoring_a_retracted_fact_brings_it_back_and_history_keeps_both(
    cli: CliRunner, store_url: str
) -> None:
    seeded(cli, store_url)
    ok(cli, "retract", FACT, "--reason", "source withdrew the claim", "--db", store_url)
    assert FACT not in _incident_facts(cli, store_url)
    restored = ok(cli, "restore-fact", FACT, "--reason", "source stood by it after all", "--db", store_url)
    assert restored.stdout.strip() == f"recorded {FACT} v3"
    entry = _incident_facts(cli, store_url)[FACT]
    assert (entry["status"], entry["version"]) == ("active", 3)
    versions = as_json(ok(cli, "history", FACT, "-f", "json", "--db", store_url))["versions"]
    assert [(v["event"], v["reason"]) for v in versions[1:]] == [
        ("FactRetracted", "source withdrew the claim"),
        ("FactRestored", "source stood by it after all"),
    ]
    # as of the retraction, the record said retracted
    retracted_at = versions[1]["position"]
    assert (
        FACT
        not in as_json(
            ok(cli, "incident", INCIDENT, "-f", "json", "--as-of", f"@{retracted_at}", "--db", store_url)
        )["entries"]
    )
    logged = as_json(ok(cli, "log", "-f", "json", "--db", store_url))[-1]
    assert (logged["event"], logged["fact"]) == ("FactRestored", FACT)
    ok(cli, "verify", "--db", store_url)


def test_a_restored_fact_that_was_corrected_is_corrected_again(cli: CliRunner, store_url: str) -> None:
    seeded(cli, store_url)
    ok(cli, "correct", FACT, "--set", "drones=3", "--reason", "update", "--db", store_url)
    ok(cli, "retract", FACT, "--reason", "withdrawn", "--db", store_url)
    ok(cli, "restore-fact", FACT, "--reason", "reinstated", "--db", store_url)
    assert _incident_facts(cli, store_url)[FACT]["status"] == "corrected"
    # a replay from the log agrees with the incremental read models
    ok(cli, "replay", "--db", store_url)
    assert _incident_facts(cli, store_url)[FACT]["status"] == "corrected"
    ok(cli, "verify", "--db", store_url)


def test_restoring_a_fact_that_is_not_retracted_is_refused(cli: CliRunner, store_url: str) -> None:
    seeded(cli, store_url)
    result = run(cli, "restore-fact", FACT, "--reason", "r", "--db", store_url)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: fact {FACT!r} is not retracted; nothing to restore"
    missing = run(cli, "restore-fact", "no-such-fact", "--reason", "r", "--db", store_url)
    assert missing.exit_code == 3


def test_a_journal_can_restore_a_fact(cli: CliRunner, store_url: str, tmp_path: Path) -> None:
    journal = write_journal(
        tmp_path / "j.ndjson",
        [
            a_fact(id="ns-a", incident=INCIDENT),
            a_retraction("ns-a"),
            {"type": "FactRestored", "fact": "ns-a", "reason": "reinstated"},
        ],
    )
    ok(cli, "append", journal, "--db", store_url)
    assert _incident_facts(cli, store_url)["ns-a"]["status"] == "active"
