"""The Fact aggregate: reported once, then corrected, corroborated or retracted."""

from __future__ import annotations

from typing import Any

import pytest

from timeline.domain.catalogue import FACT_TYPES
from timeline.domain.events import (
    AdvisoryIssued,
    DroneAttackAlleged,
    FactCorrected,
    FactRetracted,
    SourceAdded,
)
from timeline.domain.fact import AmendmentError, Fact, fact_uuid, validate_changes


def drone_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": "kremlin-drone-alleged",
        "incident": "kremlin-drone-2023-05",
        "occurred": "2023-05-02/2023-05-03",
        "summary": "Russian Presidency says two Ukrainian drones targeted the Kremlin",
        "certainty": "alleged",
        "sources": [{"name": "Europa Press", "url": "https://example.org/a"}],
        "alleged_by": "Russian Presidency",
        "accused": "Ukraine",
        "target": "Kremlin",
        "drones": 2,
    }
    fields.update(overrides)
    return fields


def reported(**overrides: Any) -> Fact:
    return Fact.report(DroneAttackAlleged, recorded_by="analyst", **drone_fields(**overrides))


def test_a_reported_fact_is_active_at_version_1_under_the_id_the_user_gave() -> None:
    fact = reported()

    assert fact.id == fact_uuid("kremlin-drone-alleged")
    assert fact.version == 1
    assert fact.status == "active"
    assert fact.state["type"] == "DroneAttackAlleged"
    assert fact.state["id"] == "kremlin-drone-alleged"
    assert fact.state["drones"] == 2
    assert fact.fact_type is FACT_TYPES["DroneAttackAlleged"]
    [event] = fact.collect_events()
    assert isinstance(event, DroneAttackAlleged)
    assert event.recorded_by == "analyst"


def test_the_same_fact_id_always_maps_to_the_same_aggregate_id() -> None:
    assert fact_uuid("kremlin-drone-alleged") == fact_uuid("kremlin-drone-alleged")
    assert fact_uuid("kremlin-drone-alleged") != fact_uuid("kremlin-drone-alleged-2")


def test_a_correction_raises_the_version_marks_it_corrected_and_changes_only_the_given_fields() -> None:
    fact = reported()
    fact.collect_events()

    fact.correct({"drones": 3}, reason="later report says three", recorded_by="editor", digest="d1")

    assert fact.version == 2
    assert fact.status == "corrected"
    assert fact.state["drones"] == 3
    assert fact.state["summary"] == drone_fields()["summary"]
    assert fact.state["id"] == "kremlin-drone-alleged"
    [event] = fact.collect_events()
    assert isinstance(event, FactCorrected)
    assert event.changes == {"drones": 3}
    assert event.reason == "later report says three"
    assert event.recorded_by == "editor"
    assert "d1" in fact.amendments


def test_a_correction_is_normalised_by_the_fact_type() -> None:
    fact = reported()

    fact.correct(
        {"certainty": "disputed", "target": "  Kremlin   Senate "}, reason="r", recorded_by="e", digest="d"
    )

    assert fact.state["certainty"] == "disputed"
    assert fact.state["target"] == "Kremlin Senate"


def test_a_retracted_fact_is_retracted_and_its_state_is_kept() -> None:
    fact = reported()
    fact.correct({"drones": 3}, reason="r", recorded_by="e", digest="d1")

    fact.retract(reason="source withdrew it", recorded_by="editor", digest="d2")

    assert fact.version == 3
    assert fact.status == "retracted"
    assert fact.state["drones"] == 3
    assert isinstance(fact.collect_events()[-1], FactRetracted)


def test_a_retracted_fact_cannot_be_corrected() -> None:
    fact = reported()
    fact.retract(reason="withdrawn", recorded_by="editor", digest="d1")

    with pytest.raises(AmendmentError, match="retracted"):
        fact.correct({"drones": 3}, reason="r", recorded_by="e", digest="d2")
    assert fact.version == 2


def test_a_retracted_fact_cannot_be_retracted_again() -> None:
    fact = reported()
    fact.retract(reason="withdrawn", recorded_by="editor", digest="d1")

    with pytest.raises(AmendmentError, match="already retracted"):
        fact.retract(reason="again", recorded_by="editor", digest="d2")


