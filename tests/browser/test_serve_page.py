"""`timeline serve` in a real browser: search, read a timeline, a fact's diff, the as-of control.

The server runs as its own process on a free loopback port over the seed journal; a
correction is written by another process while it runs. Every step is screenshotted
under the test's tmp dir.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.conftest import ROOT
from tests.e2e.helpers import SEED, ok

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from typer.testing import CliRunner

FACT = "kremlin-drone-alleged"
OLD_SUMMARY = "Russian Presidency says two Ukrainian drones targeted the Kremlin overnight"
NEW_SUMMARY = "Russian Presidency says two drones targeted the Kremlin overnight; it blames Ukraine"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served(cli: CliRunner, sqlite_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(base URL, db) of `timeline serve` over the seed journal, in a process of its own."""
    ok(cli, "append", SEED, "--db", sqlite_url)
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port), "--db", sqlite_url],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "TIMELINE_USER": "tester"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/api/head", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "timeline serve did not start"
            time.sleep(0.1)
        yield base, sqlite_url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def _watch(page: Any, base: str) -> tuple[list[str], list[str]]:
    """Console errors and every request that would leave the server (those are refused)."""
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def only_local(route: Any) -> None:
        if route.request.url.startswith(base + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    return errors, outside


def test_search_timeline_diff_and_as_of_in_a_browser(
    browser: Any, served: tuple[str, str], cli: CliRunner, tmp_path: Path
) -> None:
    base, db = served
    before = httpx.get(f"{base}/api/head").json()["position"]
    # Another process corrects a fact while the server runs; the follower picks it up.
    ok(
        cli,
        "correct",
        FACT,
        "--set",
        f"summary={NEW_SUMMARY}",
        "--reason",
        "the source's wording",
        "--db",
        db,
    )
    deadline = time.monotonic() + 10
    while httpx.get(f"{base}/api/head").json()["position"] == before:
        assert time.monotonic() < deadline, "the server never saw the correction"
        time.sleep(0.05)

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, outside = _watch(page, base)
    try:
        # 1. search "Kremlin": the actor it names, the place with its path, the incident
        page.goto(f"{base}/")
        page.fill("#q", "Kremlin")
        page.press("#q", "Enter")
        page.wait_for_selector("#found-location")
        page.screenshot(path=str(tmp_path / "1-search.png"), full_page=True)
        actors = page.locator("section[aria-labelledby=found-actor] li").all_inner_texts()
        assert any("Russian Presidency" in a for a in actors)
        places = page.locator("section[aria-labelledby=found-location] li").all_inner_texts()
        assert any("Russia › Moscow › Kremlin" in p for p in places)

        # 2. the Kremlin's timeline: its entries, oldest occurred first
        page.click("section[aria-labelledby=found-location] a:text-is('Kremlin')")
        page.wait_for_selector("ol.entries")
        page.screenshot(path=str(tmp_path / "2-timeline.png"), full_page=True)
        api = httpx.get(f"{base}/api/locations/Kremlin").json()["entries"]
        summaries = page.locator("ol.entries .summary").all_inner_texts()
        assert summaries == [e["summary"] for e in api]
        starts = [e["occurred_earliest"] for e in api]
        assert starts == sorted(starts)
        assert NEW_SUMMARY in summaries
        badges = page.locator("ol.entries li").first.locator(".badge").all_inner_texts()
        assert {"interval", "alleged", "corrected", "B3"} <= set(badges)

        # 3. the corrected fact: its history shows the change field by field
        page.click(f"ol.entries .summary a:text-is('{NEW_SUMMARY}')")
        page.wait_for_selector("table.diff")
        page.screenshot(path=str(tmp_path / "3-fact-diff.png"), full_page=True)
        change = page.locator("table.diff tr[data-field=summary]")
        assert change.locator("del").inner_text() == OLD_SUMMARY
        assert change.locator("ins").inner_text() == NEW_SUMMARY
        assert page.locator("#fact-summary").inner_text() == NEW_SUMMARY

        # 4. the as-of control, moved to before the correction, shows the old value
        page.locator("#as-of-position").fill(str(before))
        page.wait_for_url(f"**/facts/{FACT}?at={before}")
        page.wait_for_selector(".notice")
        page.screenshot(path=str(tmp_path / "4-as-of.png"), full_page=True)
        assert page.locator("#fact-summary").inner_text() == OLD_SUMMARY
        assert page.locator("table.fields tr[data-field=summary] td").inner_text() == OLD_SUMMARY
        assert page.locator("table.diff").count() == 0  # no correction yet, then

        # 5. the incident page, with its TimelineJS export
        page.goto(f"{base}/incidents/kremlin-drone-2023-05")
        page.screenshot(path=str(tmp_path / "5-incident.png"), full_page=False)
        href = page.locator("#export-timelinejs").get_attribute("href")
        story = page.request.get(base + href).json()
        assert len(story["events"]) == 11

        assert errors == []
        assert outside == []
    finally:
        page.close()


def test_the_page_reads_on_a_phone_and_by_keyboard(
    browser: Any, served: tuple[str, str], tmp_path: Path
) -> None:
    base, _ = served
    page = browser.new_page(viewport={"width": 390, "height": 844})
    errors, outside = _watch(page, base)
    try:
        page.goto(f"{base}/incidents/kremlin-drone-2023-05")
        page.screenshot(path=str(tmp_path / "phone-incident.png"), full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, "the page scrolls sideways on a phone"
        # keyboard: the skip link comes first, then the search box; typing and Enter search
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "q"
        page.keyboard.type("Kyiv")
        page.keyboard.press("Enter")
        page.wait_for_selector("#found-location")
        # Tab on to the first found link and follow it with Enter
        page.focus("section[aria-labelledby=found-location] a")
        page.keyboard.press("Enter")
        page.wait_for_selector("h1")
        assert page.locator("h1").inner_text() == "Kyiv"
        page.screenshot(path=str(tmp_path / "phone-kyiv.png"), full_page=True)
        assert errors == []
        assert outside == []
    finally:
        page.close()


def test_the_api_docs_page_renders_offline(browser: Any, served: tuple[str, str], tmp_path: Path) -> None:
    base, _ = served
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, outside = _watch(page, base)
    try:
        page.goto(f"{base}/api/docs")
        page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
        page.screenshot(path=str(tmp_path / "api-docs.png"))
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert any(p.startswith("/api/actors/") for p in paths)
        assert errors == []
        assert outside == []
    finally:
        page.close()
