"""`timeline import …` and `timeline export …` from the command line (issue #8)."""

from __future__ import annotations

from pathlib import Path

import orjson

from cli.app import app

SNAPSHOTS = sorted((Path(__file__).parents[2] / "fixtures" / "bellingcat").glob("20*"))


def _ids(snapshot: Path) -> list[str]:
    """Event ids as the importer keys them: an id given twice gets -2 for its second row."""
    seen: dict[str, int] = {}
    ids = []
    for event in orjson.loads((snapshot / "export_events.json").read_bytes()):
        seen[event["id"]] = seen.get(event["id"], 0) + 1
        ids.append(event["id"] + (f"-{seen[event['id']]}" if seen[event["id"]] > 1 else ""))
    return ids


def run(cli, *args: str):
    return cli.invoke(app, list(args), catch_exceptions=False)


def test_import_bellingcat_then_export_round_trip(cli, tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    for snapshot in SNAPSHOTS[:2]:
        result = run(cli, "--db", db, "import", "bellingcat", str(snapshot), "--format", "json")
        assert result.exit_code == 0, result.output
    summary = orjson.loads(result.stdout.splitlines()[-1])
    first, second = set(_ids(SNAPSHOTS[0])), set(_ids(SNAPSHOTS[1]))
    assert (summary["new"], summary["retracted"]) == (len(second - first), len(first - second))
    assert summary["corrected"] > 0
    assert summary["rows_per_second"] > 0
    again = run(cli, "--db", db, "import", "bellingcat", str(SNAPSHOTS[1]), "--format", "json")
    assert orjson.loads(again.stdout)["appended"] == 0

    history = run(cli, "--db", db, "history", "bellingcat:civ0080", "--format", "json")
    versions = orjson.loads(history.stdout)["versions"]
    assert versions[-1]["reason"] == f"re-import from {SNAPSHOTS[1].name}"

    out = tmp_path / "all.ndjson"
    assert run(cli, "--db", db, "export", "ndjson", "-o", str(out)).exit_code == 0
    other = str(tmp_path / "b.db")
    assert run(cli, "--db", other, "append", str(out)).exit_code == 0
    a = orjson.loads(run(cli, "--db", db, "incident", "bellingcat-civilian-harm", "-f", "json").stdout)
    b = orjson.loads(run(cli, "--db", other, "incident", "bellingcat-civilian-harm", "-f", "json").stdout)

    def strip(r):
        return [{k: v for k, v in e.items() if k not in ("recorded_at", "position")} for e in r["entries"]]

    assert strip(a) == strip(b)

    js = run(cli, "--db", db, "export", "timelinejs", "--location", "Ukraine", "--as-of", "@40")
    data = orjson.loads(js.stdout)
    assert data["events"]
    assert all(e["group"] == "bellingcat-civilian-harm" for e in data["events"])
    csv_out = run(cli, "--db", db, "export", "csv", "--incident", "bellingcat-civilian-harm")
    assert csv_out.stdout.count("\n") > len(_ids(SNAPSHOTS[1]))


def test_import_missing_file_is_a_usage_error(cli, tmp_path: Path) -> None:
    result = run(cli, "--db", str(tmp_path / "x.db"), "import", "acled", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_import_wrong_table_is_a_usage_error(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    result = run(cli, "--db", str(tmp_path / "x.db"), "import", "acled", str(bad))
    assert result.exit_code == 2
    assert "not an ACLED export" in result.stderr


def test_export_two_selections_is_a_usage_error(cli, tmp_path: Path) -> None:
    result = run(cli, "--db", str(tmp_path / "x.db"), "export", "csv", "--actor", "a", "--incident", "b")
    assert result.exit_code == 2
