"""register actor|location|incident, alias actor|location: the gazetteer from the command line."""

from enum import StrEnum
from typing import Annotated, Any

import typer

from cli import render
from cli.options import Db, RecordedBy, Summary, SummaryFormat
from cli.session import record
from timeline.results import WriteResult

register_app = typer.Typer(
    help="Register an actor, a location or an incident (what a name means).", no_args_is_help=True
)

Kind = Annotated[str | None, typer.Option("--kind", help="What it is (free text, e.g. 'state body').")]
Aliases = Annotated[
    list[str] | None, typer.Option("--alias", help="Another name for it (repeatable).", show_default=False)
]


class Entity(StrEnum):
    actor = "actor"
    location = "location"


@register_app.command("actor")
def register_actor(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The actor's canonical name.")],
    kind: Kind = None,
    aliases: Aliases = None,
    fmt: SummaryFormat = Summary.table,
    db: Db = None,
    recorded_by: RecordedBy = None,
) -> None:
    """Register an actor: its canonical name, kind and aliases (ActorRegistered)."""
    obj = {"type": "ActorRegistered", "name": name, "kind": kind, "aliases": aliases or []}
    _submit(ctx, obj, "actor {name}", fmt, db, recorded_by)


@register_app.command("location")
def register_location(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The location's canonical name.")],
    within: Annotated[str | None, typer.Option("--within", help="The place it lies within.")] = None,
    lat: Annotated[float | None, typer.Option("--lat", help="Latitude, -90 to 90.")] = None,
    lon: Annotated[float | None, typer.Option("--lon", help="Longitude, -180 to 180.")] = None,
    kind: Kind = None,
    aliases: Aliases = None,
    fmt: SummaryFormat = Summary.table,
    db: Db = None,
    recorded_by: RecordedBy = None,
) -> None:
    """Register a location: name, the place it lies within, coordinates, kind and aliases."""
    obj = {
        "type": "LocationRegistered",
        "name": name,
        "kind": kind,
        "within": within,
        "lat": lat,
        "lon": lon,
        "aliases": aliases or [],
    }
    _submit(ctx, obj, "location {name}", fmt, db, recorded_by)


@register_app.command("incident")
def register_incident(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="The incident's slug, as facts name it.")],
    title: Annotated[str, typer.Option("--title", help="The story's title (required).")],
    description: Annotated[str | None, typer.Option("--description", help="What the story is.")] = None,
    fmt: SummaryFormat = Summary.table,
    db: Db = None,
    recorded_by: RecordedBy = None,
) -> None:
    """Register an incident: a title and description for its slug (IncidentRegistered)."""
    obj = {"type": "IncidentRegistered", "incident": slug, "title": title, "description": description}
    _submit(ctx, obj, "incident {name}", fmt, db, recorded_by)


def alias(
    ctx: typer.Context,
    entity: Annotated[Entity, typer.Argument(metavar="ENTITY", help="actor or location.")],
    name: Annotated[str, typer.Argument(metavar="NAME", help="The name it stands for.")],
    other: Annotated[str, typer.Argument(metavar="ALIAS", help="Another name for it.")],
    fmt: SummaryFormat = Summary.table,
    db: Db = None,
    recorded_by: RecordedBy = None,
) -> None:
    """Add another name for an actor or location; earlier facts using it re-group (AliasAdded)."""
    obj = {"type": "AliasAdded", "entity": entity.value, "name": name, "alias": other}
    _submit(ctx, obj, f"alias {other!r} of {entity.value} {name!r}", fmt, db, recorded_by)


def _submit(
    ctx: typer.Context,
    obj: dict[str, Any],
    label: str,
    fmt: Summary,
    db: str | None,
    recorded_by: str | None,
) -> None:
    with record(ctx, db, recorded_by, create=True) as (timeline, config):
        body = {k: v for k, v in obj.items() if v is not None}
        result = timeline.submit(body, recorded_by=config.recorded_by, where="<command line>")
    _report(result, label.replace("{name}", result.name or ""), fmt)


def _report(result: WriteResult, label: str, fmt: Summary) -> None:
    """`label` names what was registered ("actor Russian Presidency")."""
    if fmt is Summary.json:
        render.write_json(result.to_json())
    elif result.appended:
        typer.echo(f"registered {label}")
    else:
        typer.echo(f"already registered: {label}; nothing written")


def register(app: typer.Typer) -> None:
    app.add_typer(register_app, name="register")
    app.command()(alias)
