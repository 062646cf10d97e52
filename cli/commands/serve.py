"""serve: the record, read-only, over HTTP (JSON API and the timeline page)."""

from typing import Annotated

import typer

from cli.errors import handle_errors, stderr
from cli.options import Db
from cli.session import settings
from timeline.web import create_app

POOL_SIZE = 8
"""PostgreSQL connections the server keeps open: one per concurrent request it expects."""


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port to listen on (0: any free port).")
    ] = 8000,
    db: Db = None,
) -> None:
    """Serve the record read-only over HTTP: the timeline page at /, JSON under /api (docs at /api/docs).

    It never writes events. A follower keeps the answers current while other
    processes append; Ctrl-C stops it.
    """
    import uvicorn  # only this command needs the server

    with handle_errors():
        config = settings(ctx, db, None).model_copy(update={"pool_size": POOL_SIZE})
        app = create_app(config)
    stderr.print(
        f"serving {config.display_db} read-only on http://{host}:{port}/ "
        "(API docs at /api/docs); Ctrl-C stops",
        markup=False,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def register(app: typer.Typer) -> None:
    app.command()(serve)
