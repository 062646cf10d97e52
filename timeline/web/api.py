"""The JSON read API under /api: the keys of `--format json`, one call to the record each.

No `from __future__ import annotations` here: FastAPI reads the parameter types at run time.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from timeline.interop import export
from timeline.queries import SearchQuery, TimelineQuery
from timeline.reading import Reader
from timeline.web.http import answer, json_response

if TYPE_CHECKING:
    from timeline.application import Timeline

MAX_LIMIT = 10_000

router = APIRouter(prefix="/api")


def reader(request: Request) -> Reader:
    """The record's one door for reading (`Timeline.read`)."""
    record: Timeline = request.app.state.record
    return record.read


@dataclass(frozen=True)
class TimelineAsk:
    """What a timeline request asks: the query string of `/api/actors/{name}` and its kin."""

    kind: str
    name: str
    as_of: str | None = None
    occurred_from: str | None = None
    occurred_to: str | None = None
    include_retracted: bool = False
    exact: bool = False
    limit: int | None = None
    cursor: str | None = None

    def query(self) -> TimelineQuery:
        return TimelineQuery(
            self.kind,
            self.name,
            self.as_of,
            self.exact,
            self.include_retracted,
            self.occurred_from,
            self.occurred_to,
            self.limit,
        )


def exported(request: Request, ask: TimelineAsk, form: str) -> dict[str, Any]:
    """A timeline's facts as GeoJSON (`geojson`) or a TimelineJS story, as `timeline export` gives them."""
    record: Timeline = request.app.state.record
    ids, position = export.select(record, ask.kind, ask.name, ask.as_of)
    records = export.fact_records(record, ids, position, include_retracted=ask.include_retracted)
    locate = export.locator(record, position)
    if form == "geojson":
        return {"type": "FeatureCollection", "features": list(export.geojson(records, locate))}
    return export.timelinejs(records, f"{ask.kind} {ask.name}", ask.as_of, locate)


