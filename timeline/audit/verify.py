"""`timeline verify`: prove the log is what was written and the read models follow from it.

Five checks, each reported by name:
- chain: the hash chain recomputed over every stored event, in position order, equals
  the heads written with each batch, and those heads cover the whole log, batch after
  batch (an edited, deleted, inserted or reordered event breaks it, even if every read
  model was edited to match; so does deleting the heads);
- positions: the log's positions run 1..N without gaps (they are numbered under the
  write lock, so a gap means an event was deleted);
- recorded_at: never goes back as position goes forward (it is set under the write
  lock, one microsecond apart, so moving an event to another position shows; equal
  values are allowed for stores written before it was);
- versions: every fact's (and statement's) versions run 1..n without gaps, in
  position order;
- views: the read models equal a fresh replay of the log into a scratch database.

Someone able to rewrite the whole database can rewrite it consistently (events,
recorded_at and every head alike); only a head published earlier
(`--expect DIGEST@N`) proves the first N events were not rewritten that way.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from timeline.errors import IntegrityFailure, InvalidInputError, StoreError
from timeline.persistence.chain import GENESIS, link
from timeline.persistence.clock import parse_timestamp
from timeline.persistence.scratch import scratch_view
from timeline.results import VerifyResult

if TYPE_CHECKING:
    from datetime import datetime

    from timeline.application import PhaseProgress, Progress, Timeline
    from timeline.projections.readmodel import TimelineView


def verify(
    app: Timeline,
    expect: str | None = None,
    *,
    check_views: bool = True,
    progress: PhaseProgress | None = None,
) -> VerifyResult:
    """Run every check; IntegrityFailure names the first thing found wrong.

    `progress` hears of "reading the log" (events of the last position) and, for the
    views check, "catching up" and "replaying to compare".
    """
    expected = _parse_expect(expect) if expect else None
    digests = app.recorder.digests()
    heads = {last: (first, head) for first, last, head in digests}
    covered = max((last for _, last, _ in digests), default=0)
    _check_batches(digests)
    head, position, events = GENESIS, 0, 0
    recorded: datetime | None = None
    problem: str | None = None
    matched_expect = expected is None
    last = app.recorder.max_notification_id() or 0 if progress else 0
    for section in app.recorder.sections():
        if progress:
            progress("reading the log", section[-1].id, max(last, section[-1].id))
        for n in section:
            head = link(head, n.id, n.originator_id, n.originator_version, n.topic, n.state)
            # Position and time problems are kept until the chain is checked: an
            # edit the chain shows is reported as such.
            if problem is None and n.id != position + 1:
                missing = f"{position + 1}" if n.id == position + 2 else f"{position + 1}..{n.id - 1}"
                problem = f"verify: positions: position {n.id} follows position {position} " + (
                    f"(missing {missing}: events were deleted)" if n.id > position else "(out of order)"
                )
            at, unreadable = _recorded_at(app, n.state)
            if problem is None and unreadable:
                problem = f"verify: recorded_at: position {n.id} has no readable recorded_at ({unreadable})"
            if problem is None and at is not None and recorded is not None and at < recorded:
                problem = (
                    f"verify: recorded_at: position {n.id} was recorded at {at.isoformat()}, "
                    f"before position {position} ({recorded.isoformat()}): back-dated or reordered"
                )
            recorded = at or recorded
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
    if heads:
        raise IntegrityFailure(
            f"verify: chain: a batch ending at position {min(heads)} was written but its events "
            "are missing from the log"
        )
    if position > covered:
        raise IntegrityFailure(
            f"verify: chain: events after position {covered} "
            "were not written by timeline, or their chain heads were deleted (no digest covers them)"
        )
    if problem:
        raise IntegrityFailure(problem)
    if not matched_expect:
        assert expected is not None
        raise IntegrityFailure(f"verify: expect: the log has no position {expected[1]}")
    gap = app.recorder.version_gap()
    if gap:
        raise IntegrityFailure(f"verify: versions: {gap}")
    checks = {"chain": "ok", "positions": "ok", "recorded_at": "ok", "versions": "ok"}
    if check_views:
        difference = compare_with_replay(app, position, progress)
        if difference:
            raise IntegrityFailure(f"verify: views: {difference}")
        checks["views"] = "ok"
    return VerifyResult(ok=True, events=events, head=head.hex(), head_position=position, checks=checks)


def _check_batches(digests: list[tuple[int, int, bytes]]) -> None:
    """The chain heads cover the log batch after batch, from position 1."""
    previous = 0
    for first, last, _ in digests:
        if first != previous + 1 or last < first:
            raise IntegrityFailure(
                f"verify: chain: the chain heads do not cover positions {previous + 1}..{first - 1} "
                "(heads were deleted or rewritten)"
                if first > previous + 1
                else f"verify: chain: the chain head of positions {first}..{last} overlaps the one before"
            )
        previous = last


def _recorded_at(app: Timeline, state: bytes) -> tuple[datetime | None, str | None]:
    """(recorded_at, None), or (None, why it cannot be read)."""
    try:
        return parse_timestamp(app._decode_state(state)["timestamp"]), None
    except (ValueError, KeyError, TypeError) as error:
        return None, str(error).splitlines()[0] or type(error).__name__


def compare_with_replay(app: Timeline, position: int, progress: PhaseProgress | None = None) -> str | None:
    """None if the read models equal a fresh replay up to `position`, else what differs.

    Read models that cannot be brought up to `position` (a full disk, a role without
    write rights) are compared as far as they go, with a note saying so.
    """

    def phase(name: str) -> Progress | None:
        return (lambda done, total: progress(name, done, total)) if progress else None

    try:
        app.project(phase("catching up"), until=position)
    except StoreError as error:
        behind = app.view.tracking_position()
        app.notes.append(
            f"verify: views compared up to position {behind} only (the log is at {position}): {error}"
        )
        position = min(position, behind)
    with scratch_view() as fresh:
        app.project(phase("replaying to compare"), view=fresh, until=position)
        if app.view.tracking_position() != position:
            return f"read models are at position {app.view.tracking_position()}, log at {position}"
        for table, digest in table_digests(fresh).items():
            mine = table_digests(app.view)[table]
            if mine != digest:
                return f"table {table} differs from a fresh replay of the log"
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
