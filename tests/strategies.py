"""Hypothesis strategies: random, valid journals of facts, amendments and gazetteer lines.

Names come from a small pool with case, white-space and Unicode variants of the same
names ("Kyiv", " kyiv ", "KYIV", "Kyi\u0308v"...) plus real aliases ("Kiev"), so that
entities are shared across facts and aliases regroup them. Amendments only refer to
facts earlier in the journal, never correct or retract a retracted fact, and keep
every fact valid; the journal can then be split into consecutive batches.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import strategies as st

ACTORS = [
    "Kremlin",
    " kremlin ",
    "KREMLIN",
    "Kremlin press service",
    "Russian Presidency",
    "Ukraine",
    "UKRAINE ",
    "Zelensky",
    "Zelenskyy",
    "US  Embassy",
    "us embassy",
]
LOCATIONS = [
    "Kyiv",
    " kyiv ",
    "KYIV",
    "Kiev",
    "Kyïv",
    "Kyi\u0308v",  # decomposed: the same name once normalised
    "Moscow",
    "moscow",
    "Kremlin",
    "Russia",
    "Ukraine",
    "Odesa",
    "Odessa",
]
OCCURRED = [
    "2023",
    "2023-05",
    "2023-05-03",
    "2023-05-02",
    "2023-05-03T01:30",
    "2023-05-03T01:30:00+03:00",
    "2023-05-02/2023-05-03",
    "2022-12-31T23:59:59Z",
    # EDTF (docs/uncertainty.md)
    "2023-05~",
    "2023-05-03?",
    "2023-05-XX",
    "../2023-05-03",
    "2023-05-01/..",
    "2023-05-01~/2023-05-10?",
]
INCIDENTS = ["kremlin-drone-2023-05", "kyiv-advisory", "odesa-shelling"]
CERTAINTIES = ["alleged", "claimed", "reported", "confirmed", "disputed", "denied"]

actor_names = st.sampled_from(ACTORS)
location_names = st.sampled_from(LOCATIONS)
occurred = st.sampled_from(OCCURRED)

# For each fact type: (own fields builder, {correctable field: strategy of new values}).
_CORRECTABLE_COMMON: dict[str, st.SearchStrategy[Any]] = {
    "summary": st.sampled_from(["corrected summary", "another summary", "Drone  attack, revised"]),
    "occurred": occurred,
    "certainty": st.sampled_from(CERTAINTIES),
    "incident": st.sampled_from(INCIDENTS),
    "credibility": st.integers(1, 6),
}


def _own_fields(fact_type: str) -> st.SearchStrategy[dict[str, Any]]:
    if fact_type == "DroneAttackAlleged":
        return st.fixed_dictionaries(
            {"alleged_by": actor_names, "target": location_names},
            optional={"accused": actor_names, "drones": st.integers(0, 5)},
        )
    if fact_type == "AdvisoryIssued":
        return st.fixed_dictionaries(
            {
                "issuer": actor_names,
                "area": st.lists(location_names, min_size=1, max_size=3),
                "threat": st.just("missile attacks"),
            }
        )
    if fact_type == "StatementMade":
        return st.fixed_dictionaries(
            {"speaker": actor_names, "quote": st.just("we will respond")},
            optional={"about": st.lists(actor_names, min_size=1, max_size=2), "location": location_names},
        )
    if fact_type == "ShellingReported":
        return st.fixed_dictionaries(
            {"reported_by": actor_names, "area": st.lists(location_names, min_size=1, max_size=2)},
            optional={"attacker": actor_names, "injured_min": st.integers(0, 9)},
        )
    if fact_type == "ResponsibilityAttributed":
        return st.fixed_dictionaries({"attributed_by": actor_names, "attributed_to": actor_names})
    assert fact_type == "FactReported"
    return st.fixed_dictionaries(
        {
            "kind": st.just("blackout"),
            "actors": st.lists(
                st.fixed_dictionaries({"name": actor_names, "role": st.sampled_from(["operator", "source"])}),
                max_size=2,
            ),
            "locations": st.lists(
                st.fixed_dictionaries({"name": location_names, "role": st.sampled_from(["area", "site"])}),
                max_size=2,
            ),
        }
    )


_CORRECTABLE_OWN: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "DroneAttackAlleged": {"alleged_by": actor_names, "accused": actor_names, "target": location_names},
    "AdvisoryIssued": {"issuer": actor_names, "area": st.lists(location_names, min_size=1, max_size=3)},
    "StatementMade": {"speaker": actor_names, "location": location_names},
    "ShellingReported": {"attacker": actor_names, "area": st.lists(location_names, min_size=1, max_size=2)},
    "ResponsibilityAttributed": {"attributed_to": actor_names},
    "FactReported": {
        "locations": st.lists(
            st.fixed_dictionaries({"name": location_names, "role": st.just("area")}), max_size=2
        )
    },
}
FACT_TYPES = sorted(_CORRECTABLE_OWN)


@st.composite
def journals(draw: st.DrawFn, min_size: int = 1, max_size: int = 25) -> list[dict[str, Any]]:
    """A valid journal: a list of journal objects in the order they are appended."""
    size = draw(st.integers(min_size, max_size))
    objects: list[dict[str, Any]] = []
    facts: dict[str, str] = {}  # amendable fact id -> type
    retracted: set[str] = set()
    for n in range(size):
        amendable = [f for f in facts if f not in retracted]
        choices = ["fact", "fact", "fact", "actor", "location", "alias", "grade"]
        if facts:
            choices += ["source"]
        if amendable:
            choices += ["correct", "correct", "retract"]
        kind = draw(st.sampled_from(choices))
        if kind == "fact":
            fact_type = draw(st.sampled_from(FACT_TYPES))
            fact: dict[str, Any] = {
                "type": fact_type,
                "incident": draw(st.sampled_from(INCIDENTS)),
                "occurred": draw(occurred),
                "summary": f"fact {n}",
                "certainty": draw(st.sampled_from(CERTAINTIES)),
                "sources": [{"name": draw(st.sampled_from(["Reuters", "TASS", " reuters "]))}],
                **draw(_own_fields(fact_type)),
            }
            if draw(st.booleans()) or n % 5:
                fact["id"] = f"f{n}"
                facts[fact["id"]] = fact_type
            objects.append(fact)
        elif kind == "correct":
            fact_id = draw(st.sampled_from(amendable))
            options = {**_CORRECTABLE_COMMON, **_CORRECTABLE_OWN[facts[fact_id]]}
            fields = draw(st.lists(st.sampled_from(sorted(options)), min_size=1, max_size=3, unique=True))
            changes = {field: draw(options[field]) for field in fields}
            objects.append(
                {"type": "FactCorrected", "fact": fact_id, "changes": changes, "reason": f"fix {n}"}
            )
        elif kind == "retract":
            fact_id = draw(st.sampled_from(amendable))
            retracted.add(fact_id)
            objects.append({"type": "FactRetracted", "fact": fact_id, "reason": f"withdrawn {n}"})
        elif kind == "source":
            fact_id = draw(st.sampled_from(sorted(facts)))
            objects.append(
                {
                    "type": "SourceAdded",
                    "fact": fact_id,
                    "source": {"name": draw(st.sampled_from(["AP", "BBC"])), "url": f"https://e.org/{n}"},
                    "reason": f"corroborated {n}",
                }
            )
        elif kind == "grade":
            objects.append(
                {
                    "type": "SourceGraded",
                    "source": draw(st.sampled_from(["Reuters", "TASS", "AP"])),
                    "reliability": draw(st.sampled_from("ABCDEF")),
                    "reason": f"graded {n}",
                }
            )
        elif kind == "actor":
            objects.append(
                {
                    "type": "ActorRegistered",
                    "name": draw(actor_names),
                    "kind": "state body",
                    "aliases": draw(st.lists(actor_names, max_size=2)),
                }
            )
        elif kind == "location":
            line: dict[str, Any] = {
                "type": "LocationRegistered",
                "name": draw(location_names),
                "aliases": draw(st.lists(location_names, max_size=2)),
            }
            if draw(st.booleans()):
                line["within"] = draw(location_names)
            if draw(st.booleans()):
                line["lat"], line["lon"] = 50.45, 30.52
            objects.append(line)
        else:
            entity = draw(st.sampled_from(["actor", "location"]))
            names = actor_names if entity == "actor" else location_names
            objects.append(
                {"type": "AliasAdded", "entity": entity, "name": draw(names), "alias": draw(names)}
            )
    return objects


@st.composite
def split_journals(draw: st.DrawFn, max_size: int = 25) -> list[list[dict[str, Any]]]:
    """A journal cut into 1..5 consecutive, non-empty batches."""
    objects = draw(journals(max_size=max_size))
    cuts = draw(st.lists(st.integers(1, max(1, len(objects) - 1)), max_size=4, unique=True))
    bounds = [0, *sorted(c for c in cuts if c < len(objects)), len(objects)]
    return [objects[a:b] for a, b in itertools.pairwise(bounds) if b > a]
