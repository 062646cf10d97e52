"""One place where library errors become one stderr line and an exit code."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from typer._click.exceptions import UsageError

from timeline import JournalInvalidError, TimelineError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console


class LazyConsole:
    """A rich Console made when something is printed, so that a command whose answer
    is JSON and that has nothing to say on stderr does not load rich (~15 ms).

    Each use makes a new Console (~15 µs): it reads the terminal and COLUMNS as they
    are then, as one Console kept from the start would.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options

    def console(self) -> Console:
        from rich.console import Console

        return Console(**self._options)

    def print(self, *objects: Any, **options: Any) -> None:
        self.console().print(*objects, **options)


stderr = LazyConsole(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def handle_errors() -> Iterator[None]:
    """Map TimelineError to its exit code; anything unexpected to exit 1, never a traceback."""
    try:
        yield
    except (typer.Exit, typer.Abort, UsageError):  # typer's own; `cli.app.main` words usage errors
        raise
    except BrokenPipeError:
        # The reader went away (`timeline log -f ndjson | head`): stop quietly. stdout is
        # pointed at /dev/null so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None
    except JournalInvalidError as error:
        for problem in error.problems:
            stderr.print(problem, markup=False)
        stderr.print(f"error: {error}", markup=False)
        raise typer.Exit(error.exit_code) from None
    except TimelineError as error:
        stderr.print(f"error: {error}", markup=False)
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        stderr.print("error: interrupted", markup=False)
        raise typer.Exit(130) from None
    except Exception as error:  # a bug or an environment failure: one line, exit 1
        first = str(error).splitlines()[0] if str(error) else ""
        stderr.print(f"error: {type(error).__name__}: {first}", markup=False)
        raise typer.Exit(1) from None
