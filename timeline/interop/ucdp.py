"""UCDP GED rows -> journal objects.

One row becomes `LocationRegistered` statements for country > adm_1 > adm_2 >
where_coordinates and one `FactReported`:

- id `ucdp:<id>`; incident `ucdp-<conflict_new_id>-<conflict_name>`;
- kind from type_of_violence (state-based / non-state / one-sided violence);
- occurred: `date_start`, or the interval `date_start/date_end` when they differ;
  with `date_prec` 4 (only the month known) or 5 (only the year) over exactly that
  calendar month or year, the EDTF `YYYY-MM-XX` / `YYYY-XX-XX` (a day in it, unknown),
  which has the same bounds: `date_prec` is never widened or narrowed;
- actors side_a / side_b (roles `side_a`, `side_b`); `source_original` (whom the
  outlets quote) is not an actor: it is kept in the attributes, and as the source's
  `quoting` when the row has one source;
- location where_coordinates with role by `where_prec`: 1 `location`, 2 `location_near`
  (within 25 km), 3+ `location_approx` (second-order admin or wider);
- figures: low / best / high -> `killed_min` / `killed_best` / `killed_max`, and
  deaths_a / deaths_b / deaths_civilians / deaths_unknown -> `killed_by_side`
  (side_a, side_b, civilians, unknown); a low above its high is kept as reported in
  the attributes and noted, with `killed_best` alone as the figure;
- sources: one per article of `source_article` (outlet, date, headline), see `_sources`;
- every other column is kept verbatim in `attributes`; what could not be kept as
  given is listed by row in the import summary.
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

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

PREFIX = "ucdp:"
VIOLENCE = {1: "state-based violence", 2: "non-state violence", 3: "one-sided violence"}


def occurred(start: str, end: str, date_prec: str | int | None = None) -> str:
    first = date.fromisoformat(start.strip()[:10])
    last = date.fromisoformat(end.strip()[:10]) if end and end.strip() else first
    precision = to_int(date_prec)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    if precision == 4 and first.day == 1 and last == following - timedelta(days=1):
        return f"{first.isoformat()[:7]}-XX"
    if precision == 5 and (first.month, first.day, last) == (1, 1, date(first.year, 12, 31)):
        return f"{first.year:04d}-XX-XX"
    return first.isoformat() if last == first else f"{first}/{last}"


def _where_role(prec: int | None) -> str:
    return {1: "location", 2: "location_near"}.get(prec or 1, "location_approx")


_OLD_STYLE = re.compile(
    r"^(?P<office>.+?)[ ,]+(?P<date>\d{4}-\d{2}-\d{2}|\d{1,2} [A-Za-z]{3,9} \d{4})"
    r"[ ,]*\"?(?P<headline>.*?)\"?$"
)


def _articles(text: str) -> list[tuple[str, str, str]]:
    """(outlet, date, headline) of each `source_article` item, when every item has that shape.

    UCDP writes the list as `"Outlet,2012-05-15,Headline";"…"` (CSV-quoted, so a `;`
    inside a headline stays in it), or in older rows as `Outlet 1989-05-17 "Headline`.
    Returns [] when an item does not parse, so that nothing is paired by guesswork.
    """
    flat = text.replace("\r", " ").replace("\n", " ").strip()
    try:
        items = next(csv.reader([flat], delimiter=";", quotechar='"'), []) if flat else []
    except csv.Error:
        return []
    found = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        parts = item.split(",", 2)
        if len(parts) == 3 and _is_date(parts[1].strip()):
            found.append((parts[0].strip(), parts[1].strip(), parts[2].strip()))
            continue
        match = _OLD_STYLE.match(item)
        if match is None:
            return []
        found.append((match["office"].strip(), match["date"], match["headline"].strip()))
    return found


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text[:10])
    except ValueError:
        return False
    return True


def _published(text: str) -> str | None:
    for form in ("%Y-%m-%d", "%d %b %Y", "%d %B %Y"):
        try:
            return (
                datetime.strptime(text.strip()[:10] if form == "%Y-%m-%d" else text.strip(), form)
                .date()
                .isoformat()
            )
        except ValueError:
            continue
    return None


def _sources(read: RowReader) -> list[Obj]:
    """One source per article: outlet, date and headline kept together.

    The articles of `source_article` pair each outlet with its own date and headline.
    When that list does not parse, outlets, dates and headlines are paired by position
    only if the three lists have the same length; otherwise each outlet stands alone
    and the lists stay whole in the attributes (and the import notes it).
    """
    row = read.row
    sources: list[Obj] = []
    articles = _articles(row.get("source_article") or "")
    offices = [p.strip() for p in (row.get("source_office") or "").split(";") if p.strip()]
    if articles and (not offices or len(articles) == len(offices)):
        triples = articles
    else:
        dates = [p.strip() for p in (row.get("source_date") or "").split(";")]
        headlines = [p.strip() for p in (row.get("source_headline") or "").split(";")]
        if len(dates) == len(offices) and len(headlines) == len(offices):
            triples = list(zip(offices, dates, headlines, strict=True))
        else:
            triples = [(office, "", "") for office in offices]
            if offices:
                read.cut("source_headline")
                read.cut("source_date")
                read.notes[-2:] = [
                    "sources: outlets, dates and headlines do not pair up (kept whole in attributes)"
                ]
    for office, published, headline in triples:
        outlet = name(office)
        if not outlet:
            continue
        source: Obj = {"name": outlet}
        day = _published(published) if published else None
        if day:
            source["published"] = day
        if headline:
            source["quote"] = headline
        if source not in sources:
            sources.append(source)
    article = " ".join((row.get("source_article") or "").split())
    if not sources:
        # a free-form citation ("Reuters2/5/1990 ONE KILLED ...") that names no outlet
        # UCDP split out: UCDP is the source, citing it in its own words
        sources = [{"name": "UCDP GED", "quote": article[:20_000]} if article else {"name": "UCDP GED"}]
    original = " ".join((row.get("source_original") or "").split())
    if original and len(sources) == 1:
        sources[0]["quoting"] = original[:20_000]
    return sources


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


CARRIED = frozenset(
    {
        "id",
        "date_start",
        "date_end",
        "side_a",
        "side_b",
        "country",
        "adm_1",
        "adm_2",
        "where_coordinates",
        "latitude",
        "longitude",
        "source_office",
        "source_date",
        "source_headline",
        "best",
        "low",
        "high",
        "deaths_a",
        "deaths_b",
        "deaths_civilians",
        "deaths_unknown",
    }
)
"""Columns a field carries whole; every other non-empty column is kept in `attributes`
(source_article and source_original among them: the sources carry their parts)."""

BY_SIDE = {
    "deaths_a": "side_a",
    "deaths_b": "side_b",
    "deaths_civilians": "civilians",
    "deaths_unknown": "unknown",
}


def map_row(row: dict[str, str], places: PlaceTree) -> list[Obj]:
    read = RowReader(row)
    objects, place_ref = places.qualify(
        [
            (read.name("country"), "country"),
            (read.name("adm_1"), "admin1"),
            (read.name("adm_2"), "admin2"),
            (read.name("where_coordinates"), "place"),
        ],
        row.get("latitude"),
        row.get("longitude"),
        WHERE_PRECISION.get(to_int(row.get("where_prec")) or 1, "region"),
    )
    violence = VIOLENCE.get(to_int(row.get("type_of_violence")) or 0, "organised violence")
    actors = [{"name": a, "role": "side_a"} for a in read.names("side_a")]
    actors += [{"name": a, "role": "side_b"} for a in read.names("side_b")]
    locations = [{**place_ref, "role": _where_role(to_int(row.get("where_prec")))}] if place_ref else []
    best, low, high = (read.count(k) for k in ("best", "low", "high"))
    if low is not None and high is not None and low > high:
        # kept as reported: the pair stays in the attributes, best stands alone
        read.cut("low")
        read.cut("high")
        read.notes[-2:] = ["low above high: kept as reported in attributes, figures give best only"]
        low = high = None
    by_side = {side: value for column, side in BY_SIDE.items() if (value := read.count(column)) is not None}
    where = " ".join((row.get("where_description") or "").split())
    summary = f"{violence.capitalize()}, {name(row.get('dyad_name')) or 'unknown dyad'}"
    summary += f", {where}" if where else ""
    conflict = row.get("conflict_new_id") or row.get("conflict_dset_id") or "0"
    fact: Obj = {
        "type": "FactReported",
        "id": PREFIX + slug(row.get("id") or "") if (row.get("id") or "").strip() else None,
        "incident": f"ucdp-{slug(conflict)}-{slug(row.get('conflict_name') or 'conflict')}"[:200],
        "occurred": occurred(row.get("date_start") or "", row.get("date_end") or "", row.get("date_prec")),
        "summary": summary[:20_000],
        "sources": _sources(read),
        "kind": violence,
        "actors": actors,
        "locations": locations,
        "killed_min": low,
        "killed_best": best,
        "killed_max": high,
        "killed_by_side": by_side or None,
    }
    objects.append(read.finish(fact, CARRIED))
    return objects


def read(path: Path) -> Iterator[tuple[int, list[Obj] | RowError]]:
    places = PlaceTree()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"id", "date_start", "conflict_name"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"not a UCDP GED table: missing column(s) {', '.join(sorted(missing))}")
        for line, row in numbered_rows(reader):
            if isinstance(row, RowError):
                yield line, row
                return
            try:
                objects: list[Obj] | RowError = map_row(row, places)
            except RowError as error:
                objects = error
            except ValueError as error:
                objects = [{"type": "FactReported", "occurred": f"invalid: {error}"}]
            yield line, objects
