"""`--version` and shell completion, run as real processes (issue 15.9)."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "timeline"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr
    return result


def test_version_prints_the_installed_version() -> None:
    result = _run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"timeline {version('timeline')}"


def test_completion_scripts_are_offered_for_the_usual_shells() -> None:
    for shell in ("bash", "zsh", "fish"):
        # Typer otherwise detects the shell from the parent processes (none under some runners)
        # and takes no shell argument; with detection off, the shell is given explicitly
        result = _run("--show-completion", shell, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
        assert result.returncode == 0, result.stderr
        assert "_TIMELINE_COMPLETE" in result.stdout


def test_completion_completes_commands_and_subcommands() -> None:
    commands = _run(_TIMELINE_COMPLETE="complete_bash", COMP_WORDS="timeline se", COMP_CWORD="1")
    assert commands.stdout.split() == ["search", "serve"]
    kinds = _run(_TIMELINE_COMPLETE="complete_bash", COMP_WORDS="timeline register ", COMP_CWORD="2")
    assert kinds.stdout.split() == ["actor", "location", "incident"]