def test_adding_a_source_raises_the_version_and_keeps_the_status_active() -> None:
    fact = reported()

    fact.add_source(
        {"name": "CNN", "url": "https://cnn.example/x"}, reason="corroborated", recorded_by="e", digest="d1"
    )

    assert fact.version == 2
    assert fact.status == "active"
    assert [s["name"] for s in fact.state["sources"]] == ["Europa Press", "CNN"]
    assert isinstance(fact.collect_events()[-1], SourceAdded)


def test_a_corrected_fact_stays_corrected_after_a_source_is_added() -> None:
    fact = reported()
    fact.correct({"drones": 3}, reason="r", recorded_by="e", digest="d1")

    fact.add_source({"name": "CNN"}, reason="corroborated", recorded_by="e", digest="d2")

    assert fact.status == "corrected"
    assert fact.version == 3


def test_a_fact_is_rebuilt_from_its_events() -> None:
    fact = reported()
    fact.correct({"drones": 3}, reason="r", recorded_by="e", digest="d1")
    fact.add_source({"name": "CNN"}, reason="corroborated", recorded_by="e", digest="d2")
    events = fact.collect_events()

    rebuilt: Any = None
    for event in events:
        rebuilt = event.mutate(rebuilt)

    assert rebuilt.state == fact.state
    assert rebuilt.version == 3
    assert rebuilt.status == "corrected"
    assert rebuilt.amendments == {"d1", "d2"}
    assert rebuilt.digest == fact.digest


def test_two_reports_of_the_same_content_have_the_same_digest_and_different_content_does_not() -> None:
    assert reported().digest == reported().digest
    assert reported().digest != reported(drones=3).digest


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"type": "AdvisoryIssued"}, "field 'type' cannot be corrected"),
        ({"id": "another-id"}, "field 'id' cannot be corrected"),
        ({"colour": "red"}, "DroneAttackAlleged has no field 'colour'"),
        ({"recorded_by": "someone"}, "has no field 'recorded_by'"),
        ({"drones": "two"}, "changes make the fact invalid: drones"),
        ({"occurred": "2023-13-45"}, "changes make the fact invalid: occurred"),
        ({"sources": []}, "changes make the fact invalid: sources"),
        ({"certainty": "probable"}, "changes make the fact invalid: certainty"),
        ({"target": "Krem\u0007lin"}, "changes make the fact invalid: target"),
    ],
)
def test_validate_changes_rejects_what_a_correction_may_not_do(changes: dict[str, Any], message: str) -> None:
    fact = reported()

    with pytest.raises(AmendmentError, match=message):
        validate_changes(fact.fact_type, fact.state, changes)


def test_an_invalid_correction_leaves_the_fact_unchanged() -> None:
    fact = reported()

    with pytest.raises(AmendmentError):
        fact.correct({"id": "renamed"}, reason="r", recorded_by="e", digest="d")

    assert fact.version == 1
    assert fact.status == "active"
    assert fact.state["id"] == "kremlin-drone-alleged"


def test_validate_changes_returns_only_the_changed_fields_normalised() -> None:
    fact = reported()

    changes = validate_changes(fact.fact_type, fact.state, {"occurred": " 2023-05-03 ", "drones": 4})

    assert changes == {"occurred": "2023-05-03", "drones": 4}


def test_fields_of_other_fact_types_are_unknown_to_a_correction() -> None:
    fact = reported()

    with pytest.raises(AmendmentError, match="has no field 'threat'"):
        validate_changes(fact.fact_type, fact.state, {"threat": "missiles"})


def test_a_fact_of_a_list_type_reports_and_corrects_its_lists() -> None:
    fact = Fact.report(
        AdvisoryIssued,
        recorded_by="analyst",
        id="advisory",
        incident="kremlin-drone-2023-05",
        occurred="2023-05-03",
        summary="Embassy warns of missile attacks on Kiev",
        sources=[{"name": "Europa Press"}],
        issuer="U.S. Embassy in Ukraine",
        area=["Kiev"],
        threat="missile attacks",
    )

    fact.correct({"area": ["Kiev", "Kiev region"]}, reason="both named", recorded_by="e", digest="d")

    assert fact.state["area"] == ["Kiev", "Kiev region"]
    with pytest.raises(AmendmentError, match="area"):
        validate_changes(fact.fact_type, fact.state, {"area": []})
