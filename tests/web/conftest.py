"""Fixtures for the HTTP app: a seeded store (both stores) and a client on it."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.helpers import seeded
from timeline import Settings
from timeline.web import create_app

if TYPE_CHECKING:
    from collections.abc import Iterator

    from typer.testing import CliRunner


def client_for(db: str, *, follow: bool = False) -> Any:
    # Starlette's TestClient warns that it wants httpx's successor; httpx is what we pin.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(create_app(Settings(db=db, recorded_by="tester"), follow=follow))


@pytest.fixture
def seeded_db(store_url: str, cli: CliRunner) -> str:
    return seeded(cli, store_url)


@pytest.fixture
def client(seeded_db: str) -> Iterator[Any]:
    with client_for(seeded_db) as found:
        yield found
