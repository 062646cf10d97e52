"""Writing results as a table (rich, in `cli.tables`), JSON, NDJSON or CSV. Chooses a
format, nothing more: rich is loaded only when a table is drawn."""

import csv
import itertools
import sys
from collections.abc import Iterable
from typing import Any

import orjson

from cli.errors import stderr as errors
from cli.options import Format
from timeline.queries import TimelineStream
from timeline.results import (
    EntityHistoryResult,
    FactResult,
    HistoryResult,
    LogEntry,
    PlacesResult,
    SourceHistoryResult,
    SubjectsResult,
    TimelineResult,
)


def write_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data).decode() + "\n")
    sys.stdout.flush()


def write_ndjson(rows: Iterable[dict[str, Any]]) -> None:
    for row in rows:
        sys.stdout.write(orjson.dumps(row).decode() + "\n")
    sys.stdout.flush()


def write_csv(rows: Iterable[dict[str, Any]], columns: list[str]) -> None:
    """CSV with a header, written row by row as `rows` are read."""
    from timeline.interop.export import spreadsheet_safe  # the export module loads for CSV only

    writer = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: spreadsheet_safe(_flat(row.get(k))) for k in columns})
    sys.stdout.flush()


def write_json_stream(head: dict[str, Any], key: str, items: Iterable[Any]) -> None:
    """`{**head, key: [items…]}` as compact JSON (the bytes `write_json` would write),
    each item written as it is read."""
    out = sys.stdout
    opening = orjson.dumps(head).decode()[:-1]
    out.write(opening + ("," if head else "") + orjson.dumps(key).decode() + ":[")
    for n, item in enumerate(items):
        out.write(("," if n else "") + orjson.dumps(item).decode())
    out.write("]}\n")
    out.flush()


def write_json_array(items: Iterable[Any]) -> None:
    """A JSON array, each item written as it is read."""
    out = sys.stdout
    out.write("[")
    for n, item in enumerate(items):
        out.write(("," if n else "") + orjson.dumps(item).decode())
    out.write("]\n")
    out.flush()


TABLE_CAP = 1000
"""Rows a table shows at most; more is a note pointing at --limit and NDJSON/CSV."""


def _capped(items: Iterable[Any], what: str) -> list[Any]:
    shown = list(itertools.islice(items, TABLE_CAP + 1))
    if len(shown) > TABLE_CAP:
        errors.print(
            f"note: showing the first {TABLE_CAP} {what} only; use --limit, or --format ndjson or csv "
            "for all of them",
            markup=False,
        )
        shown = shown[:TABLE_CAP]
    return shown


def timeline_stream(stream: TimelineStream, fmt: Format) -> None:
    """A timeline written as its entries are read (tables: the first TABLE_CAP)."""
    entries = (e.to_json() for e in stream.entries)
    if fmt is Format.json:
        head = {"subject": stream.subject.to_json(), "as_of": stream.as_of}
        write_json_stream(head, "entries", entries)
    elif fmt is Format.ndjson:
        write_ndjson(entries)
    elif fmt is Format.csv:
        write_csv(entries, ENTRY_COLUMNS + (["place"] if stream.subject.kind == "location" else []))
    else:
        shown = _capped(stream.entries, "entries")
        timeline(TimelineResult(subject=stream.subject, as_of=stream.as_of, entries=shown), fmt)


def _flat(value: Any) -> Any:
    if isinstance(value, list | dict):
        if isinstance(value, list) and all(isinstance(v, dict) and "name" in v for v in value):
            return "; ".join(v["name"] for v in value)
        return orjson.dumps(value).decode()
    return value


ENTRY_COLUMNS = [
    "occurred",
    "precision",
    "fact",
    "type",
    "role",
    "summary",
    "certainty",
    "status",
    "version",
    "incident",
    "sources",
    "recorded_at",
    "position",
    "occurred_earliest",
    "occurred_latest",
    "grade",
]


def timeline(result: TimelineResult, fmt: Format) -> None:
    data = result.to_json()
    if fmt is Format.json:
        write_json(data)
        return
    columns = ENTRY_COLUMNS + (["place"] if result.subject.kind == "location" else [])
    if fmt is Format.ndjson:
        write_ndjson(data["entries"])
    elif fmt is Format.csv:
        write_csv(data["entries"], columns)
    else:
        from cli import tables

        tables.timeline(result)


