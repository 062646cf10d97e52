"""append: journals into the record."""

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from cli import render
from cli.errors import handle_errors, stderr
from cli.options import Db, RecordedBy, Summary, SummaryFormat
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
        handle_errors(),
        record(ctx, db, recorded_by, create=True) as (timeline, config),
        Progress(
            "appending",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr,
            transient=True,
            disable=not stderr.is_terminal,
        ) as bar,
    ):
        task = bar.add_task("append", total=None)
        result = timeline.append(
            files,
            recorded_by=config.recorded_by,
            dry_run=dry_run,
            progress=lambda done, total: bar.update(task, completed=done, total=total or None),
        )
    if fmt is Summary.json:
        render.write_json(result.to_json())
    else:
        verb = "valid (dry run): nothing written" if dry_run else f"appended {result.appended}"
        typer.echo(f"{verb}, already present {result.present}")


def register(app: typer.Typer) -> None:
    app.command()(append)
