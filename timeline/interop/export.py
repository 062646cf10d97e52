"""Exports: TimelineJS JSON, a flat CSV, and NDJSON journals that re-import.

A selection is everything, or one actor / location (with places within it) /
incident as the `timeline` commands resolve it; `as_of` is an ISO time or `@N`.
TimelineJS and CSV give the facts' states then (retracted facts only when asked),
oldest occurred first. NDJSON gives the log itself as a journal: gazetteer
statements and, for the selected facts, the reporting event and every amendment
up to `as_of`, so appending it to an empty store rebuilds the same timelines,
versions, statuses and histories (recorded_at/recorded_by are the new store's).
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson

from timeline.domain.events import ENVELOPE_FIELDS, Amendment, GazetteerStatement, Reported
from timeline.domain.places import PlaceRef, Places
from timeline.domain.values import Occurred, place_name
from timeline.queries import FactLocator, Located
from timeline.results import FactRecord, figures_text

if TYPE_CHECKING:
    from timeline.application import Timeline

SECTION = 1000


def select(
    record: Timeline, kind: str | None, subject: str | None, as_of: str | None
) -> tuple[frozenset[str] | None, int | None]:
    """(fact ids of the selection, or None for all; the as-of log position)."""
    selection = record.read.selection(kind, subject, as_of)
    return selection.facts, selection.position


def fact_records(
    record: Timeline, ids: frozenset[str] | None, position: int | None, *, include_retracted: bool = False
) -> list[FactRecord]:
    """The selected facts as they stood at `position`, oldest occurred first."""
    rows = record.read.fact_records(ids, position, include_retracted=include_retracted)
    rows.sort(key=lambda r: (Occurred.parse(r.fields["occurred"]).start, r.first_position, r.fields["id"]))
    return rows


# --- NDJSON (a journal) ---------------------------------------------------------------


def journal(record: Timeline, ids: frozenset[str] | None, position: int | None) -> Iterator[dict[str, Any]]:
    """The log up to `position` as journal objects (selected facts + every gazetteer statement)."""
    for event in record.read.events(position):
        obj = journal_object(event)
        if obj is None:
            continue
        if isinstance(event, Reported | Amendment) and ids is not None:
            fact = obj.get("id") if isinstance(event, Reported) else obj.get("fact")
            if fact not in ids:
                continue
        yield obj


def journal_object(event: Any) -> dict[str, Any] | None:
    if not isinstance(event, Reported | Amendment | GazetteerStatement):
        return None
    exclude = set(ENVELOPE_FIELDS) | ({"digest"} if isinstance(event, Amendment) else set())
    return {"type": type(event).__name__, **event.model_dump(mode="json", exclude=exclude, exclude_none=True)}


# --- CSV -------------------------------------------------------------------------------

CSV_COLUMNS = [
    "fact",
    "type",
    "incident",
    "occurred",
    "precision",
    "occurred_start",
    "occurred_end",
    "summary",
    "certainty",
    "status",
    "version",
    "kind",
    "actors",
    "locations",
    "actors_reported",
    "locations_reported",
    "killed_min",
    "killed_best",
    "killed_max",
    "injured_min",
    "injured_max",
    "killed_by_side",
    "attributes",
    "sources",
    "source_urls",
    "recorded_at",
    "position",
    "place_path",
    "country",
    "admin",
    "lat",
    "lon",
    "geo_precision",
]


def subjects_of(fields: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """([(role, actor)], [(role, location as reported)]) of a fact state."""
    from timeline.domain.catalogue import FACT_TYPES

    actors: list[tuple[str, str]] = []
    locations: list[tuple[str, str]] = []
    for kind, role, value in FACT_TYPES[fields["type"]].subjects(fields):
        if kind == "actor":
            actors.append((role, value))
        else:
            locations.append((role, place_name(value)))
    return actors, locations


def locator(record: Timeline, position: int | None) -> FactLocator:
    """Where the facts of an export lie, as the record stood at `position`."""
    return record.read.locator(position)


Canonical = Callable[[str, Any], str]
"""canonical(kind, field value as reported) -> the registered name it resolves to."""


def reported(kind: str, value: Any) -> str:
    """A name as the source gave it; a place with its qualifiers ("Los Angeles, Veracruz")."""
    return str(PlaceRef.of(value)) if kind == "location" else str(value)


def canonical_names(record: Timeline, position: int | None) -> Canonical:
    """Resolve reported actor and location names as the timelines do, at `position`.

    A place that resolves to no single registered place keeps its reported spelling.
    """
    store = record.read.places(position)
    registered = record.read.registered_names(position)
    rules = Places(store)
    seen: dict[tuple[str, str, str | None], str] = {}

    def canonical(kind: str, value: Any) -> str:
        ref = PlaceRef.of(value) if kind == "location" else None
        memo = (kind, str(ref or value), ref.key if ref else None)
        if memo not in seen:
            if ref is not None:
                found = rules.resolve(ref).place
                place = store.get(found) if found else None
                seen[memo] = place.name if place else str(ref)
            else:
                seen[memo] = registered(kind, str(value)) or str(value)
        return seen[memo]

    return canonical


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading `'` (OWASP advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_rows(
    records: list[FactRecord], locate: FactLocator | None = None, canonical: Canonical | None = None
) -> Iterator[dict[str, Any]]:
    """One row per fact: names canonical (as reported in `*_reported`), figures, the first
    place's path and coordinates, text a spreadsheet would run escaped."""
    name = canonical or reported
    for item in records:
        fields = item.fields
        occurred = Occurred.parse(fields["occurred"])
        actors, locations = subjects_of(fields)
        located = locate(item) if locate else []
        first = located[0] if located else None
        path = first.place_path if first else []
        geo = next((p.geo for p in located if p.geo), None) or {}
        row = {
            "fact": fields["id"],
            "type": fields["type"],
            "incident": fields["incident"],
            "occurred": fields["occurred"],
            "precision": occurred.precision,
            "occurred_start": occurred.start if occurred.earliest else "",  # empty: open (EDTF ..)
            "occurred_end": occurred.end if occurred.latest else "",
            "summary": fields["summary"],
            "certainty": fields.get("certainty") or "reported",
            "status": item.status,
            "version": item.version,
            "kind": fields.get("kind") or "",
            "actors": "; ".join(f"{role}: {name('actor', n)}" for role, n in actors),
            "locations": "; ".join(f"{role}: {name('location', n)}" for role, n in locations),
            "actors_reported": "; ".join(f"{role}: {reported('actor', n)}" for role, n in actors),
            "locations_reported": "; ".join(f"{role}: {reported('location', n)}" for role, n in locations),
            "killed_min": fields.get("killed_min"),
            "killed_best": fields.get("killed_best"),
            "killed_max": fields.get("killed_max"),
            "injured_min": fields.get("injured_min"),
            "injured_max": fields.get("injured_max"),
            # breakdowns and source columns as JSON objects, one cell each
            "killed_by_side": _json_cell(fields.get("killed_by_side")),
            "attributes": _json_cell(fields.get("attributes")),
            "sources": "; ".join(s["name"] for s in fields["sources"]),
            "source_urls": " ".join(s["url"] for s in fields["sources"] if s.get("url")),
            "recorded_at": item.first_recorded_at,
            "position": item.first_position,
            "place_path": " > ".join(path),
            "country": path[0] if len(path) > 1 else "",
            "admin": " > ".join(path[1:-1]),
            "lat": geo.get("lat", ""),
            "lon": geo.get("lon", ""),
            "geo_precision": geo.get("geo_precision") if geo.get("geo_precision") is not None else "",
        }
        yield {key: spreadsheet_safe(value) for key, value in row.items()}


