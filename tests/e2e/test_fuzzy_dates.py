"""Fuzzy dates (EDTF) through the CLI on both stores: order, overlap filters, display, export."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

import orjson
import pytest

from tests.e2e.helpers import JOURNALS, SEED, as_json, ok, run

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner

FUZZY = JOURNALS / "fuzzy_dates.ndjson"

BY_EARLIEST = [
    "fuzzy-open-start",  # ../2023-05-03: no earliest bound, first
    "fuzzy-year-approx",  # 2022~: from 2021
    "fuzzy-month-unspecified",  # 2023-XX: from 1 January 2023
    "fuzzy-approximate",  # 2023-05~: from 1 April
    "fuzzy-combination",  # 2023-05-01~/2023-05-10?: from 30 April
    "fuzzy-day-unspecified",  # 2023-05-XX: from 1 May
    "fuzzy-uncertain",  # 2023-05-03?: from 2 May
    "fuzzy-offset",  # 2023-05-03T01:30:00+03:00: 2 May 22:30 UTC
    "fuzzy-both",  # 2023-05-10%: from 9 May
    "fuzzy-plain",  # 2023-05-15
    "fuzzy-open-end",  # 2023-05-20/..
    "fuzzy-unknown-end",  # 2023-06-01/
]


@pytest.fixture
def db(cli: CliRunner, store_url: str) -> str:
    ok(cli, "append", FUZZY, "--db", store_url)
    return store_url


def incident(cli: CliRunner, db: str, *args: str) -> dict[str, Any]:
    return as_json(ok(cli, "incident", "fuzzy-dates", "--format", "json", "--db", db, *args))  # type: ignore[no-any-return]


def facts(result: dict[str, Any]) -> list[str]:
    return [e["fact"] for e in result["entries"]]


def test_every_edtf_form_is_kept_as_given_and_ordered_by_its_earliest_bound(cli: CliRunner, db: str) -> None:
    result = incident(cli, db)

    assert facts(result) == BY_EARLIEST
    written = {line["id"]: line["occurred"] for line in map(orjson.loads, FUZZY.read_bytes().splitlines())}
    assert {e["fact"]: e["occurred"] for e in result["entries"]} == written


def test_entries_carry_earliest_and_latest_bounds_null_when_open(cli: CliRunner, db: str) -> None:
    entries = {e["fact"]: e for e in incident(cli, db)["entries"]}

    def bounds(fact: str) -> tuple[str | None, str | None]:
        return entries[fact]["occurred_earliest"], entries[fact]["occurred_latest"]

    assert bounds("fuzzy-approximate") == ("2023-04-01T00:00:00.000000Z", "2023-06-30T23:59:59.999999Z")
    assert bounds("fuzzy-open-start") == (None, "2023-05-03T23:59:59.999999Z")
    assert bounds("fuzzy-open-end") == ("2023-05-20T00:00:00.000000Z", None)
    assert bounds("fuzzy-offset") == ("2023-05-02T22:30:00.000000Z", "2023-05-02T22:30:00.999999Z")
    assert bounds("fuzzy-plain") == ("2023-05-15T00:00:00.000000Z", "2023-05-15T23:59:59.999999Z")
    assert entries["fuzzy-day-unspecified"]["precision"] == "month"
    assert entries["fuzzy-combination"]["precision"] == "interval"


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (
            ["--from", "2023-05-12", "--to", "2023-05-16"],
            [
                "fuzzy-year-approx",
                "fuzzy-month-unspecified",
                "fuzzy-approximate",
                "fuzzy-day-unspecified",
                "fuzzy-plain",
            ],
        ),
        (
            ["--from", "2023-05-25"],
            [
                "fuzzy-year-approx",
                "fuzzy-month-unspecified",
                "fuzzy-approximate",
                "fuzzy-day-unspecified",
                "fuzzy-open-end",
                "fuzzy-unknown-end",
            ],
        ),
        (["--to", "2023-01-15"], ["fuzzy-open-start", "fuzzy-year-approx", "fuzzy-month-unspecified"]),
        (["--from", "2024-06"], ["fuzzy-open-end", "fuzzy-unknown-end"]),
        # a window given in EDTF is its span too: c. 2021 is 2020-2022
        (["--to", "2021~"], ["fuzzy-open-start", "fuzzy-year-approx"]),
    ],
)
def test_from_and_to_include_a_fact_whose_span_overlaps_the_window(
    cli: CliRunner, db: str, window: list[str], expected: list[str]
) -> None:
    assert facts(incident(cli, db, *window)) == expected


def test_the_table_says_fuzzy_dates_in_words_and_plain_dates_as_written(cli: CliRunner, db: str) -> None:
    table = ok(cli, "incident", "fuzzy-dates", "--db", db).stdout

    for words in (
        "c. May 2023",
        "possibly 3 May 2023",
        "possibly c. 10 May 2023",
        "some day in May 2023",
        "some month in 2023",
        "before 3 May 2023",
        "after 20 May 2023",
        "c. 2022",
        "2023-05-03T01:30:00+03:00",
        "2023-05-15",
    ):
        assert words in table, words


def test_timelinejs_spans_a_fuzzy_date_and_says_it_in_display_date(
    cli: CliRunner, db: str, tmp_path: Path
) -> None:
    out = tmp_path / "story.json"
    ok(cli, "export", "timelinejs", "--incident", "fuzzy-dates", "-o", out, "--db", db)
    slides = {s["unique_id"]: s for s in orjson.loads(out.read_bytes())["events"]}

    approximate = slides["fuzzy-approximate"]
    assert approximate["display_date"] == "c. May 2023"
    assert approximate["start_date"] == {"year": "2023", "month": "4", "day": "1"}
    assert approximate["end_date"] == {"year": "2023", "month": "6", "day": "30"}
    before = slides["fuzzy-open-start"]
    assert before["display_date"] == "before 3 May 2023"
    assert before["start_date"] == {"year": "2023", "month": "5", "day": "3"}
    assert "end_date" not in before
    after = slides["fuzzy-open-end"]
    assert (after["display_date"], after["start_date"]["day"]) == ("after 20 May 2023", "20")
    assert "end_date" not in after
    assert slides["fuzzy-combination"]["display_date"] == "c. 1 May 2023 – possibly 10 May 2023"
    # plain ISO values export exactly as before
    assert "display_date" not in slides["fuzzy-plain"]
    assert slides["fuzzy-plain"]["start_date"] == {"year": "2023", "month": "5", "day": "15"}


BAD = [
    ("2023-21", "season"),
    ("2023?-05-03", "only part of a date"),
    ("../..", "neither a start nor an end"),
    ("2023-02-30~", "not a real date"),
    ("{2023,2024}", "EDTF level 2"),
    ("2023-05-03/2023-03~", "ends before it starts"),
]


def test_bad_edtf_is_refused_with_file_line_and_reason_and_nothing_is_written(
    cli: CliRunner, store_url: str, tmp_path: Path
) -> None:
    journal = tmp_path / "bad.ndjson"
    good = orjson.loads(FUZZY.read_bytes().splitlines()[0])
    lines = [good] + [good | {"id": f"bad-{n}", "occurred": occurred} for n, (occurred, _) in enumerate(BAD)]
    journal.write_bytes(b"\n".join(orjson.dumps(line) for line in lines) + b"\n")

    result = run(cli, "append", journal, "--db", store_url)

    assert result.exit_code == 2
    for n, (_, reason) in enumerate(BAD, start=2):
        [said] = [line for line in result.stderr.splitlines() if line.startswith(f"{journal}:{n}: ")]
        assert reason in said
    assert run(cli, "incident", "fuzzy-dates", "--db", store_url).exit_code == 3


def test_the_seed_journal_has_a_fuzzy_date_and_a_grade_the_article_supports(
    cli: CliRunner, sqlite_url: str
) -> None:
    ok(cli, "append", SEED, "--db", sqlite_url)

    kherson = as_json(ok(cli, "incident", "kherson-shelling-2023-05", "-f", "json", "--db", sqlite_url))
    [shelling] = kherson["entries"]
    # "coincides with" the night of 2-3 May, reported by the 3 May article: about 2 May, by 3 May
    assert shelling["occurred"] == "2023-05-02~/2023-05-03"
    assert shelling["occurred_earliest"] == "2023-05-01T00:00:00.000000Z"
    assert shelling["occurred_latest"] == "2023-05-03T23:59:59.999999Z"
    kremlin = as_json(ok(cli, "incident", "kremlin-drone-2023-05", "-f", "json", "--db", sqlite_url))
    graded = {e["fact"]: e["grade"] for e in kremlin["entries"]}
    assert graded["kremlin-drone-alleged"] == "B3"  # Europa Press B; the Kremlin's claim, unconfirmed
    assert graded["kremlin-drone-us-embassy-advisory"] == "B2"
    assert "reliability B" in ok(cli, "source", "Europa Press", "--db", sqlite_url).stdout


def test_csv_leaves_an_open_bound_empty(cli: CliRunner, db: str) -> None:
    text = ok(cli, "export", "csv", "--incident", "fuzzy-dates", "--db", db).stdout
    by_fact = {row["fact"]: row for row in csv.DictReader(io.StringIO(text))}

    assert by_fact["fuzzy-open-start"]["occurred_start"] == ""
    assert by_fact["fuzzy-open-start"]["occurred_end"] == "2023-05-03T23:59:59.999999"
    assert by_fact["fuzzy-open-end"]["occurred_end"] == ""
    assert by_fact["fuzzy-unknown-end"]["occurred"] == "2023-06-01/"
    assert by_fact["fuzzy-approximate"]["occurred_start"] == "2023-04-01T00:00:00.000000"
