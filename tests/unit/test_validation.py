"""The amendment and status rules, as the journal check and the aggregate apply them."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import a_correction, a_fact, a_retraction
from tests.unit.test_fact import drone_fields
from timeline.domain.catalogue import FACT_TYPES
from timeline.domain.events import DroneAttackAlleged
from timeline.domain.fact import (
    ACTIVE,
    CORRECTED,
    RETRACTED,
    AmendmentError,
    Fact,
    amendment_refusal,
    fact_uuid,
    field_refusal,
    next_status,
)
from timeline.journal import Entry, parse_object
from timeline.validation import Amendments, JournalValidator, SeenFacts

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

AMENDMENTS = ("FactCorrected", "FactRetracted", "SourceAdded", "FactRestored")


@pytest.mark.parametrize(
    ("status", "amendment", "refused"),
    [
        (ACTIVE, "FactCorrected", None),
        (ACTIVE, "FactRetracted", None),
        (ACTIVE, "SourceAdded", None),
        (ACTIVE, "FactRestored", "fact 'f' is not retracted; nothing to restore"),
        (CORRECTED, "FactRestored", "fact 'f' is not retracted; nothing to restore"),
        (RETRACTED, "FactCorrected", "fact 'f' is retracted and cannot be amended"),
        (RETRACTED, "FactRetracted", "fact 'f' is retracted and cannot be amended"),
        (RETRACTED, "SourceAdded", None),
        (RETRACTED, "FactRestored", None),
    ],
)
def test_which_amendments_a_status_admits(status: str, amendment: str, refused: str | None) -> None:
    assert amendment_refusal("f", status, amendment) == refused


def test_the_aggregate_words_a_refusal_after_the_verb_it_was_asked_for() -> None:
    assert amendment_refusal("f", RETRACTED, "FactCorrected", by_verb=True) == (
        "fact 'f' is retracted and cannot be corrected"
    )
    assert amendment_refusal("f", RETRACTED, "FactRetracted", by_verb=True) == "fact 'f' is already retracted"


@pytest.mark.parametrize(
    ("status", "event", "corrected", "after"),
    [
        (ACTIVE, "FactCorrected", False, CORRECTED),
        (ACTIVE, "SourceAdded", False, ACTIVE),
        (CORRECTED, "FactRetracted", True, RETRACTED),
        (RETRACTED, "FactCorrected", False, RETRACTED),
        (RETRACTED, "FactRestored", False, ACTIVE),
        (RETRACTED, "FactRestored", True, CORRECTED),
        (ACTIVE, "DroneAttackAlleged", False, ACTIVE),
    ],
)
def test_status_after_one_more_event(status: str, event: str, corrected: bool, after: str) -> None:
    assert next_status(status, event, corrected=corrected) == after


def _amend(fact: Fact, amendment: str) -> None:
    verbs = {
        "FactCorrected": lambda: fact.correct({"drones": 9}, reason="r", recorded_by="a", digest="c"),
        "FactRetracted": lambda: fact.retract(reason="r", recorded_by="a", digest="r"),
        "SourceAdded": lambda: fact.add_source({"name": "Reuters"}, reason="r", recorded_by="a", digest="s"),
        "FactRestored": lambda: fact.restore(reason="r", recorded_by="a", digest="o"),
    }
    verbs[amendment]()


@pytest.mark.parametrize("retracted", [False, True])
@pytest.mark.parametrize("amendment", AMENDMENTS)
def test_the_aggregate_refuses_exactly_what_the_journal_check_refuses(
    amendment: str, retracted: bool
) -> None:
    fact = Fact.report(DroneAttackAlleged, recorded_by="a", **drone_fields())
    if retracted:
        fact.retract(reason="r", recorded_by="a", digest="first")
    refused = amendment_refusal(fact.state["id"], fact.status, amendment)
    if refused is None:
        _amend(fact, amendment)
    else:
        with pytest.raises(AmendmentError):
            _amend(fact, amendment)


@pytest.mark.parametrize(
    ("field", "refused"),
    [
        ("id", "field 'id' cannot be corrected"),
        ("type", "field 'type' cannot be corrected"),
        ("colour", "DroneAttackAlleged has no field 'colour'"),
        ("drones", None),
    ],
)
def test_which_fields_a_correction_may_set(field: str, refused: str | None) -> None:
    assert field_refusal(FACT_TYPES["DroneAttackAlleged"], field) == refused


class InMemoryRecord:
    """A record holding the given facts, for the checks that read the store."""

    def __init__(self, *facts: Fact) -> None:
        self.facts = {fact.id: fact for fact in facts}

    def recorder_versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        return {uid: self.facts[uid].version for uid in ids if uid in self.facts}

    def get_fact(self, uid: UUID) -> Fact:
        return self.facts[uid]

    recorder = mapper = current_places = None  # not read by check_amendments


def journal(*objects: dict[str, Any]) -> list[tuple[int, Entry]]:
    found = []
    for line, obj in enumerate(objects, start=1):
        entry = parse_object(obj, "j.ndjson", line)
        assert isinstance(entry, Entry), entry
        found.append((line, entry))
    return found


def check(record: InMemoryRecord, lines: list[tuple[int, Entry]]) -> list[str]:
    """The problems of a journal's amendments, its facts played from their journal fields."""
    seen = SeenFacts()
    reported: dict[str, dict[str, Any]] = {}
    for ordinal, entry in lines:
        if entry.is_fact:
            seen.add(entry.key, entry.type, entry.digest, ordinal)
            reported[entry.key] = {"type": entry.type, **entry.fields}
    amendments = [(n, e) for n, e in lines if e.is_amendment]
    return JournalValidator(record).check_amendments(amendments, seen, reported)  # type: ignore[arg-type]


