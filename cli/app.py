"""The root `timeline` command: global options, command groups, and `main()`."""

import importlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import typer
from typer._click.core import Context  # typer's own click; not re-exported by typer
from typer._click.exceptions import UsageError
from typer.core import TyperGroup

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


MODULES = (
    "write",
    "amend",
    "timelines",
    "facts",
    "gazetteer",
    "audit",
    "maintenance",
    "backup",
    "sources",
    "serve",
)
"""Modules of `cli.commands` whose `register(app)` adds commands, in `--help` order."""
GROUPS = {
    "record": ("record", "app"),
    "import": ("interop", "import_app"),
    "export": ("interop", "export_app"),
}
"""Command groups: name -> (module of `cli.commands`, its Typer)."""
COMMANDS = {
    **dict.fromkeys(("append",), "write"),
    **dict.fromkeys(("correct", "retract", "corroborate", "restore-fact"), "amend"),
    **dict.fromkeys(
        ("actor", "location", "incident", "actors", "locations", "incidents", "place"), "timelines"
    ),
    **dict.fromkeys(("show", "search"), "facts"),
    **dict.fromkeys(("register", "alias"), "gazetteer"),
    **dict.fromkeys(("history", "entity", "log", "verify"), "audit"),
    **dict.fromkeys(("replay", "follow"), "maintenance"),
    **dict.fromkeys(("dump", "restore"), "backup"),
    **dict.fromkeys(("source", "grade", "evidence"), "sources"),
    **dict.fromkeys(("serve",), "serve"),
}
"""Which module registers each top-level command: a command run from the shell imports
only its own module (and what that needs), not every command's (tests/unit/test_cli_app.py
checks this table against the full registration)."""
_VALUED_OPTIONS = frozenset({"--db", "--as"})


@dataclass
class Globals:
    db: str | None = None
    recorded_by: str | None = None


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as package_version

        try:
            typer.echo(f"timeline {package_version('timeline')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            typer.echo("timeline (not installed)")
        raise typer.Exit()


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


def build(command: str | None = None) -> typer.Typer:
    """The root app with every command, or (`command`) with that one command's module only."""
    app = typer.Typer(
        cls=Commands,
        name="timeline",
        help="Record reported facts with their sources, read them as timelines, audit every change.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=True,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    for name in MODULES:
        if command is None or COMMANDS.get(command) == name:
            importlib.import_module(f"cli.commands.{name}").register(app)
    for name, (module, attribute) in GROUPS.items():
        if command is None or command == name:
            app.add_typer(getattr(importlib.import_module(f"cli.commands.{module}"), attribute), name=name)
    return app


def command_of(argv: Sequence[str]) -> str | None:
    """The command an argument list runs, if it names one this app knows (None: the
    whole app is needed: help, completion, a mistyped command, no command)."""
    if "_TIMELINE_COMPLETE" in os.environ:
        return None
    args = iter(argv)
    for arg in args:
        if arg in _VALUED_OPTIONS:
            next(args, None)
        elif arg.startswith("-"):
            if (
                arg in ("-h", "--help")
                or arg.startswith("--show-completion")
                or arg == "--install-completion"
            ):
                return None
        elif arg in COMMANDS or arg in GROUPS:
            return arg
        else:
            return None
    return None


_full: typer.Typer | None = None


def __getattr__(name: str) -> Any:
    """`cli.app.app`: the root app with every command (tests, documentation tools)."""
    global _full
    if name == "app":
        if _full is None:
            _full = build()
        return _full
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Entry point of the `timeline` script; never shows a traceback.

    Usage errors (a bad option value, a missing argument) are one stderr line in the
    record's words, like every other error, with a pointer to the command's help.
    """
    app = build(command_of(sys.argv[1:]))
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
