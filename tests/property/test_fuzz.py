"""Fuzzing the journal reader and the CLI's argument parsers.

Whatever the input — arbitrary bytes, invalid UTF-8, deep or huge JSON, wrong types,
dates out of range, NUL bytes, control characters — the answer is exit 0 or a clean
error (exit 2 with file:line for journals), never a traceback, and a rejected journal
writes nothing.
"""

from __future__ import annotations

import io
import os
import re
from typing import TYPE_CHECKING

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli.app import app
from timeline.domain.events import EVENTS_BY_TYPE
from timeline.journal import Entry, JournalError, read_journal

if TYPE_CHECKING:
    from pathlib import Path

FUZZ = settings(
    max_examples=int(os.environ.get("TL_PROP_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(["2023-05-03", "2023-13-45", "0000-01-01", "9999-12-31T23:59", "2023/2022", "", "\x00"]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELD_NAMES = sorted({name for cls in EVENTS_BY_TYPE.values() for name in cls.model_fields} | {"type", "id"})
journal_objects = st.fixed_dictionaries(
    {"type": st.sampled_from([*EVENTS_BY_TYPE, "Nope", ""])},
    optional={name: json_values for name in FIELD_NAMES if name != "type"},
)

TRACEBACK = re.compile(r"Traceback|File \".*\", line \d+")


@FUZZ
@given(st.lists(journal_objects, min_size=1, max_size=5))
def test_the_reader_answers_every_object_with_an_entry_or_a_located_error(objects: list[dict]) -> None:
    data = b"".join(orjson.dumps(o) + b"\n" for o in objects)
    items = list(read_journal(io.BufferedReader(io.BytesIO(data)), "fuzz.ndjson"))  # type: ignore[arg-type]
    assert len(items) == len(objects)
    for line, item in enumerate(items, start=1):
        assert isinstance(item, Entry | JournalError)
        assert item.line == line


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_the_reader(data: bytes) -> None:
    for item in read_journal(io.BufferedReader(io.BytesIO(data)), "bytes.ndjson"):  # type: ignore[arg-type]
        assert isinstance(item, Entry | JournalError)


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=300),
        st.lists(journal_objects, min_size=1, max_size=3).map(
            lambda objs: b"".join(orjson.dumps(o) + b"\n" for o in objs)
        ),
    )
)
def test_append_of_garbage_exits_cleanly_and_writes_nothing_when_rejected(
    tmp_path: Path, data: bytes
) -> None:
    journal = tmp_path / "fuzz.ndjson"
    journal.write_bytes(data)
    db = tmp_path / "fuzz.db"
    db.unlink(missing_ok=True)
    result = CliRunner().invoke(app, ["--db", str(db), "append", str(journal)])
    output = result.stdout + result.stderr
    assert result.exit_code in (0, 2), output
    assert not TRACEBACK.search(output)
    if result.exit_code == 2:
        assert re.search(rf"{re.escape(str(journal))}:\d+: ", result.stderr), result.stderr
        log = CliRunner().invoke(app, ["--db", str(db), "log", "--format", "ndjson"])
        assert log.exit_code == 0
        assert log.stdout == ""


def test_deep_huge_and_nul_inputs_are_refused_with_their_line(tmp_path: Path) -> None:
    deep: object = "x"
    for _ in range(200):
        deep = [deep]
    lines = [
        orjson.dumps({"type": "FactReported", "summary": deep}),
        b'{"type": "FactReported", "summary": "' + b"a" * (1_100_000) + b'"}',
        b'{"type": "FactReported", "id": "a\x00b"}',
        b"\xff\xfe not utf-8",
    ]
    journal = tmp_path / "nasty.ndjson"
    journal.write_bytes(b"\n".join(lines) + b"\n")
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "n.db"), "append", str(journal)])
    assert result.exit_code == 2
    for line in (1, 2, 3, 4):
        assert f"{journal}:{line}: " in result.stderr
    assert not TRACEBACK.search(result.stdout + result.stderr)


@FUZZ
@given(
    option=st.sampled_from(["--as-of", "--from", "--to", "--limit"]),
    value=st.text(max_size=30).filter(lambda v: not v.startswith("-")),
)
def test_timeline_options_never_crash(tmp_path: Path, option: str, value: str) -> None:
    db = tmp_path / "opts.db"
    if not db.exists():  # reading commands never create a store; the fuzz is about the options
        assert CliRunner().invoke(app, ["--db", str(db), "register", "actor", "Kremlin"]).exit_code == 0
    result = CliRunner().invoke(app, ["--db", str(db), "actor", "Kremlin", option, value])
    assert result.exit_code in (0, 2, 3), result.stdout + result.stderr
    assert not TRACEBACK.search(result.stdout + result.stderr)


@FUZZ
@given(
    assignment=st.text(max_size=40).filter(lambda v: not v.startswith("-")),
    name=st.text(min_size=1, max_size=30).filter(lambda v: not v.startswith("-")),
)
def test_amend_and_record_options_never_crash(tmp_path: Path, assignment: str, name: str) -> None:
    db = str(tmp_path / "amend.db")
    runner = CliRunner()
    recorded = runner.invoke(
        app,
        [
            "--db",
            db,
            "record",
            "DroneAttackAlleged",
            "--id",
            "f1",
            "--incident",
            "inc-1",
            "--occurred",
            "2023-05-03",
            "--summary",
            "s",
            "--alleged-by",
            name,
            "--target",
            name,
            "--source-name",
            name,
        ],
    )
    assert recorded.exit_code in (0, 2), recorded.stdout + recorded.stderr
    corrected = runner.invoke(app, ["--db", db, "correct", "f1", "--set", assignment, "--reason", "r"])
    assert corrected.exit_code in (0, 2, 3, 4), corrected.stdout + corrected.stderr
    for result in (recorded, corrected):
        assert not TRACEBACK.search(result.stdout + result.stderr)
