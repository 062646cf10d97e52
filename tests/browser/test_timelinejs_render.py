"""`export timelinejs` renders in TimelineJS itself (3.9.11, loaded from disk) in headless Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tests.conftest import FIXTURES
from tests.e2e.helpers import SEED, ok

if TYPE_CHECKING:
    from typer.testing import CliRunner

TIMELINEJS = Path(__file__).resolve().parents[1] / "assets" / "timelinejs"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<link rel="stylesheet" href="{css}">
<script src="{js}"></script></head>
<body><div id="timeline" style="width: 1200px; height: 700px"></div>
<script>
  // font: null -- the default font is a stylesheet on Knight Lab's CDN, and this machine is offline
  window.timeline = new TL.Timeline("timeline", {data}, {{track_events: [], hash_bookmark: false, font: null}});
</script></body></html>
"""


def _render(browser: Any, data: dict[str, Any], folder: Path) -> tuple[Any, list[str], list[str]]:
    page_file = folder / "story.html"
    page_file.write_text(
        PAGE.format(
            css=(TIMELINEJS / "css" / "timeline.css").as_uri(),
            js=(TIMELINEJS / "js" / "timeline.js").as_uri(),
            data=orjson.dumps(data).decode(),
        ),
        encoding="utf-8",
    )
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))

    def only_local(route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(page_file.as_uri())
    page.wait_for_selector(".tl-slide", state="attached", timeout=15_000)
    page.wait_for_timeout(500)
    return page, errors, outside


def test_an_exported_incident_renders_every_slide(
    browser: Any, cli: CliRunner, sqlite_url: str, tmp_path: Path
) -> None:
    ok(cli, "append", SEED, "--db", sqlite_url)
    ok(cli, "import", "acled", FIXTURES / "acled" / "places-excerpt.csv", "--db", sqlite_url)
    story = tmp_path / "story.json"
    ok(cli, "export", "timelinejs", "--location", "Kyiv City", "-o", story, "--db", sqlite_url)
    data = orjson.loads(story.read_bytes())
    page, errors, outside = _render(browser, data, tmp_path)
    try:
        slides = page.locator(".tl-slide")
        assert slides.count() == len(data["events"]) + 1  # the title slide and one per fact
        assert errors == []
        assert outside == []
        page.screenshot(path=str(tmp_path / "kyiv-city.png"))
        # the slide text shows the figures and the place path
        text = page.locator(".tl-slide-content").all_inner_texts()
        assert any("Ukraine > Kyiv City > Kyiv" in t for t in text)
    finally:
        page.close()


def test_the_seed_story_renders_with_fuzzy_and_interval_dates(
    browser: Any, cli: CliRunner, sqlite_url: str, tmp_path: Path
) -> None:
    ok(cli, "append", SEED, "--db", sqlite_url)
    story = tmp_path / "seed.json"
    ok(cli, "export", "timelinejs", "--incident", "kremlin-drone-2023-05", "-o", story, "--db", sqlite_url)
    data = orjson.loads(story.read_bytes())
    page, errors, outside = _render(browser, data, tmp_path)
    try:
        assert page.locator(".tl-slide").count() == len(data["events"]) + 1
        assert errors == []
        assert outside == []
        page.screenshot(path=str(tmp_path / "seed.png"))
    finally:
        page.close()
