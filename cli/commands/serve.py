"""serve: the record, read-only, over HTTP (JSON API and the timeline page)."""

import os
from dataclasses import replace
from typing import Annotated

import typer

from cli.errors import stderr
from cli.options import Db
from cli.session import settings
from timeline import open_timeline


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port to listen on (0: any free port).")
    ] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Server processes (one per core serves most).")
    ] = 1,
    db: Db = None,
) -> None:
    """Serve the record read-only over HTTP: the timeline page at /, JSON under /api (docs at /api/docs).

    It never writes events. A follower keeps the answers current while other
    processes append; Ctrl-C stops it.
    """
    import uvicorn  # only this command needs the server (and FastAPI)

    from timeline.web import POOL_SIZE, create_app

    config = replace(settings(ctx, db, None), pool_size=POOL_SIZE)
    if workers == 1:
        app = create_app(config)
    else:  # each worker opens the record itself: check here that it opens at all
        open_timeline(config, create=False).close()
    stderr.print(
        f"serving {config.display_db} read-only on http://{host}:{port}/ "
        "(API docs at /api/docs); Ctrl-C stops",
        markup=False,
    )
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
        return
    os.environ["TIMELINE_DB"] = config.db
    uvicorn.run(
        "timeline.web.app:from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
    )


def register(app: typer.Typer) -> None:
    app.command()(serve)
