"""import acled|ucdp|bellingcat, export timelinejs|csv|ndjson."""

import sys
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cli.errors import stderr
from cli.options import AsOf, Db, RecordedBy
from cli.session import record
from timeline import Timeline
from timeline.errors import InvalidInputError
from timeline.interop import acled, bellingcat, export, ucdp
from timeline.interop.common import RowError
from timeline.interop.importer import ImportResult, Missing, import_rows
from timeline.queries import FactLocator
from timeline.results import FactRecord

import_app = typer.Typer(
    help="Import third-party event tables; re-importing a newer export records corrections.",
    no_args_is_help=True,
)
export_app = typer.Typer(help="Export timelines as TimelineJS JSON, CSV or NDJSON.", no_args_is_help=True)


class Summary(StrEnum):
    table = "table"
    json = "json"


Fmt = Annotated[Summary, typer.Option("--format", "-f", help="table or json.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Validate only; write nothing.")]


def _counted(rows: Iterable[Any], bar: Progress, task: Any) -> Iterator[Any]:
    for count, item in enumerate(rows, start=1):
        if count % 100 == 0:
            bar.update(task, completed=count)
        yield item


def _run(
    ctx: typer.Context,
    rows: Iterable[tuple[int, list[dict[str, Any]] | RowError]],
    *,
    table: str,
    prefix: str,
    label: str,
    missing: Missing,
    deleted: Iterable[str],
    dry_run: bool,
    fmt: Summary,
    db: str | None,
    recorded_by: str | None,
) -> None:
    console = stderr.console()
    with (
        record(ctx, db, recorded_by, create=True) as (timeline, config),
        Progress(
            SpinnerColumn(),
            TextColumn(f"importing {table}: {{task.completed}} rows"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as bar,
    ):
        task = bar.add_task("import", total=None)
        result = import_rows(
            timeline,
            _counted(rows, bar, task),
            table=table,
            prefix=prefix,
            label=label,
            recorded_by=config.recorded_by,
            missing=missing,
            deleted=deleted,
            dry_run=dry_run,
        )
    _report(result, fmt, dry_run)


def _report(result: ImportResult, fmt: Summary, dry_run: bool) -> None:
    if fmt is Summary.json:
        sys.stdout.write(orjson.dumps(result.to_json()).decode() + "\n")
        return
    verb = "valid (dry run): nothing written" if dry_run else f"appended {result.appended}"
    typer.echo(
        f"{result.table} {result.file}: {result.rows} rows · new {result.new} · corrected {result.corrected}"
        f" · sources added {result.sources_added} · retracted {result.retracted}"
        f" · returned {result.reappeared} · unchanged {result.unchanged} · places {result.places}"
    )
    typer.echo(
        f"{verb}, already present {result.present} · {result.seconds}s · {result.rows_per_second} rows/s"
    )
    for text, noted in result.notes.items():
        more = f" and {noted.count - len(noted.rows)} more" if noted.count > len(noted.rows) else ""
        typer.echo(f"note: {noted.count} row(s): {text}: {', '.join(noted.rows)}{more}")


def _file(path: Path) -> Path:
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file")
    return path


@import_app.command("acled")
def import_acled(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An ACLED export (CSV, 31-column layout).")],
    deleted: Annotated[
        Path | None,
        typer.Option("--deleted", help="ACLED deletions list (CSV with event_id_cnty): retract those."),
    ] = None,
    retract_missing: Annotated[
        bool,
        typer.Option(
            "--retract-missing",
            help="Retract earlier ACLED facts absent from this file, in the country-months it covers.",
        ),
    ] = False,
    dry_run: DryRun = False,
    fmt: Fmt = Summary.table,
    db: Db = None,
    recorded_by: RecordedBy = None,
) -> None:
    """Import an ACLED export; rows already imported and since changed become corrections."""
    _file(file)
    gone = list(acled.deleted_ids(_file(deleted))) if deleted else []
    _run(
        ctx,
        acled.read(file),
        table="acled",
        prefix=acled.PREFIX,
        label=file.name,
        missing="incidents" if retract_missing else "none",
        deleted=gone,
        dry_run=dry_run,
        fmt=fmt,
        db=db,
        recorded_by=recorded_by,
    )


@import_app.command("ucdp")
def import_ucdp(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A UCDP GED table (CSV).")],
    retract_missing: Annotated[
        bool,
        typer.Option(
            "--retract-missing",
            help="Retract earlier UCDP facts absent from this file, in the conflicts it covers.",
        ),
    ] = False,
    dry_run: DryRun = False,
    fmt: Fmt = Summary.table,
    db: Db = None,
    recorded_by: RecordedBy = None,
) -> None:
    """Import a UCDP GED table; best/low/high deaths are kept in the summary."""
    _file(file)
    _run(
        ctx,
        ucdp.read(file),
        table="ucdp",
        prefix=ucdp.PREFIX,
        label=file.name,
        missing="incidents" if retract_missing else "none",
        deleted=(),
        dry_run=dry_run,
        fmt=fmt,
        db=db,
        recorded_by=recorded_by,
    )


@import_app.command("bellingcat")
def import_bellingcat(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(help="A civilian-harm map export directory (export_events.json, …).")
    ],
    dry_run: DryRun = False,
    fmt: Fmt = Summary.table,
    db: Db = None,
    recorded_by: RecordedBy = None,
) -> None:
    """Import one snapshot of Bellingcat's civilian-harm map; events gone since are retracted."""
    if not directory.is_dir():
        raise InvalidInputError(f"{directory}: no such directory")
    _run(
        ctx,
        bellingcat.read(directory),
        table="bellingcat",
        prefix=bellingcat.PREFIX,
        label=directory.name,
        missing="all",
        deleted=(),
        dry_run=dry_run,
        fmt=fmt,
        db=db,
        recorded_by=recorded_by,
    )


# --- export ---------------------------------------------------------------------------

Actor = Annotated[str | None, typer.Option("--actor", help="Only this actor's timeline.")]
Location = Annotated[
    str | None, typer.Option("--location", help="Only this location's timeline (with places within it).")
]
Incident = Annotated[str | None, typer.Option("--incident", help="Only this incident's timeline.")]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")]
WithRetracted = Annotated[
    bool, typer.Option("--include-retracted", help="Also export retracted facts (status: retracted).")
]


def _selection(
    actor: str | None, location: str | None, incident: str | None
) -> tuple[str | None, str | None]:
    chosen = [(k, v) for k, v in (("actor", actor), ("location", location), ("incident", incident)) if v]
    if len(chosen) > 1:
        raise InvalidInputError("give at most one of --actor, --location, --incident")
    return chosen[0] if chosen else (None, None)


def _records(
    timeline: Timeline, kind: str | None, subject: str | None, as_of: str | None, include_retracted: bool
) -> tuple[list[FactRecord], FactLocator, int | None]:
    """The selected facts as they stood at `as_of`, oldest occurred first; where they lay
    then; and the log position `as_of` means (resolved once)."""
    ids, position = export.select(timeline, kind, subject, as_of)
    records = export.fact_records(timeline, ids, position, include_retracted=include_retracted)
    return records, export.locator(timeline, position), position


def _emit(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)


@export_app.command("timelinejs")
def export_timelinejs(
    ctx: typer.Context,
    actor: Actor = None,
    location: Location = None,
    incident: Incident = None,
    as_of: AsOf = None,
    include_retracted: WithRetracted = False,
    output: Output = None,
    db: Db = None,
) -> None:
    """TimelineJS JSON: one slide per fact, dates with only the parts known, grouped by incident."""
    kind, subject = _selection(actor, location, incident)  # usage errors before store errors
    with record(ctx, db) as (timeline, _):
        records, locate, _ = _records(timeline, kind, subject, as_of, include_retracted)
        title = f"{kind} {subject}" if kind else "timeline"
        data = orjson.dumps(export.timelinejs(records, title, as_of, locate), option=orjson.OPT_INDENT_2)
        data += b"\n"
        _emit(data, output)


@export_app.command("csv")
def export_csv(
    ctx: typer.Context,
    actor: Actor = None,
    location: Location = None,
    incident: Incident = None,
    as_of: AsOf = None,
    include_retracted: WithRetracted = False,
    output: Output = None,
    db: Db = None,
) -> None:
    """A flat CSV: one row per fact as it stood (then), oldest occurred first."""
    kind, subject = _selection(actor, location, incident)  # usage errors before store errors
    with record(ctx, db) as (timeline, _):
        records, locate, position = _records(timeline, kind, subject, as_of, include_retracted)
        _emit(export.to_csv(records, locate, export.canonical_names(timeline, position)).encode(), output)


@export_app.command("geojson")
def export_geojson(
    ctx: typer.Context,
    actor: Actor = None,
    location: Location = None,
    incident: Incident = None,
    as_of: AsOf = None,
    include_retracted: WithRetracted = False,
    output: Output = None,
    db: Db = None,
) -> None:
    """GeoJSON FeatureCollection: a point per located place of each fact, entry keys as properties."""
    kind, subject = _selection(actor, location, incident)  # usage errors before store errors
    with record(ctx, db) as (timeline, _):
        records, locate, _ = _records(timeline, kind, subject, as_of, include_retracted)
        collection = {"type": "FeatureCollection", "features": list(export.geojson(records, locate))}
        _emit(orjson.dumps(collection) + b"\n", output)


@export_app.command("ndjson")
def export_ndjson(
    ctx: typer.Context,
    actor: Actor = None,
    location: Location = None,
    incident: Incident = None,
    as_of: AsOf = None,
    output: Output = None,
    db: Db = None,
) -> None:
    """A journal (NDJSON) of the selected facts' events and the gazetteer; `append` re-imports it."""
    kind, subject = _selection(actor, location, incident)  # usage errors before store errors
    with record(ctx, db) as (timeline, _):
        ids, position = export.select(timeline, kind, subject, as_of)
        handle = output.open("wb") if output else sys.stdout.buffer
        try:
            for obj in export.journal(timeline, ids, position):
                handle.write(orjson.dumps(obj) + b"\n")
        finally:
            if output:
                handle.close()
            else:
                handle.flush()
