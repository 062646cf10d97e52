"""Issue 18, item 9: one corrupt stored event does not stop everything: its position is
named, and `log`, `verify` and reads of every other subject still work (both stores)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson
import pytest

from tests.e2e.helpers import ok, run
from tests.factories import a_fact, write_journal
from tests.integration.test_verify_blinding import Attacker

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner


@pytest.fixture
def corrupt(store_url: str, tmp_path: Path, cli: CliRunner) -> str:
    facts = [a_fact(id="c1", alleged_by="Kremlin"), a_fact(id="c2", alleged_by="Ministry"), a_fact(id="c3")]
    ok(cli, "append", write_journal(tmp_path / "j.ndjson", facts), "--db", store_url)
    Attacker(store_url).run("UPDATE {events} SET state = ? WHERE {position} = 2", (b'{"id": "c2", trunc',))
    return store_url


def test_a_replay_names_the_corrupt_position_and_finishes(corrupt: str, cli: CliRunner) -> None:
    result = run(cli, "replay", "--db", corrupt)
    assert result.exit_code == 0, result.stderr
    assert "position 2 cannot be read" in result.stderr


def test_reads_of_other_subjects_and_the_log_still_work(corrupt: str, cli: CliRunner) -> None:
    run(cli, "replay", "--db", corrupt)
    entries = orjson.loads(ok(cli, "actor", "Kremlin", "--db", corrupt, "--format", "json").stdout)["entries"]
    assert [e["fact"] for e in entries] == ["c1", "c3"]
    log = [
        orjson.loads(line)
        for line in ok(cli, "log", "--db", corrupt, "--format", "ndjson").stdout.split("\n")
        if line
    ]
    assert [(e["position"], e["event"]) for e in log] == [
        (1, "DroneAttackAlleged"),
        (2, "(unreadable)"),
        (3, "DroneAttackAlleged"),
    ]
    missing = run(cli, "history", "c2", "--db", corrupt)
    assert missing.exit_code == 3


def test_verify_reports_the_corrupt_position_in_one_line(corrupt: str, cli: CliRunner) -> None:
    result = run(cli, "verify", "--db", corrupt)
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    assert "position 2" in lines[0] or "position 3" in lines[0]
    assert "chain" in lines[0]
