"""The read-only HTTP app: the JSON API, its offline docs, and the timeline page.

`create_app(settings)` opens the record for reading. Its lifespan starts a follower
(a second connection to the store) that keeps the read models current while other
processes append, so a request only reads: in SQLite's WAL mode no writer can hold
it up, and on PostgreSQL it takes a connection from the pool.
"""

from __future__ import annotations

import sys
import threading
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles

from timeline.bootstrap import open_timeline
from timeline.config import Settings
from timeline.errors import TimelineError
from timeline.web import api, pages
from timeline.web.http import AnswerCache, http_error, timeline_error, unexpected_error, validation_error

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from starlette.responses import HTMLResponse

    from timeline.application import Timeline

STATIC = Path(__file__).parent / "static"
FOLLOW_INTERVAL = 0.5
"""Seconds between the follower's checks that it should stop (it wakes on new events)."""


class Follower:
    """Keeps the read models current from a thread of its own, on its own connection."""

    def __init__(self, settings: Settings) -> None:
        self.record = open_timeline(settings, create=False)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="timeline-follower", daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                self.record.follow(interval=FOLLOW_INTERVAL, should_stop=self.stop.is_set)
            except Exception as error:  # the store failed for a while: say so, try again
                first = str(error).splitlines()[0] if str(error) else type(error).__name__
                print(f"timeline serve: follower: {first}", file=sys.stderr)
                self.stop.wait(1.0)

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self.record.close()


def create_app(settings: Settings, *, follow: bool = True) -> FastAPI:
    """The app over the record at `settings.db` (which must exist: nothing is created).

    With `follow` (the default), a follower keeps the read models current and
    requests never write; without it, each request catches the read models up first.
    """
    record: Timeline = open_timeline(settings, create=False)
    following = follow and not record.read_only

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        follower = Follower(settings) if following else None
        if follower is not None:
            follower.start()
        try:
            yield
        finally:
            if follower is not None:
                follower.close()
            record.close()

    app = FastAPI(
        title="timeline",
        summary="The record of reported facts, read as timelines: read-only JSON.",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    # Without a follower (tests, a read-only copy) every read catches up itself.
    record.read.catch_up = not following
    app.state.record = record
    app.state.answers = AnswerCache()
    app.add_exception_handler(TimelineError, timeline_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
    app.include_router(api.router)

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """The OpenAPI page, its script and stylesheet served from the package (works offline)."""
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="timeline API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},
        )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(pages.router)
    return app


def from_environment() -> FastAPI:
    """The app over the record $TIMELINE_DB names: what each worker process of
    `timeline serve --workers N` builds (uvicorn starts them from an import string)."""
    return create_app(replace(Settings.from_environment(), pool_size=POOL_SIZE))


POOL_SIZE = 8
"""PostgreSQL connections a server keeps open: one per concurrent request it expects."""
