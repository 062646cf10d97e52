"""`timeline serve`: the read-only HTTP API and the timeline web page."""

from timeline.web.app import create_app

__all__ = ["create_app"]
