"""actor, location, incident timelines; actors, locations, incidents listings."""

from typing import Annotated

import typer

from cli import render
from cli.options import AsOf, Db, Format, From, IncludeRetracted, Limit, MinGrade, Output, To
from cli.session import record
from timeline import queries


def _timeline(ctx: typer.Context, query: queries.TimelineQuery, fmt: Format, db: str | None) -> None:
    with record(ctx, db) as (timeline, _):
        render.timeline_stream(timeline.read.timeline_stream(query), fmt)


def actor(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The actor, by any of its names.")],
    key: Annotated[
        str | None, typer.Option("--key", help="The actor with this explicit key (NAME is then ignored).")
    ] = None,
    fmt: Output = Format.table,
    as_of: AsOf = None,
    occurred_from: From = None,
    occurred_to: To = None,
    include_retracted: IncludeRetracted = False,
    limit: Limit = None,
    min_grade: MinGrade = None,
    db: Db = None,
) -> None:
    """One actor's timeline, oldest occurred first (aliases resolve to the actor)."""
    query = queries.TimelineQuery(
        "actor", name, as_of, False, include_retracted, occurred_from, occurred_to, limit, key, min_grade
    )
    _timeline(ctx, query, fmt, db)


def location(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The location, by any of its names.")],
    exact: Annotated[bool, typer.Option("--exact", help="Only this place, not places within it.")] = False,
    key: Annotated[
        str | None, typer.Option("--key", help="The place with this explicit key (NAME is then ignored).")
    ] = None,
    fmt: Output = Format.table,
    as_of: AsOf = None,
    occurred_from: From = None,
    occurred_to: To = None,
    include_retracted: IncludeRetracted = False,
    limit: Limit = None,
    min_grade: MinGrade = None,
    db: Db = None,
) -> None:
    """One location's timeline, including every place within it unless --exact.

    NAME may be qualified by the places it lies within, nearest first:
    "Los Angeles, Veracruz". A name that several places share is refused with
    every candidate listed.
    """
    query = queries.TimelineQuery(
        "location", name, as_of, exact, include_retracted, occurred_from, occurred_to, limit, key, min_grade
    )
    _timeline(ctx, query, fmt, db)


def incident(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="The incident's slug.")],
    fmt: Output = Format.table,
    as_of: AsOf = None,
    occurred_from: From = None,
    occurred_to: To = None,
    include_retracted: IncludeRetracted = False,
    limit: Limit = None,
    min_grade: MinGrade = None,
    db: Db = None,
) -> None:
    """One incident's timeline, oldest occurred first."""
    query = queries.TimelineQuery(
        "incident", slug, as_of, False, include_retracted, occurred_from, occurred_to, limit, None, min_grade
    )
    _timeline(ctx, query, fmt, db)


def _listing(
    ctx: typer.Context, kind: str, fmt: Format, as_of: str | None, db: str | None, limit: int | None = None
) -> None:
    with record(ctx, db) as (timeline, _):
        result = timeline.read.subjects(kind, as_of, limit)
    render.subjects(result, fmt)


def actors(
    ctx: typer.Context, fmt: Output = Format.table, as_of: AsOf = None, limit: Limit = None, db: Db = None
) -> None:
    """Every actor in the record, with its number of facts (most first)."""
    _listing(ctx, "actor", fmt, as_of, db, limit)


def locations(
    ctx: typer.Context,
    tree: Annotated[
        bool, typer.Option("--tree", help="The place hierarchy, counts including the places within.")
    ] = False,
    fmt: Output = Format.table,
    as_of: AsOf = None,
    limit: Limit = None,
    db: Db = None,
) -> None:
    """Every location in the record, with its number of facts (or the place tree with --tree)."""
    if not tree:
        _listing(ctx, "location", fmt, as_of, db, limit)
        return
    with record(ctx, db) as (timeline, _):
        result = timeline.read.place_hierarchy(as_of)
    render.places(result, fmt, tree=True)


def place(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A place name (or alias), optionally 'Name, Enclosing place'.")],
    fmt: Output = Format.table,
    as_of: AsOf = None,
    db: Db = None,
) -> None:
    """Every place of that name, with the places it lies within, its key and fact count."""
    with record(ctx, db) as (timeline, _):
        result = timeline.read.places_named(name, as_of)
    render.places(result, fmt, tree=False)


def incidents(
    ctx: typer.Context, fmt: Output = Format.table, as_of: AsOf = None, limit: Limit = None, db: Db = None
) -> None:
    """Every incident in the record, with its number of facts."""
    _listing(ctx, "incident", fmt, as_of, db, limit)


def register(app: typer.Typer) -> None:
    for command in (actor, location, incident, actors, locations, incidents, place):
        app.command()(command)
