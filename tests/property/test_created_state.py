"""A new fact's or statement's stored bytes, built from its validated journal fields
(`PydanticMapper.created_event`), are the bytes of the pydantic event built and dumped
(`to_stored_event`): the hash chain, dumps and verify depend on every byte."""

from __future__ import annotations

import os
from typing import Any
from uuid import uuid4

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import journals
from timeline.application import _first_event
from timeline.domain.events import EVENTS_BY_TYPE, Created
from timeline.journal import Entry, parse_object
from timeline.persistence.transcoding import OrjsonTranscoder, PydanticMapper

SETTINGS = settings(max_examples=int(os.environ.get("TL_PROP_EXAMPLES", "60")), deadline=None)
MAPPER = PydanticMapper(transcoder=OrjsonTranscoder())
SHA = "0" * 64

SOURCE_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "url": st.sampled_from(["https://example.org/a", "http://x.test/b?c=1"]),
    "published": st.sampled_from(["2023-05-03T10:00:00Z", "2023-05-03"]),
    "quote": st.sampled_from(["they said so", "«цитата»"]),
    "quoting": st.sampled_from(["a spokesman", "the ministry"]),
    "archive": st.fixed_dictionaries(
        {
            "sha256": st.just(SHA),
            "bytes": st.integers(0, 10**9),
            "captured_at": st.just("2023-05-04T00:00:00Z"),
            "captured_by": st.just("analyst"),
        },
        optional={"url": st.just("https://archive.test/1"), "file": st.just("shot.png")},
    ),
}
sources = st.lists(
    st.fixed_dictionaries(
        {"name": st.sampled_from(["Reuters", " reuters ", "TASS"])}, optional=SOURCE_FIELDS
    ),
    min_size=1,
    max_size=3,
)

EXAMPLES: list[dict[str, Any]] = [
    {"type": "IncidentRegistered", "incident": "kremlin-drone-2023-05", "title": "Drones over the Kremlin"},
    {"type": "IncidentRegistered", "incident": "kyiv-advisory", "title": "Advisory", "description": "why"},
    {
        "type": "AliasMoved",
        "entity": "actor",
        "alias": "Kremlin",
        "from": "Russian Presidency",
        "to": "Putin",
        "reason": "a closer match",
    },
    {
        "type": "AliasMoved",
        "entity": "location",
        "alias": "Kiev",
        "from": "Kyiv",
        "to": "Kyiv city",
        "to_within": "Ukraine",
        "reason": "the city, not the oblast",
    },
    {
        "type": "LocationRegistered",
        "name": "Kyiv",
        "kind": "city",
        "within": "Ukraine",
        "key": "geonames:703448",
        "lat": 50.45,
        "lon": 30.52,
        "aliases": ["Kiev"],
    },
    {"type": "LocationRegistered", "name": "Ukraine"},
    {"type": "ActorRegistered", "name": "Russian MoD", "kind": "ministry", "aliases": ["MoD"]},
    {"type": "ActorRegistered", "name": "ISW"},
    {"type": "AliasAdded", "entity": "actor", "alias": "MoD RF", "name": "Russian MoD"},
    {"type": "SourceGraded", "source": "TASS", "reliability": "D", "reason": "state media"},
    {
        "type": "FactReported",
        "kind": "strike",
        "incident": "odesa-shelling",
        "occurred": "2023-05-03",
        "summary": "s",
        "sources": [{"name": "AP"}],
        "actors": [{"name": "Kremlin", "role": "speaker"}],
        "locations": [{"name": "Odesa", "role": "target", "within": "Ukraine", "lat": 46.5, "lon": 30.7}],
        "geo": {"lat": 46.48, "lon": 30.72, "geo_precision": "town"},
        "attributes": {"side": "x", "n": 3},
        "credibility": 2,
        "killed_min": 1,
    },
    {
        "type": "ShellingReported",
        "incident": "odesa-shelling",
        "occurred": "2023-05",
        "summary": "s",
        "sources": [{"name": "AP", "quote": "q"}],
        "reported_by": "Ukraine",
        "area": ["Odesa", {"name": "Kherson", "within": "Ukraine"}],
        "killed_min": 1,
        "killed_max": 3,
    },
    {
        "type": "DroneAttackAlleged",
        "incident": "kremlin-drone-2023-05",
        "occurred": "2023-05-03",
        "summary": "s",
        "sources": [{"name": "TASS"}],
        "alleged_by": "Kremlin",
        "target": "Moscow",
        "drones": 2,
    },
    {
        "type": "AdvisoryIssued",
        "incident": "kyiv-advisory",
        "occurred": "2023-05-03",
        "summary": "s",
        "sources": [{"name": "US Embassy"}],
        "issuer": "US Embassy",
        "threat": "drones",
        "area": ["Kyiv"],
        "advice": ["stay"],
    },
    {
        "type": "CriminalCaseOpened",
        "incident": "kremlin-drone-2023-05",
        "occurred": "2023-05-04",
        "summary": "s",
        "sources": [{"name": "TASS"}],
        "investigator": "Investigative Committee",
        "offence": "terrorism",
    },
    {
        "type": "InterceptionClaimed",
        "incident": "kyiv-advisory",
        "occurred": "2023-05-04",
        "summary": "s",
        "sources": [{"name": "Ukrinform"}],
        "claimed_by": "Ukrainian Air Force",
        "intercepted": 12,
    },
    {
        "type": "StatementMade",
        "incident": "kremlin-drone-2023-05",
        "occurred": "2023-05-03",
        "summary": "s",
        "sources": [{"name": "TASS"}],
        "speaker": "Peskov",
        "quote": "a quote",
        "about": ["Ukraine", "US"],
        "channel": "briefing",
    },
    {
        "type": "ResponsibilityAttributed",
        "incident": "kremlin-drone-2023-05",
        "occurred": "2023-05-03",
        "summary": "s",
        "sources": [{"name": "TASS"}],
        "attributed_by": "Kremlin",
        "attributed_to": "Ukraine",
    },
]


