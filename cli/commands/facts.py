"""show: one fact's full content."""

from typing import Annotated

import typer

from cli import render
from cli.errors import handle_errors
from cli.options import AsOf, Db, Format, Output
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
    with handle_errors(), record(ctx, db) as (timeline, _):
        timeline.project()
        result = queries.show(timeline.view, fact, as_of)
    render.fact(result, fmt)


def register(app: typer.Typer) -> None:
    app.command()(show)
