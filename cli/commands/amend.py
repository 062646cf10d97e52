"""correct, retract, restore-fact, corroborate: amendments of an existing fact."""

from typing import Annotated, Any

import orjson
import typer

from cli import render
from cli.options import Db, Reason, RecordedBy, Summary, SummaryFormat
from cli.session import record
from timeline import InvalidInputError
from timeline.results import WriteResult

FactId = Annotated[str, typer.Argument(help="The fact's id.")]
IfVersion = Annotated[
    int | None,
    typer.Option("--if-version", help="Refuse (exit 4) unless the fact is still at this version."),
]


def correct(
    ctx: typer.Context,
    fact: FactId,
    reason: Reason,
    changes: Annotated[
        list[str],
        typer.Option("--set", help='field=value; value is JSON if it parses (3, ["a"]), else text.'),
    ],
    if_version: IfVersion = None,
    fmt: SummaryFormat = Summary.table,
    db: Db = None,
    recorded_by: RecordedBy = None,
) -> None:
    """Correct fields of a fact; it keeps its id and its version goes up."""
    values = dict(_assignment(item) for item in changes)
    obj = {"type": "FactCorrected", "fact": fact, "changes": values, "reason": reason}
    _submit(ctx, obj, fact, if_version, fmt, db, recorded_by)


def retract(
    ctx: typer.Context,
    fact: FactId,
    reason: Reason,
    if_version: IfVersion = None,
    fmt: SummaryFormat = Summary.table,
    db: Db = None,
    recorded_by: RecordedBy = None,
) -> None:
    """Retract a fact: it stays in the log and in history but leaves the timelines."""
    obj = {"type": "FactRetracted", "fact": fact, "reason": reason}
    _submit(ctx, obj, fact, if_version, fmt, db, recorded_by)


def restore_fact(
    ctx: typer.Context,
    fact: FactId,
    reason: Reason,
    if_version: IfVersion = None,
    fmt: SummaryFormat = Summary.table,
    db: Db = None,
    recorded_by: RecordedBy = None,
) -> None:
    """Undo a retraction: the fact returns to the timelines; history keeps both events."""
    obj = {"type": "FactRestored", "fact": fact, "reason": reason}
    _submit(ctx, obj, fact, if_version, fmt, db, recorded_by)


def corroborate(
    ctx: typer.Context,
    fact: FactId,
    reason: Reason,
    source_name: Annotated[str, typer.Option("--source-name", help="Who else reports it.")],
    source_url: Annotated[str | None, typer.Option("--source-url")] = None,
    source_published: Annotated[str | None, typer.Option("--source-published", help="ISO time.")] = None,
    source_quote: Annotated[str | None, typer.Option("--source-quote")] = None,
    if_version: IfVersion = None,
    fmt: SummaryFormat = Summary.table,
    db: Db = None,
    recorded_by: RecordedBy = None,
) -> None:
    """Add a source to a fact (corroboration); its version goes up."""
    source = {
        "name": source_name,
        "url": source_url,
        "published": source_published,
        "quote": source_quote,
    }
    obj = {
        "type": "SourceAdded",
        "fact": fact,
        "reason": reason,
        "source": {k: v for k, v in source.items() if v is not None},
    }
    _submit(ctx, obj, fact, if_version, fmt, db, recorded_by)


def _submit(
    ctx: typer.Context,
    obj: dict[str, Any],
    fact: str,
    if_version: int | None,
    fmt: Summary,
    db: str | None,
    recorded_by: str | None,
) -> None:
    with record(ctx, db, recorded_by) as (timeline, config):
        result = timeline.submit(
            obj, recorded_by=config.recorded_by, where="<command line>", expected_version=if_version
        )
    _report(result, fmt)


def _assignment(item: str) -> tuple[str, Any]:
    field, sep, raw = item.partition("=")
    if not sep or not field.strip():
        raise InvalidInputError(f"--set {item!r}: expected field=value")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        value = raw
    return field.strip(), value


def _report(result: WriteResult, fmt: Summary) -> None:
    """What was written: the fact's id and version (record prints the id it generated)."""
    if fmt is Summary.json:
        render.write_json(result.to_json())
        return
    subject = result.fact or result.name or ""
    version = f" v{result.version}" if result.version is not None else ""
    if result.unchanged:
        typer.echo(f"no change: {subject}{version} already says that; nothing written")
    elif result.appended:
        typer.echo(f"recorded {subject}{version}")
    else:
        typer.echo(f"already recorded: {subject}{version}; nothing written")


def register(app: typer.Typer) -> None:
    for command in (correct, retract, corroborate):
        app.command()(command)
    app.command("restore-fact")(restore_fact)
