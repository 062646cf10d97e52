"""The catalogue of fact types, read from the event classes' own field declarations."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from timeline.domain.catalogue import FACT_TYPES, INPUT_MODELS, SYSTEM_FIELDS
from timeline.domain.events import (
    ALL_EVENTS,
    ENVELOPE_FIELDS,
    EVENTS_BY_TYPE,
    FACT_EVENTS,
    AdvisoryIssued,
    FactReported,
)


def test_every_fact_event_is_a_fact_type_named_as_its_class() -> None:
    assert list(FACT_TYPES) == [cls.__name__ for cls in FACT_EVENTS]
    assert all(FACT_TYPES[name].event_class.__name__ == name for name in FACT_TYPES)


def test_every_event_has_a_journal_model_under_its_wire_name() -> None:
    assert set(INPUT_MODELS) == set(EVENTS_BY_TYPE) == {cls.__name__ for cls in ALL_EVENTS}


@pytest.mark.parametrize("model", INPUT_MODELS.values(), ids=list(INPUT_MODELS))
def test_no_journal_model_takes_a_field_the_system_sets(model: type) -> None:
    assert not (set(model.model_fields) & (ENVELOPE_FIELDS | SYSTEM_FIELDS))  # type: ignore[attr-defined]


def test_role_fields_come_from_the_field_declarations() -> None:
    drone = FACT_TYPES["DroneAttackAlleged"]
    assert drone.actor_fields == ("alleged_by", "accused")
    assert drone.location_fields == ("target",)
    assert drone.role_fields == (("actor", "alleged_by"), ("actor", "accused"), ("location", "target"))
    assert "drones" in drone.own_fields
    assert "summary" not in drone.own_fields


def test_subjects_list_every_actor_and_location_with_its_role() -> None:
    advisory = FACT_TYPES[AdvisoryIssued.__name__]
    state = {"issuer": "Kyiv City Military Administration", "area": ["Kyiv", "", "Bucha"]}
    assert advisory.subjects(state) == [
        ("actor", "issuer", "Kyiv City Military Administration"),
        ("location", "area", "Kyiv"),
        ("location", "area", "Bucha"),
    ]
    assert advisory.location_values(state) == ["Kyiv", "Bucha"]


def test_fact_reported_names_its_subjects_with_explicit_roles() -> None:
    reported = FACT_TYPES[FactReported.__name__]
    place = {"name": "Zmiivka", "within": ["Kherson"], "role": "location"}
    state = {"actors": [{"name": "Civilians (Ukraine)", "role": "actor2"}], "locations": [place]}
    assert reported.subjects(state) == [
        ("actor", "actor2", "Civilians (Ukraine)"),
        ("location", "location", place),
    ]
    assert reported.location_values(state) == [place]


@pytest.mark.parametrize("value", [True, "3", 2.5])
def test_journal_numbers_are_strict(value: object) -> None:
    model = FACT_TYPES["DroneAttackAlleged"].input_model
    fields = {
        "id": "x",
        "incident": "i",
        "occurred": "2023-05-03",
        "summary": "s",
        "sources": [{"name": "n"}],
        "alleged_by": "a",
        "target": "t",
    }
    assert model.model_validate({**fields, "drones": 3}).model_dump()["drones"] == 3
    with pytest.raises(ValidationError):
        model.model_validate({**fields, "drones": value})
