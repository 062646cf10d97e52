"""Small helpers shared by the table mappings."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from timeline.domain.values import MAX_NAME_LENGTH, normalise_name

Obj = dict[str, Any]

_NOT_SLUG = re.compile(r"[^a-z0-9._:-]+")


def slug(text: str) -> str:
    """Lower-case ASCII slug of free text: 'Kharkiv Oblast' -> 'kharkiv-oblast'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    value = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-.:_")
    return value or "unknown"


def name(text: str | None) -> str | None:
    """A cleaned name (white space folded), cut to the longest name the record accepts."""
    if text is None:
        return None
    value = " ".join(str(text).split())
    if not value:
        return None
    if len(value) > MAX_NAME_LENGTH:
        value = value[: MAX_NAME_LENGTH - 1].rstrip() + "…"
    return value


def split_list(text: str | None, sep: str = ";") -> list[str]:
    """`a; b;c` -> ['a', 'b', 'c'], empty parts dropped, order and duplicates kept once."""
    if not text:
        return []
    out: list[str] = []
    for part in str(text).split(sep):
        cleaned = name(part)
        if cleaned and cleaned not in out:
            out.append(cleaned)
    return out


def host(url: str) -> str | None:
    try:
        netloc = urlsplit(url).netloc.lower()
    except ValueError:
        return None
    return netloc.removeprefix("www.") or None


@dataclass
class PlaceTree:
    """`LocationRegistered ... within` statements for a place hierarchy, each name once per import.

    Names are the record's identity for places, so the first registration of a name wins
    (a later row naming the same place under another parent does not move it); a level
    whose name equals its parent's is skipped (ACLED: location Kharkiv in admin1 Kharkiv).
    """

    seen: set[str] = field(default_factory=set)

    def statements(
        self, levels: list[tuple[str | None, str]], lat: Any = None, lon: Any = None
    ) -> Iterator[Obj]:
        parent: str | None = None
        present = [(n, k) for n, k in ((name(n), k) for n, k in levels) if n]
        for index, (place, kind) in enumerate(present):
            if parent is not None and normalise_name(place) == normalise_name(parent):
                continue
            key = normalise_name(place)
            if key not in self.seen:
                self.seen.add(key)
                statement: Obj = {"type": "LocationRegistered", "name": place, "kind": kind}
                if parent:
                    statement["within"] = parent
                if index == len(present) - 1:
                    la, lo = to_float(lat), to_float(lon)
                    if la is not None and lo is not None and -90 <= la <= 90 and -180 <= lo <= 180:
                        statement["lat"], statement["lon"] = la, lo
                yield statement
            parent = place


def to_float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def to_int(value: Any) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
