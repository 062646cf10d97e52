"""ACLED export rows (the 31-column CSV layout) -> journal objects.

One row becomes `LocationRegistered` statements for the places of country > admin1 >
admin2 > admin3 > location not yet registered (each with its whole enclosing chain,
see `PlaceTree`) and one `FactReported` whose location is qualified by that chain and
carries the row's latitude, longitude and geo_precision (1 town, 2 district,
3 region), so same-named places in different countries never merge:

- id `acled:<event_id_cnty>` (lower-cased); incident `acled-<country>-<yyyy-mm>`;
- kind `<event_type>: <sub_event_type>`; certainty `reported`;
- occurred by `time_precision` (EDTF, docs/uncertainty.md): 1 -> the day; 2 (ACLED:
  "within a week", coded at its middle) -> the interval of three days either side of
  `event_date`; 3 (only the month is known) -> `YYYY-MM-XX`, one day of that month;
- actors actor1 / assoc_actor_1 / actor2 / assoc_actor_2 with those names as roles
  (assoc lists split on `;`); the location with role `location` (geo_precision 1),
  `location_near` (2: part of a region / near it) or `location_approx` (3: coded to
  an administrative centre);
- summary = notes; fatalities -> `killed_min` (ACLED codes a conservative count);
  source split on `;` -> one source each (`ACLED` when empty).
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from typing import TYPE_CHECKING

from timeline.domain.values import MAX_TEXT_LENGTH
from timeline.interop.common import (
    Obj,
    PlaceTree,
    RowError,
    RowReader,
    name,
    numbered_rows,
    slug,
    to_int,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

PREFIX = "acled:"
GEO_ROLES = {1: "location", 2: "location_near", 3: "location_approx"}
GEO_PRECISION = {1: "town", 2: "district", 3: "region"}
"""ACLED geo_precision: 1 the named town itself, 2 a part of a region or near the
town (district), 3 a larger region coded to its administrative centre (region)."""


def occurred(event_date: str, time_precision: str | int | None) -> str:
    day = date.fromisoformat(event_date.strip()[:10])
    precision = to_int(time_precision) or 1
    if precision == 2:
        return f"{day - timedelta(days=3)}/{day + timedelta(days=3)}"
    if precision >= 3:
        # an ACLED event is one day; which day of the month is unknown (not the whole month)
        return day.isoformat()[:7] + "-XX"
    return day.isoformat()


CARRIED = frozenset(
    {
        "event_id_cnty",
        "event_date",
        "actor1",
        "assoc_actor_1",
        "actor2",
        "assoc_actor_2",
        "country",
        "admin1",
        "admin2",
        "admin3",
        "location",
        "latitude",
        "longitude",
        "source",
        "notes",
        "fatalities",
    }
)
"""Columns a field carries whole; every other non-empty column is kept in `attributes`."""


def map_row(row: dict[str, str], places: PlaceTree) -> list[Obj]:
    """The journal objects of one ACLED row (statements first, then the fact)."""
    read = RowReader(row)
    objects, place_ref = places.qualify(
        [
            (read.name("country"), "country"),
            (read.name("admin1"), "admin1"),
            (read.name("admin2"), "admin2"),
            (read.name("admin3"), "admin3"),
            (read.name("location"), "place"),
        ],
        row.get("latitude"),
        row.get("longitude"),
        GEO_PRECISION.get(to_int(row.get("geo_precision")) or 1),
    )
    event_id = (row.get("event_id_cnty") or "").strip()
    event_date = (row.get("event_date") or "").strip()
    event_type = name(row.get("event_type")) or "Event"
    sub_type = name(row.get("sub_event_type"))
    kind = f"{event_type}: {sub_type}" if sub_type else event_type
    actors: list[Obj] = []
    for field in ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2"):
        for actor in read.names(field):
            actors.append({"name": actor, "role": field})
    locations: list[Obj] = []
    place = place_ref["name"] if place_ref else None
    if place_ref:
        role = GEO_ROLES.get(to_int(row.get("geo_precision")) or 1, "location")
        locations.append({**place_ref, "role": role})
    elif row.get("latitude") or row.get("longitude"):
        read.cut("latitude")
        read.cut("longitude")
    notes = (row.get("notes") or "").strip()
    if len(notes) > MAX_TEXT_LENGTH:
        read.cut("notes")
        notes = notes[: MAX_TEXT_LENGTH - 1] + "…"
    summary = notes or f"{kind} in {place or row.get('country') or 'unknown place'}"
    fatalities = read.count("fatalities")
    sources = [{"name": s} for s in read.names("source")] or [{"name": "ACLED"}]
    month = event_date[:7] if len(event_date) >= 7 else "undated"
    fact: Obj = {
        "type": "FactReported",
        "id": PREFIX + slug(event_id) if event_id else None,
        "incident": f"acled-{slug(row.get('country') or 'unknown')}-{month}",
        "occurred": occurred(event_date, row.get("time_precision")) if event_date else "",
        "summary": summary,
        "sources": sources,
        "kind": kind,
        "actors": actors,
        "locations": locations,
        "killed_min": fatalities,
    }
    objects.append(read.finish(fact, CARRIED))
    return objects


def read(path: Path) -> Iterator[tuple[int, list[Obj] | RowError]]:
    """(CSV line number, journal objects) for every row, streamed."""
    places = PlaceTree()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"event_id_cnty", "event_date", "event_type"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"not an ACLED export: missing column(s) {', '.join(sorted(missing))}")
        for line, row in numbered_rows(reader):
            yield line, row if isinstance(row, RowError) else _safe(row, places)


def _safe(row: dict[str, str], places: PlaceTree) -> list[Obj] | RowError:
    try:
        return map_row(row, places)
    except RowError as error:
        return error
    except ValueError as error:  # a bad date: let the journal validation report it with file:line
        return [{"type": "FactReported", "id": None, "occurred": f"invalid: {error}"}]


def deleted_ids(path: Path) -> Iterator[str]:
    """Fact ids of an ACLED deletions list (a CSV with an `event_id_cnty` column)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            event_id = (row.get("event_id_cnty") or "").strip()
            if event_id:
                yield PREFIX + slug(event_id)