def test_an_amendment_after_a_retraction_in_the_same_journal_is_refused_with_its_line() -> None:
    fact = a_fact()
    lines = journal(fact, a_retraction(fact["id"]), a_correction(fact["id"], drones=3))
    assert check(InMemoryRecord(), lines) == [
        f"j.ndjson:3: fact {fact['id']!r} is retracted and cannot be amended"
    ]


def test_a_restoration_of_a_fact_that_is_not_retracted_is_refused() -> None:
    fact = a_fact()
    restore = {"type": "FactRestored", "fact": fact["id"], "reason": "back"}
    lines = journal(fact, a_retraction(fact["id"]), restore, restore | {"reason": "again"})
    assert check(InMemoryRecord(), lines) == [
        f"j.ndjson:4: fact {fact['id']!r} is not retracted; nothing to restore"
    ]


def test_a_correction_is_held_to_the_fact_types_fields() -> None:
    fact = a_fact()
    lines = journal(fact, a_correction(fact["id"], colour="red"), a_correction(fact["id"], id="other"))
    assert check(InMemoryRecord(), lines) == [
        "j.ndjson:2: DroneAttackAlleged has no field 'colour'",
        "j.ndjson:3: field 'id' cannot be corrected",
    ]


def test_an_amendment_must_come_after_its_fact_and_name_a_known_one() -> None:
    fact = a_fact()
    lines = journal(a_retraction(fact["id"]), fact, a_retraction("no-such-fact"))
    assert check(InMemoryRecord(), lines) == [
        f"j.ndjson:1: FactRetracted comes before fact {fact['id']!r} is reported; put the fact first",
        "j.ndjson:3: FactRetracted refers to unknown fact 'no-such-fact'",
    ]


def test_a_stored_fact_is_played_from_its_current_status() -> None:
    stored = Fact.report(DroneAttackAlleged, recorded_by="a", **drone_fields())
    stored.retract(reason="withdrawn", recorded_by="a", digest="earlier")
    stored.collect_events()
    key = stored.state["id"]
    assert stored.id == fact_uuid(key)
    lines = journal(
        {"type": "SourceAdded", "fact": key, "source": {"name": "Reuters"}, "reason": "more"},
        a_correction(key, drones=3),
        {"type": "FactRestored", "fact": key, "reason": "confirmed"},
        a_correction(key, drones=4),
    )
    assert check(InMemoryRecord(stored), lines) == [
        f"j.ndjson:2: fact {key!r} is retracted and cannot be amended"
    ]


FACT_TYPE_NAMES_LIST = sorted(FACT_TYPES)


@settings(max_examples=int(os.environ.get("TL_PROP_EXAMPLES", "60")), deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(min_size=1, max_size=6),
            st.sampled_from(FACT_TYPE_NAMES_LIST),
            st.binary(min_size=32, max_size=32).map(bytes.hex),
            st.integers(min_value=0, max_value=2**40),
        ),
        max_size=200,
    )
)
def test_seen_facts_answers_as_a_dict_would_through_every_growth(
    adds: list[tuple[str, str, str, int]],
) -> None:
    seen, model = SeenFacts(capacity=2), {}
    for fact_id, type_name, digest, ordinal in adds:
        seen.add(fact_id, type_name, digest, ordinal)
        model[fact_id] = (type_name, digest[:16], ordinal)
        assert seen.get(fact_id) == model[fact_id]
    assert len(seen) == len(model)
    for fact_id, expected in model.items():
        assert seen.get(fact_id) == expected
    if "never reported" not in model:
        assert seen.get("never reported") is None


def test_amendments_are_played_from_their_compact_rows_as_from_the_entries() -> None:
    fact = a_fact()
    lines = journal(fact, a_retraction(fact["id"]), a_correction(fact["id"], drones=3))
    amendments = [(n, e) for n, e in lines if e.is_amendment]
    grouped = Amendments.of(amendments)
    assert grouped.facts() == [fact["id"]]
    assert grouped.of_fact(fact["id"]) == amendments
