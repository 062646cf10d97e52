"""`export timelinejs` takes every valid `occurred` form and keeps its offset (issue 15.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson
import pytest

from tests.e2e.helpers import ok
from tests.factories import a_fact, write_journal

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner

INCIDENT = "nord-stream-2022-09"


@pytest.mark.parametrize(
    ("occurred", "expected"),
    [
        ("2022-09-26T19:03+02:00", {"hour": "19", "minute": "3", "display_date": "2022-09-26 19:03 +02:00"}),
        ("2022-09-26T17:03Z", {"hour": "17", "minute": "3", "display_date": "2022-09-26 17:03 UTC"}),
        (
            "2022-09-26T19:03:00+02:00",
            {"hour": "19", "minute": "3", "second": "0", "display_date": "2022-09-26 19:03:00 +02:00"},
        ),
        ("2022-09-26T02:03", {"hour": "2", "minute": "3"}),
    ],
)
def test_timelinejs_exports_times_with_their_offset(
    cli: CliRunner, store_url: str, tmp_path: Path, occurred: str, expected: dict[str, str]
) -> None:
    journal = write_journal(
        tmp_path / "j.ndjson", [a_fact(id="ns-blast", incident=INCIDENT, occurred=occurred)]
    )
    ok(cli, "append", journal, "--db", store_url)
    story = tmp_path / "story.json"
    ok(cli, "export", "timelinejs", "--incident", INCIDENT, "-o", story, "--db", store_url)
    [slide] = orjson.loads(story.read_bytes())["events"]
    assert slide["start_date"] == {"year": "2022", "month": "9", "day": "26", **expected}
