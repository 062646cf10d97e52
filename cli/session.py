"""Opening the record for a command, from its options, the root options and the environment."""

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from cli.errors import stderr
from timeline import Settings, Timeline, open_timeline


def settings(ctx: typer.Context, db: str | None, recorded_by: str | None) -> Settings:
    root = ctx.find_root().obj
    return Settings.from_environment(
        db=db or getattr(root, "db", None),
        recorded_by=recorded_by or getattr(root, "recorded_by", None),
    )


@contextmanager
def record(
    ctx: typer.Context, db: str | None, recorded_by: str | None = None, *, create: bool = False
) -> Iterator[tuple[Timeline, Settings]]:
    """The opened Timeline (closed afterwards) and the settings it was opened with.

    Notes the record left (a write that stands, read models that will catch up
    later) go to stderr; they are not failures.

    Only commands that bring new content (`create=True`) may create a SQLite file;
    the others exit 1 with "no record at …" when it does not exist.
    """
    config = settings(ctx, db, recorded_by)
    timeline = open_timeline(config, create=create)
    try:
        yield timeline, config
    finally:
        for note in timeline.notes:
            stderr.print(f"note: {note}", markup=False)
        timeline.close()
