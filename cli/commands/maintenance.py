"""replay: rebuild the read models from the log."""

import signal
from typing import Annotated

import typer

from cli import render
from cli.options import Db, Summary, SummaryFormat
from cli.progress import phases
from cli.session import record


def replay(
    ctx: typer.Context,
    fmt: SummaryFormat = Summary.table,
    db: Db = None,
) -> None:
    """Drop the read models and rebuild them from the log; prints events/s."""
    with (
        record(ctx, db) as (timeline, _),
        phases() as progress,
    ):
        result = timeline.replay(lambda done, total: progress("replaying", done, total))
    if fmt is Summary.json:
        render.write_json(result.to_json())
    else:
        rate = f"{result.events_per_second:,.0f} events/s"
        typer.echo(f"replayed {result.events} events in {result.seconds:.2f} s ({rate})")


def follow(
    ctx: typer.Context,
    interval: Annotated[
        float, typer.Option("--interval", min=0.05, help="Longest wait between checks, in seconds.")
    ] = 1.0,
    max_seconds: Annotated[
        float | None,
        typer.Option("--max-seconds", min=0, help="Stop after this long (default: run until stopped)."),
    ] = None,
    db: Db = None,
) -> None:
    """Keep the read models current as other clients append (LISTEN/NOTIFY on PostgreSQL)."""
    stop = {"requested": False}

    def request_stop(*_: object) -> None:
        stop["requested"] = True

    signal.signal(signal.SIGTERM, request_stop)
    with record(ctx, db) as (timeline, _):
        total = timeline.follow(
            interval=interval,
            max_seconds=max_seconds,
            should_stop=lambda: stop["requested"],
            on_applied=lambda n, at: typer.echo(f"applied {n} events; read models at position {at}"),
        )
    typer.echo(f"stopped after applying {total} events")


def register(app: typer.Typer) -> None:
    app.command()(replay)
    app.command()(follow)
