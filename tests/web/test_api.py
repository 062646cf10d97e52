"""The JSON API on both stores: every endpoint answers with the CLI's keys and words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
import pytest

from tests.e2e.helpers import as_json, ok, run
from tests.factories import a_correction, a_fact, write_journal
from tests.web.conftest import client_for

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner

KREMLIN = "/api/actors/Kremlin"


def cli_json(cli: CliRunner, db: str, *args: str) -> Any:
    return as_json(ok(cli, *args, "--format", "json", "--db", db))


def test_a_timeline_has_the_keys_and_entries_of_the_cli(client: Any, cli: CliRunner, seeded_db: str) -> None:
    answer = client.get(KREMLIN, params={"limit": 1000})
    assert answer.status_code == 200
    body = answer.json()
    assert body.pop("next_cursor") is None
    assert body == cli_json(cli, seeded_db, "actor", "Kremlin")


@pytest.mark.parametrize(
    ("path", "command"),
    [
        ("/api/locations/Moscow", ["location", "Moscow"]),
        ("/api/incidents/kremlin-drone-2023-05", ["incident", "kremlin-drone-2023-05"]),
        ("/api/facts/kremlin-drone-alleged", ["show", "kremlin-drone-alleged"]),
        ("/api/facts/kremlin-drone-alleged/history", ["history", "kremlin-drone-alleged"]),
        ("/api/search?q=drones", ["search", "drones"]),
    ],
)
def test_every_read_endpoint_answers_as_its_command(
    client: Any, cli: CliRunner, seeded_db: str, path: str, command: list[str]
) -> None:
    body = client.get(path).json()
    body.pop("next_cursor", None)
    assert body == cli_json(cli, seeded_db, *command)


@pytest.mark.parametrize("kind", ["actor", "location", "incident"])
def test_subject_lists_have_the_cli_entries_with_counts(
    client: Any, cli: CliRunner, seeded_db: str, kind: str
) -> None:
    body = client.get(f"/api/{kind}s", params={"limit": 1000}).json()
    assert body["next_cursor"] is None
    assert body["subjects"] == cli_json(cli, seeded_db, f"{kind}s")["subjects"]


def test_q_finds_a_subject_by_name_alias_and_place_path(client: Any) -> None:
    actors = client.get("/api/actors", params={"q": "kremlin"}).json()["subjects"]
    assert [a["name"] for a in actors] == ["Russian Presidency"]  # "Kremlin" is its alias
    locations = client.get("/api/locations", params={"q": "Moscow"}).json()["subjects"]
    assert {tuple(s["place_path"]) for s in locations} == {
        ("Russia", "Moscow"),
        ("Russia", "Moscow", "Kremlin"),
    }
    incidents = client.get("/api/incidents", params={"q": "KREMLIN"}).json()["subjects"]
    assert [i["name"] for i in incidents] == ["kremlin-drone-2023-05"]


def test_the_log_pages_by_position(client: Any, cli: CliRunner, seeded_db: str) -> None:
    everything = as_json(ok(cli, "log", "--format", "json", "--db", seeded_db))
    seen: list[dict[str, Any]] = []
    since: int | None = 0
    while since is not None:
        body = client.get("/api/log", params={"since": since, "limit": 10}).json()
        seen += body["entries"]
        since = body["next_since"]
    assert seen == everything


def test_head_is_the_chain_head_verify_prints(client: Any, cli: CliRunner, seeded_db: str) -> None:
    printed = ok(cli, "verify", "--print-head", "--db", seeded_db).stdout.strip()
    head = client.get("/api/head").json()
    assert f"{head['digest']}@{head['position']}" == printed


def test_geojson_variants_are_feature_collections(client: Any) -> None:
    for path in (
        "/api/locations/Kremlin.geojson",
        "/api/actors/Kremlin.geojson",
        "/api/incidents/kremlin-drone-2023-05.geojson",
    ):
        answer = client.get(path)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/geo+json"
        body = answer.json()
        assert body["type"] == "FeatureCollection"
        assert body["features"], path
    assert client.get("/api/actors/Nobody.geojson").status_code == 404


def test_an_incident_exports_timelinejs(client: Any) -> None:
    body = client.get("/api/incidents/kremlin-drone-2023-05.timelinejs").json()
    assert body["title"]["text"]["headline"] == "incident kremlin-drone-2023-05"
    assert len(body["events"]) == 11


@pytest.mark.parametrize(
    ("path", "command"),
    [
        ("/api/actors/Nobody", ["actor", "Nobody"]),
        ("/api/incidents/kremlin-drone-2023", ["incident", "kremlin-drone-2023"]),
        ("/api/facts/kremlin-drone-alleged-x", ["show", "kremlin-drone-alleged-x"]),
        ("/api/facts/nope/history", ["history", "nope"]),
        ("/api/actors/Kremlin?as_of=@3", ["actor", "Kremlin", "--as-of", "@3"]),
    ],
)
def test_unknown_subjects_are_404_in_the_cli_words(
    client: Any, cli: CliRunner, seeded_db: str, path: str, command: list[str]
) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    said = run(cli, *command, "--db", seeded_db)
    assert said.exit_code == 3
    assert answer.json() == {"error": said.stderr.strip().removeprefix("error: ")}


@pytest.mark.parametrize(
    ("path", "command"),
    [
        ("/api/actors/Kremlin?as_of=yesterday", ["actor", "Kremlin", "--as-of", "yesterday"]),
        ("/api/actors/Kremlin?from=2023-13", ["actor", "Kremlin", "--from", "2023-13"]),
        ("/api/search?q=%20", ["search", " "]),
    ],
)
def test_bad_values_are_400_in_the_cli_words(
    client: Any, cli: CliRunner, seeded_db: str, path: str, command: list[str]
) -> None:
    answer = client.get(path)
    assert answer.status_code == 400
    said = run(cli, *command, "--db", seeded_db)
    assert said.exit_code == 2
    assert answer.json() == {"error": said.stderr.strip().removeprefix("error: ")}


@pytest.mark.parametrize(
    "path",
    ["/api/actors?limit=0", "/api/actors?limit=abc", "/api/actors/Kremlin?cursor=zzz", "/api/log?since=-1"],
)
def test_unreadable_parameters_are_400_with_one_line(client: Any, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 400
    assert set(answer.json()) == {"error"}
    assert "\n" not in answer.json()["error"]
    assert "Traceback" not in answer.text


def test_a_current_answer_carries_the_head_and_revalidates_to_304(
    client: Any, cli: CliRunner, seeded_db: str, tmp_path: Path
) -> None:
    first = client.get(KREMLIN)
    head = client.get("/api/head").json()
    assert first.headers["etag"] == f'"{head["digest"]}@{head["position"]}"'
    assert first.headers["cache-control"] == "no-cache"
    again = client.get(KREMLIN, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    # Once the record moves on, the old validator no longer matches.
    ok(cli, "append", write_journal(tmp_path / "more.ndjson", [a_fact()]), "--db", seeded_db)
    moved = client.get(KREMLIN, headers={"If-None-Match": first.headers["etag"]})
    assert moved.status_code == 200
    assert moved.headers["etag"] != first.headers["etag"]
    assert len(moved.json()["entries"]) == len(first.json()["entries"]) + 1


def test_an_answer_for_a_past_position_is_immutable_and_says_what_it_said_then(
    client: Any, cli: CliRunner, seeded_db: str, tmp_path: Path
) -> None:
    before = client.get("/api/head").json()["position"]
    journal = [a_correction("kremlin-drone-alleged", summary="Corrected summary")]
    ok(cli, "append", write_journal(tmp_path / "fix.ndjson", journal), "--db", seeded_db)
    then = client.get("/api/facts/kremlin-drone-alleged", params={"as_of": f"@{before}"})
    assert "immutable" in then.headers["cache-control"]
    assert then.json()["fields"]["summary"].startswith("Russian Presidency says")
    now = client.get("/api/facts/kremlin-drone-alleged")
    assert now.headers["cache-control"] == "no-cache"
    assert now.json()["fields"]["summary"] == "Corrected summary"
    # A position the record has not reached yet can still change.
    ahead = client.get(KREMLIN, params={"as_of": "@999999"})
    assert ahead.headers["cache-control"] == "no-cache"


def _many(tmp_path: Path, n: int, start: int = 0) -> Path:
    facts = [a_fact(id=f"many-{i}", occurred=f"2023-05-{1 + i % 28:02d}") for i in range(start, start + n)]
    return write_journal(tmp_path / f"many-{start}.ndjson", facts)


def test_paging_a_timeline_reaches_the_end_without_gaps_or_repeats_while_others_append(
    client: Any, cli: CliRunner, seeded_db: str, tmp_path: Path
) -> None:
    ok(cli, "append", _many(tmp_path, 45), "--db", seeded_db)
    whole = client.get(KREMLIN, params={"limit": 1000}).json()["entries"]
    seen: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        body = client.get(KREMLIN, params=params).json()
        seen += body["entries"]
        pages += 1
        if pages == 2:  # the record moves on mid-way: the pages keep to where they began
            ok(cli, "append", _many(tmp_path, 5, start=100), "--db", seeded_db)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == -(-len(whole) // 7)
    assert [e["fact"] + e["role"] for e in seen] == [e["fact"] + e["role"] for e in whole]
    assert seen == whole


def test_subject_lists_page_with_a_cursor(client: Any) -> None:
    whole = client.get("/api/actors", params={"limit": 1000}).json()["subjects"]
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        body = client.get("/api/actors", params={"limit": 4, **({"cursor": cursor} if cursor else {})}).json()
        seen += body["subjects"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == whole
    assert len(whole) > 4


def test_the_docs_page_needs_nothing_from_outside(client: Any) -> None:
    page = client.get("/api/docs").text
    assert "cdn" not in page.lower()
    for asset in ("/static/swagger/swagger-ui-bundle.js", "/static/swagger/swagger-ui.css"):
        assert asset in page
        assert client.get(asset).status_code == 200
    spec = client.get("/api/openapi.json").json()
    assert "/api/actors/{name}" in spec["paths"]
    assert "/api/head" in spec["paths"]


def test_the_server_never_writes(client: Any) -> None:
    assert client.post("/api/actors").status_code == 405
    assert client.get("/api/nothing-here").json() == {"error": "no such page"}


def test_a_follower_keeps_answers_current_while_another_process_appends(
    seeded_db: str, cli: CliRunner, tmp_path: Path
) -> None:
    import time

    with client_for(seeded_db, follow=True) as client:
        before = client.get("/api/head").json()["position"]
        ok(cli, "append", _many(tmp_path, 3), "--db", seeded_db)
        deadline = time.monotonic() + 10
        while client.get("/api/head").json()["position"] == before:
            assert time.monotonic() < deadline, "the answers never caught up"
            time.sleep(0.05)
        assert len(client.get(KREMLIN).json()["entries"]) == 2 + 3


def test_reads_are_not_held_up_by_a_sqlite_writer(sqlite_url: str, cli: CliRunner) -> None:
    import sqlite3
    import time

    from tests.e2e.helpers import seeded

    seeded(cli, sqlite_url)
    with client_for(sqlite_url, follow=True) as client:
        client.get(KREMLIN)
        writer = sqlite3.connect(sqlite_url, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # holds the write lock, as an appender does
        try:
            started = time.monotonic()
            answer = client.get(KREMLIN)
            waited = time.monotonic() - started
        finally:
            writer.execute("ROLLBACK")
            writer.close()
    assert answer.status_code == 200
    assert waited < 1.0
    assert orjson.loads(answer.content)["entries"]
