"""The event store: every event type round-trips, topics are stable, old versions upcast,
and a stale write is refused with nothing written."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC
from typing import TYPE_CHECKING, Any, ClassVar

import orjson
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from tests.factories import a_correction, a_fact, a_retraction, write_journal
from timeline import ConflictError, InvalidInputError, Timeline
from timeline.domain.events import ALL_EVENTS, ENVELOPE_FIELDS, Reported
from timeline.domain.fact import Fact, fact_uuid
from timeline.domain.gazetteer import Statement
from timeline.persistence import transcoding
from timeline.persistence.transcoding import PydanticMapper, upcast

if TYPE_CHECKING:
    from pathlib import Path

SRC = [
    {
        "name": "Europa Press",
        "url": "https://example.org/a",
        "published": "2023-05-03T12:00:00Z",
        "quote": "q",
    }
]
COMMON = {
    "incident": "kremlin-drone-2023-05",
    "occurred": "2023-05-03",
    "certainty": "claimed",
    "sources": SRC,
}

ONE_OF_EACH: list[dict[str, Any]] = [
    {
        "type": "DroneAttackAlleged",
        "id": "e1",
        "summary": "s1",
        **COMMON,
        "alleged_by": "Kremlin",
        "accused": "Ukraine",
        "target": "Kremlin",
        "drones": 2,
        "credibility": 3,
        "occurred": "2023-05-02~/2023-05-03",
    },
    {
        "type": "AdvisoryIssued",
        "id": "e2",
        "summary": "s2",
        **COMMON,
        "issuer": "US Embassy",
        "area": ["Kyiv", "Odesa"],
        "audience": "US citizens",
        "threat": "missiles",
        "advice": ["shelter"],
    },
    {
        "type": "CriminalCaseOpened",
        "id": "e3",
        "summary": "s3",
        **COMMON,
        "investigator": "SBU",
        "suspect": "Unknown",
        "location": "Kyiv",
        "offence": "terrorism",
        "case_ref": "12-345",
    },
    {
        "type": "InterceptionClaimed",
        "id": "e4",
        "summary": "s4",
        **COMMON,
        "claimed_by": "Ukrainian Air Force",
        "location": "Kyiv",
        "intercepted": 11,
        "weapon": "Shahed",
    },
    {
        "type": "StatementMade",
        "id": "e5",
        "summary": "s5",
        **COMMON,
        "speaker": "Zelensky",
        "about": ["Kremlin", "Russia"],
        "location": "Kyiv",
        "quote": "we did not",
        "channel": "Telegram",
    },
    {
        "type": "ResponsibilityAttributed",
        "id": "e6",
        "summary": "s6",
        **COMMON,
        "attributed_by": "Kremlin",
        "attributed_to": "Ukraine",
        "basis": "none given",
    },
    {
        "type": "ShellingReported",
        "id": "e7",
        "summary": "s7",
        **COMMON,
        "reported_by": "Odesa OVA",
        "attacker": "Russia",
        "area": ["Odesa"],
        "killed_min": 1,
        "killed_max": 3,
        "injured_min": 5,
    },
    {
        "type": "FactReported",
        "id": "e8",
        "summary": "s8",
        **COMMON,
        "kind": "blackout",
        "actors": [{"name": "Ukrenergo", "role": "operator"}],
        "locations": [{"name": "Kyiv", "role": "area"}],
    },
    {"type": "FactCorrected", "fact": "e1", "changes": {"drones": 3, "summary": "s1b"}, "reason": "update"},
    {"type": "FactRetracted", "fact": "e6", "reason": "withdrawn"},
    {"type": "FactRestored", "fact": "e6", "reason": "reinstated"},
    {
        "type": "SourceAdded",
        "fact": "e2",
        "source": {
            "name": "Reuters",
            "url": "https://e.org/r",
            "archive": {
                "url": "https://e.org/r",
                "sha256": "a" * 64,
                "bytes": 1024,
                "captured_at": "2023-05-03T14:00:00Z",
                "captured_by": "alice",
                "file": "r.pdf",
            },
        },
        "reason": "corr",
    },
    {"type": "SourceGraded", "source": "Reuters", "reliability": "B", "reason": "usually reliable"},
    {
        "type": "ActorRegistered",
        "name": "Russian Presidency",
        "kind": "state body",
        "aliases": ["Kremlin press service"],
    },
    {
        "type": "LocationRegistered",
        "name": "Kremlin",
        "kind": "site",
        "within": "Moscow",
        "lat": 55.752,
        "lon": 37.617,
        "aliases": ["Moscow Kremlin"],
    },
    {"type": "AliasAdded", "entity": "location", "name": "Kyiv", "alias": "Kiev"},
    {
        "type": "AliasMoved",
        "entity": "location",
        "alias": "Kiev",
        "from": "Kyiv",
        "to": "Kyiv Oblast",
        "reason": "the source meant the region",
    },
    {"type": "IncidentRegistered", "incident": "i", "title": "An incident", "description": "What it is"},
]


def _without_none(value: Any) -> Any:
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    return value


@pytest.fixture
def stored(record: Timeline, tmp_path: Path) -> Timeline:
    journal = write_journal(tmp_path / "all.ndjson", ONE_OF_EACH)
    result = record.append([str(journal)], recorded_by="alice")
    assert (result.appended, result.present) == (len(ONE_OF_EACH), 0)
    return record


def test_the_journal_covers_every_event_type() -> None:
    assert sorted(o["type"] for o in ONE_OF_EACH) == sorted(cls.__name__ for cls in ALL_EVENTS)


def test_every_event_type_round_trips(stored: Timeline) -> None:
    notifications = stored.recorder.select_notifications(start=0, limit=100, inclusive_of_start=False)
    assert [n.id for n in notifications] == list(range(1, len(ONE_OF_EACH) + 1))
    # one append is one batch: its events are positioned together (grouped by aggregate)
    by_type = {line["type"]: line for line in ONE_OF_EACH}
    for notification in notifications:
        line = by_type.pop(notification.topic.removeprefix("timeline:"))
        event = stored.mapper.to_domain_event(notification)
        assert type(event).__name__ == line["type"]
        assert notification.topic == f"timeline:{line['type']}"
        assert event.recorded_by == "alice"
        assert event.timestamp.tzinfo is not None
        assert event.timestamp.utcoffset() == UTC.utcoffset(None)
        fields = event.model_dump(mode="json", exclude=set(ENVELOPE_FIELDS) | {"digest"})
        expected = {k: v for k, v in line.items() if k != "type"}
        assert _without_none(fields) == _without_none(expected), line["type"]
        # decoding then encoding gives back the stored bytes exactly
        again = stored.mapper.to_stored_event(event)
        assert (again.originator_id, again.originator_version, again.topic, again.state) == (
            notification.originator_id,
            notification.originator_version,
            notification.topic,
            notification.state,
        )
    assert by_type == {}


def test_aggregates_load_from_the_store(stored: Timeline) -> None:
    drone = stored.repository.get(fact_uuid("e1"))
    assert isinstance(drone, Fact)
    assert drone.version == 2
    assert drone.status == "corrected"
    assert drone.state["drones"] == 3
    assert drone.state["summary"] == "s1b"
    assert drone.state["type"] == "DroneAttackAlleged"
    assert stored.repository.get(fact_uuid("e6")).status == "active"  # retracted, then restored
    advisory = stored.repository.get(fact_uuid("e2"))
    assert [s["name"] for s in advisory.state["sources"]] == ["Europa Press", "Reuters"]
    assert advisory.version == 2
    gazetteer = (
        "timeline:ActorRegistered",
        "timeline:LocationRegistered",
        "timeline:AliasAdded",
        "timeline:AliasMoved",
        "timeline:IncidentRegistered",
    )
    for notification in stored.recorder.select_notifications(start=0, limit=100, inclusive_of_start=False):
        if notification.topic not in gazetteer:
            continue
        statement = stored.repository.get(notification.originator_id)
        assert isinstance(statement, Statement)
        assert statement.version == 1


def test_stored_topics_are_stable_names(sqlite_record: Timeline, sqlite_url: str, tmp_path: Path) -> None:
    journal = write_journal(tmp_path / "all.ndjson", ONE_OF_EACH)
    sqlite_record.append([str(journal)], recorded_by="alice")
    with closing(sqlite3.connect(sqlite_url)) as db:
        topics = [row[0] for row in db.execute("SELECT topic FROM stored_events ORDER BY rowid")]
        states = [bytes(row[0]) for row in db.execute("SELECT state FROM stored_events ORDER BY rowid")]
    assert sorted(topics) == sorted(f"timeline:{o['type']}" for o in ONE_OF_EACH)
    # every class but LocationRegistered (version 2: `within` became a list) is at version 1
    for topic, state in zip(topics, states, strict=True):
        assert (b'"class_version":2' in state) == (topic == "timeline:LocationRegistered")


def test_version_1_location_registrations_are_upcast(
    sqlite_record: Timeline, sqlite_url: str, tmp_path: Path
) -> None:
    """A store written before places were entities (within: one name) still reads and resolves."""
    journal = write_journal(
        tmp_path / "old.ndjson",
        [
            {"type": "LocationRegistered", "name": "Russia"},
            {"type": "LocationRegistered", "name": "Moscow", "within": "Russia"},
        ],
    )
    sqlite_record.append([str(journal)], recorded_by="alice")
    with closing(sqlite3.connect(sqlite_url)) as db:
        for rowid, state in db.execute("SELECT rowid, state FROM stored_events").fetchall():
            old = orjson.loads(state)
            old.pop("class_version", None)
            if isinstance(old.get("within"), list):
                old["within"] = old["within"][0]  # exactly what version 1 stored
            db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (orjson.dumps(old), rowid))
        db.commit()
    sqlite_record.replay()
    moscow = [
        n for n in sqlite_record.recorder.select_notifications(start=0, limit=10) if b"Moscow" in n.state
    ]
    event = sqlite_record.mapper.to_domain_event(moscow[0])
    assert event.within == ["Russia"]
    from timeline.queries import places_named

    assert [p.place_path for p in places_named(sqlite_record.view, "Moscow", None).places] == [
        ["Russia", "Moscow"]
    ]


# --- upcasting ------------------------------------------------------------------------


class StatementMade(Reported):
    """A future StatementMade (class version 3): `channel` became `medium`, then `medium` required."""

    class_version: ClassVar[int] = 3
    speaker: str
    about: list[str] | None = None
    location: str | None = None
    quote: str
    medium: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["medium"] = state.pop("channel", None)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        if state["medium"] is None:
            state["medium"] = "unknown"


def test_an_old_stored_state_upcasts_to_the_current_class_version(
    stored: Timeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    notifications = stored.recorder.select_notifications(start=0, limit=100, inclusive_of_start=False)
    (old,) = [n for n in notifications if n.topic == "timeline:StatementMade"]
    monkeypatch.setitem(transcoding.EVENTS_BY_TOPIC, "timeline:StatementMade", StatementMade)
    mapper = stored.mapper
    assert isinstance(mapper, PydanticMapper)

    event = mapper.to_domain_event(old)
    assert type(event) is StatementMade
    assert event.medium == "Telegram"  # type: ignore[attr-defined]
    assert not hasattr(event, "channel")
    assert event.id == "e5"  # type: ignore[attr-defined]

    # a v1 state without a channel goes through both steps
    state = mapper.transcoder.decode(old.state)
    del state["channel"]
    no_channel = StoredEvent(
        old.originator_id, old.originator_version, old.topic, mapper.transcoder.encode(state)
    )
    assert mapper.to_domain_event(no_channel).medium == "unknown"  # type: ignore[attr-defined]

    # written at v3, the state says so and is not upcast again
    written = mapper.to_stored_event(event)
    assert mapper.transcoder.decode(written.state)["class_version"] == 3
    assert mapper.to_domain_event(written) == event


def test_upcast_runs_only_the_missing_steps() -> None:
    state = {"class_version": 2, "medium": None}
    upcast(StatementMade, state)
    assert state == {"medium": "unknown"}
    state = {"channel": "TV"}
    upcast(StatementMade, state)
    assert state == {"medium": "TV"}


def test_unknown_topic_is_a_clear_error(stored: Timeline) -> None:
    old = stored.recorder.select_notifications(start=0, limit=1, inclusive_of_start=False)[0]
    renamed = StoredEvent(old.originator_id, old.originator_version, "timeline:NoSuchEvent", old.state)
    with pytest.raises(transcoding.UnknownTopicError, match="NoSuchEvent"):
        stored.mapper.to_domain_event(renamed)


# --- optimistic concurrency -----------------------------------------------------------


def test_saving_a_stale_fact_raises_and_writes_nothing(record: Timeline) -> None:
    record.submit(a_fact(id="c1", summary="one"), recorded_by="alice", where="t")
    mine = record.repository.get(fact_uuid("c1"))
    theirs = record.repository.get(fact_uuid("c1"))
    theirs.correct({"summary": "theirs"}, reason="r", recorded_by="bob", digest="d-theirs")
    record.save(theirs)
    length = record.recorder.max_notification_id()
    mine.correct({"summary": "mine"}, reason="r", recorded_by="alice", digest="d-mine")
    mine.retract(reason="and gone", recorded_by="alice", digest="d-gone")
    with pytest.raises(IntegrityError):
        record.save(mine)
    assert record.recorder.max_notification_id() == length
    current = record.repository.get(fact_uuid("c1"))
    assert current.version == 2
    assert current.state["summary"] == "theirs"
    assert current.status == "corrected"
    record.project()
    assert record.view.tracking_position() == length


def test_a_conflicting_amendment_through_the_app_writes_nothing(record: Timeline) -> None:
    record.submit(a_fact(id="c2"), recorded_by="alice", where="t")
    record.submit(a_retraction("c2"), recorded_by="bob", where="t")
    length = record.recorder.max_notification_id()
    # refused up front (invalid input) or at write time (conflict): either way, nothing written
    with pytest.raises((ConflictError, InvalidInputError)):
        record.submit(a_correction("c2", summary="too late"), recorded_by="alice", where="t")
    assert record.recorder.max_notification_id() == length


def test_an_amendment_expecting_a_stale_version_conflicts(record: Timeline) -> None:
    record.submit(a_fact(id="c3"), recorded_by="alice", where="t")
    record.submit(a_correction("c3", summary="bob was first"), recorded_by="bob", where="t")
    length = record.recorder.max_notification_id()
    with pytest.raises(ConflictError):
        record.submit(
            a_correction("c3", summary="alice's view"), recorded_by="alice", where="t", expected_version=1
        )
    assert record.recorder.max_notification_id() == length
    record.submit(
        a_correction("c3", summary="alice again"), recorded_by="alice", where="t", expected_version=2
    )
    assert record.fact_version("c3") == 3
