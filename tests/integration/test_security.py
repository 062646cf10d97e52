"""Security: names are data, never SQL; recorded_by cannot be spoofed; nothing stored is executed."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from cli.app import app
from tests.factories import a_fact, write_journal
from timeline import Timeline, queries

HOSTILE = "Robert'); DROP TABLE stored_events;--"


def test_hostile_names_are_stored_and_queried_as_plain_text(record: Timeline, tmp_path: Path) -> None:
    journal = write_journal(
        tmp_path / "hostile.ndjson",
        [
            {"type": "ActorRegistered", "name": HOSTILE, "aliases": ["x' OR '1'='1"]},
            a_fact(id="hostile-1", alleged_by=HOSTILE, target='Kremlin"; DELETE FROM tl_entries;--'),
        ],
    )
    record.append([str(journal)], recorded_by="tester")
    result = queries.timeline(record.view, queries.TimelineQuery("actor", "x' OR '1'='1"))
    assert result.subject.name == HOSTILE
    assert [e.fact for e in result.entries] == ["hostile-1"]
    # Every table is still there and holds what was written.
    assert record.recorder.max_notification_id() == 2
    place = queries.timeline(
        record.view, queries.TimelineQuery("location", 'Kremlin"; DELETE FROM tl_entries;--')
    )
    assert [e.fact for e in place.entries] == ["hostile-1"]
    as_of = queries.timeline(record.view, queries.TimelineQuery("actor", HOSTILE, as_of="@2"))
    assert len(as_of.entries) == 1


def test_a_journal_cannot_set_recorded_by(tmp_path: Path) -> None:
    journal = write_journal(tmp_path / "spoof.ndjson", [a_fact(id="spoof", recorded_by="someone-else")])
    db = str(tmp_path / "spoof.db")
    result = CliRunner().invoke(app, ["--db", db, "--as", "alice", "append", str(journal)])
    assert result.exit_code == 2
    assert f"{journal}:1: " in result.stderr
    assert "recorded_by" in result.stderr


def test_recorded_by_comes_from_the_as_option_or_the_environment(tmp_path: Path, monkeypatch) -> None:
    db = str(tmp_path / "who.db")
    runner = CliRunner()
    first = write_journal(tmp_path / "a.ndjson", [a_fact(id="by-alice")])
    second = write_journal(tmp_path / "b.ndjson", [a_fact(id="by-env")])
    assert runner.invoke(app, ["--db", db, "append", str(first), "--as", "alice"]).exit_code == 0
    monkeypatch.setenv("TIMELINE_USER", "bob")
    assert runner.invoke(app, ["--db", db, "append", str(second)]).exit_code == 0
    log = runner.invoke(app, ["--db", db, "log", "--format", "ndjson"])
    rows = [orjson.loads(line) for line in log.stdout.splitlines()]
    assert [(r["fact"], r["recorded_by"]) for r in rows] == [("by-alice", "alice"), ("by-env", "bob")]


def test_stored_payloads_are_json_and_decoding_never_evaluates_them(record: Timeline, tmp_path: Path) -> None:
    payload = "__import__('os').system('touch pwned')"
    journal = write_journal(tmp_path / "code.ndjson", [a_fact(id="code", summary=payload)])
    record.append([str(journal)], recorded_by="tester")
    notification = record.recorder.select_notifications(start=1, limit=1)[0]
    assert orjson.loads(notification.state)["summary"] == payload
    assert notification.topic == "timeline:DroneAttackAlleged"
    event = record.mapper.to_domain_event(notification)
    assert event.summary == payload  # type: ignore[attr-defined]
    assert not (tmp_path / "pwned").exists()
    assert not Path("pwned").exists()
