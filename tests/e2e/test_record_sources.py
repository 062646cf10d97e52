"""`record` pairs source options by position only when their counts agree (issue 15.14)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.e2e.helpers import as_json, ok, run

if TYPE_CHECKING:
    from typer.testing import CliRunner

RECORD = [
    "record", "DroneAttackAlleged", "--id", "ns", "--incident", "nord-stream-2022-09",
    "--occurred", "2022-09-26", "--summary", "s", "--alleged-by", "K", "--target", "T",
]  # fmt: skip


def test_a_source_url_count_that_does_not_match_the_names_is_refused(cli: CliRunner, store_url: str) -> None:
    result = run(
        cli, *RECORD, "--source-name", "S", "--source-name", "T", "--source-url", "https://u.example",
        "--db", store_url,
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --source-url given 1 time(s) for 2 --source-name: give one per source, "
        "in the same order ('' for a source without one)"
    )
    # nothing written (on SQLite not even the file: `log` finds no record there)
    assert run(cli, "log", "-f", "ndjson", "--db", store_url).stdout == ""


def test_matching_counts_pair_in_order_and_empty_values_mean_none(cli: CliRunner, store_url: str) -> None:
    ok(
        cli, *RECORD, "--source-name", "S", "--source-name", "T", "--source-url", "",
        "--source-url", "https://t.example", "--source-quote", "q1", "--source-quote", "q2", "--db", store_url,
    )  # fmt: skip
    sources = as_json(ok(cli, "show", "ns", "-f", "json", "--db", store_url))["sources"]
    assert sources == [{"name": "S", "quote": "q1"}, {"name": "T", "url": "https://t.example", "quote": "q2"}]
