"""`timeline follow` keeps the read models current while other clients append."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from tests.factories import a_fact, write_journal
from timeline import Settings, open_timeline

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.slow


def test_follow_applies_what_other_clients_append_and_stops_cleanly(store_url: str, tmp_path: Path) -> None:
    writer = open_timeline(Settings(db=store_url, recorded_by="other"))
    try:
        writer.append([str(write_journal(tmp_path / "a.ndjson", [a_fact(id="first")]))], recorded_by="other")
        follower = subprocess.Popen(
            [sys.executable, "-m", "cli", "--db", store_url, "follow", "--interval", "0.5"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.5)  # let it start and catch up
        # Another client appends without updating the read models itself.
        writer.project = lambda *args, **kwargs: 0  # type: ignore[method-assign]
        later = write_journal(tmp_path / "b.ndjson", [a_fact(id=f"later-{n}") for n in range(3)])
        writer.append([str(later)], recorded_by="other")
        target = writer.recorder.max_notification_id()
        deadline = time.monotonic() + 10
        while writer.view.tracking_position() < target and time.monotonic() < deadline:
            time.sleep(0.1)
        assert writer.view.tracking_position() == target
        follower.send_signal(signal.SIGTERM)
        out, err = follower.communicate(timeout=10)
    finally:
        writer.close()
    assert follower.returncode == 0, err
    assert f"read models at position {target}" in out
    assert "stopped after applying" in out
