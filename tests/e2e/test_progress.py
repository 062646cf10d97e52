"""Progress per phase, with rates, on stderr and only on a terminal (issue 15.13)."""

from __future__ import annotations

import io
import time
from typing import TYPE_CHECKING

from rich.console import Console

from cli.progress import phases
from tests.e2e.helpers import SEED, SEED_LINES, ok
from tests.factories import a_fact, write_journal
from timeline.audit.verify import verify

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from typer.testing import CliRunner

    from timeline import Timeline


def _recorder() -> tuple[list[tuple[str, int, int]], Callable[[str, int, int], None]]:
    calls: list[tuple[str, int, int]] = []
    return calls, lambda phase, done, total: calls.append((phase, done, total))


def _phases(calls: list[tuple[str, int, int]]) -> list[str]:
    return list(dict.fromkeys(phase for phase, _, _ in calls))


def test_append_reports_validating_writing_and_projecting(record: Timeline, tmp_path: Path) -> None:
    journal = write_journal(tmp_path / "j.ndjson", [a_fact() for _ in range(2500)])
    calls, progress = _recorder()
    record.append([str(journal)], recorded_by="t", progress=progress)
    assert _phases(calls) == ["validating", "writing", "projecting"]
    validating = [c for c in calls if c[0] == "validating"]
    assert [done for _, done, _ in validating] == [1000, 2000, 2500]
    writing = [c for c in calls if c[0] == "writing"]
    assert writing[-1] == ("writing", 2500, 2500)
    assert len(writing) == 3  # one per batch written, not one full bar at the start
    projecting = [c for c in calls if c[0] == "projecting"]
    assert projecting[-1][1] == projecting[-1][2] == 2500


def test_verify_reports_its_phases(record: Timeline) -> None:
    record.append([str(SEED)], recorded_by="t")
    calls, progress = _recorder()
    result = verify(record, progress=progress)
    assert _phases(calls)[0] == "reading the log"
    assert "replaying to compare" in _phases(calls)
    assert ("reading the log", result.head_position, result.head_position) in calls
    replayed = [c for c in calls if c[0] == "replaying to compare"]
    assert replayed[-1][1] == result.events


def test_a_terminal_sees_one_line_per_phase_with_its_rate() -> None:
    out = io.StringIO()
    terminal = Console(file=out, force_terminal=True, width=100)
    with phases(terminal) as progress:
        progress("validating", 1000, 0)
        time.sleep(0.05)
        progress("validating", 2000, 0)
        progress("writing", 1000, 2000)
        time.sleep(0.05)
        progress("writing", 2000, 2000)
        terminal.file.flush()
    shown = out.getvalue()
    assert "validating" in shown
    assert "writing" in shown
    assert "2000/2000" in shown
    assert "/s" in shown


def test_no_progress_is_written_when_stderr_is_not_a_terminal(cli: CliRunner, sqlite_url: str) -> None:
    appended = ok(cli, "append", SEED, "--db", sqlite_url)
    assert appended.stderr == ""
    assert appended.stdout.strip() == f"appended {SEED_LINES}, already present 0"
    assert ok(cli, "verify", "--db", sqlite_url).stderr == ""
    assert ok(cli, "replay", "--db", sqlite_url).stderr == ""
