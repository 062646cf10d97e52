"""Errors say what is expected: local dates get the ISO spelling, unknown fact ids and
incident slugs get "did you mean" (issue 15.16)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.e2e.helpers import ok, run, seeded
from timeline.persistence import readmodel as views

if TYPE_CHECKING:
    import pytest
    from typer.testing import CliRunner

RECORD = [
    "record", "DroneAttackAlleged", "--incident", "nord-stream-2022-09", "--summary", "s",
    "--source-name", "A", "--alleged-by", "K", "--target", "T",
]  # fmt: skip


def test_a_day_month_year_date_is_refused_with_the_iso_spelling(cli: CliRunner, sqlite_url: str) -> None:
    result = run(cli, *RECORD, "--occurred", "26/09/2022", "--db", sqlite_url)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: DroneAttackAlleged: occurred: '26/09/2022' is not an ISO 8601 date: "
        "write year-month-day: did you mean 2022-09-26?"
    )
    ambiguous = run(cli, "incident", "x", "--from", "09/10/2022", "--db", sqlite_url)
    assert ambiguous.exit_code == 2
    assert "did you mean 2022-10-09 or 2022-09-10?" in ambiguous.stderr


def test_unknown_fact_ids_and_incident_slugs_get_did_you_mean(cli: CliRunner, store_url: str) -> None:
    seeded(cli, store_url)
    for args in (("history", "kremlin-drone-aleged"), ("show", "kremlin-drone-aleged"),
                 ("retract", "kremlin-drone-aleged", "--reason", "r")):  # fmt: skip
        result = run(cli, *args, "--db", store_url)
        assert result.exit_code == 3
        assert result.stderr.strip() == (
            "error: no fact 'kremlin-drone-aleged' in the record; did you mean 'kremlin-drone-alleged'?"
        )
    incident = run(cli, "incident", "kremlin-drone-2023-5", "--db", store_url)
    assert incident.exit_code == 3
    assert incident.stderr.strip().endswith("did you mean 'kremlin-drone-2023-05'?")
    unlike = run(cli, "history", "zzzz", "--db", store_url)
    assert unlike.stderr.strip() == "error: no fact 'zzzz' in the record"
    ok(cli, *RECORD, "--occurred", "2022-09-26", "--db", store_url)


def test_in_a_large_record_did_you_mean_reads_ids_with_the_same_start(
    cli: CliRunner, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(cli, sqlite_url)
    monkeypatch.setattr(views, "_ALL_KEYS", 3)  # the seed has 12 facts: more than "few"
    result = run(cli, "show", "kremlin-drone-aleged", "--db", sqlite_url)
    assert result.stderr.strip().endswith("did you mean 'kremlin-drone-alleged'?")
    typo_at_start = run(cli, "show", "xremlin-drone-alleged", "--db", sqlite_url)
    assert typo_at_start.stderr.strip() == "error: no fact 'xremlin-drone-alleged' in the record"
