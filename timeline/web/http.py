"""HTTP semantics shared by every answer: JSON bodies, validators, caching, errors."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import orjson
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from timeline.errors import InvalidInputError, NotFoundError, StoreError, TimelineError

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi import Request

    from timeline.reading import Reader

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
STATUS = {InvalidInputError: 400, NotFoundError: 404, StoreError: 503}
CACHED_BYTES = 64 * 2**20
"""Memory the answer cache may hold; an answer over an eighth of it is not kept."""


class AnswerCache:
    """Bodies of recent answers keyed by (URL, chain head): the same question asked of
    the same record has the same answer, so popular timelines are built once per append.
    Least recently used answers go first once the cache holds `limit` bytes."""

    def __init__(self, limit: int = CACHED_BYTES) -> None:
        self.limit = limit
        self.size = 0
        self._items: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: tuple[str, str], body: bytes) -> None:
        if len(body) > self.limit // 8:
            return
        # A copy of exactly its length: orjson's bytes keep a buffer of at least 4 KiB,
        # so small answers would hold many times the bytes the limit counts.
        body = bytes(memoryview(body))
        with self._lock:
            old = self._items.pop(key, None)
            self.size += len(body) - (len(old) if old is not None else 0)
            self._items[key] = body
            while self.size > self.limit:
                _, dropped = self._items.popitem(last=False)
                self.size -= len(dropped)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json", headers=headers)


def error_response(status: int, message: str) -> Response:
    return json_response({"error": message}, status)


def answer(
    request: Request,
    reader: Reader,
    build: Callable[[], Any],
    *,
    as_of: str | None,
    cursor: str | None = None,
) -> Response:
    """The JSON `build()` returns, with the chain head as its ETag.

    The head is read before the answer is built, so an ETag never claims a newer
    record than the body shows; a request whose `If-None-Match` holds it is answered
    304 without building anything. An answer pinned to a past moment (`as_of` that
    has settled, or a cursor's page) is marked immutable.
    """
    head = reader.answers_head()
    etag = f'"{head.etag}"' if head is not None else None
    pinned = cursor is not None or reader.settled(as_of)
    headers = {"Cache-Control": IMMUTABLE if pinned else REVALIDATE}
    if etag is None:
        return json_response(build(), headers=headers)
    headers["ETag"] = etag
    if etag in _tags(request.headers.get("if-none-match")):
        return Response(status_code=304, headers=headers)
    cache: AnswerCache = request.app.state.answers
    key = (str(request.url), etag)
    body = cache.get(key)
    if body is None:
        body = orjson.dumps(build())
        cache.put(key, body)
    return Response(body, media_type="application/json", headers=headers)


def _tags(header: str | None) -> set[str]:
    if not header:
        return set()
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


def timeline_error(_request: Request, error: Exception) -> Response:
    """A library error: its message, as the CLI words it, with its HTTP status."""
    assert isinstance(error, TimelineError)
    status = next((code for cls, code in STATUS.items() if isinstance(error, cls)), 500)
    return error_response(status, str(error))


def validation_error(_request: Request, error: Exception) -> Response:
    """A query value FastAPI could not read (`limit=abc`): 400, one line naming it."""
    assert isinstance(error, RequestValidationError)
    problems = []
    for item in error.errors():
        name = str(item["loc"][-1]) if item.get("loc") else "request"
        given = item.get("input")
        shown = f" {given!r}" if isinstance(given, str | int | float) else ""
        problems.append(f"{name}{shown}: {item['msg'].lower()}")
    return error_response(400, "; ".join(problems) or "invalid request")


def http_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    message = {404: "no such page", 405: "only GET is served: the record is read-only here"}.get(
        error.status_code, str(error.detail)
    )
    return error_response(error.status_code, message)


def unexpected_error(_request: Request, error: Exception) -> Response:
    """Anything else: one line, never a traceback."""
    first = str(error).splitlines()[0] if str(error) else ""
    return error_response(500, f"{type(error).__name__}: {first}")
