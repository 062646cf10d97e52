"""Writing results as a table (rich), JSON, NDJSON or CSV. Chooses a format, nothing more."""

import csv
import itertools
import sys
from collections.abc import Iterable
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

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
    figures_text,
)

stdout = Console(highlight=False, soft_wrap=False)

_UNPRINTABLE = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in [
        *range(0x00, 0x0A),
        *range(0x0B, 0x20),
        *range(0x7F, 0xA0),
        *(0x061C, 0x200E, 0x200F),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
}
"""Control characters (but the newline a cell may hold) and bidirectional overrides:
in a table they would move the cursor, recolour the terminal or reorder text."""


def printable(text: str) -> str:
    """The text with control characters and bidi overrides shown as escapes."""
    return text.translate(_UNPRINTABLE)


class SafeTable(Table):
    """A rich Table whose cells are shown with their control characters escaped."""

    def add_row(self, *cells: Any, **kwargs: Any) -> None:
        super().add_row(*(_safe_cell(cell) for cell in cells), **kwargs)


def _safe_cell(cell: Any) -> Any:
    if isinstance(cell, str):
        return printable(cell)
    if isinstance(cell, Text) and printable(cell.plain) != cell.plain:
        return Text(printable(cell.plain), style=cell.style)  # escapes shift the spans: drop them
    return cell


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
        subject = result.subject
        title = f"{subject.kind} {subject.name}"
        if subject.aliases:
            title += f" (also: {', '.join(subject.aliases)})"
        if result.as_of:
            title += f" — as of {result.as_of}"
        table = SafeTable(title=title, title_justify="left", expand=False, show_lines=False)
        # in an incident's own timeline (or a search) the role says nothing
        with_role = subject.kind not in ("incident", "search")
        # Ids and times are never cut (they are copied into other commands): their
        # columns are at least as wide as the longest, and everything else goes in
        # the one column that wraps, so a timeline fits 80 columns.
        occurred = [_occurred_cell(e.occurred, e.precision, e.display) for e in result.entries]
        table.add_column("occurred", no_wrap=True, min_width=_widest(occurred))
        table.add_column("what", min_width=_widest([e.fact for e in result.entries]))
        table.add_column("status", no_wrap=True)
        for e, when in zip(result.entries, occurred, strict=True):
            what = Text(e.summary)
            if e.figures:
                what.append(f"\n{figures_text(e.figures)}", style="bold")
            what.append(f"\n{e.fact}", style="bold")
            role = f" · {e.role}" + (f" ({e.place})" if e.place else "") if with_role else ""
            grade = f" · {e.grade}" if e.grade else ""
            what.append(f"\n{e.type}{role} · {e.certainty}{grade}", style="dim")
            what.append("\nsources: " + ", ".join(s["name"] for s in e.sources), style="dim")
            status = Text(e.status, style=_STATUS.get(e.status, ""))
            if e.version > 1:
                status.append(f"\nv{e.version}", style="dim")
            table.add_row(when, what, status)
        stdout.print(table)
        if not result.entries:
            stdout.print("no entries")


_STATUS = {"active": "green", "corrected": "yellow", "retracted": "red"}


def _occurred_cell(occurred: str, precision: str, display: str = "") -> str:
    """An occurred value on lines that are never cut: an interval's ends on their own.

    An EDTF value is said in words ("c. May 2023"), with the value as written below.
    """
    text = occurred.replace("/", "/\n") if "/" in occurred else occurred
    if display and display != occurred:
        return display.replace(" – ", " –\n") + "\n" + text
    return f"{text}\n({precision})" if precision != "day" else text


def _widest(cells: list[str]) -> int:
    return max((len(line) for cell in cells for line in cell.splitlines()), default=0)


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
        table = SafeTable(
            title=f"{result.kind}s" + (f" — as of {result.as_of}" if result.as_of else ""),
            title_justify="left",
        )
        table.add_column(result.kind, overflow="fold")
        paths = result.kind == "location"
        if paths:
            table.add_column("within", overflow="fold")
        if result.kind == "incident":
            table.add_column("title", ratio=2)
        table.add_column("facts", justify="right")
        table.add_column("registered")
        for s in result.subjects:
            within = [" > ".join((s.place_path or [])[:-1])] if paths else []
            title = [Text(s.title or "") if not s.description else _titled(s.title or "", s.description)]
            titles = title if result.kind == "incident" else []
            table.add_row(s.name, *within, *titles, str(s.facts), "yes" if s.registered else "")
        stdout.print(table)


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
    elif tree:
        root = Tree(f"places{' — as of ' + result.as_of if result.as_of else ''}")

        def grow(node: Tree, items: list[dict[str, Any]]) -> None:
            for item in items:
                kind = f" [dim]{escape(item['kind'])}[/dim]" if item.get("kind") else ""
                grow(node.add(f"{escape(item['name'])}{kind} ({item['facts']})"), item.get("children") or [])

        grow(root, data["places"])
        stdout.print(root)
    else:
        table = Table(title=f"places named {result.name!r}", title_justify="left")
        for column in ("place", "key", "kind", "lat, lon", "facts"):
            table.add_column(column, overflow="fold", justify="right" if column == "facts" else "left")
        for _, item in flat:
            where = f"{item['lat']}, {item['lon']}" if item.get("lat") is not None else ""
            table.add_row(
                escape(" > ".join(item["place_path"])),
                item.get("key") or "",
                item.get("kind") or "",
                where,
                str(item["facts"]),
            )
        stdout.print(table)


