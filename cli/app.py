"""The root `timeline` command: global options, command groups, and `main()`."""

import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version

import typer

from cli.commands import (
    amend,
    audit,
    backup,
    facts,
    gazetteer,
    interop,
    maintenance,
    record,
    timelines,
    write,
)
from cli.errors import handle_errors

app = typer.Typer(
    name="timeline",
    help="Record reported facts with their sources, read them as timelines, audit every change.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass
class Globals:
    db: str | None = None
    recorded_by: str | None = None


def _version(value: bool) -> None:
    if value:
        try:
            typer.echo(f"timeline {package_version('timeline')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            typer.echo("timeline (not installed)")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None,
        "--db",
        help="SQLite file or postgresql:// URL [default: $TIMELINE_DB, else ./timeline.db]",
        show_default=False,
    ),
    recorded_by: str | None = typer.Option(
        None,
        "--as",
        help="Who is recording [default: $TIMELINE_USER, else the OS user]",
        show_default=False,
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Record reported facts with their sources, read them as timelines, audit every change."""
    ctx.obj = Globals(db=db, recorded_by=recorded_by)


for module in (write, amend, timelines, facts, gazetteer, audit, maintenance, backup):
    module.register(app)
app.add_typer(record.app, name="record")
app.add_typer(interop.import_app, name="import")
app.add_typer(interop.export_app, name="export")


def main() -> None:
    """Entry point of the `timeline` script; never shows a traceback."""
    with handle_errors():
        app()
    sys.exit(0)