def subjects(result: SubjectsResult, fmt: Format) -> None:
    rows = [s.to_json() for s in result.subjects]
    if fmt is Format.json:
        write_json(result.to_json())
    elif fmt is Format.ndjson:
        write_ndjson(rows)
    elif fmt is Format.csv:
        for row in rows:
            row["place_path"] = " > ".join(row.get("place_path") or [])
        extra = ["title", "description"] if result.kind == "incident" else []
        write_csv(rows, ["kind", "name", "facts", "registered", "place_path", *extra])
    else:
        from cli import tables

        tables.subjects(result)


def places(result: PlacesResult, fmt: Format, *, tree: bool) -> None:
    """`place NAME` (a list) or `locations --tree` (a hierarchy)."""
    data = result.to_json()
    if fmt is Format.json:
        write_json(data)
        return
    flat: list[tuple[int, dict[str, Any]]] = []

    def walk(items: list[dict[str, Any]], depth: int) -> None:
        for item in items:
            flat.append((depth, item))
            walk(item.get("children") or [], depth + 1)

    walk(data["places"], 0)
    rows = [
        {k: v for k, v in item.items() if k != "children"}
        | {"depth": depth, "place_path": " > ".join(item["place_path"])}
        for depth, item in flat
    ]
    if fmt is Format.ndjson:
        write_ndjson(rows)
    elif fmt is Format.csv:
        write_csv(
            rows, ["id", "name", "place_path", "key", "kind", "lat", "lon", "geo_precision", "facts", "depth"]
        )
    else:
        from cli import tables

        if tree:
            tables.place_tree(result, data["places"])
        else:
            tables.places(result, flat)


def history(result: HistoryResult, fmt: Format) -> None:
    data = result.to_json()
    if fmt is Format.json:
        write_json(data)
    elif fmt is Format.ndjson:
        write_ndjson(data["versions"])
    elif fmt is Format.csv:
        rows = [
            {**v, "field": field, "from": change["from"], "to": change["to"]}
            for v in data["versions"]
            for field, change in (v["changes"].items() or [("", {"from": None, "to": None})])
        ]
        write_csv(
            rows,
            [
                "version",
                "event",
                "position",
                "recorded_at",
                "recorded_by",
                "store_user",
                "reason",
                "field",
                "from",
                "to",
            ],
        )
    else:
        from cli import tables

        tables.history(result)


def log(entries: Iterable[LogEntry], fmt: Format) -> None:
    """The log, written as it is read (tables: the first TABLE_CAP events)."""
    rows = (e.to_json() for e in entries)
    if fmt is Format.json:
        write_json_array(rows)
    elif fmt is Format.ndjson:
        write_ndjson(rows)
    elif fmt is Format.csv:
        who = ["recorded_by", "store_user"]
        write_csv(rows, ["position", "event", "recorded_at", *who, "version", "fact", "name", "reason"])
    else:
        from cli import tables

        tables.log(_capped(entries, "events"))


def entity_history(result: EntityHistoryResult, fmt: Format) -> None:
    data = result.to_json()
    if fmt is Format.json:
        write_json(data)
        return
    rows = [{**s, "statement": orjson.dumps(s["statement"]).decode()} for s in data["statements"]]
    if fmt is Format.ndjson:
        write_ndjson(data["statements"])
    elif fmt is Format.csv:
        write_csv(rows, ["position", "event", "recorded_at", "recorded_by", "reason", "statement"])
    else:
        from cli import tables

        tables.entity_history(result, data["statements"])


def fact(result: FactResult, fmt: Format) -> None:
    """One fact: every field, then its sources (json/ndjson: the result object)."""
    data = result.to_json()
    if fmt in (Format.json, Format.ndjson):
        write_json(data)
        return
    rows = [{"field": name, "value": _flat(value)} for name, value in data["fields"].items()]
    if fmt is Format.csv:
        for n, source in enumerate(data["sources"], start=1):
            rows.extend({"field": f"source {n} {k}", "value": v} for k, v in source.items())
        write_csv(rows, ["field", "value"])
        return
    from cli import tables

    tables.fact(result, rows)


def source_history(result: SourceHistoryResult, fmt: Format) -> None:
    """`timeline source NAME`: the source's grade now and every grading before it."""
    data = result.to_json()
    if fmt is Format.json:
        write_json(data)
    elif fmt is Format.ndjson:
        write_ndjson(data["gradings"])
    elif fmt is Format.csv:
        write_csv(data["gradings"], ["position", "reliability", "reason", "recorded_at", "recorded_by"])
    else:
        from cli import tables

        tables.source_history(result)
