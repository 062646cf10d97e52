"""The timeline web page: server-rendered HTML over the same reads as the API."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote, urlencode

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from timeline.errors import InvalidInputError, NotFoundError, TimelineError
from timeline.interop.export import is_web_url
from timeline.reading import Reader
from timeline.web.api import TimelineAsk, reader

if TYPE_CHECKING:
    from timeline.results import SubjectsPage

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["web_url"] = is_web_url
templates.env.filters["path_quote"] = lambda text: quote(str(text), safe="")

Record = Annotated[Reader, Depends(reader)]
SEARCH_LIMIT = 20


def _show(value: Any) -> str:
    """A field's value as a reader sees it: lists joined, objects as compact JSON, none as a dash."""
    if value is None:
        return "—"
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ", ".join(value)
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


templates.env.filters["show"] = _show


def as_of_of(as_of: str | None, at: int | None, on: str | None) -> str | None:
    """The as-of a page asks: `as_of` as the API takes it, else position `at`, else date `on`."""
    if as_of:
        return as_of
    if at is not None:
        return f"@{at}"
    return on or None


class Moment:
    """The as-of controls' state: what was asked, and the record's head position."""

    def __init__(self, record: Reader, as_of: str | None) -> None:
        head = record.answers_head()
        self.head = head.position if head is not None else record.position()
        self.digest = head.digest if head is not None else None
        self.as_of = as_of
        self.position = (record.resolve_as_of(as_of) if as_of else None) or self.head
        if self.position > self.head:
            self.position = self.head


def _render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    return templates.TemplateResponse(request, template, context, status_code=status)


def _failed(request: Request, error: TimelineError) -> Response:
    status = 404 if isinstance(error, NotFoundError) else 400 if isinstance(error, InvalidInputError) else 503
    return _render(request, "error.html", status, message=str(error), moment=None)


@router.get("/")
def index(request: Request, record: Record, q: Annotated[str | None, Query()] = None) -> Response:
    """The search box and what it finds: actors, locations (with their place path), incidents."""
    try:
        found: dict[str, SubjectsPage] = {
            kind: record.subjects_page(kind, None, q, SEARCH_LIMIT, None)
            for kind in ("incident", "actor", "location")
        }
        return _render(request, "index.html", q=q or "", found=found, moment=Moment(record, None))
    except TimelineError as error:
        return _failed(request, error)


def _timeline_page(kind: str) -> None:
    plural = f"{kind}s"

    def page(
        request: Request,
        record: Record,
        name: str,
        as_of: str | None = None,
        at: Annotated[int | None, Query(ge=0)] = None,
        on: str | None = None,
        include_retracted: bool = False,
        cursor: str | None = None,
    ) -> Response:
        try:
            asked = as_of_of(as_of, at, on)
            moment = Moment(record, asked)
            ask = TimelineAsk(kind, name, asked, include_retracted=include_retracted, cursor=cursor)
            result = record.timeline_page(ask.query(), ask.cursor)
            params = {k: v for k, v in {"as_of": asked, "include_retracted": include_retracted}.items() if v}
            more = urlencode({**params, "cursor": result.next_cursor}) if result.next_cursor else None
            exports = urlencode(params)
            return _render(
                request,
                "timeline.html",
                kind=kind,
                plural=plural,
                name=name,
                result=result,
                moment=moment,
                include_retracted=include_retracted,
                more=more,
                exports=exports,
            )
        except TimelineError as error:
            return _failed(request, error)

    router.add_api_route(f"/{plural}/{{name:path}}", page, methods=["GET"], name=f"{kind}_page")


for _kind in ("actor", "location", "incident"):
    _timeline_page(_kind)


@router.get("/facts/{fact_id}")
def fact(
    request: Request,
    record: Record,
    fact_id: str,
    as_of: str | None = None,
    at: Annotated[int | None, Query(ge=0)] = None,
    on: str | None = None,
) -> Response:
    """A fact's content (now, or as of then) and its history as field-by-field diffs."""
    try:
        asked = as_of_of(as_of, at, on)
        moment = Moment(record, asked)
        shown = record.show(fact_id, asked)
        history = record.history(fact_id, asked)
        return _render(request, "fact.html", fact=shown, history=history, moment=moment)
    except TimelineError as error:
        return _failed(request, error)
