"""`timeline serve`: the read-only HTTP API and the timeline web page."""

from timeline.web.app import POOL_SIZE, create_app

__all__ = ["POOL_SIZE", "create_app"]
