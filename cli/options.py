"""Options shared by many commands, declared once."""

from enum import StrEnum
from typing import Annotated

import typer


class Format(StrEnum):
    table = "table"
    json = "json"
    ndjson = "ndjson"
    csv = "csv"


class Summary(StrEnum):
    """The formats of commands that print one summary: anything else is a usage error."""

    table = "table"
    json = "json"


Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLite file or postgresql://user:pass@host:port/dbname "
        "[default: $TIMELINE_DB, else ./timeline.db]",
        show_default=False,
    ),
]
RecordedBy = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Who is recording, stored on every event [default: $TIMELINE_USER, else the OS user]",
        show_default=False,
    ),
]
Output = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
SummaryFormat = Annotated[Summary, typer.Option("--format", "-f", help="table or json.")]
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Answer as the record stood then: an ISO time (recorded_at <= T) or @N (positions <= N).",
    ),
]
From = Annotated[
    str | None, typer.Option("--from", help="Only entries whose span reaches this or later (ISO, EDTF).")
]
To = Annotated[
    str | None, typer.Option("--to", help="Only entries whose span reaches this or earlier (ISO, EDTF).")
]
IncludeRetracted = Annotated[
    bool,
    typer.Option("--include-retracted", help="Also show retracted facts (status: retracted)."),
]
MinGrade = Annotated[
    str | None,
    typer.Option(
        "--min-grade",
        help="Only entries graded at least this well (Admiralty, e.g. B3: reliability A-B "
        "and credibility 1-3); ungraded entries are left out.",
    ),
]
MAX_NUMBER = 2**63 - 1
"""Largest count or position a store can hold (a signed 64-bit integer)."""
Limit = Annotated[
    int | None, typer.Option("--limit", min=1, max=MAX_NUMBER, help="At most this many entries.")
]
Reason = Annotated[str, typer.Option("--reason", help="Why the record changes (required).")]
