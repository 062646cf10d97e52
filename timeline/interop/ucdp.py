"""UCDP GED rows -> journal objects.

One row becomes `LocationRegistered` statements for country > adm_1 > adm_2 >
where_coordinates and one `FactReported`:

- id `ucdp:<id>`; incident `ucdp-<conflict_new_id>-<conflict_name>`;
- kind from type_of_violence (state-based / non-state / one-sided violence);
- occurred: `date_start`, or the interval `date_start/date_end` when they differ
  (UCDP's `date_prec` is expressed by that interval, never widened or narrowed);
- actors side_a / side_b (roles `side_a`, `side_b`) and each `source_original`
  (the claimant the outlet quotes, role `claimant`);
- location where_coordinates with role by `where_prec`: 1 `location`, 2 `location_near`
  (within 25 km), 3+ `location_approx` (second-order admin or wider);
- figures: low/high deaths -> `killed_min`/`killed_max`; the best estimate, which
  has no field of its own, stays in the summary (`best N deaths`), with where_description;
- sources: source_office / source_date / source_headline parallel lists (`;`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from timeline.interop.common import Obj, PlaceTree, name, slug, split_list, to_int

PREFIX = "ucdp:"
VIOLENCE = {1: "state-based violence", 2: "non-state violence", 3: "one-sided violence"}


def occurred(start: str, end: str) -> str:
    first = date.fromisoformat(start.strip()[:10])
    last = date.fromisoformat(end.strip()[:10]) if end and end.strip() else first
    return first.isoformat() if last == first else f"{first}/{last}"


def _where_role(prec: int | None) -> str:
    return {1: "location", 2: "location_near"}.get(prec or 1, "location_approx")


def _sources(row: dict[str, str]) -> list[Obj]:
    offices = [p.strip() for p in (row.get("source_office") or "").split(";")]
    dates = [p.strip() for p in (row.get("source_date") or "").split(";")]
    headlines = [p.strip() for p in (row.get("source_headline") or "").split(";")]
    sources: list[Obj] = []
    for index, office in enumerate(offices):
        office_name = name(office)
        if not office_name:
            continue
        source: Obj = {"name": office_name}
        published = dates[index] if index < len(dates) else ""
        try:
            if published:
                source["published"] = date.fromisoformat(published[:10]).isoformat()
        except ValueError:
            pass
        headline = headlines[index] if index < len(headlines) else ""
        if headline:
            source["quote"] = headline
        if source not in sources:
            sources.append(source)
    return sources or [{"name": "UCDP GED"}]


WHERE_PRECISION: dict[int, str | int] = {
    1: "exact",
    2: 25_000,
    3: "district",
    4: "region",
    5: "region",
    6: "country",
    7: "region",
}
"""UCDP where_prec: 1 exact location, 2 within 25 km, 3 second-order administrative
division, 4 first-order division, 5 a linear feature or larger area, 6 the country,
7 international waters or airspace."""


def map_row(row: dict[str, str], places: PlaceTree) -> list[Obj]:
    objects, place_ref = places.qualify(
        [
            (row.get("country"), "country"),
            (row.get("adm_1"), "admin1"),
            (row.get("adm_2"), "admin2"),
            (row.get("where_coordinates"), "place"),
        ],
        row.get("latitude"),
        row.get("longitude"),
        WHERE_PRECISION.get(to_int(row.get("where_prec")) or 1, "region"),
    )
    violence = VIOLENCE.get(to_int(row.get("type_of_violence")) or 0, "organised violence")
    actors = [{"name": a, "role": "side_a"} for a in split_list(row.get("side_a"))]
    actors += [{"name": a, "role": "side_b"} for a in split_list(row.get("side_b"))]
    actors += [{"name": a, "role": "claimant"} for a in split_list(row.get("source_original"))]
    locations = [{**place_ref, "role": _where_role(to_int(row.get("where_prec")))}] if place_ref else []
    best, low, high = (to_int(row.get(k)) for k in ("best", "low", "high"))
    figures = f"best {best} deaths" if best is not None else "deaths not given"
    where = " ".join((row.get("where_description") or "").split())
    summary = f"{violence.capitalize()}, {name(row.get('dyad_name')) or 'unknown dyad'}"
    summary += f", {where}" if where else ""
    summary += f": {figures}"
    conflict = row.get("conflict_new_id") or row.get("conflict_dset_id") or "0"
    objects.append(
        {
            "type": "FactReported",
            "id": PREFIX + slug(row.get("id") or "") if (row.get("id") or "").strip() else None,
            "incident": f"ucdp-{slug(conflict)}-{slug(row.get('conflict_name') or 'conflict')}"[:200],
            "occurred": occurred(row.get("date_start") or "", row.get("date_end") or ""),
            "summary": summary,
            "sources": _sources(row),
            "kind": violence,
            "actors": actors,
            "locations": locations,
            "killed_min": low if low is not None and low >= 0 else None,
            "killed_max": high if high is not None and high >= 0 and (low is None or high >= low) else None,
        }
    )
    return objects


def read(path: Path) -> Iterator[tuple[int, list[Obj]]]:
    places = PlaceTree()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"id", "date_start", "conflict_name"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"not a UCDP GED table: missing column(s) {', '.join(sorted(missing))}")
        for row in reader:
            try:
                objects = map_row(row, places)
            except ValueError as error:
                objects = [{"type": "FactReported", "occurred": f"invalid: {error}"}]
            yield reader.line_num, objects
