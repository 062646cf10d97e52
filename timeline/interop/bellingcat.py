"""Bellingcat "Civilian Harm in Ukraine" TimeMap export (a directory holding
export_events.json, export_sources.json, export_associations.json) -> journal objects.

Each event becomes one `FactReported`:

- id `bellingcat:<id>` lower-cased (`CIV0001` -> `bellingcat:civ0001`). The export
  can hold one id twice (CIV1553, two strikes in Kyiv, from October 2022): the
  importer gives the n-th occurrence in file order the id `<id>-<n>` (so the second
  CIV1553 is `bellingcat:civ1553-2`), the same in every snapshot while the file order
  of the two holds;
- incident `bellingcat-civilian-harm`; certainty `reported`;
- occurred: `date` (M/D/YYYY, leading zeros or not) as `YYYY-MM-DD`, so edits that only
  re-format the date are not corrections; `time` "00:00" means unknown and is dropped;
- summary: the description (or "(no description) <id>" when it is blank);
- kind: `civilian harm` plus the event's associations by their filter paths, e.g.
  `civilian harm; Type of area affected: Residential; Weapon System: Cluster munitions`
  (association ids are renumbered between snapshots, so the paths, not the ids, are kept;
  a weapon re-classification is then a correction of `kind`);
- location: the `location` text qualified as Ukraine > the oblast where the text
  names one > its other comma-separated parts (see `place_levels`; a blank location is
  Ukraine itself), with the row's latitude and longitude on the reference, so
  coordinate edits are kept in history; the places are registered so that
  `location Ukraine` includes every event;
- sources: "Bellingcat civilian-harm map" first, then each source: name = the URL's
  host (e.g. twitter.com; "source hidden" when Bellingcat hides it), url, and its
  description as the quote. The `graphic` flag is not kept.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

import orjson

from timeline.interop.common import Obj, PlaceTree, host, name, slug

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

COUNTRY = "Ukraine"

PREFIX = "bellingcat:"
INCIDENT = "bellingcat-civilian-harm"
PUBLISHER = "Bellingcat civilian-harm map"
_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def occurred(text: str, time: str | None = None) -> str:
    match = _DATE.match(text or "")
    if not match:
        raise ValueError(f"date {text!r} is not M/D/YYYY")
    month, day, year = (int(g) for g in match.groups())
    value = f"{year:04d}-{month:02d}-{day:02d}"
    if time and time.strip() not in ("", "00:00"):
        value += "T" + time.strip()
    return value


def _kind(associations: list[str], lookup: dict[str, Any]) -> str:
    groups: dict[str, list[str]] = {}
    for ref in associations:
        item = lookup.get(ref)
        paths = item.get("filter_paths") if item else None
        if not paths:
            groups.setdefault("Association", []).append(ref)
            continue
        head, tail = (paths[0], "/".join(paths[1:])) if len(paths) > 1 else ("Filter", paths[0])
        if tail not in groups.setdefault(head, []):
            groups[head].append(tail)
    parts = ["civilian harm"] + [
        f"{head}: {', '.join(sorted(values))}" for head, values in sorted(groups.items())
    ]
    return name("; ".join(parts)) or "civilian harm"


def _source(ref: str, sources: dict[str, Any]) -> Obj:
    item = sources.get(ref) or {}
    paths = [p for p in item.get("paths") or [] if p]
    url = paths[0] if paths else None
    if url is None or url.upper() == "HIDDEN":
        source: Obj = {"name": "source hidden"}
    else:
        source = {"name": name(host(url)) or "web", "url": url[:2000]}
    quote = (item.get("description") or "").strip()
    if quote:
        source["quote"] = quote
    return source


_OBLAST = re.compile(r"^(?P<name>.+?)\s+(?:oblast|region)$", re.IGNORECASE)


RUSSIAN_OBLASTS = frozenset({"belgorod", "bryansk", "kursk", "rostov", "voronezh"})
"""Oblasts across the border that the data names; their places are filed under Russia."""


def place_levels(location: str | None) -> list[tuple[str | None, str]]:
    """The place levels of a TimeMap `location` text, outermost first.

    The text is free-form ("Saltovka, Kharkiv", "Kharkiv, 5-Y Mikrorayon (district)"),
    so comma-separated parts do not say which encloses which; only an oblast named as
    such ("Izyum, Kharkiv Oblast", "Kyiv region") is taken as a level. So:
    Ukraine > Kharkiv Oblast > "Izyum"; Ukraine > "Saltovka, Kharkiv"; Ukraine > Kyiv
    Oblast. An oblast across the border (Belgorod, Kursk, …) is under Russia.
    """
    parts = [p for p in (name(part) for part in (location or "").split(",")) if p]
    oblast = next((i for i in range(len(parts) - 1, -1, -1) if _OBLAST.match(parts[i])), None)
    levels: list[tuple[str | None, str]] = []
    if oblast is not None:
        match = _OBLAST.match(parts.pop(oblast))
        assert match is not None
        region = match["name"]
        country = "Russia" if region.casefold() in RUSSIAN_OBLASTS else COUNTRY
        levels += [(country, "country"), (f"{region[:1].upper()}{region[1:]} Oblast", "oblast")]
    else:
        levels.append((COUNTRY, "country"))
    if parts:
        levels.append((", ".join(parts), "place"))
    return levels


def map_event(
    event: dict[str, Any],
    sources: dict[str, Any],
    associations: dict[str, Any],
    places: PlaceTree | None = None,
    variants: Variants | None = None,
) -> list[Obj]:
    """The journal objects of one event: statements for new places, then the fact.

    The first event that names a spelling variant (see `Variants`), or the place it
    varies, registers the place and the alias, so that both spellings file there.
    """
    places = places or PlaceTree()
    raw_id = str(event.get("id") or "").strip()
    description = (event.get("description") or "").strip()
    levels = place_levels(event.get("location"))
    statements: list[Obj] = []
    spelled = levels[-1][0] if len(levels) > 1 else None
    if variants is not None and spelled:
        for canonical, alias in variants.announce(spelled):
            known, _ = places.qualify([*levels[:-1], (canonical, "place")])
            statements += known
            within = [n for n, _ in reversed(levels[:-1]) if n]
            statements.append(
                {
                    "type": "AliasAdded",
                    "entity": "location",
                    "name": canonical,
                    "within": within,
                    "alias": alias,
                }
            )
    more, reference = places.qualify(levels, event.get("latitude"), event.get("longitude"))
    if variants is not None and spelled in variants.of:
        # a variant spelling is an alias of its place, not a place of its own
        more = [s for s in more if not (s["type"] == "LocationRegistered" and s["name"] == spelled)]
    statements += more
    locations: list[Obj] = [{**reference, "role": "location"}] if reference else []
    fact_sources = [{"name": PUBLISHER}]
    for ref in event.get("sources") or []:
        source = _source(ref, sources)
        if source not in fact_sources:
            fact_sources.append(source)
    return [
        *statements,
        {
            "type": "FactReported",
            "id": PREFIX + slug(raw_id) if raw_id else None,
            "incident": INCIDENT,
            "occurred": occurred(str(event.get("date") or ""), event.get("time")),
            "summary": description or f"(no description) {raw_id}",
            "sources": fact_sources,
            "kind": _kind(event.get("associations") or [], associations),
            "actors": [],
            "locations": locations,
            **_attributes(event),
        },
    ]


CARRIED = frozenset({"id", "description", "location", "latitude", "longitude", "sources"})
"""Event fields a fact field carries whole; the rest (date and time as written, the
association ids, the graphic flag) are kept verbatim in `attributes`."""


def _attributes(event: dict[str, Any]) -> Obj:
    kept: dict[str, str] = {}
    for key, value in event.items():
        if key in CARRIED or value in (None, "", []):
            continue
        text = ";".join(str(v) for v in value) if isinstance(value, list) else str(value).strip()
        if text:
            kept[key[:64]] = text[:20_000]
    return {"attributes": kept} if kept else {}


VARIANT_LIKENESS = 0.75
"""How alike two spellings must be (difflib ratio, case ignored) to be taken as one place."""


@dataclass
class Variants:
    """Spellings the data shows to be one place: the same point, names alike (Mikolaiv, Mykolaiv).

    `of` maps each variant to the spelling it varies: the one more events of the
    snapshot use (then the first alphabetically), which names the place.
    """

    of: dict[str, str] = field(default_factory=dict)
    announced: set[str] = field(default_factory=set)

    @classmethod
    def found_in(cls, events: list[dict[str, Any]]) -> Variants:
        by_point: dict[tuple[float, float], set[str]] = defaultdict(set)
        uses: Counter[str] = Counter()
        for event in events:
            levels = place_levels(event.get("location"))
            spelled = levels[-1][0] if len(levels) > 1 else None
            if not spelled:
                continue
            uses[spelled] += 1
            try:
                point = (round(float(event["latitude"]), 4), round(float(event["longitude"]), 4))
            except (KeyError, TypeError, ValueError):
                continue
            by_point[point].add(spelled)
        found: dict[str, str] = {}
        for names in by_point.values():
            spellings = sorted(names, key=lambda n: (-uses[n], n))
            for i, canonical in enumerate(spellings):
                for other in spellings[i + 1 :]:
                    if canonical in found or other in found or canonical.casefold() == other.casefold():
                        continue
                    if (
                        SequenceMatcher(None, canonical.casefold(), other.casefold()).ratio()
                        >= VARIANT_LIKENESS
                    ):
                        found[other] = canonical
        return cls(found)

    def announce(self, spelled: str) -> list[tuple[str, str]]:
        """(place, alias) pairs to record before the first event naming either spelling."""
        canonical = self.of.get(spelled, spelled)
        if canonical in self.announced:
            return []
        pairs = [(canonical, variant) for variant, name in self.of.items() if name == canonical]
        if pairs:
            self.announced.add(canonical)
        return pairs


def read(directory: Path) -> Iterator[tuple[int, list[Obj]]]:
    """(event index, [fact]) for every event of one snapshot directory."""
    events_file = directory / "export_events.json"
    if not events_file.is_file():
        raise ValueError(f"{directory}: no export_events.json (not a Bellingcat TimeMap export)")
    events = orjson.loads(events_file.read_bytes())
    sources_file = directory / "export_sources.json"
    sources = orjson.loads(sources_file.read_bytes()) if sources_file.is_file() else {}
    assoc_file = directory / "export_associations.json"
    associations = {a["id"]: a for a in orjson.loads(assoc_file.read_bytes())} if assoc_file.is_file() else {}
    if not isinstance(events, list):
        raise ValueError(f"{events_file}: expected a JSON array of events")
    places = PlaceTree()
    variants = Variants.found_in(events)
    for index, event in enumerate(events, start=1):
        try:
            objects = map_event(event, sources, associations, places, variants)
        except (ValueError, TypeError, AttributeError) as error:
            objects = [{"type": "FactReported", "occurred": f"invalid: {error}"}]
        yield index, objects
