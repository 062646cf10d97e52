"""`as_of`: what the timeline said at each earlier position or moment, in a scripted story.

Positions:
 1  fact "a": drone attack alleged on Kyiv, by the Kremlin (2023-05-03)
 2  fact "b": drone attack alleged on Kiev, by the Kremlin press service (2023-05-02)
 3  AliasAdded: Kiev is another name for Kyiv
 4  FactCorrected "a": summary, and the target is Odesa, not Kyiv
 5  FactRetracted "b"
 6  fact "c": statement made in KYIV (2023-05-04)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
import pytest

from cli.app import app as cli_app
from tests.factories import a_correction, a_fact, a_retraction
from timeline import NotFoundError, Timeline
from timeline.queries import TimelineQuery, resolve_as_of, timeline

if TYPE_CHECKING:
    from typer.testing import CliRunner


def _write(record: Timeline, obj: dict[str, Any]) -> None:
    assert record.submit(obj, recorded_by="tester", where="test").appended == 1


@pytest.fixture
def story(record: Timeline) -> Timeline:
    return tell_story(record)


def tell_story(record: Timeline) -> Timeline:
    _write(
        record,
        a_fact(id="a", summary="first report", target="Kyiv", alleged_by="Kremlin", occurred="2023-05-03"),
    )
    _write(
        record,
        a_fact(
            id="b",
            summary="second report",
            target="Kiev",
            alleged_by="Kremlin press service",
            occurred="2023-05-02",
        ),
    )
    _write(record, {"type": "AliasAdded", "entity": "location", "name": "Kyiv", "alias": "Kiev"})
    _write(record, a_correction("a", reason="it was Odesa", summary="corrected report", target="Odesa"))
    _write(record, a_retraction("b", reason="source withdrew it"))
    _write(
        record,
        {
            "type": "StatementMade",
            "id": "c",
            "incident": "kremlin-drone-2023-05",
            "occurred": "2023-05-04",
            "summary": "statement",
            "sources": [{"name": "TASS"}],
            "speaker": "Kremlin",
            "location": "KYIV",
            "quote": "we will respond",
        },
    )
    assert record.recorder.max_notification_id() == 6
    return record


def entries(
    record: Timeline, kind: str, name: str, as_of: str | None, **options: Any
) -> list[tuple[Any, ...]]:
    result = timeline(record.view, TimelineQuery(kind=kind, name=name, as_of=as_of, **options))
    return [(e.fact, e.summary, e.status, e.version) for e in result.entries]


def test_before_anything_was_recorded_nothing_is_known(story: Timeline) -> None:
    with pytest.raises(NotFoundError):
        timeline(story.view, TimelineQuery(kind="location", name="Kyiv", as_of="@0"))


def test_at_1_only_the_first_fact(story: Timeline) -> None:
    assert entries(story, "location", "Kyiv", "@1") == [("a", "first report", "active", 1)]
    assert entries(story, "incident", "kremlin-drone-2023-05", "@1") == [("a", "first report", "active", 1)]
    with pytest.raises(NotFoundError):  # "b" is not yet recorded
        timeline(story.view, TimelineQuery(kind="location", name="Kiev", as_of="@1"))


def test_at_2_kiev_is_not_yet_kyiv(story: Timeline) -> None:
    assert entries(story, "location", "Kyiv", "@2") == [("a", "first report", "active", 1)]
    kiev = timeline(story.view, TimelineQuery(kind="location", name="kiev", as_of="@2"))
    assert kiev.subject.name == "Kiev"
    assert kiev.subject.aliases == []
    assert [(e.fact, e.place) for e in kiev.entries] == [("b", "Kiev")]


def test_at_3_the_alias_groups_kiev_under_kyiv(story: Timeline) -> None:
    result = timeline(story.view, TimelineQuery(kind="location", name="Kyiv", as_of="@3"))
    # oldest occurred first: b (2023-05-02) before a (2023-05-03)
    assert [(e.fact, e.place, e.summary) for e in result.entries] == [
        ("b", "Kiev", "second report"),
        ("a", "Kyiv", "first report"),
    ]
    assert result.subject.aliases == ["Kiev"]
    # asking by the alias gives the same timeline
    by_alias = timeline(story.view, TimelineQuery(kind="location", name=" KIEV ", as_of="@3"))
    assert by_alias.entries == result.entries
    # the correction at 4 is not applied yet
    with pytest.raises(NotFoundError):
        timeline(story.view, TimelineQuery(kind="location", name="Odesa", as_of="@3"))


def test_at_4_the_correction_moves_a_to_odesa(story: Timeline) -> None:
    assert entries(story, "location", "Kyiv", "@4") == [("b", "second report", "active", 1)]
    assert entries(story, "location", "Odesa", "@4") == [("a", "corrected report", "corrected", 2)]
    # the retraction at 5 is not applied yet
    assert entries(story, "actor", "Kremlin press service", "@4") == [("b", "second report", "active", 1)]


def test_at_5_the_retraction_takes_b_off_the_timelines(story: Timeline) -> None:
    assert entries(story, "location", "Kyiv", "@5") == []
    assert entries(story, "location", "Kyiv", "@5", include_retracted=True) == [
        ("b", "second report", "retracted", 2)
    ]
    assert entries(story, "incident", "kremlin-drone-2023-05", "@5") == [
        ("a", "corrected report", "corrected", 2)
    ]


def test_at_6_and_now_agree(story: Timeline) -> None:
    for as_of in ("@6", "@99", None):
        result = timeline(story.view, TimelineQuery(kind="location", name="Kyiv", as_of=as_of))
        assert [(e.fact, e.place, e.role) for e in result.entries] == [("c", "KYIV", "location")]
        assert result.as_of == as_of
    assert entries(story, "actor", "kremlin", None) == [
        ("a", "corrected report", "corrected", 2),
        ("c", "statement", "active", 1),
    ]
    assert entries(story, "actor", "kremlin", "@5") == [("a", "corrected report", "corrected", 2)]


def test_entries_keep_their_first_position_and_recorded_at(story: Timeline) -> None:
    at_5 = timeline(story.view, TimelineQuery(kind="location", name="Odesa", as_of="@5")).entries[0]
    at_1 = timeline(story.view, TimelineQuery(kind="location", name="Kyiv", as_of="@1")).entries[0]
    assert at_5.position == at_1.position == 1
    assert at_5.recorded_at == at_1.recorded_at


def _recorded_at(record: Timeline) -> dict[int, str]:
    return {row["position"]: row["recorded_at"] for row in record.view.log(0, None, None)}


def test_as_of_an_iso_time_is_the_last_position_recorded_by_then(story: Timeline) -> None:
    stamps = _recorded_at(story)
    assert list(stamps) == [1, 2, 3, 4, 5, 6]
    assert stamps == dict(sorted(stamps.items(), key=lambda kv: kv[1]))  # recorded_at never goes back
    for position, stamp in stamps.items():
        assert resolve_as_of(story.view, stamp) == position
        assert entries(story, "location", "Kyiv", stamp, include_retracted=True) == entries(
            story, "location", "Kyiv", f"@{position}", include_retracted=True
        )
    # the same moment written with an offset, and without a zone (taken as UTC)
    moment = datetime.fromisoformat(stamps[3].replace("Z", "+00:00"))
    plus_three = moment.astimezone(datetime.strptime("+0300", "%z").tzinfo).isoformat()
    assert resolve_as_of(story.view, plus_three) == 3
    assert resolve_as_of(story.view, moment.replace(tzinfo=None).isoformat()) == 3
    before = (moment - timedelta(microseconds=1)).isoformat()
    assert resolve_as_of(story.view, before) == 2
    assert resolve_as_of(story.view, "2000-01-01T00:00Z") == 0
    with pytest.raises(NotFoundError):
        timeline(story.view, TimelineQuery(kind="location", name="Kyiv", as_of="2000-01-01"))


def test_cli_as_of(sqlite_record: Timeline, sqlite_url: str, cli: CliRunner) -> None:
    story_record = tell_story(sqlite_record)
    stamps = _recorded_at(story_record)
    for as_of, expected in ((stamps[2], [("a", "Kyiv")]), ("@3", [("b", "Kiev"), ("a", "Kyiv")])):
        result = cli.invoke(
            cli_app, ["location", "kyiv", "--as-of", as_of, "--format", "json", "--db", sqlite_url]
        )
        assert result.exit_code == 0, result.output
        body = orjson.loads(result.stdout)
        assert body["as_of"] == as_of
        assert [(e["fact"], e["place"]) for e in body["entries"]] == expected
    bad = cli.invoke(cli_app, ["location", "kyiv", "--as-of", "yesterday", "--db", sqlite_url])
    assert bad.exit_code == 2
