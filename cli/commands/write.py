"""append: journals into the record."""

from typing import Annotated

import typer

from cli import render
from cli.options import Db, RecordedBy, Summary, SummaryFormat
from cli.progress import phases
from cli.session import record


def append(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(help="Journal files (NDJSON or a JSON array); - for stdin.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only; write nothing.")] = False,
    fmt: SummaryFormat = Summary.table,
    db: Db = None,
    recorded_by: RecordedBy = None,
) -> None:
    """Validate whole journals first, then write them; re-appending writes nothing new."""
    with (
        record(ctx, db, recorded_by, create=True) as (timeline, config),
        phases() as progress,
    ):
        result = timeline.append(files, recorded_by=config.recorded_by, dry_run=dry_run, progress=progress)
    if fmt is Summary.json:
        render.write_json(result.to_json())
    else:
        verb = "valid (dry run): nothing written" if dry_run else f"appended {result.appended}"
        typer.echo(f"{verb}, already present {result.present}")


def register(app: typer.Typer) -> None:
    app.command()(append)
