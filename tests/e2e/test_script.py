"""The installed `timeline` script and `python -m cli`, run as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.e2e.helpers import INVALID, SEED, SEED_LINES

SCRIPT = Path(sys.executable).parent / "timeline"
COMMANDS = {
    "script": [str(SCRIPT)],
    "module": [sys.executable, "-m", "cli"],
}


def timeline(
    how: str, *args: str | Path, stdin: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TIMELINE_USER": "script-tester", "COLUMNS": "100"}
    env.pop("TIMELINE_DB", None)
    result = subprocess.run(
        [*COMMANDS[how], *map(str, args)],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or Path(__file__).resolve().parents[2],
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stdout
    assert "Traceback" not in result.stderr
    return result


def test_the_timeline_script_is_installed_in_the_venv() -> None:
    assert SCRIPT.exists(), f"{SCRIPT} missing: pip install -e . in the venv"


@pytest.mark.parametrize("how", sorted(COMMANDS))
def test_appending_the_seed_and_querying_it_works_in_a_real_process(how: str, tmp_path: Path) -> None:
    db = tmp_path / "t.db"

    appended = timeline(how, "append", SEED, "--format", "json", "--db", db)
    actor = timeline(how, "actor", "Kremlin", "--format", "json", "--db", db)
    again = timeline(how, "append", SEED, "--format", "json", "--db", db)

    assert appended.returncode == 0, appended.stderr
    assert orjson.loads(appended.stdout.strip().splitlines()[-1]) == {"appended": SEED_LINES, "present": 0}
    assert actor.returncode == 0, actor.stderr
    result = orjson.loads(actor.stdout)
    assert result["subject"]["name"] == "Russian Presidency"
    assert {e["fact"] for e in result["entries"]} == {
        "kremlin-drone-alleged",
        "kremlin-drone-interception-claimed",
    }
    assert orjson.loads(again.stdout.strip().splitlines()[-1]) == {"appended": 0, "present": SEED_LINES}
    first = orjson.loads(timeline(how, "log", "-f", "ndjson", "--limit", "1", "--db", db).stdout)
    assert first["recorded_by"] == "script-tester"
    unknown = timeline(how, "history", "no-such-fact", "--db", db)
    assert unknown.returncode == 3
    assert "no-such-fact" in unknown.stderr


@pytest.mark.parametrize("how", sorted(COMMANDS))
def test_a_bad_journal_exits_2_with_file_and_line_and_no_traceback(how: str, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    path = INVALID / "bad_date.ndjson"

    result = timeline(how, "append", path, "--db", db)

    assert result.returncode == 2
    assert f"{path}:3: " in result.stderr
    assert result.stdout == ""
    log = timeline(how, "log", "--format", "ndjson", "--db", db)
    assert log.returncode == 0
    assert log.stdout.strip() == ""


def test_a_journal_piped_on_stdin_is_appended_by_the_script_to_timeline_db_in_the_working_directory(
    tmp_path: Path,
) -> None:
    result = timeline("script", "append", "-", "--format", "json", stdin=SEED.read_bytes(), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert orjson.loads(result.stdout.strip().splitlines()[-1])["appended"] == SEED_LINES
    assert (tmp_path / "timeline.db").exists()


def test_the_script_exits_1_with_one_line_for_a_db_in_a_missing_directory(tmp_path: Path) -> None:
    result = timeline("script", "log", "--db", tmp_path / "no" / "such" / "t.db")

    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_works_and_exits_0() -> None:
    result = timeline("script", "--help")

    assert result.returncode == 0
    assert "append" in result.stdout
