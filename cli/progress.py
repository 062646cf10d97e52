"""Progress on stderr, one line per phase with its rate, and only on a terminal."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from cli.errors import stderr

PhaseProgress = Callable[[str, int, int], None]


class RateColumn(ProgressColumn):
    """Items per second of a phase (its final rate once finished)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f}/s" if speed else "", style="progress.data.speed")


@contextmanager
def phases(console: Console | None = None) -> Iterator[PhaseProgress]:
    """A callback `progress(phase, done, total)`: each new phase gets its own line and the
    previous one is marked finished; a total of 0 means unknown (no bar, just counts).
    The console is stderr's unless given."""
    console = console or stderr.console()
    columns = (
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
        tasks: dict[str, TaskID] = {}

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                for task in tasks.values():  # the earlier phase is over
                    finished = bar.tasks[task]
                    bar.update(task, total=finished.completed)
                tasks[phase] = bar.add_task(phase, total=total or None)
            bar.update(tasks[phase], completed=done, total=total or None)

        yield update
