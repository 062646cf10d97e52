"""`history`: every version of one fact, with field-level changes, who, when and why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
import pytest

from cli.app import app as cli_app
from tests.factories import a_correction, a_fact, a_retraction, a_source
from timeline import NotFoundError, Timeline
from timeline.queries import history

if TYPE_CHECKING:
    from typer.testing import CliRunner

SOURCE_2 = {"name": "Reuters", "url": "https://example.org/b"}


def _write(record: Timeline, obj: dict[str, Any], by: str) -> None:
    assert record.submit(obj, recorded_by=by, where="test").appended == 1


def _plain(value: Any) -> Any:
    """Sources without their unset (None) keys, so the test does not pin how they are stored."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    return value


@pytest.fixture
def corrected(record: Timeline) -> Timeline:
    """Positions: 1 fact "h" · 2 another fact · 3 correction · 4 correction · 5 SourceAdded."""
    _write(
        record, a_fact(id="h", summary="two drones", drones=2, target="Kremlin", accused="Ukraine"), "alice"
    )
    _write(record, a_fact(id="other"), "alice")
    _write(record, a_correction("h", reason="TASS said three", summary="three drones", drones=3), "bob")
    _write(record, a_correction("h", reason="no one was accused", accused=None, target="Moscow"), "carol")
    _write(
        record,
        {"type": "SourceAdded", "fact": "h", "source": SOURCE_2, "reason": "Reuters confirms"},
        "dave",
    )
    return record


def test_history_lists_every_version_with_its_changes(corrected: Timeline) -> None:
    result = history(corrected.view, "h", None)
    assert result.fact == "h"
    versions = result.versions
    assert [v.version for v in versions] == [1, 2, 3, 4]
    assert [v.event for v in versions] == [
        "DroneAttackAlleged",
        "FactCorrected",
        "FactCorrected",
        "SourceAdded",
    ]
    assert [v.position for v in versions] == [1, 3, 4, 5]
    assert [v.recorded_by for v in versions] == ["alice", "bob", "carol", "dave"]
    assert [v.reason for v in versions] == [None, "TASS said three", "no one was accused", "Reuters confirms"]
    stamps = [v.recorded_at for v in versions]
    assert stamps == sorted(stamps)
    assert all(s.endswith("Z") for s in stamps)

    first = versions[0].changes
    assert all(change["from"] is None for change in first.values())
    assert {
        k: first[k]["to"] for k in ("summary", "drones", "target", "accused", "alleged_by", "occurred")
    } == {
        "summary": "two drones",
        "drones": 2,
        "target": "Kremlin",
        "accused": "Ukraine",
        "alleged_by": "Kremlin",
        "occurred": "2023-05-03",
    }
    assert _plain(first["sources"]["to"]) == [a_source()]

    assert versions[1].changes == {
        "summary": {"from": "two drones", "to": "three drones"},
        "drones": {"from": 2, "to": 3},
    }
    assert versions[2].changes == {
        "accused": {"from": "Ukraine", "to": None},
        "target": {"from": "Kremlin", "to": "Moscow"},
    }
    assert set(versions[3].changes) == {"sources"}
    assert _plain(versions[3].changes["sources"]) == {"from": [a_source()], "to": [a_source(), SOURCE_2]}


def test_history_as_of(corrected: Timeline) -> None:
    assert [v.version for v in history(corrected.view, "h", "@1").versions] == [1]
    assert [v.version for v in history(corrected.view, "h", "@2").versions] == [1]
    assert [v.version for v in history(corrected.view, "h", "@3").versions] == [1, 2]
    assert [v.version for v in history(corrected.view, "h", "@4").versions] == [1, 2, 3]
    assert history(corrected.view, "h", "@4").as_of == "@4"
    with pytest.raises(NotFoundError):
        history(corrected.view, "h", "@0")
    stamp = history(corrected.view, "h", None).versions[1].recorded_at
    assert [v.version for v in history(corrected.view, "h", stamp).versions] == [1, 2]


def test_history_of_a_retracted_fact_keeps_every_version(corrected: Timeline) -> None:
    _write(corrected, a_retraction("h", reason="hoax"), "erin")
    versions = history(corrected.view, " h ", None).versions
    assert [v.event for v in versions][-1] == "FactRetracted"
    assert versions[-1].changes == {}
    assert versions[-1].reason == "hoax"
    assert versions[-1].position == 6


def test_history_of_an_unknown_fact_is_not_found(record: Timeline) -> None:
    with pytest.raises(NotFoundError):
        history(record.view, "nope", None)


def test_history_is_the_same_after_a_replay(corrected: Timeline) -> None:
    before = history(corrected.view, "h", None)
    corrected.replay()
    assert history(corrected.view, "h", None) == before


def test_history_cli_json(sqlite_record: Timeline, sqlite_url: str, cli: CliRunner) -> None:
    _write(sqlite_record, a_fact(id="h", summary="two drones", drones=2), "alice")
    _write(sqlite_record, a_correction("h", reason="three", drones=3), "bob")
    result = cli.invoke(cli_app, ["history", "h", "--format", "json", "--db", sqlite_url])
    assert result.exit_code == 0, result.output
    body = orjson.loads(result.stdout)
    assert body["fact"] == "h"
    assert [v["version"] for v in body["versions"]] == [1, 2]
    second = body["versions"][1]
    assert {k: second[k] for k in ("event", "position", "recorded_by", "reason", "changes")} == {
        "event": "FactCorrected",
        "position": 2,
        "recorded_by": "bob",
        "reason": "three",
        "changes": {"drones": {"from": 2, "to": 3}},
    }
    as_of = cli.invoke(cli_app, ["history", "h", "--as-of", "@1", "--format", "json", "--db", sqlite_url])
    assert [v["version"] for v in orjson.loads(as_of.stdout)["versions"]] == [1]
    missing = cli.invoke(cli_app, ["history", "nope", "--db", sqlite_url])
    assert missing.exit_code == 3