Record = Annotated[Reader, Depends(reader)]
AsOf = Annotated[
    str | None,
    Query(description="Answer as the record stood then: an ISO time (recorded_at <= T) or @N."),
]
Limit = Annotated[int | None, Query(ge=1, le=MAX_LIMIT, description="At most this many (default 100).")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the page before.")]
From = Annotated[
    str | None, Query(alias="from", description="Only entries whose span reaches this or later.")
]
To = Annotated[str | None, Query(alias="to", description="Only entries whose span reaches this or earlier.")]
Retracted = Annotated[bool, Query(description="Also retracted facts (status: retracted).")]
Exact = Annotated[bool, Query(description="Locations: only this place, not places within it.")]
Q = Annotated[str | None, Query(description="Only names (aliases, place paths, titles) holding this.")]

KINDS = {"actors": "actor", "locations": "location", "incidents": "incident"}


def _listing(kind: str) -> None:
    def listing(
        request: Request,
        record: Record,
        q: Q = None,
        limit: Limit = None,
        cursor: Cursor = None,
        as_of: AsOf = None,
    ) -> Response:
        return answer(
            request,
            record,
            lambda: record.subjects_page(kind, as_of, q, limit, cursor).to_json(),
            as_of=as_of,
            cursor=cursor,
        )

    plural = f"{kind}s"
    listing.__doc__ = (
        f"Every {kind} in the record with its number of facts, most first (as `timeline {plural}`)."
    )
    router.add_api_route(
        f"/{plural}", listing, methods=["GET"], name=plural, tags=["subjects"], summary=f"{kind.title()}s"
    )


def _timeline(kind: str) -> None:
    plural = f"{kind}s"

    def ask(
        name: str,
        as_of: AsOf = None,
        occurred_from: From = None,
        occurred_to: To = None,
        include_retracted: Retracted = False,
        exact: Exact = False,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> TimelineAsk:
        return TimelineAsk(
            kind, name, as_of, occurred_from, occurred_to, include_retracted, exact, limit, cursor
        )

    Ask = Annotated[TimelineAsk, Depends(ask)]

    def timeline(request: Request, record: Record, query: Ask) -> Response:
        return answer(
            request,
            record,
            lambda: record.timeline_page(query.query(), query.cursor).to_json(),
            as_of=query.as_of,
            cursor=query.cursor,
        )

    def geojson(request: Request, record: Record, query: Ask) -> Response:
        response = answer(request, record, lambda: exported(request, query, "geojson"), as_of=query.as_of)
        response.headers["Content-Type"] = "application/geo+json"
        return response

    def timelinejs(request: Request, record: Record, query: Ask) -> Response:
        return answer(request, record, lambda: exported(request, query, "timelinejs"), as_of=query.as_of)

    timeline.__doc__ = (
        f"One {kind}'s timeline, oldest occurred first, a page at a time (as `timeline {kind}`)."
    )
    geojson.__doc__ = f"The {kind}'s located facts as GeoJSON (as `timeline export geojson --{kind}`)."
    timelinejs.__doc__ = (
        f"The {kind}'s facts as a TimelineJS story (as `timeline export timelinejs --{kind}`)."
    )
    # The suffixed forms first: a bare path parameter would take "Kyiv.geojson" whole.
    for suffix, endpoint, summary in (
        (".geojson", geojson, f"{kind.title()} as GeoJSON"),
        (".timelinejs", timelinejs, f"{kind.title()} as a TimelineJS story"),
        ("", timeline, f"{kind.title()} timeline"),
    ):
        path = f"/{plural}/{{name:path}}{suffix}"
        router.add_api_route(path, endpoint, methods=["GET"], tags=["timelines"], summary=summary)


for _kind in KINDS.values():
    _listing(_kind)
for _kind in KINDS.values():
    _timeline(_kind)


@router.get("/facts/{fact_id}/history", tags=["facts"])
def history(request: Request, record: Record, fact_id: str, as_of: AsOf = None) -> Response:
    """Every version of one fact: what changed (field, from, to), when, by whom, why."""
    return answer(request, record, lambda: record.history(fact_id, as_of).to_json(), as_of=as_of)


@router.get("/facts/{fact_id}", tags=["facts"])
def show(request: Request, record: Record, fact_id: str, as_of: AsOf = None) -> Response:
    """One fact's full content now (or as it stood then), retracted or not (as `timeline show`)."""
    return answer(request, record, lambda: record.show(fact_id, as_of).to_json(), as_of=as_of)


@router.get("/log", tags=["audit"])
def log(
    request: Request,
    record: Record,
    since: Annotated[int, Query(ge=0, description="Only positions after N.")] = 0,
    limit: Limit = None,
    as_of: AsOf = None,
) -> Response:
    """The event log in position order (entries as `timeline log --format json`); `next_since`
    reads the events after these."""
    size = limit or 100

    def build() -> dict[str, object]:
        entries = [e.to_json() for e in record.log(since, size + 1, as_of)]
        more = len(entries) > size
        entries = entries[:size]
        return {"since": since, "entries": entries, "next_since": entries[-1]["position"] if more else None}

    return answer(request, record, build, as_of=as_of)


@router.get("/search", tags=["facts"])
def search(
    request: Request,
    record: Record,
    q: Annotated[str, Query(description="Words to find in summaries, quotes and source names.")],
    incident: Annotated[str | None, Query(description="Only this incident.")] = None,
    as_of: AsOf = None,
    occurred_from: From = None,
    occurred_to: To = None,
    include_retracted: Retracted = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Response:
    """Facts holding every word, most relevant first, as timeline entries (as `timeline search`)."""
    query = SearchQuery(q, incident, as_of, include_retracted, occurred_from, occurred_to, limit)
    return answer(request, record, lambda: record.search(query).to_json(), as_of=as_of)


@router.get("/head", tags=["audit"])
def head(record: Record) -> Response:
    """The chain head the answers reflect: `{"digest", "position"}` (as `verify --print-head`)."""
    found = record.answers_head()
    if found is None:
        return json_response({"error": "the read models stand between two appended batches"}, 503)
    return json_response(found.to_json(), headers={"Cache-Control": "no-cache", "ETag": f'"{found.etag}"'})
