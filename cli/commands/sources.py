"""source, grade, evidence add: how far to trust a source, and what a fact rests on."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli import render
from cli.commands.amend import FactId, IfVersion, _submit
from cli.options import AsOf, Db, Format, Output, Reason, RecordedBy, Summary, SummaryFormat
from cli.session import record, settings
from timeline.audit.evidence import evidence_submission

evidence_app = typer.Typer(help="Archived copies of sources, hashed when recorded.", no_args_is_help=True)

SourceName = Annotated[str, typer.Argument(help="The source's name, as facts give it (e.g. TASS).")]


class Reliability(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"


def source(
    ctx: typer.Context, name: SourceName, fmt: Output = Format.table, as_of: AsOf = None, db: Db = None
) -> None:
    """A source's reliability grade and every grading of it: when, by whom, why."""
    with record(ctx, db) as (timeline, _):
        result = timeline.read.source(name, as_of)
    render.source_history(result, fmt)


def grade(
    ctx: typer.Context,
    name: SourceName,
    reliability: Annotated[
        Reliability,
        typer.Argument(
            help="Admiralty reliability: A completely reliable, B usually, C fairly, D not usually, "
            "E unreliable, F cannot be judged.",
            case_sensitive=False,
        ),
    ],
    reason: Reason,
    fmt: SummaryFormat = Summary.table,
    db: Db = None,
    recorded_by: RecordedBy = None,
) -> None:
    """Grade a source's reliability (SourceGraded); it applies from now on to every fact it reports."""
    obj = {"type": "SourceGraded", "source": name, "reliability": reliability.value, "reason": reason}
    _submit(ctx, obj, name, None, fmt, db, recorded_by)


def add(
    ctx: typer.Context,
    fact: FactId,
    file: Annotated[Path, typer.Argument(help="The captured copy: a screenshot, PDF, WACZ ...")],
    reason: Reason,
    url: Annotated[str | None, typer.Option("--url", help="Where the copy was captured from.")] = None,
    source_name: Annotated[
        str | None, typer.Option("--source", help="The source's name [default: the file's name].")
    ] = None,
    captured_at: Annotated[
        str | None, typer.Option("--captured-at", help="When it was captured (ISO) [default: now].")
    ] = None,
    if_version: IfVersion = None,
    fmt: SummaryFormat = Summary.table,
    db: Db = None,
    recorded_by: RecordedBy = None,
) -> None:
    """Hash a file and record it as a source of FACT, with its archive record (SourceAdded)."""
    who = settings(ctx, db, recorded_by).recorded_by
    obj = evidence_submission(
        fact, file, source=source_name, url=url, reason=reason, captured_by=who, captured_at=captured_at
    )
    _submit(ctx, obj, fact, if_version, fmt, db, recorded_by)


def register(app: typer.Typer) -> None:
    for command in (source, grade):
        app.command()(command)
    evidence_app.command("add")(add)
    app.add_typer(evidence_app, name="evidence")
