"""The timeline projection without a database: stored events in, read-model rows out."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.unit.test_fact import drone_fields
from timeline.domain.events import ALL_EVENTS, EVENTS_BY_TYPE, Created, DroneAttackAlleged
from timeline.domain.fact import Fact, first_event
from timeline.domain.gazetteer import Statement
from timeline.domain.places import PlaceRecord, PlaceStore
from timeline.persistence.transcoding import OrjsonTranscoder, PydanticMapper
from timeline.projections.timelines import Lookups, TimelineProjection, ViewBatch

MAPPER = PydanticMapper(transcoder=OrjsonTranscoder())


class NoPlaces(PlaceStore):
    """A gazetteer that knows no place yet."""

    def get(self, place_id: str) -> PlaceRecord | None:
        return None

    def named(self, name_key: str) -> list[str]:
        return []

    def alias_holder(self, kind: str, alias_key: str) -> str | None:
        return None

    def by_key(self, kind: str, key: str) -> str | None:
        return None


def empty_view(**records: dict[str, Any]) -> Lookups:
    """Lookups of read models that hold only the open fact records given (by fact id)."""
    return Lookups(
        fact_state=records.get,
        entity_exists=lambda kind, entity: False,
        places=NoPlaces(),
        was_corrected=lambda key: False,
    )


class Log:
    """Feeds events to a projection as the application does: their stored JSON, in order."""

    def __init__(self, lookups: Lookups | None = None) -> None:
        self.projection = TimelineProjection(lookups or empty_view())
        self.batch = ViewBatch()
        self.position = 0

    def apply(self, event: Any) -> None:
        stored = MAPPER.to_stored_event(event)
        self.position += 1
        self.projection.process(
            self.batch,
            type(event).__name__,
            orjson.loads(stored.state),
            event.originator_id.hex,
            event.originator_version,
            self.position,
        )

    def report(self, **overrides: Any) -> Fact:
        fact = Fact.report(DroneAttackAlleged, recorded_by="analyst", **drone_fields(**overrides))
        for event in fact.collect_events():
            self.apply(event)
        return fact

    def amend(self, fact: Fact) -> None:
        for event in fact.collect_events():
            self.apply(event)

    def state(self, type_name: str, **fields: Any) -> None:
        event_class = EVENTS_BY_TYPE[type_name]
        assert issubclass(event_class, Created)
        statement = Statement.make(event_class, recorded_by="analyst", **fields)  # type: ignore[arg-type]
        for event in statement.collect_events():
            self.apply(event)


def test_every_event_class_of_the_catalogue_has_a_handler_and_a_subject() -> None:
    assert set(TimelineProjection.HANDLERS) == set(ALL_EVENTS)
    assert set(TimelineProjection.SUBJECT_FIELDS) == set(ALL_EVENTS)


def test_a_reported_fact_opens_its_first_version_and_files_it_under_every_subject() -> None:
    log = Log()
    log.report()
    batch = log.batch
    [row] = batch.facts
    assert (row["fact_key"], row["version"], row["event"], row["valid_to"]) == (
        "kremlin-drone-alleged",
        1,
        "DroneAttackAlleged",
        None,
    )
    assert row["record"]["status"] == "active"
    assert row["changes"] == {}
    subjects = {(e["kind"], e["role"], e["subject"]) for e in batch.entries}
    assert subjects == {
        ("incident", "incident", "kremlin-drone-2023-05"),
        ("actor", "alleged_by", "russian presidency"),
        ("actor", "accused", "ukraine"),
        ("location", "target", "kremlin"),
    }
    assert {(e["occurred_start"], e["occurred_end"]) for e in batch.entries} == {
        ("2023-05-02T00:00:00.000000", "2023-05-03T23:59:59.999999")
    }
    [log_row] = batch.log
    assert (log_row["event"], log_row["subject"], log_row["position"]) == (
        "DroneAttackAlleged",
        "kremlin-drone-alleged",
        1,
    )
    assert log_row["recorded_at"].endswith("Z")
    assert len(log_row["recorded_at"]) == 27
    assert batch.search[0]["fact_key"] == "kremlin-drone-alleged"
    assert batch.last_position == 1


def test_a_correction_in_the_same_batch_closes_the_first_version_and_records_the_change() -> None:
    log = Log()
    fact = log.report()
    fact.correct({"drones": 3}, reason="late news", recorded_by="analyst", digest="d1")
    log.amend(fact)
    first, second = log.batch.facts
    assert first["valid_to"] == 2
    assert all(e["valid_to"] == 2 for e in log.batch.entries if e["version"] == 1)
    assert (second["version"], second["event"], second["reason"]) == (2, "FactCorrected", "late news")
    assert second["changes"] == {"drones": {"from": 2, "to": 3}}
    assert second["record"]["status"] == "corrected"
    assert second["record"]["fields"]["drones"] == 3
    assert second["record"]["first_position"] == 1
    assert log.batch.close_facts == []  # closed in the batch, not in the view


def test_a_retraction_then_a_restoration_returns_a_corrected_fact_to_corrected() -> None:
    log = Log()
    fact = log.report()
    fact.correct({"drones": 3}, reason="late news", recorded_by="analyst", digest="d1")
    fact.retract(reason="withdrawn", recorded_by="analyst", digest="d2")
    fact.restore(reason="confirmed after all", recorded_by="analyst", digest="d3")
    log.amend(fact)
    statuses = [row["record"]["status"] for row in log.batch.facts]
    assert statuses == ["active", "corrected", "retracted", "corrected"]
    assert [e["status"] for e in log.batch.entries if e["kind"] == "incident"] == statuses


def test_an_amendment_of_a_fact_already_in_the_view_closes_the_stored_version() -> None:
    writer = Log()
    fact = writer.report()
    stored = writer.batch.facts[0]["record"]
    fact.retract(reason="withdrawn", recorded_by="analyst", digest="d1")
    log = Log(empty_view(**{"kremlin-drone-alleged": stored}))
    log.position = 7
    log.amend(fact)
    assert log.batch.close_facts == [(8, "kremlin-drone-alleged")]
    [row] = log.batch.facts
    assert (row["version"], row["record"]["status"], row["record"]["first_position"]) == (2, "retracted", 1)


def test_an_amendment_of_a_fact_the_view_never_saw_is_only_logged() -> None:
    fact = Log().report()
    fact.retract(reason="withdrawn", recorded_by="analyst", digest="d1")
    log = Log()
    log.amend(fact)
    assert log.batch.facts == []
    assert [(r["event"], r["subject"]) for r in log.batch.log] == [("FactRetracted", "kremlin-drone-alleged")]


def test_a_second_registration_of_an_incident_closes_the_first() -> None:
    log = Log()
    log.state("IncidentRegistered", incident="kremlin-drone-2023-05", title="Drones over the Kremlin")
    log.state("IncidentRegistered", incident="kremlin-drone-2023-05", title="The Kremlin drone incident")
    first, second = log.batch.incidents
    assert (first["valid_from"], first["valid_to"]) == (1, 2)
    assert (second["title"], second["valid_to"]) == ("The Kremlin drone incident", None)
    assert log.batch.close_incidents == [(1, "kremlin-drone-2023-05")]
    assert [r["subject"] for r in log.batch.log] == ["kremlin-drone-2023-05"] * 2


def test_a_source_grading_is_filed_under_the_normalised_source_name() -> None:
    log = Log()
    log.state("SourceGraded", source="EUROPA Press", reliability="B", reason="usually right")
    [grade] = log.batch.grades
    assert (grade["source_key"], grade["source"], grade["reliability"]) == (
        "europa press",
        "EUROPA Press",
        "B",
    )
    assert log.batch.log[0]["subject"] == "EUROPA Press"


def test_a_registered_actor_gets_an_entity_row_and_its_aliases_name_it() -> None:
    log = Log()
    log.state("ActorRegistered", name="Russian Presidency", kind="state body", aliases=["Kremlin"])
    [entity] = log.batch.entities
    assert (entity["kind"], entity["entity"], entity["entity_kind"]) == (
        "actor",
        "russian presidency",
        "state body",
    )
    assert {(n["alias"], n["entity"]) for n in log.batch.names} >= {("kremlin", "russian presidency")}


@pytest.mark.parametrize("type_name", ["LocationRegistered", "AliasMoved"])
def test_gazetteer_statements_are_logged_under_the_name_they_are_about(type_name: str) -> None:
    log = Log()
    log.state("LocationRegistered", name="Moscow", kind="city")
    if type_name == "AliasMoved":
        log.state("LocationRegistered", name="Kyiv", kind="city", aliases=["Kiev"])
        log.state(
            "AliasMoved", entity="location", alias="Kiev", **{"from": "Kyiv"}, to="Moscow", reason="test"
        )
    assert log.batch.log[-1]["subject"] == ("Kiev" if type_name == "AliasMoved" else "Moscow")
    assert any(e["kind"] == "location" and e["name"] == "Moscow" for e in log.batch.entities)


def test_the_first_event_of_a_fact_needs_no_aggregate() -> None:
    """The application writes new facts from their first event alone; the projection reads it alike."""
    fact = Fact.report(DroneAttackAlleged, recorded_by="analyst", **drone_fields())
    [reported] = fact.collect_events()
    alone = first_event(Fact, DroneAttackAlleged, fact.id, recorded_by="analyst", **drone_fields())
    one, two = Log(), Log()
    one.apply(reported)
    two.apply(alone)
    assert one.batch.entries == two.batch.entries
