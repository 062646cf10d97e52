"""Write commands say what they wrote: the fact's id and its new version (issue 15.5),
and a correction that changes nothing writes nothing (issue 15.11)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.e2e.helpers import as_json, log, ok
from tests.factories import a_correction, a_fact, write_journal

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner

RECORD = [
    "record", "DroneAttackAlleged", "--incident", "nord-stream-2022-09", "--occurred", "2022-09-26",
    "--summary", "Pressure drop on Nord Stream 2", "--source-name", "Danish Energy Agency",
    "--alleged-by", "Danish Energy Agency", "--target", "Nord Stream 2",
]  # fmt: skip


def test_record_without_an_id_prints_the_generated_id_and_version(cli: CliRunner, store_url: str) -> None:
    printed = ok(cli, *RECORD, "--db", store_url).stdout.strip()
    assert printed.startswith("recorded f-")
    assert printed.endswith(" v1")
    fact = printed.split()[1]
    # the printed id is the one the next command needs
    ok(cli, "history", fact, "--db", store_url)
    again = as_json(ok(cli, *RECORD, "--format", "json", "--db", store_url))
    assert again == {"appended": 0, "present": 1, "fact": fact, "version": 1, "unchanged": False}


def test_amendments_print_the_new_version(cli: CliRunner, store_url: str) -> None:
    ok(cli, *RECORD, "--id", "ns2-drop", "--db", store_url)
    corrected = ok(cli, "correct", "ns2-drop", "--set", "drones=0", "--reason", "r", "--db", store_url)
    assert corrected.stdout.strip() == "recorded ns2-drop v2"
    corroborated = ok(
        cli, "corroborate", "ns2-drop", "--source-name", "Reuters", "--reason", "r", "-f", "json",
        "--db", store_url,
    )  # fmt: skip
    assert as_json(corroborated)["version"] == 3
    retracted = ok(cli, "retract", "ns2-drop", "--reason", "r", "--db", store_url)
    assert retracted.stdout.strip() == "recorded ns2-drop v4"


def test_a_correction_that_changes_nothing_writes_nothing(cli: CliRunner, store_url: str) -> None:
    ok(cli, *RECORD, "--id", "ns2-drop", "--db", store_url)
    before = log(cli, store_url)
    same = ok(
        cli, "correct", "ns2-drop", "--set", "summary=Pressure drop on Nord Stream 2", "--reason", "r",
        "--db", store_url,
    )  # fmt: skip
    assert same.stdout.strip() == "no change: ns2-drop v1 already says that; nothing written"
    assert log(cli, store_url) == before
    entry = as_json(ok(cli, "incident", "nord-stream-2022-09", "-f", "json", "--db", store_url))["entries"][0]
    assert (entry["status"], entry["version"]) == ("active", 1)
    as_json_result = as_json(
        ok(
            cli,
            "correct",
            "ns2-drop",
            "--set",
            "drones=null",
            "--reason",
            "r",
            "-f",
            "json",
            "--db",
            store_url,
        )
    )
    assert as_json_result["unchanged"] is True


def test_a_correction_records_only_the_fields_it_changes(cli: CliRunner, store_url: str) -> None:
    ok(cli, *RECORD, "--id", "ns2-drop", "--db", store_url)
    ok(
        cli, "correct", "ns2-drop", "--set", "summary=Pressure drop on Nord Stream 2", "--set", "drones=1",
        "--reason", "r", "--db", store_url,
    )  # fmt: skip
    versions = as_json(ok(cli, "history", "ns2-drop", "-f", "json", "--db", store_url))["versions"]
    assert versions[1]["changes"] == {"drones": {"from": None, "to": 1}}


def test_a_journal_correction_is_recorded_as_given_so_a_second_append_writes_nothing(
    cli: CliRunner, store_url: str, tmp_path: Path
) -> None:
    """A journal line that repeats what the fact says is still recorded: otherwise, appended
    again after the journal's later lines changed the fact, it would change it back."""
    journal = write_journal(
        tmp_path / "j.ndjson",
        [
            a_fact(id="ns-a", summary="same"),
            a_correction("ns-a", "fix 1", summary="same"),
            a_correction("ns-a", "fix 2", summary="later"),
        ],
    )
    counts = ok(cli, "append", journal, "-f", "json", "--db", store_url).stdout.strip().splitlines()[-1]
    assert counts == '{"appended":3,"present":0}'
    again = ok(cli, "append", journal, "-f", "json", "--db", store_url).stdout.strip().splitlines()[-1]
    assert again == '{"appended":0,"present":3}'
    shown = as_json(ok(cli, "show", "ns-a", "-f", "json", "--db", store_url))
    assert shown["fields"]["summary"] == "later"