def _json_cell(value: Any) -> str | None:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode() if value else None


def to_csv(
    records: list[FactRecord], locate: FactLocator | None = None, canonical: Canonical | None = None
) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(records, locate, canonical))
    return buffer.getvalue()


# --- TimelineJS ----------------------------------------------------------------------


_POINT = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6}))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


def _date_parts(text: str, *, end: bool) -> dict[str, str]:
    """TimelineJS date object with only the parts we know ("" for the rest, as in the samples).

    Times keep the wall clock they were reported in; TimelineJS has no time-zone field,
    so a time with an offset carries it in `display_date` (e.g. `2022-09-26 19:03 +02:00`)
    rather than being shifted or losing it.
    """
    point = text.split("/")[1 if end else 0] if "/" in text else text
    match = _POINT.match(point.strip())
    if match is None:  # validated when recorded; a form this exporter does not know
        raise ValueError(f"cannot export occurred {text!r} to TimelineJS")
    found = match.groupdict()
    parts = {
        "year": str(int(found["year"])),
        "month": str(int(found["month"])) if found["month"] else "",
        "day": str(int(found["day"])) if found["day"] else "",
    }
    if found["hour"] is not None:
        parts["hour"] = str(int(found["hour"]))
        parts["minute"] = str(int(found["minute"]))
        if found["second"] is not None:
            parts["second"] = str(int(found["second"]))
        if found["fraction"]:
            parts["millisecond"] = str(int(found["fraction"].ljust(6, "0")[:3]))
        if found["tz"]:
            clock = f"{found['hour']}:{found['minute']}" + (
                f":{found['second']}" if found["second"] is not None else ""
            )
            zone = "UTC" if found["tz"] == "Z" else found["tz"]
            parts["display_date"] = f"{point[:10]} {clock} {zone}"
    return parts


