"""Evidence with a chain of custody: archived copies of sources, hashed when recorded.

`archive_record` hashes a local file (a screenshot, a PDF, a WACZ) into the archive
record a source carries: where it was captured from, its SHA-256 and size, when and
by whom, and its file name. `verify_evidence` re-hashes the files of a directory
against every archive record of the facts as they stand, and names each file that
is missing or no longer matches (Berkeley Protocol: prove the copy is unchanged).
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from timeline.errors import IntegrityFailure, InvalidInputError
from timeline.results import EvidenceCheck, EvidenceResult

if TYPE_CHECKING:
    from timeline.projections.readmodel import TimelineView

CHUNK = 1 << 20


def file_digest(path: Path) -> tuple[str, int]:
    """(SHA-256 hex, size in bytes) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def archive_record(
    path: Path, *, url: str | None, captured_by: str, captured_at: str | None = None
) -> dict[str, Any]:
    """The archive record of a local file; InvalidInputError if it cannot be read."""
    if not path.is_file():
        raise InvalidInputError(f"evidence file {str(path)!r} does not exist or is not a file")
    try:
        sha256, size = file_digest(path)
    except OSError as error:
        raise InvalidInputError(f"evidence file {str(path)!r} cannot be read: {error.strerror}") from None
    record: dict[str, Any] = {
        "sha256": sha256,
        "bytes": size,
        "captured_at": captured_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "captured_by": captured_by,
        "file": path.name,
    }
    if url:
        record["url"] = url
    return record


def evidence_submission(
    fact: str, path: Path, *, source: str | None, url: str | None, reason: str, captured_by: str,
    captured_at: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The `SourceAdded` journal object that records a file as evidence for a fact."""
    archive = archive_record(path, url=url, captured_by=captured_by, captured_at=captured_at)
    added: dict[str, Any] = {"name": source or path.name, "archive": archive}
    if url:
        added["url"] = url
    return {"type": "SourceAdded", "fact": fact, "reason": reason, "source": added}


def verify_evidence(view: TimelineView, directory: Path) -> EvidenceResult:
    """Re-hash the files of `directory` (and below) against every archive record.

    A record is matched by its file name, or by its hash when it names no file.
    IntegrityFailure names every file that is missing or changed.
    """
    if not directory.is_dir():
        raise InvalidInputError(f"--evidence {str(directory)!r} is not a directory")
    found: dict[str, list[Path]] = {}
    for root, _, names in os.walk(directory):
        for file_name in names:
            found.setdefault(file_name, []).append(Path(root) / file_name)
    hashes: dict[Path, tuple[str, int]] = {}

    def digest(path: Path) -> tuple[str, int]:
        if path not in hashes:
            hashes[path] = file_digest(path)
        return hashes[path]

    wanted: dict[tuple[str | None, str, int], list[str]] = {}
    for fact, archive in view.archived_sources():
        facts = wanted.setdefault((archive.get("file"), archive["sha256"], archive["bytes"]), [])
        if fact not in facts:
            facts.append(fact)
    used: set[Path] = set()
    checks = []
    for (name, sha256, size), facts in sorted(wanted.items(), key=lambda w: (w[0][0] or "", w[0][1])):
        if name is not None:
            candidates = found.get(name, [])
        else:
            candidates = [p for paths in found.values() for p in paths]
        matching = [p for p in candidates if digest(p) == (sha256, size)]
        used.update(candidates if name is not None else matching)
        state = "ok" if matching else ("changed" if candidates and name is not None else "missing")
        checks.append(EvidenceCheck(file=name, sha256=sha256, bytes=size, facts=facts, state=state))
    unrecorded = sum(1 for paths in found.values() for p in paths if p not in used)
    result = EvidenceResult(
        directory=str(directory),
        ok=all(c.state == "ok" for c in checks),
        files=checks,
        unrecorded=unrecorded,
    )
    if not result.ok:
        bad = [c for c in checks if c.state != "ok"]
        named = "; ".join(
            f"{c.file or 'sha256 ' + c.sha256[:16] + '…'} {c.state} (fact {', '.join(c.facts)})" for c in bad
        )
        raise IntegrityFailure(
            f"verify: evidence: {len(bad)} of {len(checks)} archived files do not match: {named}"
        )
    return result
