"""dump, restore: a backup of the whole log that keeps its audit trail."""

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from cli import render
from cli.options import Db, Summary, SummaryFormat
from cli.session import record
from timeline.results import DumpResult


def dump(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="Where to write the dump (NDJSON); - for stdout.")],
    fmt: SummaryFormat = Summary.table,
    db: Db = None,
) -> None:
    """Back up the whole log: positions, recorded_at, recorded_by and chain digests kept."""
    with record(ctx, db) as (timeline, _):
        if file == "-":
            result = timeline.read.dump(sys.stdout.buffer)
            sys.stdout.flush()
            return
        target = Path(file)
        # Written beside the target and renamed, so a failed dump never leaves half a file.
        handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
        try:
            with os.fdopen(handle, "wb") as out:
                result = timeline.read.dump(out)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    _report("dumped", result, fmt)


def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A file written by `timeline dump`.")],
    fmt: SummaryFormat = Summary.table,
    db: Db = None,
) -> None:
    """Restore a dump into an empty store; it verifies to the same DIGEST@N as the original."""
    with record(ctx, db, create=True) as (timeline, _):
        result = timeline.restore(file)
    _report("restored", result, fmt)


def _report(verb: str, result: DumpResult, fmt: Summary) -> None:
    if fmt is Summary.json:
        render.write_json(result.to_json())
    else:
        typer.echo(f"{verb} {result.events} events; head {result.head}@{result.head_position}")


def register(app: typer.Typer) -> None:
    for command in (dump, restore):
        app.command()(command)
