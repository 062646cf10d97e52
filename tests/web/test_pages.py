"""The server-rendered page: search, timelines, facts and the as-of control, as HTML."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.e2e.helpers import ok
from tests.factories import a_correction, a_fact, a_retraction, write_journal

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner


def test_the_search_finds_actors_by_alias_and_places_with_their_path(client: Any) -> None:
    page = client.get("/", params={"q": "Kremlin"}).text
    assert 'href="/actors/Russian%20Presidency"' in page
    assert "Russia › Moscow › Kremlin" in page
    assert 'href="/incidents/kremlin-drone-2023-05"' in page


def test_a_timeline_page_lists_entries_with_badges_and_links_its_exports(client: Any) -> None:
    page = client.get("/incidents/kremlin-drone-2023-05").text
    assert page.count('<li class="entry') == 11
    for badge in ('class="badge precision precision-interval"', "certainty-alleged", "status-active", ">B3<"):
        assert badge in page
    assert 'id="export-timelinejs" href="/api/incidents/kremlin-drone-2023-05.timelinejs"' in page


def test_retracted_facts_show_only_on_request(
    client: Any, cli: CliRunner, seeded_db: str, tmp_path: Path
) -> None:
    journal = write_journal(tmp_path / "r.ndjson", [a_retraction("kremlin-drone-alleged")])
    ok(cli, "append", journal, "--db", seeded_db)
    hidden = client.get("/actors/Kremlin").text
    shown = client.get("/actors/Kremlin", params={"include_retracted": "true"}).text
    assert "status-retracted" not in hidden
    assert 'class="entry status-retracted"' in shown


def test_a_fact_page_shows_each_correction_field_by_field_and_the_old_value_as_of_before(
    client: Any, cli: CliRunner, seeded_db: str, tmp_path: Path
) -> None:
    before = client.get("/api/head").json()["position"]
    journal = write_journal(tmp_path / "c.ndjson", [a_correction("kremlin-drone-alleged", drones=3)])
    ok(cli, "append", journal, "--db", seeded_db)
    now = client.get("/facts/kremlin-drone-alleged").text
    assert (
        '<tr data-field="drones"><th scope="row">drones</th><td><del>2</del></td><td><ins>3</ins></td></tr>'
        in now
    )
    then = client.get("/facts/kremlin-drone-alleged", params={"at": before}).text
    assert '<tr data-field="drones"><th scope="row">drones</th><td>2</td></tr>' in then
    assert f"as of <strong>@{before}</strong>" in then
    assert "<del>" not in then


def test_text_from_the_record_is_escaped(client: Any, cli: CliRunner, seeded_db: str, tmp_path: Path) -> None:
    fact = a_fact(
        id="xss", summary="<script>alert(1)</script>", sources=[{"name": "x", "url": "javascript:alert(1)"}]
    )
    ok(cli, "append", write_journal(tmp_path / "x.ndjson", [fact]), "--db", seeded_db)
    page = client.get("/facts/xss").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    assert 'href="javascript:' not in page


def test_an_unknown_subject_is_a_404_page_in_the_cli_words(client: Any) -> None:
    answer = client.get("/actors/Nobody")
    assert answer.status_code == 404
    assert "no actor &#39;Nobody&#39; in the record" in answer.text


def test_the_page_loads_nothing_from_elsewhere(client: Any) -> None:
    for path in ("/", "/actors/Kremlin", "/facts/kremlin-drone-alleged"):
        page = client.get(path).text
        assert 'src="http' not in page
        assert '<link rel="stylesheet" href="/static/' in page
