"""Shared helpers for the end-to-end tests: run the CLI in-process and read what it printed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from cli.app import app
from tests.conftest import FIXTURES, SEEDS

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner, Result

SEED = SEEDS / "kremlin-drone-2023-05.ndjson"
SEED_LINES = sum(1 for line in SEED.read_bytes().splitlines() if line.strip())
INVALID = FIXTURES / "invalid"
JOURNALS = FIXTURES / "journals"


def run(cli: CliRunner, *args: str | Path, input: str | bytes | None = None) -> Result:
    """Invoke `timeline ARGS`; fail on any traceback or unhandled exception."""
    result = cli.invoke(app, [str(a) for a in args], input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"timeline {' '.join(map(str, args))} raised {result.exception!r}") from (
            result.exception
        )
    assert "Traceback" not in result.output
    assert "Traceback" not in result.stderr
    return result


def ok(cli: CliRunner, *args: str | Path, input: str | bytes | None = None) -> Result:
    result = run(cli, *args, input=input)
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr}"
    return result


def as_json(result: Result) -> Any:
    return orjson.loads(result.stdout)


def last_json_line(result: Result) -> Any:
    return orjson.loads(result.stdout.strip().splitlines()[-1])


def ndjson_lines(result: Result) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in result.stdout.splitlines() if line.strip()]


def log(cli: CliRunner, db: str) -> list[dict[str, Any]]:
    return ndjson_lines(ok(cli, "log", "-f", "ndjson", "--db", db))


def seeded(cli: CliRunner, db: str) -> str:
    ok(cli, "append", SEED, "--db", db)
    return db
