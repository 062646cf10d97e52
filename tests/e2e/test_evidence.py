"""Evidence through the CLI on both stores: `evidence add` hashes a file, `verify --evidence` re-hashes."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import pytest

from tests.e2e.helpers import SEED, as_json, ok, run

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import CliRunner

FACT = "kremlin-drone-alleged"


@pytest.fixture
def db(cli: CliRunner, store_url: str) -> str:
    ok(cli, "append", SEED, "--db", store_url)
    return store_url


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "tass-screenshot.png").write_bytes(b"\x89PNG\r\n" + bytes(range(256)) * 40)
    (folder / "nested").mkdir()
    (folder / "nested" / "kremlin-statement.pdf").write_bytes(b"%PDF-1.7 statement " * 100)
    return folder


def add(cli: CliRunner, db: str, path: Path, *args: str) -> None:
    ok(cli, "evidence", "add", FACT, path, "--reason", "archived before it was taken down", "--db", db, *args)


def sources(cli: CliRunner, db: str) -> list[dict[str, object]]:
    result = as_json(ok(cli, "incident", "kremlin-drone-2023-05", "--format", "json", "--db", db))
    [entry] = [e for e in result["entries"] if e["fact"] == FACT]
    return entry["sources"]  # type: ignore[no-any-return]


def test_evidence_add_records_a_source_with_its_archive_record(
    cli: CliRunner, db: str, evidence: Path
) -> None:
    shot = evidence / "tass-screenshot.png"
    url = "https://tass.ru/politika/17664279"
    add(cli, db, shot, "--url", url, "--source", "TASS", "--as", "maria")

    added = sources(cli, db)[-1]
    assert added["name"] == "TASS"
    assert added["url"] == url
    archive = added["archive"]
    assert isinstance(archive, dict)
    assert archive["sha256"] == hashlib.sha256(shot.read_bytes()).hexdigest()
    assert archive["bytes"] == shot.stat().st_size
    assert archive["captured_by"] == "maria"
    assert archive["url"] == url
    assert archive["file"] == "tass-screenshot.png"
    assert str(archive["captured_at"]).endswith("Z")
    history = as_json(ok(cli, "history", FACT, "--format", "json", "--db", db))
    assert history["versions"][-1]["event"] == "SourceAdded"
    assert history["versions"][-1]["reason"] == "archived before it was taken down"


def test_verify_evidence_passes_then_names_a_changed_and_a_missing_file(
    cli: CliRunner, db: str, evidence: Path
) -> None:
    shot = evidence / "tass-screenshot.png"
    pdf = evidence / "nested" / "kremlin-statement.pdf"
    add(cli, db, shot, "--source", "TASS")
    add(cli, db, pdf, "--source", "Kremlin press service", "--captured-at", "2023-05-03T14:00:00Z")
    (evidence / "unrelated.txt").write_text("not evidence")

    passed = ok(cli, "verify", "--evidence", evidence, "--db", db)
    assert "evidence ok (2 files)" in passed.stdout

    # one byte of the screenshot changes
    data = bytearray(shot.read_bytes())
    data[100] ^= 0x01
    shot.write_bytes(bytes(data))
    changed = run(cli, "verify", "--evidence", evidence, "--db", db)
    assert changed.exit_code == 1
    assert len(changed.stderr.strip().splitlines()) == 1
    assert "tass-screenshot.png changed" in changed.stderr
    assert "kremlin-statement.pdf" not in changed.stderr

    pdf.unlink()
    missing = run(cli, "verify", "--evidence", evidence, "--db", db)
    assert missing.exit_code == 1
    assert "kremlin-statement.pdf missing" in missing.stderr
    assert "2 of 2 archived files" in missing.stderr


def test_evidence_add_refuses_a_missing_file_and_an_unknown_fact(
    cli: CliRunner, db: str, evidence: Path
) -> None:
    gone = run(cli, "evidence", "add", FACT, evidence / "nope.png", "--reason", "r", "--db", db)
    assert gone.exit_code == 2
    assert "nope.png" in gone.stderr
    unknown = run(
        cli, "evidence", "add", "no-such-fact", evidence / "tass-screenshot.png", "--reason", "r", "--db", db
    )
    assert unknown.exit_code == 3
    bad_time = run(
        cli, "evidence", "add", FACT, evidence / "tass-screenshot.png", "--reason", "r",
        "--captured-at", "yesterday", "--db", db,
    )  # fmt: skip
    assert bad_time.exit_code == 2
    assert "captured_at" in bad_time.stderr


def test_verify_evidence_of_a_missing_directory_is_exit_2(cli: CliRunner, db: str, tmp_path: Path) -> None:
    result = run(cli, "verify", "--evidence", tmp_path / "nowhere", "--db", db)

    assert result.exit_code == 2
    assert "not a directory" in result.stderr


def test_a_journal_archive_record_is_checked(cli: CliRunner, db: str, tmp_path: Path) -> None:
    journal = tmp_path / "bad.ndjson"
    journal.write_text(
        '{"type": "SourceAdded", "fact": "kremlin-drone-alleged", "reason": "r", "source": '
        '{"name": "TASS", "archive": {"sha256": "abc", "bytes": 3, "captured_at": "2023-05-03", '
        '"captured_by": "maria"}}}\n'
    )

    result = run(cli, "append", journal, "--db", db)

    assert result.exit_code == 2
    assert f"{journal}:1: " in result.stderr
    assert "sha256" in result.stderr
