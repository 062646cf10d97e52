"""Tables and trees drawn with rich, for the commands' default format: loaded by
`cli.render` only when it draws one, so that a JSON answer does not load rich."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from cli.errors import LazyConsole
from timeline.results import figures_text

if TYPE_CHECKING:
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

stdout = LazyConsole(highlight=False, soft_wrap=False)


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


def timeline(result: TimelineResult) -> None:
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


def subjects(result: SubjectsResult) -> None:
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


def place_tree(result: PlacesResult, places: list[dict[str, Any]]) -> None:
    """`locations --tree`: the place hierarchy."""
    root = Tree(f"places{' — as of ' + result.as_of if result.as_of else ''}")

    def grow(node: Tree, items: list[dict[str, Any]]) -> None:
        for item in items:
            kind = f" [dim]{escape(item['kind'])}[/dim]" if item.get("kind") else ""
            grow(node.add(f"{escape(item['name'])}{kind} ({item['facts']})"), item.get("children") or [])

    grow(root, places)
    stdout.print(root)


def places(result: PlacesResult, flat: list[tuple[int, dict[str, Any]]]) -> None:
    """`place NAME`: the places of one name."""
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


def history(result: HistoryResult) -> None:
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


def log(shown: list[LogEntry]) -> None:
    # Times and ids are never cut; the reason wraps under the event it explains.
    table = SafeTable(title_justify="left")
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


def entity_history(result: EntityHistoryResult, statements: list[dict[str, Any]]) -> None:
    where = " > ".join(result.place_path or []) or result.name
    title = f"history of {result.kind} {where}" + (f" — as of {result.as_of}" if result.as_of else "")
    table = Table(title=title, title_justify="left", show_lines=True)
    for column in ("@", "event", "recorded", "reason", "statement"):
        table.add_column(column, overflow="fold", justify="right" if column == "@" else "left")
    for s in statements:
        what = {k: v for k, v in s["statement"].items() if k != "reason"}
        table.add_row(
            str(s["position"]),
            s["event"],
            f"{s['recorded_at']}\n{escape(s['recorded_by'])}",
            escape(s["reason"] or ""),
            escape(orjson.dumps(what).decode()),
        )
    stdout.print(table)


def fact(result: FactResult, rows: list[dict[str, Any]]) -> None:
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


def source_history(result: SourceHistoryResult) -> None:
    title = f"source {result.source}: reliability {result.reliability}" + (
        f" — as of {result.as_of}" if result.as_of else ""
    )
    table = Table(title=title, title_justify="left")
    for column in ("@", "grade", "reason", "recorded"):
        table.add_column(column, overflow="fold", justify="right" if column == "@" else "left")
    for g in result.gradings:
        table.add_row(str(g.position), g.reliability, g.reason, f"{g.recorded_at}\nby {g.recorded_by}")
    stdout.print(table)