def _entry(obj: dict[str, Any]) -> Entry:
    entry = parse_object(obj, "test", 1)
    assert isinstance(entry, Entry), entry
    return entry


def _same_bytes(entry: Entry, recorded_by: str = "tester") -> None:
    uid = uuid4()
    event_class = EVENTS_BY_TYPE[entry.type]
    assert issubclass(event_class, Created)
    built = MAPPER.to_stored_event(_first_event(entry, uid, recorded_by))
    fast = MAPPER.created_event(event_class, uid, entry.fields, recorded_by)
    # The two were made at different instants: the timestamp (restamped under the
    # write lock anyway) is compared as the same key in the same place, not its value.
    built_state, fast_state = orjson.loads(built.state), orjson.loads(fast.state)
    assert list(built_state) == list(fast_state)
    built_state["timestamp"] = fast_state["timestamp"]
    assert orjson.dumps(built_state) == fast.state
    assert (built.originator_id, built.originator_version, built.topic) == (
        fast.originator_id,
        fast.originator_version,
        fast.topic,
    )
    assert fast.fields == fast_state  # what the recording clock stamps without decoding


def test_every_type_that_starts_an_aggregate_has_an_example() -> None:
    created = {name for name, cls in EVENTS_BY_TYPE.items() if issubclass(cls, Created)}
    assert created <= {example["type"] for example in EXAMPLES}


def test_examples_of_every_type_store_the_same_bytes() -> None:
    for example in EXAMPLES:
        _same_bytes(_entry(example))
        _same_bytes(_entry(example), recorded_by="  someone else  ")


@SETTINGS
@given(journals())
def test_generated_journals_store_the_same_bytes(journal: list[dict[str, Any]]) -> None:
    for obj in journal:
        entry = _entry(obj)
        if issubclass(EVENTS_BY_TYPE[entry.type], Created):
            _same_bytes(entry)


@SETTINGS
@given(st.sampled_from([e for e in EXAMPLES if "sources" in e]), sources)
def test_sources_with_any_optional_fields_store_the_same_bytes(
    example: dict[str, Any], given_sources: list[dict[str, Any]]
) -> None:
    _same_bytes(_entry({**example, "sources": given_sources}))
