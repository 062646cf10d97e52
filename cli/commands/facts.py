"""show: one fact's full content; search: facts by the words of their text."""

from typing import Annotated

import typer

from cli import render
from cli.options import AsOf, Db, Format, From, IncludeRetracted, Output, To
from cli.session import record
from timeline import queries


def show(
    ctx: typer.Context,
    fact: Annotated[str, typer.Argument(help="The fact's id.")],
    fmt: Output = Format.table,
    as_of: AsOf = None,
    db: Db = None,
) -> None:
    """One fact's full content: every field, its sources, status and version."""
    with record(ctx, db) as (timeline, _):
        result = timeline.read.show(fact, as_of)
    render.fact(result, fmt)


def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Words to find (all of them), in any order.")],
    incident: Annotated[str | None, typer.Option("--incident", help="Only facts of this incident.")] = None,
    fmt: Output = Format.table,
    as_of: AsOf = None,
    occurred_from: From = None,
    occurred_to: To = None,
    include_retracted: IncludeRetracted = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many facts.")] = 50,
    db: Db = None,
) -> None:
    """Full-text search over summaries, quotes and source names, most relevant first."""
    query = queries.SearchQuery(text, incident, as_of, include_retracted, occurred_from, occurred_to, limit)
    with record(ctx, db) as (timeline, _):
        result = timeline.read.search(query)
    render.timeline(result, fmt)


def register(app: typer.Typer) -> None:
    for command in (show, search):
        app.command()(command)