def slide(item: FactRecord, locate: FactLocator | None = None) -> dict[str, Any]:
    fields = item.fields
    occurred = Occurred.parse(fields["occurred"])
    actors, locations = subjects_of(fields)
    located = locate(item) if locate else []
    details = [
        f"<p>{html.escape(fields['summary'])}</p>",
        "<p>"
        + html.escape(
            f"{fields['type']}"
            + (f" ({fields['kind']})" if fields.get("kind") else "")
            + f" · {fields.get('certainty') or 'reported'} · {item.status} v{item.version}"
            + f" · {fields['id']}"
        )
        + "</p>",
    ]
    if actors:
        details.append("<p>Actors: " + html.escape("; ".join(f"{n} ({r})" for r, n in actors)) + "</p>")
    if located:
        described = [
            " > ".join(p.place_path or [p.reported])
            + (f" [{p.reported}]" if p.place_path and p.reported and p.reported != p.place_path[-1] else "")
            + (f" ({p.geo['lat']}, {p.geo['lon']})" if p.geo else "")
            + f" ({p.role})"
            for p in located
        ]
        details.append("<p>Places: " + html.escape("; ".join(described)) + "</p>")
    elif locations:
        details.append("<p>Places: " + html.escape("; ".join(f"{n} ({r})" for r, n in locations)) + "</p>")
    figures = figures_text(fields)
    if figures:
        details.insert(1, f"<p><strong>{html.escape(figures.capitalize())}</strong></p>")
    # Only http(s) URLs become links (and media): a `javascript:` or `data:` URL in a
    # source would run in the page that shows the timeline. Others are shown as text.
    links = [s for s in fields["sources"] if s.get("url") and is_web_url(s["url"])]
    others = [s for s in fields["sources"] if s.get("url") and not is_web_url(s["url"])]
    if links or others:
        details.append(
            "<p>Sources: "
            + ", ".join(
                [f'<a href="{html.escape(s["url"])}">{html.escape(s["name"])}</a>' for s in links]
                + [f"{html.escape(s['name'])} ({html.escape(s['url'])})" for s in others]
            )
            + "</p>"
        )
    headline = _headline(fields, actors, located or [Located(r, n, [], None) for r, n in locations])
    out: dict[str, Any] = {
        "media": {
            "url": media_url(links[0]["url"]) if links else "",
            "credit": html.escape("; ".join(s["name"] for s in fields["sources"])),
            "caption": html.escape(links[0].get("quote") or "") if links else "",
            "thumbnail": "",
        },
        "start_date": {} if occurred.wording else _date_parts(fields["occurred"], end=False),
        "text": {"headline": html.escape(headline), "text": "".join(details)},
        "group": fields["incident"],
        "unique_id": fields["id"].replace(":", "-").replace(".", "-"),
    }
    where = next((p for p in located if p.geo), None)
    if where is not None and where.geo is not None:
        # not drawn by TimelineJS; map tools (and StoryMapJS) read it
        out["location"] = {
            "name": " > ".join(where.place_path),
            "lat": where.geo["lat"],
            "lon": where.geo["lon"],
        }
    if occurred.wording:
        out.update(fuzzy_dates(occurred))
        return out
    if occurred.precision == "interval":
        out["end_date"] = _date_parts(fields["occurred"], end=True)
    if occurred.precision not in ("day", "minute", "second"):
        out["display_date"] = fields["occurred"]
    return out


_WORDS = re.compile(r"(?<=[a-z])(?=[A-Z])")
_EMBEDS = {
    "twitter.com": (),
    "x.com": (),
    "mobile.twitter.com": (),
    "t.me": (),
    "youtu.be": (),
    "youtube.com": ("v", "list"),
    "m.youtube.com": ("v", "list"),
}
"""Hosts whose media TimelineJS embeds, and the query parameters the embed needs.

Everything else in their query strings (share tracking such as `?s=20&t=…`) stops
TimelineJS from recognising the link ("Unable to load Tweet …"), so it is dropped.
"""


