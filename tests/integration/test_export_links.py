"""Issue 18, item 5: a TimelineJS export links only http(s) sources; any other URL
(`javascript:`, `data:`, …) is shown as text, never as an `href` or `media.url`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.factories import a_fact
from timeline.interop import export

if TYPE_CHECKING:
    from timeline import Timeline

HOSTILE = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "https:alert(1)",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_a_source_url_that_is_not_http_is_text_not_a_link(record: Timeline, url: str) -> None:
    sources = [{"name": "Hostile", "url": url}, {"name": "Reuters", "url": "https://reuters.example/a"}]
    record.submit(a_fact(id="x1", sources=sources), recorded_by="t", where="<t>")
    data = export.timelinejs(export.fact_records(record, {"x1"}, None), "t", None)
    (event,) = data["events"]
    hrefs = re.findall(r'href="([^"]*)"', event["text"]["text"])
    assert hrefs == ["https://reuters.example/a"]
    assert event["media"]["url"] == "https://reuters.example/a"
    assert "Hostile" in event["text"]["text"]


def test_a_fact_whose_only_source_url_is_hostile_has_no_media_url(record: Timeline) -> None:
    record.submit(
        a_fact(id="x2", sources=[{"name": "Hostile", "url": "javascript:alert(1)"}]),
        recorded_by="t",
        where="<t>",
    )
    (event,) = export.timelinejs(export.fact_records(record, {"x2"}, None), "t", None)["events"]
    assert event["media"]["url"] == ""
    assert "href" not in event["text"]["text"]
    assert "javascript:alert(1)" in event["text"]["text"]  # shown, as text
