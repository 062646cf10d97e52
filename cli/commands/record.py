"""record TYPE: one fact from options, generated from the event model of each type.

A new fact type in the catalogue gets its command and options here for free:
one option per field (lists repeat the option), plus the source options.
"""

import inspect
import types
import typing
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, Union

import typer
from pydantic.fields import FieldInfo

from cli.commands.amend import _report
from cli.options import Db, RecordedBy, Summary, SummaryFormat
from cli.session import record
from timeline.domain.catalogue import FACT_TYPES, NAMED_ROLE_FIELDS, FactType
from timeline.domain.events import subject_of
from timeline.errors import InvalidInputError

app = typer.Typer(help="Record one fact, with one option per field of its type.", no_args_is_help=True)

_SOURCE_OPTIONS = {
    "source_name": "Who reports it (repeat for several sources).",
    "source_url": "URL of each source, one per --source-name in the same order ('' for none).",
    "source_published": "Publication time of each source (ISO 8601), one per --source-name ('' for none).",
    "source_quote": "Quote from each source, one per --source-name ('' for none).",
}


_FIELD_HELP = {
    "id": "The fact's id (a slug); derived from its content if not given.",
    "incident": "Slug of the story it belongs to, e.g. nord-stream-2022-09.",
    "occurred": "When it happened, ISO 8601: 2023, 2023-05, 2023-05-03, 2023-05-03T01:30, "
    "2023-05-03T01:30:00+03:00, or start/end (2023-05-02/2023-05-03).",
    "summary": "One line in the recorder's words.",
    "certainty": "How sure the source is.",
}
_TYPE_HELP = {int: "A whole number, 0 or more.", float: "A number."}


def _option_type(info: FieldInfo) -> tuple[Any, bool]:
    """(CLI type, is_list) for a model field."""
    annotation = info.annotation
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (Union, types.UnionType):
        annotation = next(a for a in args if a is not type(None))
    if typing.get_origin(annotation) is Annotated:  # numbers are Annotated[int, Strict()]
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is list:
        return list[str], True
    if typing.get_origin(annotation) is Annotated:  # e.g. credibility: an int from 1 to 6
        annotation = typing.get_args(annotation)[0]
    if annotation is int:
        return int, False
    if annotation is float:
        return float, False
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return annotation, False  # typer lists the allowed values and refuses others
    return str, False


def _parameters(fact_type: FactType) -> list[inspect.Parameter]:
    params = [inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)]
    for name, info in fact_type.input_model.model_fields.items():
        if name == "sources":
            continue
        if name in NAMED_ROLE_FIELDS:
            help_text = f"{NAMED_ROLE_FIELDS[name]} as NAME:ROLE (repeatable)"
            params.append(_param(name, list[str] | None, help_text, required=False))
            continue
        kind, is_list = _option_type(info)
        role = subject_of(info)
        described = info.description or _FIELD_HELP.get(name) or _TYPE_HELP.get(kind, "")
        help_text = described + (f" ({role}{'s' if is_list else ''}, role {name})" if role else "")
        if is_list:
            help_text += " (repeatable)"
        required = info.is_required() and name != "id"
        params.append(_param(name, kind if required else kind | None, help_text.strip(), required=required))
    for name, help_text in _SOURCE_OPTIONS.items():
        params.append(_param(name, list[str] | None, help_text, required=name == "source_name"))
    params.append(
        inspect.Parameter(
            "fmt", inspect.Parameter.KEYWORD_ONLY, annotation=SummaryFormat, default=Summary.table
        )
    )
    params.append(inspect.Parameter("db", inspect.Parameter.KEYWORD_ONLY, annotation=Db, default=None))
    params.append(
        inspect.Parameter("recorded_by", inspect.Parameter.KEYWORD_ONLY, annotation=RecordedBy, default=None)
    )
    return params


def _param(name: str, kind: Any, help_text: str, *, required: bool) -> inspect.Parameter:
    flag = "--" + name.replace("_", "-")
    option = typer.Option(flag, help=help_text or None, show_default=False)
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[kind, option],
        default=inspect.Parameter.empty if required else None,
    )


def _command(fact_type: FactType) -> Callable[..., None]:
    def command(ctx: typer.Context, **options: Any) -> None:
        fmt, db, recorded_by = options.pop("fmt"), options.pop("db"), options.pop("recorded_by")
        obj = _journal_object(fact_type, options)
        with record(ctx, db, recorded_by, create=True) as (timeline, config):
            result = timeline.submit(obj, recorded_by=config.recorded_by, where="<command line>")
        _report(result, fmt)

    command.__signature__ = inspect.Signature(_parameters(fact_type))  # type: ignore[attr-defined]
    command.__name__ = fact_type.name
    command.__doc__ = (fact_type.event_class.__doc__ or fact_type.name).strip().splitlines()[0]
    return command


def _journal_object(fact_type: FactType, options: dict[str, Any]) -> dict[str, Any]:
    names = options.pop("source_name") or []
    columns = {key: options.pop(key) or [] for key in ("source_url", "source_published", "source_quote")}
    for key, values in columns.items():
        # Pairing by position is only safe when every source has its value (or '').
        if values and len(values) != len(names):
            flag = "--" + key.replace("_", "-")
            raise InvalidInputError(
                f"{flag} given {len(values)} time(s) for {len(names)} --source-name: give one per "
                f"source, in the same order ('' for a source without one)"
            )
    sources = []
    for index, name in enumerate(names):
        source = {"name": name}
        for key, values in columns.items():
            if index < len(values) and values[index]:
                source[key.removeprefix("source_")] = values[index]
        sources.append(source)
    obj: dict[str, Any] = {"type": fact_type.name, "sources": sources}
    for field, value in options.items():
        if value is None:
            continue
        if field in NAMED_ROLE_FIELDS:
            value = [_named_role(field, item) for item in value]
        obj[field] = value
    return obj


def _named_role(field: str, item: str) -> dict[str, str]:
    name, sep, role = item.rpartition(":")
    if not sep or not name.strip() or not role.strip():
        raise InvalidInputError(f"--{field} {item!r}: expected NAME:ROLE")
    return {"name": name.strip(), "role": role.strip()}


for _fact_type in FACT_TYPES.values():
    app.command(name=_fact_type.name)(_command(_fact_type))
