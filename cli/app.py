"""The root `timeline` command: global options, command groups, and `main()`."""

import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version

import typer
from typer._click.core import Context  # typer's own click; not re-exported by typer
from typer._click.exceptions import UsageError
from typer.core import TyperGroup

from cli.commands import (
    amend,
    audit,
    backup,
    facts,
    gazetteer,
    interop,
    maintenance,
    record,
    serve,
    sources,
    timelines,
    write,
)
from cli.errors import handle_errors, stderr
from cli.options import Db, RecordedBy
from timeline.wording import readable


class Commands(TyperGroup):
    """The root command group: every command's errors become its exit code here, once.

    A `TimelineError` is one stderr line and its exit code; anything unexpected is one
    line and exit 1 (see `cli.errors.handle_errors`). Sub-groups (`import`, `export`,
    `record`) run inside this group's `invoke`, so they are covered too.
    """

    def invoke(self, ctx: Context) -> object:
        with handle_errors():
            return super().invoke(ctx)


app = typer.Typer(
    cls=Commands,
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
    db: Db = None,
    recorded_by: RecordedBy = None,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Record reported facts with their sources, read them as timelines, audit every change."""
    ctx.obj = Globals(db=db, recorded_by=recorded_by)


for module in (write, amend, timelines, facts, gazetteer, audit, maintenance, backup, sources, serve):
    module.register(app)
app.add_typer(record.app, name="record")
app.add_typer(interop.import_app, name="import")
app.add_typer(interop.export_app, name="export")


def main() -> None:
    """Entry point of the `timeline` script; never shows a traceback.

    Usage errors (a bad option value, a missing argument) are one stderr line in the
    record's words, like every other error, with a pointer to the command's help.
    """
    try:
        with handle_errors():
            code = app(standalone_mode=False)
    except UsageError as error:
        message = readable(error.format_message())
        if message:  # empty when the help was shown instead (no arguments)
            where = error.ctx.command_path if error.ctx is not None else "timeline"
            stderr.print(f"error: {message} (see {where} --help)", markup=False)
        sys.exit(error.exit_code)
    except typer.Abort:
        stderr.print("error: aborted", markup=False)
        sys.exit(1)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
