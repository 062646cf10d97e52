"""history, log, verify."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli import render
from cli.options import MAX_NUMBER, AsOf, Db, Format, Output, Summary, SummaryFormat
from cli.progress import phases
from cli.session import record


class EntityKind(StrEnum):
    actor = "actor"
    location = "location"


def history(
    ctx: typer.Context,
    fact: Annotated[str, typer.Argument(help="The fact's id.")],
    fmt: Output = Format.table,
    as_of: AsOf = None,
    db: Db = None,
) -> None:
    """Every version of one fact: what changed (field, from, to), when, by whom, why."""
    with record(ctx, db) as (timeline, _):
        result = timeline.read.history(fact, as_of)
    render.history(result, fmt)


def entity(
    ctx: typer.Context,
    kind: Annotated[EntityKind, typer.Argument(help="actor or location.")],
    name: Annotated[str, typer.Argument(help="Its name, an alias, or 'Name, Enclosing place'.")],
    fmt: Output = Format.table,
    as_of: AsOf = None,
    db: Db = None,
) -> None:
    """The history of an actor or place: registrations and aliases given or moved, who, when, why."""
    with record(ctx, db) as (timeline, _):
        result = timeline.read.entity(kind.value, name, as_of)
    render.entity_history(result, fmt)


def log(
    ctx: typer.Context,
    since: Annotated[int, typer.Option("--since", min=0, max=MAX_NUMBER, help="Only positions after N.")] = 0,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, max=MAX_NUMBER, help="At most N events.")
    ] = None,
    fmt: Output = Format.table,
    as_of: AsOf = None,
    db: Db = None,
) -> None:
    """The event log in position order."""
    with record(ctx, db) as (timeline, _):
        render.log(timeline.read.log(since, limit, as_of), fmt)


def verify(
    ctx: typer.Context,
    print_head: Annotated[
        bool, typer.Option("--print-head", help="Print only the head digest as DIGEST@N.")
    ] = False,
    expect: Annotated[
        str | None, typer.Option("--expect", help="DIGEST@N: prove the first N events are unchanged.")
    ] = None,
    evidence: Annotated[
        Path | None,
        typer.Option(
            "--evidence",
            help="Also re-hash the archived files found in this directory; name any missing or changed.",
        ),
    ] = None,
    fmt: SummaryFormat = Summary.table,
    db: Db = None,
) -> None:
    """Re-read the whole log: hash chain, version sequences, read models vs a fresh replay."""
    with record(ctx, db) as (timeline, _), phases() as progress:
        result = timeline.read.verify(expect, progress=progress)
        if evidence is not None:
            found = timeline.read.evidence(evidence)
            checked = f"ok ({len(found.files)} files)"
            result = result.replace(checks={**result.checks, "evidence": checked})
    if print_head:
        typer.echo(f"{result.head}@{result.head_position}")
    elif fmt is Summary.json:
        render.write_json(result.to_json())
    else:
        checks = ", ".join(f"{name} {state}" for name, state in result.checks.items())
        typer.echo(f"intact: {result.events} events; {checks}; head {result.head}@{result.head_position}")


def register(app: typer.Typer) -> None:
    for command in (history, entity, log, verify):
        app.command()(command)
