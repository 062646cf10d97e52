"""Issue 18, item 10: timelines and the log are written as they are read, so memory does
not grow with their size; tables stop at a cap with a note; a reader that goes away
(`| head`) ends the command quietly (both stores)."""

from __future__ import annotations

import io
import subprocess
import sys
import tracemalloc
from typing import TYPE_CHECKING

import orjson
import pytest

from cli import render
from cli.options import Format
from tests.e2e.helpers import run
from tests.factories import a_fact, write_journal
from timeline import Settings, Timeline, open_timeline, queries

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from typer.testing import CliRunner

pytestmark = pytest.mark.slow

SMALL, LARGE = 1_500, 6_000


@pytest.fixture
def big(store_url: str, tmp_path: Path) -> Iterator[Timeline]:
    """`small` has SMALL facts (targeting the place Smallville), `large` has LARGE
    (targeting Largetown, a place registered within Largeshire)."""
    lines: list[dict[str, object]] = [
        {"type": "LocationRegistered", "name": "Largeshire", "kind": "region"},
        {"type": "LocationRegistered", "name": "Largetown", "kind": "town", "within": "Largeshire"},
    ]
    lines += [a_fact(id=f"s{n}", alleged_by="small", target="Smallville") for n in range(SMALL)]
    lines += [a_fact(id=f"l{n}", alleged_by="large", target="Largetown") for n in range(LARGE)]
    app = open_timeline(Settings(db=store_url, recorded_by="t"))
    app.append([str(write_journal(tmp_path / "big.ndjson", lines))], recorded_by="t")
    yield app
    app.close()


class _Counter(io.TextIOBase):
    """A stdout that keeps nothing, counting the lines written."""

    def __init__(self) -> None:
        self.lines = 0

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        return len(text)


def _peak(
    app: Timeline, name: str, fmt: Format, monkeypatch: pytest.MonkeyPatch, kind: str = "actor"
) -> tuple[int, int]:
    """(peak bytes allocated, lines written) while writing one timeline."""
    sink = _Counter()
    monkeypatch.setattr(sys, "stdout", sink)
    tracemalloc.start()
    try:
        render.timeline_stream(queries.timeline_stream(app.view, queries.TimelineQuery(kind, name)), fmt)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        monkeypatch.undo()
    return peak, sink.lines


@pytest.mark.parametrize("fmt", [Format.ndjson, Format.csv, Format.json])
def test_writing_a_timeline_takes_memory_that_does_not_grow_with_it(
    big: Timeline, fmt: Format, monkeypatch: pytest.MonkeyPatch
) -> None:
    small, small_lines = _peak(big, "small", fmt, monkeypatch)
    large, large_lines = _peak(big, "large", fmt, monkeypatch)
    if fmt is Format.ndjson:
        assert (small_lines, large_lines) == (SMALL, LARGE)
    # Four times the entries, about the same peak (a materialised list would be ~4x).
    assert large < 1.6 * small, (small, large)


@pytest.mark.parametrize(
    ("small_place", "large_place"), [("Smallville", "Largetown"), ("Smallville", "Largeshire")]
)
def test_writing_a_location_timeline_takes_memory_that_does_not_grow_with_it(
    big: Timeline, small_place: str, large_place: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    small, small_lines = _peak(big, small_place, Format.ndjson, monkeypatch, kind="location")
    large, large_lines = _peak(big, large_place, Format.ndjson, monkeypatch, kind="location")
    assert (small_lines, large_lines) == (SMALL, LARGE)
    assert large < 1.6 * small, (small, large)


def test_the_streamed_json_is_the_same_as_the_whole_result(
    big: Timeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = io.StringIO()
    monkeypatch.setattr(sys, "stdout", sink)
    query = queries.TimelineQuery("actor", "small")
    render.timeline_stream(queries.timeline_stream(big.view, query), Format.json)
    monkeypatch.undo()
    assert orjson.loads(sink.getvalue()) == queries.timeline(big.view, query).to_json()


def test_a_table_stops_at_its_cap_with_a_note(big: Timeline, store_url: str, cli: CliRunner) -> None:
    result = run(cli, "actor", "small", "--db", store_url)
    assert result.exit_code == 0
    assert f"showing the first {render.TABLE_CAP} entries only" in result.stderr
    log = run(cli, "log", "--db", store_url)
    assert f"showing the first {render.TABLE_CAP} events only" in log.stderr


def test_a_reader_that_goes_away_ends_the_command_quietly(big: Timeline, store_url: str) -> None:
    for args in (["actor", "large", "-f", "ndjson"], ["log", "-f", "ndjson"]):
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "--db", store_url, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None
        first = [process.stdout.readline() for _ in range(3)]
        process.stdout.close()
        _, err = process.communicate(timeout=60)
        assert all(orjson.loads(line) for line in first)
        assert process.returncode == 0, err.decode()
        assert b"Traceback" not in err
