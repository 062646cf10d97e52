"""The output of every read command on the seed journal, pinned byte for byte.

The seed journal is appended, then a correction, a retraction, a grading and an alias are
recorded, so that as-of answers, history and the log have something to show. Every read
command's JSON (and every export) is compared with `tests/golden/read_commands.json`, after
replacing what differs from run to run (recording times, chain digests, the store's user).

Regenerate after a deliberate change of output with `TL_UPDATE_GOLDEN=1 pytest <this file>`
and review the diff: a change here is a change of the contract.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import pytest

from tests.e2e.helpers import SEED, ok

if TYPE_CHECKING:
    from typer.testing import CliRunner

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "read_commands.json"

STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
DIGEST = re.compile(r"\b[0-9a-f]{64}\b")
STORE_USER = re.compile(r'("store_user": ?)"[^"]*"')

# (name, arguments): every read command and export, in JSON where it has a JSON form
READS: list[tuple[str, list[str]]] = [
    ("actor", ["actor", "Kremlin", "-f", "json"]),
    ("actor-key", ["actor", "Russian Presidency", "-f", "json", "--include-retracted"]),
    ("actor-as-of", ["actor", "Russian Presidency", "-f", "json", "--as-of", "@37"]),
    ("actor-ndjson", ["actor", "Russia", "-f", "ndjson"]),
    ("location", ["location", "Moscow", "-f", "json"]),
    ("location-exact", ["location", "Moscow", "--exact", "-f", "json"]),
    ("location-country", ["location", "Russia", "-f", "json", "--include-retracted"]),
    ("location-kyiv", ["location", "Kyiv", "-f", "json"]),
    ("incident", ["incident", "kremlin-drone-2023-05", "-f", "json"]),
    ("incident-range", ["incident", "kremlin-drone-2023-05", "-f", "json", "--from", "2023-05-04"]),
    ("actors", ["actors", "-f", "json"]),
    ("actors-limit", ["actors", "-f", "json", "--limit", "3"]),
    ("locations", ["locations", "-f", "json"]),
    ("locations-tree", ["locations", "--tree", "-f", "json"]),
    ("incidents", ["incidents", "-f", "json"]),
    ("place", ["place", "Kremlin", "-f", "json"]),
    ("show", ["show", "kremlin-drone-alleged", "-f", "json"]),
    ("show-as-of", ["show", "kremlin-drone-alleged", "-f", "json", "--as-of", "@37"]),
    ("history", ["history", "kremlin-drone-alleged", "-f", "json"]),
    ("history-retracted", ["history", "kremlin-drone-ponomarev-cnn-interview", "-f", "json"]),
    ("search", ["search", "drone", "-f", "json"]),
    ("log", ["log", "-f", "json"]),
    ("log-since", ["log", "-f", "ndjson", "--since", "30"]),
    ("entity-actor", ["entity", "actor", "Russian Presidency", "-f", "json"]),
    ("entity-location", ["entity", "location", "Kyiv", "-f", "json"]),
    ("source", ["source", "CNN", "-f", "json"]),
    ("export-csv", ["export", "csv", "--incident", "kremlin-drone-2023-05"]),
    ("export-ndjson", ["export", "ndjson", "--incident", "kremlin-drone-2023-05"]),
    ("export-timelinejs", ["export", "timelinejs", "--incident", "kremlin-drone-2023-05"]),
    ("export-geojson", ["export", "geojson", "--location", "Russia"]),
]


def _writes(cli: CliRunner, db: str) -> None:
    ok(cli, "append", SEED, "--db", db)
    ok(
        cli,
        "correct",
        "kremlin-drone-alleged",
        "--set",
        "summary=Two drones were alleged.",
        "--reason",
        "wording",
        "--db",
        db,
        "--as",
        "golden",
    )
    ok(
        cli,
        "retract",
        "kremlin-drone-ponomarev-cnn-interview",
        "--reason",
        "duplicate",
        "--db",
        db,
        "--as",
        "golden",
    )
    ok(cli, "grade", "CNN", "B", "--reason", "track record", "--db", db, "--as", "golden")
    ok(
        cli,
        "alias",
        "actor",
        "Russian Presidency",
        "Presidential Administration",
        "--db",
        db,
        "--as",
        "golden",
    )


def _normalise(text: str, store: str) -> str:
    text = STAMP.sub("<stamp>", text)
    text = DIGEST.sub("<digest>", text)
    text = STORE_USER.sub(r'\1"<user>"', text)
    return text.replace(store, "<store>")


def _outputs(cli: CliRunner, db: str) -> dict[str, str]:
    outputs: dict[str, str] = {}
    for name, arguments in READS:
        result = ok(cli, *arguments, "--db", db)
        outputs[name] = _normalise(result.stdout, db)
    return outputs


def test_every_read_command_keeps_its_output(cli: CliRunner, tmp_path: Path) -> None:
    db = str(tmp_path / "golden.db")
    _writes(cli, db)
    outputs = _outputs(cli, db)
    if os.environ.get("TL_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_bytes(orjson.dumps(outputs, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
        pytest.skip("golden output written")
    expected = orjson.loads(GOLDEN.read_bytes())
    assert sorted(outputs) == sorted(expected)
    for name in expected:
        assert outputs[name] == expected[name], f"`{name}` changed its output"
