"""Timelines, listings, history and as-of answers come from the read tables alone.

Once the read models are current, every query must answer with the event log made
unreadable: no query replays or scans the log, whatever its size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.generate import write_journal
from timeline import Timeline, queries

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def _unreadable(*_: object, **__: object) -> None:
    raise AssertionError("a query read the event log")


def test_queries_answer_from_the_read_tables_without_reading_the_log(
    record: Timeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = write_journal(tmp_path / "j.ndjson", 1500, seed=2)
    record.append([str(journal)], recorded_by="tester")
    middle = (record.recorder.max_notification_id() or 0) // 2
    for method in ("select_notifications", "projection_rows", "select_events", "max_notification_id"):
        monkeypatch.setattr(record.recorder, method, _unreadable)
    monkeypatch.setattr(record.mapper, "to_domain_event", _unreadable)

    actor = queries.timeline(record.view, queries.TimelineQuery("actor", "RUSSIAN MOD", limit=100))
    place = queries.timeline(record.view, queries.TimelineQuery("location", "Ukraine", limit=100))
    incident = queries.timeline(record.view, queries.TimelineQuery("incident", "incident-7"))
    then = queries.timeline(record.view, queries.TimelineQuery("actor", "Russian MoD", as_of=f"@{middle}"))
    assert actor.subject.name == "Russian MoD"
    assert len(actor.entries) == 100
    assert len(place.entries) == 100
    assert incident.entries
    assert all(e.position <= middle for e in then.entries)
    assert queries.subjects(record.view, "location", None).subjects
    assert queries.history(record.view, "f7", None).versions
    assert record.view.log(0, 10, None)