def media_url(url: str) -> str:
    """A source URL as TimelineJS can embed it: tracking parameters of known embeds removed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    host = parts.netloc.lower().removeprefix("www.")
    if host not in _EMBEDS:
        return url
    keep = [(k, v) for k, v in parse_qsl(parts.query) if k in _EMBEDS[host]]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(keep), ""))


def _headline(fields: dict[str, Any], actors: list[tuple[str, str]], located: list[Located]) -> str:
    """What happened, who, where: `Shelling reported — Russian forces · Kharkiv`.

    The summary is the slide's text; the headline names the kind of fact (the source's
    own kind for a FactReported), its first actor and its first place.
    """
    what = fields.get("kind") if fields["type"] == "FactReported" and fields.get("kind") else None
    what = what or _WORDS.sub(" ", fields["type"]).capitalize()
    who = actors[0][1] if actors else None
    where = (located[0].place_path or [located[0].reported])[-1] if located else None
    headline = " — ".join(p for p in (what, " · ".join(x for x in (who, where) if x)) if p)
    return headline if len(headline) <= 120 else headline[:119].rstrip() + "…"


def fuzzy_dates(occurred: Occurred) -> dict[str, Any]:
    """TimelineJS dates of an EDTF value: its span and, in `display_date`, its wording.

    TimelineJS has no uncertainty marker, so the slide spans the earliest to the latest
    instant the value can mean ("c. May 2023": April to June) and says it in words.
    An open side has no date: the slide starts at the known one.
    """
    earliest, latest = occurred.earliest, occurred.latest
    known = earliest or latest
    assert known is not None  # an interval has at least one side
    dates: dict[str, Any] = {"start_date": _instant_parts(known, end=earliest is None)}
    if earliest and latest:
        dates["end_date"] = _instant_parts(latest, end=True)
    dates["display_date"] = occurred.wording
    return dates


def _instant_parts(stamp: str, *, end: bool) -> dict[str, str]:
    """A bound (UTC, `2023-05-31T23:59:59.999999Z`) as a TimelineJS date, to the day
    unless it falls within a day."""
    day, _, clock = stamp.partition("T")
    year, month, dom = day.split("-")
    parts = {"year": str(int(year)), "month": str(int(month)), "day": str(int(dom))}
    if clock[:15] != ("23:59:59.999999" if end else "00:00:00.000000"):
        parts["hour"], parts["minute"] = str(int(clock[:2])), str(int(clock[3:5]))
    return parts


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host, written without blanks or control
    characters (browsers drop those inside a scheme: `java\tscript:`)."""
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (
        parts.scheme.lower() in ("http", "https")
        and bool(parts.netloc)
        and url.lower().startswith(("http://", "https://"))
    )


def timelinejs(
    records: list[FactRecord], title: str, as_of: str | None, locate: FactLocator | None = None
) -> dict[str, Any]:
    text = f"{len(records)} facts" + (f", as the record stood at {as_of}" if as_of else "")
    seen: set[str] = set()
    events = []
    for item in records:
        event = slide(item, locate)
        uid = event["unique_id"]
        while uid in seen:  # ids differing only in ':' vs '-' stay unique
            uid += "-x"
        seen.add(uid)
        event["unique_id"] = uid
        events.append(event)
    return {"title": {"text": {"headline": html.escape(title), "text": html.escape(text)}}, "events": events}


# --- GeoJSON -------------------------------------------------------------------------


def geojson(records: list[FactRecord], locate: FactLocator) -> Iterator[dict[str, Any]]:
    """One Feature per located place of each fact (the fact's own `geo` gives one point).

    Properties are the timeline entry keys (contract section 5/6) plus `role` and
    `place_path`; facts without coordinates are left out (count them with `csv`).
    """
    for item in records:
        fields = item.fields
        located = [p for p in locate(item) if p.geo]
        if fields.get("geo"):
            located = located[:1]
        for place in located:
            assert place.geo is not None
            yield {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [place.geo["lon"], place.geo["lat"]]},
                "properties": {
                    "fact": fields["id"],
                    "type": fields["type"],
                    "incident": fields["incident"],
                    "occurred": fields["occurred"],
                    "precision": Occurred.parse(fields["occurred"]).precision,
                    "role": place.role,
                    "summary": fields["summary"],
                    "certainty": fields.get("certainty") or "reported",
                    "status": item.status,
                    "version": item.version,
                    "sources": fields["sources"],
                    "recorded_at": item.first_recorded_at,
                    "position": item.first_position,
                    "place": place.reported,
                    "place_path": place.place_path,
                    "geo": place.geo,
                },
            }
