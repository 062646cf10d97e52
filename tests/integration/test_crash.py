"""Crash safety: `append` and `replay` killed with SIGKILL at random points.

After every kill the store holds whole batches only (the hash chain, written in each
batch's transaction, still verifies), re-running `append` completes the journal
without duplicates, and the read models equal a fresh replay.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import orjson
import pytest

from bench.generate import write_journal
from timeline import Settings, open_timeline
from timeline.audit.verify import verify

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-m", "cli"]


def _run(args: list[str], db: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "--db", str(db), *args], capture_output=True, text=True, check=False)


def _kill_after(args: list[str], db: Path | str, delay: float) -> int:
    with subprocess.Popen(
        [*CLI, "--db", str(db), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:  # closes the pipes: the process is killed before anyone reads them
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
    return process.returncode


def _event_count(db: Path | str) -> int:
    app = open_timeline(Settings(db=str(db), recorded_by="tester"))
    try:
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()


def _verify(db: Path | str) -> None:
    app = open_timeline(Settings(db=str(db), recorded_by="tester"))
    try:
        verify(app)
    finally:
        app.close()


def _whole_batches(db: Path | str, lines: int) -> int:
    """The events a killed append left: whole batches only (a batch is one transaction
    of 1,000 journal objects), and the chain covers exactly what was committed."""
    before = _event_count(db)
    assert before % 1000 == 0 or before == lines
    _verify(db)
    return before


def _rerun_completes(db: Path | str, journal: Path, lines: int, before: int) -> None:
    """Appending the journal again writes what is missing, recognises the rest, and verifies."""
    done = _run(["append", str(journal), "--format", "json"], db)
    assert done.returncode == 0, done.stderr
    counts = orjson.loads(done.stdout.strip().splitlines()[-1])
    assert counts == {"appended": lines - before, "present": before}
    assert _event_count(db) == lines
    _verify(db)


def test_append_killed_at_random_points_keeps_whole_batches_and_completes_on_rerun(tmp_path: Path) -> None:
    journal = write_journal(tmp_path / "big.ndjson", 6000, seed=3)
    lines = len(journal.read_bytes().splitlines())
    # Kill points are drawn within the time a whole append takes on this machine.
    started = time.perf_counter()
    assert _run(["append", str(journal)], tmp_path / "timing.db").returncode == 0
    duration = time.perf_counter() - started
    rng = random.Random(11)
    killed = 0
    for run in range(3):
        db = tmp_path / f"crash-{run}.db"
        code = _kill_after(["append", str(journal)], db, rng.uniform(0.2, 0.85) * duration)
        killed += code == -signal.SIGKILL
        before = _whole_batches(db, lines) if db.exists() else 0
        _rerun_completes(db, journal, lines, before)
    assert killed >= 2, "the append finished before most kill points: the journal is too small"


def test_replay_killed_midway_is_finished_by_a_rerun_and_equals_a_fresh_replay(tmp_path: Path) -> None:
    journal = write_journal(tmp_path / "big.ndjson", 6000, seed=5)
    db = tmp_path / "replay.db"
    assert _run(["append", str(journal)], db).returncode == 0
    started = time.perf_counter()
    assert _run(["replay"], db).returncode == 0
    duration = time.perf_counter() - started
    rng = random.Random(5)
    killed = 0
    for _ in range(3):
        killed += _kill_after(["replay"], db, rng.uniform(0.3, 0.85) * duration) == -signal.SIGKILL
        _verify(db)  # catches the views up from their tracking position, then compares
    assert killed >= 2, "replay finished before most kill points"
    rerun = _run(["replay"], db)
    assert rerun.returncode == 0, rerun.stderr
    assert "events/s" in rerun.stdout
    _verify(db)


@pytest.mark.postgres
def test_append_to_postgres_killed_at_random_points_keeps_whole_batches(
    pg_admin_url: str, tmp_path: Path
) -> None:
    """The same on PostgreSQL, whose batches are written by COPY under the events table's
    lock: a kill mid-batch leaves nothing of that batch, and the chain still verifies."""
    from tests.conftest import _postgres_database

    journal = write_journal(tmp_path / "big.ndjson", 6000, seed=3)
    lines = len(journal.read_bytes().splitlines())
    rng = random.Random(17)
    killed = 0
    durations: list[float] = []
    for _attempt in range(4):  # a timing run, then three killed ones
        databases = _postgres_database(pg_admin_url)
        url = next(databases)
        try:
            if not durations:  # kill points are drawn within a whole append's time
                started = time.perf_counter()
                assert _run(["append", str(journal)], url).returncode == 0
                durations.append(time.perf_counter() - started)
                continue
            code = _kill_after(["append", str(journal)], url, rng.uniform(0.2, 0.85) * durations[0])
            killed += code == -signal.SIGKILL
            _rerun_completes(url, journal, lines, _whole_batches(url, lines))
        finally:
            databases.close()
    assert killed >= 2, "the append finished before most kill points: the journal is too small"
