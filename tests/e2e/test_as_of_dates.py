"""`--as-of` with a date means the end of that day; not-found under --as-of says so (issue 15.12)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from tests.e2e.helpers import as_json, log, ok, run, seeded

if TYPE_CHECKING:
    from typer.testing import CliRunner

INCIDENT = "kremlin-drone-2023-05"


def test_a_date_means_the_end_of_that_day(cli: CliRunner, store_url: str) -> None:
    seeded(cli, store_url)
    recorded_on = log(cli, store_url)[-1]["recorded_at"][:10]
    today = as_json(ok(cli, "incident", INCIDENT, "-f", "json", "--as-of", recorded_on, "--db", store_url))
    now = as_json(ok(cli, "incident", INCIDENT, "-f", "json", "--db", store_url))
    assert today["entries"] == now["entries"]
    assert today["as_of"] == recorded_on
    # a month and a year mean their ends too
    for moment in (recorded_on[:7], recorded_on[:4]):
        then = as_json(ok(cli, "incident", INCIDENT, "-f", "json", "--as-of", moment, "--db", store_url))
        assert then["entries"] == now["entries"]


def test_not_found_as_of_a_past_day_says_as_of(cli: CliRunner, store_url: str) -> None:
    seeded(cli, store_url)
    recorded_on = date.fromisoformat(log(cli, store_url)[0]["recorded_at"][:10])
    day_before = (recorded_on - timedelta(days=1)).isoformat()
    result = run(cli, "incident", INCIDENT, "--as-of", day_before, "--db", store_url)
    assert result.exit_code == 3
    assert result.stderr.strip() == (
        f"error: no incident {INCIDENT!r} in the record as of {day_before} (it was recorded later)"
    )
    history = run(cli, "history", "kremlin-drone-alleged", "--as-of", "@1", "--db", store_url)
    assert history.exit_code == 3
    assert "in the record as of @1 (it was recorded later)" in history.stderr
    actor = run(cli, "actor", "Nobody", "--as-of", day_before, "--db", store_url)
    assert actor.stderr.strip() == f"error: no actor 'Nobody' in the record as of {day_before}"
