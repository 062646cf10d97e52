"""Builders for journal lines, with unique ids per call."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from pathlib import Path

_counter = itertools.count(1)


def a_source(**overrides: Any) -> dict[str, Any]:
    return {"name": "Europa Press", "url": "https://example.org/a", **overrides}


def a_fact(**overrides: Any) -> dict[str, Any]:
    """A valid DroneAttackAlleged journal object."""
    n = next(_counter)
    fact = {
        "type": "DroneAttackAlleged",
        "id": f"fact-{n}",
        "incident": "kremlin-drone-2023-05",
        "occurred": "2023-05-03",
        "summary": f"Drone attack alleged #{n}",
        "certainty": "alleged",
        "sources": [a_source()],
        "alleged_by": "Kremlin",
        "accused": "Ukraine",
        "target": "Kremlin",
        "drones": 2,
    }
    fact.update(overrides)
    return fact


def a_correction(fact: str, reason: str = "new information", **changes: Any) -> dict[str, Any]:
    return {"type": "FactCorrected", "fact": fact, "changes": changes, "reason": reason}


def a_retraction(fact: str, reason: str = "source withdrew it") -> dict[str, Any]:
    return {"type": "FactRetracted", "fact": fact, "reason": reason}


def write_journal(path: Path, objects: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(o) + b"\n" for o in objects))
    return path
