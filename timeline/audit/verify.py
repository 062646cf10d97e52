"""`timeline verify`: prove the log is what was written and the read models follow from it.

Three checks, each reported by name:
- chain: the hash chain recomputed over every stored event, in position order, equals
  the heads written with each batch (an edited, deleted, inserted or reordered event
  breaks it, even if every read model was edited to match);
- versions: every fact's (and statement's) versions run 1..n without gaps;
- views: the read models equal a fresh replay of the log into a scratch database.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from eventsourcing.sqlite import SQLiteDatastore

from timeline.errors import IntegrityFailure, InvalidInputError
from timeline.persistence.chain import GENESIS, link
from timeline.persistence.sqlite import SQLiteTimelineView
from timeline.results import VerifyResult

if TYPE_CHECKING:
    from timeline.application import Timeline
    from timeline.projections.views import TimelineView

SECTION = 5000


def verify(app: Timeline, expect: str | None = None, *, check_views: bool = True) -> VerifyResult:
    """Run every check; IntegrityFailure names the first thing found wrong."""
    expected = _parse_expect(expect) if expect else None
    digests = app.recorder.digests()  # type: ignore[attr-defined]
    heads = {last: (first, head) for first, last, head in digests}
    covered = max((last for _, last, _ in digests), default=0)
    head, position, events = GENESIS, 0, 0
    matched_expect = expected is None
    start = 0
    while True:
        section = app.recorder.select_notifications(start=start, limit=SECTION, inclusive_of_start=False)
        if not section:
            break
        for n in section:
            head = link(head, n.id, n.originator_id, n.originator_version, n.topic, n.state)
            position, events = n.id, events + 1
            if n.id in heads:
                written = heads.pop(n.id)[1]
                if written != head:
                    raise IntegrityFailure(
                        f"verify: chain: the log up to position {n.id} differs from what was "
                        "written (an event was edited, inserted, deleted or reordered)"
                    )
            if expected and n.id == expected[1]:
                if head.hex() != expected[0]:
                    raise IntegrityFailure(
                        f"verify: expect: the first {n.id} positions differ from digest {expected[0][:16]}…"
                    )
                matched_expect = True
        start = section[-1].id
    if heads:
        missing = min(heads)
        raise IntegrityFailure(
            f"verify: chain: a batch ending at position {missing} was written but its events "
            "are missing from the log"
        )
    if digests and position > covered:
        raise IntegrityFailure(
            f"verify: chain: events after position {covered} "
            "were not written by timeline (no digest covers them)"
        )
    if not matched_expect:
        assert expected is not None
        raise IntegrityFailure(f"verify: expect: the log has no position {expected[1]}")
    gap = app.recorder.version_gap()  # type: ignore[attr-defined]
    if gap:
        raise IntegrityFailure(f"verify: versions: {gap}")
    checks = {"chain": "ok", "versions": "ok"}
    if check_views:
        difference = compare_with_replay(app, position)
        if difference:
            raise IntegrityFailure(f"verify: views: {difference}")
        checks["views"] = "ok"
    return VerifyResult(ok=True, events=events, head=head.hex(), head_position=position, checks=checks)


def compare_with_replay(app: Timeline, position: int) -> str | None:
    """None if the read models equal a fresh replay up to `position`, else what differs."""
    app.project(until=position)
    with tempfile.TemporaryDirectory(prefix="timeline-verify-") as scratch:
        datastore = SQLiteDatastore(str(Path(scratch) / "replay.db"))
        try:
            fresh = SQLiteTimelineView(datastore)
            fresh.create_table()
            app.project(view=fresh, until=position)
            if app.view.tracking_position() != position:
                return f"read models are at position {app.view.tracking_position()}, log at {position}"
            for table, digest in table_digests(fresh).items():
                mine = table_digests(app.view)[table]
                if mine != digest:
                    return f"table {table} differs from a fresh replay of the log"
        finally:
            datastore.close()
    return None


def table_digests(view: TimelineView) -> dict[str, tuple[int, int]]:
    """(row count, order-independent sum of row hashes) per read-model table."""
    out = {}
    for table, rows in view.dump().items():
        total = 0
        for row in rows:
            text = "\x1f".join("\x00" if v is None else _canonical(v) for v in row)
            total = (total + int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")) % (1 << 256)
        out[table] = (len(rows), total)
    return out


def _canonical(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_expect(expect: str) -> tuple[str, int]:
    digest, _, position = expect.partition("@")
    try:
        bytes.fromhex(digest)
        number = int(position)
    except ValueError:
        raise InvalidInputError(f"--expect {expect!r}: expected DIGEST@N (hex digest, position)") from None
    if len(digest) != 64:
        raise InvalidInputError(f"--expect {expect!r}: the digest has 64 hex characters")
    return digest.lower(), number