def _titled(title: str, description: str) -> Text:
    text = Text(title)
    text.append(f"\n{description}", style="dim")
    return text


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
        table = SafeTable(
            title=f"history of {result.fact}" + (f" — as of {result.as_of}" if result.as_of else ""),
            title_justify="left",
            show_lines=True,
        )
        table.add_column("v", justify="right")
        table.add_column("event")
        table.add_column("recorded", no_wrap=True)
        table.add_column("changes", ratio=3)
        for v in result.versions:
            changes = Text()
            for field, change in v.changes.items():
                if changes:
                    changes.append("\n")
                changes.append(f"{field}: ", style="bold")
                if isinstance(change["from"], list) or isinstance(change["to"], list):
                    _list_change(changes, change["from"] or [], change["to"] or [])
                    continue
                if v.version > 1:
                    changes.append(_short(change["from"]), style="red")
                    changes.append(" → ")
                changes.append(_short(change["to"]), style="green")
            recorded = f"{v.recorded_at}\nby {_who(v.recorded_by, v.store_user)} @{v.position}"
            event = v.event + (f"\n{v.reason}" if v.reason else "")
            table.add_row(str(v.version), event, recorded, changes)
        stdout.print(table)


def _list_change(text: Text, before: list[Any], after: list[Any]) -> None:
    """A list field's change as the items removed (−) and added (+), each on its own line."""
    removed = [item for item in before if item not in after]
    added = [item for item in after if item not in before]
    for sign, items, style in (("−", removed, "red"), ("+", added, "green")):
        for item in items:
            text.append(f"\n  {sign} {_item(item)}", style=style)
    if not removed and not added:
        text.append("same items, reordered", style="dim")


def _item(value: Any) -> str:
    """One list item: a source or named role by its name (and url or role), else as JSON."""
    if isinstance(value, dict) and "name" in value:
        detail = value.get("url") or value.get("role")
        return _short(value["name"] + (f" ({detail})" if detail else ""))
    return _short(value)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text if len(text) <= 120 else text[:117] + "…"


def _who(recorded_by: str, store_user: str | None) -> str:
    """`--as` name, and the store's own name for the writer when it differs."""
    if store_user and store_user != recorded_by:
        return f"{recorded_by} (as {store_user})"
    return recorded_by


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
        # Times and ids are never cut; the reason wraps under the event it explains.
        table = SafeTable(title_justify="left")
        shown = _capped(entries, "events")
        subjects = [e.fact or e.name or "" for e in shown]
        table.add_column("recorded", no_wrap=True)
        table.add_column("event", min_width=_widest([*subjects, "event"]))
        for e, subject in zip(shown, subjects, strict=True):
            event = Text(f"@{e.position} {e.event}")
            event.append(f" v{e.version}", style="dim")
            event.append(f"\n{subject}", style="bold")
            if e.reason:
                event.append(f"\n{e.reason}", style="dim")
            table.add_row(f"{e.recorded_at}\nby {_who(e.recorded_by, e.store_user)}", event)
        stdout.print(table)


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
        where = " > ".join(result.place_path or []) or result.name
        title = f"history of {result.kind} {where}" + (f" — as of {result.as_of}" if result.as_of else "")
        table = Table(title=title, title_justify="left", show_lines=True)
        for column in ("@", "event", "recorded", "reason", "statement"):
            table.add_column(column, overflow="fold", justify="right" if column == "@" else "left")
        for s in data["statements"]:
            what = {k: v for k, v in s["statement"].items() if k != "reason"}
            table.add_row(
                str(s["position"]),
                s["event"],
                f"{s['recorded_at']}\n{escape(s['recorded_by'])}",
                escape(s["reason"] or ""),
                escape(orjson.dumps(what).decode()),
            )
        stdout.print(table)


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
    title = f"{result.fact} · {result.type} · {result.status} v{result.version}"
    title += f" — as of {result.as_of}" if result.as_of else ""
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", ratio=3)
    for row in rows:
        table.add_row(row["field"], str(row["value"]))
    for n, source in enumerate(result.sources, start=1):
        text = Text(source["name"])
        for key in ("url", "published"):
            if source.get(key):
                text.append(f"\n{source[key]}", style="dim")
        if source.get("quote"):
            text.append(f"\n“{source['quote']}”")
        table.add_row(f"source {n}", text)
    for place in result.places:
        where = Text(" > ".join(place["place_path"]))
        if place["geo"]:
            where.append(f"\n{place['geo']['lat']}, {place['geo']['lon']}", style="dim")
        table.add_row(f"place ({place['role']})", where)
    table.add_row("grade", result.grade or "not graded")
    table.add_row("distinct sources", str(result.distinct_sources))
    table.add_row("recorded", f"{result.recorded_at} @{result.position}")
    stdout.print(table)


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
        title = f"source {result.source}: reliability {result.reliability}" + (
            f" — as of {result.as_of}" if result.as_of else ""
        )
        table = Table(title=title, title_justify="left")
        for column in ("@", "grade", "reason", "recorded"):
            table.add_column(column, overflow="fold", justify="right" if column == "@" else "left")
        for g in result.gradings:
            table.add_row(str(g.position), g.reliability, g.reason, f"{g.recorded_at}\nby {g.recorded_by}")
        stdout.print(table)
