"""Realistic generated journals: the eight fact types, a place hierarchy, aliases, ~5% amendments.

Written as NDJSON, streamed (constant memory whatever the size).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

REGIONS = [
    "Kyiv oblast",
    "Kharkiv oblast",
    "Donetsk oblast",
    "Kherson oblast",
    "Zaporizhzhia oblast",
    "Odesa oblast",
    "Lviv oblast",
    "Belgorod oblast",
    "Moscow oblast",
    "Crimea",
]
ACTORS = [
    "Russian Presidency",
    "Ukrainian General Staff",
    "Russian MoD",
    "US Embassy in Kyiv",
    "Investigative Committee of Russia",
    "Kherson regional administration",
    "Wagner Group",
    "Ukrainian Air Force",
    "UN OHCHR",
    "ISW",
]
SOURCES = ["Europa Press", "Reuters", "AP", "Ukrinform", "TASS", "Kyiv Independent", "Meduza"]


def gazetteer(rng: random.Random, per_region: int) -> tuple[list[dict[str, Any]], list[str]]:
    lines: list[dict[str, Any]] = [
        {"type": "LocationRegistered", "name": "Ukraine", "kind": "country"},
        {"type": "LocationRegistered", "name": "Russia", "kind": "country"},
    ]
    places = []
    for region in REGIONS:
        within = _country(region)
        lines.append({"type": "LocationRegistered", "name": region, "kind": "oblast", "within": within})
        for i in range(per_region):
            place = f"{region.split()[0]} settlement {i}"
            lines.append(
                {
                    "type": "LocationRegistered",
                    "name": place,
                    "kind": "settlement",
                    "within": region,
                    "aliases": [f"{place} (old name)"],
                }
            )
            places.append(place)
    for actor in ACTORS:
        lines.append(
            {"type": "ActorRegistered", "name": actor, "kind": "organisation", "aliases": [actor.upper()]}
        )
    return lines, places


def _fact(rng: random.Random, n: int, places: list[str]) -> dict[str, Any]:
    day = f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    common = {
        "id": f"f{n}",
        "incident": f"incident-{n % 500}",
        "occurred": day,
        "summary": f"Generated report number {n} about a developing event",
        "certainty": rng.choice(["alleged", "claimed", "reported", "confirmed"]),
        "sources": [{"name": rng.choice(SOURCES), "url": f"https://example.org/{n}"}],
    }
    place, actor, other = rng.choice(places), rng.choice(ACTORS), rng.choice(ACTORS)
    if rng.random() < 0.1:
        place = f"{place} (old name)"
    kind = n % 8
    specific: dict[str, Any] = [
        {"type": "DroneAttackAlleged", "alleged_by": actor, "accused": other, "target": place, "drones": 2},
        {"type": "AdvisoryIssued", "issuer": actor, "area": [place], "threat": "missile attacks"},
        {"type": "CriminalCaseOpened", "investigator": actor, "location": place, "offence": "terrorist act"},
        {"type": "InterceptionClaimed", "claimed_by": actor, "location": place, "intercepted": 3},
        {"type": "StatementMade", "speaker": actor, "about": [other], "quote": "We will respond."},
        {"type": "ResponsibilityAttributed", "attributed_by": actor, "attributed_to": other},
        {
            "type": "ShellingReported",
            "reported_by": actor,
            "attacker": other,
            "area": [place],
            "killed_min": 1,
            "killed_max": 4,
        },
        {
            "type": "FactReported",
            "kind": "protest",
            "actors": [{"name": actor, "role": "organiser"}],
            "locations": [{"name": place, "role": "site"}],
        },
    ][kind]
    return {**specific, **common}


def journal_lines(size: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """`size` facts plus gazetteer lines and ~5% amendments of earlier facts."""
    rng = random.Random(seed)
    lines, places = gazetteer(rng, places_per_region(size))
    yield from lines
    for n in range(size):
        yield _fact(rng, n, places)
        if n > 10 and rng.random() < 0.05:
            target = f"f{rng.randrange(0, n)}"
            choice = rng.random()
            if choice < 0.6:
                yield {
                    "type": "FactCorrected",
                    "fact": target,
                    "reason": "update",
                    "changes": {"summary": f"Corrected report {n}"},
                }
            elif choice < 0.9:
                yield {
                    "type": "SourceAdded",
                    "fact": target,
                    "reason": "corroboration",
                    "source": {"name": rng.choice(SOURCES)},
                }
            else:
                yield {
                    "type": "FactCorrected",
                    "fact": target,
                    "reason": "re-dated",
                    "changes": {"occurred": "2023-06"},
                }


def write_journal(path: Path, size: int, seed: int = 7) -> Path:
    with path.open("wb") as out:
        for line in journal_lines(size, seed):
            out.write(orjson.dumps(line) + b"\n")
    return path


def places_per_region(size: int) -> int:
    return max(5, min(200, size // 500))


def places_within(country: str, size: int) -> int:
    """How many places the generated gazetteer puts below a country (oblasts and settlements)."""
    return sum(1 + places_per_region(size) for r in REGIONS if _country(r) == country)


def _country(region: str) -> str:
    return "Russia" if region in ("Belgorod oblast", "Moscow oblast") else "Ukraine"
