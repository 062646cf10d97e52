"""`timeline dump` / `timeline restore`: the whole log, byte for byte, with its audit trail.

A journal export (`export ndjson`) is an exchange format: appended elsewhere, every
event gets the new store's positions, recorded_at and recorded_by. A dump is a
backup: each stored event keeps its position and its stored bytes (which hold
recorded_at and recorded_by), and the chain heads written with each batch come
along, so a restored store verifies to the same `DIGEST@N` as the original.

The dump is NDJSON, readable with any JSON tool:

    {"timeline_dump": 1}
    {"position": 1, "originator_id": "<hex>", "originator_version": 1, "topic": "timeline:…",
     "event": "…", "recorded_at": "…", "recorded_by": "…", "state": "<the stored JSON, as text>"}
    {"batch": {"first_position": 1, "last_position": 36, "head": "<hex>"}}   after its last event
    …
    {"end": {"events": N, "head": "<hex>", "head_position": P}}

`event`, `recorded_at` and `recorded_by` are there for readers; `state` is what is
restored (as `state_base64` when the store encrypts or compresses its events).
A restore reads the whole dump first and refuses it unless the chain recomputed
over its events matches every batch head and the end line; then it writes every
event and head in one transaction, into an empty store only.
"""

from __future__ import annotations

import base64
from typing import IO, TYPE_CHECKING, Any
from uuid import UUID

import orjson
from eventsourcing.persistence import PersistenceError

from timeline.errors import InvalidInputError, StoreError
from timeline.limits import batches
from timeline.persistence.chain import GENESIS, link
from timeline.persistence.transcoding import UnknownTopicError, event_class_for
from timeline.results import DumpResult

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from timeline.application import Timeline

FORMAT_VERSION = 1
WRITE_BATCH = 1000


def dump(app: Timeline, out: IO[bytes]) -> DumpResult:
    """Write the whole log and its chain heads to `out`; the result gives the head."""
    batches = {last: (first, head) for first, last, head in app.recorder.digests()}
    out.write(orjson.dumps({"timeline_dump": FORMAT_VERSION}) + b"\n")
    head, position, events = GENESIS, 0, 0
    for n in _notifications(app):
        head = link(head, n.id, n.originator_id, n.originator_version, n.topic, n.state)
        position, events = n.id, events + 1
        out.write(orjson.dumps(_event_line(app, n)) + b"\n")
        if n.id in batches:
            first, written = batches.pop(n.id)
            if written != head:
                raise StoreError(
                    f"the log up to position {n.id} does not match its recorded digest; "
                    "run `timeline verify` before dumping"
                )
            batch = {"first_position": first, "last_position": n.id, "head": written.hex()}
            out.write(orjson.dumps({"batch": batch}) + b"\n")
    if batches:
        raise StoreError(
            f"a batch ending at position {min(batches)} has no events in the log; "
            "run `timeline verify` before dumping"
        )
    end = {"events": events, "head": head.hex(), "head_position": position}
    out.write(orjson.dumps({"end": end}) + b"\n")
    return DumpResult(events=events, head=head.hex(), head_position=position)


def restore(app: Timeline, path: Path) -> DumpResult:
    """Check a dump, then load it into this (empty) store and build the read models.

    InvalidInputError if the file is not a dump, its chain does not verify, or the
    store already holds events; nothing is written in those cases.
    """
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file")
    expected = _check(path)
    loader = _loader(app)
    try:
        loader(app, _rows(path))
    except PersistenceError as error:
        raise StoreError(f"could not restore into the store: {error}") from None
    app.project()
    return expected


# --- reading a dump --------------------------------------------------------------------


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise InvalidInputError(f"{path}:{number}: not valid JSON; not a timeline dump") from None
            if not isinstance(obj, dict):
                raise InvalidInputError(f"{path}:{number}: expected a JSON object; not a timeline dump")
            yield number, obj


Row = tuple[int, UUID, int, str, bytes]
Batch = tuple[int, int, bytes]


def _rows(path: Path) -> Iterator[Row | Batch]:
    """Events as (position, originator id, version, topic, state); heads as (first, last, head)."""
    for _, obj in _lines(path):
        if "position" in obj:
            yield (
                obj["position"],
                UUID(obj["originator_id"]),
                obj["originator_version"],
                obj["topic"],
                _state(obj),
            )
        elif "batch" in obj:
            batch = obj["batch"]
            yield batch["first_position"], batch["last_position"], bytes.fromhex(batch["head"])


def _check(path: Path) -> DumpResult:
    """Read the whole dump: well-formed, positions increasing, the chain verifies."""
    head, position, events = GENESIS, 0, 0
    covered = 0
    end: dict[str, Any] | None = None
    started = False
    for number, obj in _lines(path):
        where = f"{path}:{number}"
        if not started:
            if obj.get("timeline_dump") != FORMAT_VERSION:
                raise InvalidInputError(f"{where}: not a timeline dump (version {FORMAT_VERSION})")
            started = True
            continue
        if end is not None:
            raise InvalidInputError(f"{where}: content after the end line")
        try:
            if "position" in obj:
                n = int(obj["position"])
                if n <= position:
                    raise InvalidInputError(f"{where}: position {n} does not follow {position}")
                originator, version = UUID(obj["originator_id"]), int(obj["originator_version"])
                event_class_for(obj["topic"])
                head = link(head, n, originator, version, obj["topic"], _state(obj))
                position, events = n, events + 1
            elif "batch" in obj:
                batch = obj["batch"]
                if int(batch["last_position"]) != position or batch["head"] != head.hex():
                    raise InvalidInputError(
                        f"{where}: the chain does not verify: the events up to position "
                        f"{batch['last_position']} are not those the recorded digest covers"
                    )
                covered = position
            elif "end" in obj:
                end = obj["end"]
            else:
                raise InvalidInputError(f"{where}: unknown line in a timeline dump")
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidInputError(f"{where}: malformed dump line ({error})") from None
        except UnknownTopicError as error:
            raise InvalidInputError(f"{where}: {error}") from None
    if not started:
        raise InvalidInputError(f"{path}: empty file; not a timeline dump")
    if end is None:
        raise InvalidInputError(f"{path}: no end line; the dump is incomplete")
    if covered != position:
        raise InvalidInputError(f"{path}: the chain does not verify: no digest covers position {position}")
    if (end.get("events"), end.get("head"), end.get("head_position")) != (events, head.hex(), position):
        raise InvalidInputError(f"{path}: the chain does not verify: the end line names another head")
    return DumpResult(events=events, head=head.hex(), head_position=position)


def _state(obj: dict[str, Any]) -> bytes:
    if "state" in obj:
        return str(obj["state"]).encode()
    return base64.b64decode(obj["state_base64"], validate=True)


def _event_line(app: Timeline, n: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "position": n.id,
        "originator_id": _hex(n.originator_id),
        "originator_version": n.originator_version,
        "topic": n.topic,
    }
    state = bytes(n.state)
    try:
        text = state.decode()
        payload = orjson.loads(state)
    except (UnicodeDecodeError, orjson.JSONDecodeError):
        line["state_base64"] = base64.b64encode(state).decode()
        return line
    if app.mapper.cipher or app.mapper.compressor or not isinstance(payload, dict):
        line["state_base64"] = base64.b64encode(state).decode()
        return line
    line["event"] = n.topic.removeprefix("timeline:")
    line["recorded_at"] = payload.get("timestamp")
    line["recorded_by"] = payload.get("recorded_by")
    line["state"] = text
    return line


def _notifications(app: Timeline) -> Iterator[Any]:
    for section in app.recorder.sections():
        yield from section


def _hex(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else UUID(str(originator_id)).hex


# --- writing into a store ----------------------------------------------------------------


def _loader(app: Timeline) -> Any:
    from timeline.persistence.sqlite import SQLiteTimelineRecorder

    if isinstance(app.recorder, SQLiteTimelineRecorder):
        return _load_sqlite
    return _load_postgres


def _refuse_unless_empty(count: int) -> None:
    if count:
        raise InvalidInputError(
            f"restore needs an empty store; this one holds {count} events (nothing was written)"
        )


def _load_sqlite(app: Timeline, rows: Iterator[Row | Batch]) -> None:
    # The view's write transaction (BEGIN IMMEDIATE) holds the file's write lock from
    # the emptiness check to the commit; the log and the view share the file.
    events_table = app.recorder.events_table_name
    with app.view.transaction(commit=True) as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {events_table}")  # noqa: S608  (constant table name)
        _refuse_unless_empty(cursor.fetchone()[0])
        insert_event = f"INSERT INTO {events_table} (rowid, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)"  # noqa: S608,E501
        insert_batch = "INSERT INTO timeline_digests (first_position, last_position, head) VALUES (?, ?, ?)"
        for chunk in _chunks(rows):
            events = [(r[0], r[1].hex, r[2], r[3], r[4]) for r in chunk if len(r) == 5]
            batches = [r for r in chunk if len(r) == 3]
            if events:
                cursor.executemany(insert_event, events)
            if batches:
                cursor.executemany(insert_batch, batches)


def _load_postgres(app: Timeline, rows: Iterator[Row | Batch]) -> None:
    from psycopg.sql import SQL, Identifier

    recorder: Any = app.recorder
    schema = Identifier(recorder.datastore.schema)
    events_table = SQL("{0}.{1}").format(schema, Identifier(recorder.events_table_name))
    digests = SQL("{0}.{1}").format(schema, Identifier("timeline_digests"))
    with recorder.datastore.transaction(commit=True) as cursor:
        # The lock every append takes: nobody appends between the check and the commit.
        cursor.execute(SQL("LOCK TABLE {0} IN EXCLUSIVE MODE").format(events_table))
        cursor.execute(SQL("SELECT COUNT(*) AS n FROM {0}").format(events_table))
        _refuse_unless_empty(cursor.fetchone()["n"])
        insert_event = SQL(
            "INSERT INTO {0} (notification_id, originator_id, originator_version, topic, state) "
            "VALUES (%s, %s, %s, %s, %s)"
        ).format(events_table)
        insert_batch = SQL(
            "INSERT INTO {0} (first_position, last_position, head) VALUES (%s, %s, %s)"
        ).format(digests)
        last = 0
        for chunk in _chunks(rows):
            events = [r for r in chunk if len(r) == 5]
            batches = [r for r in chunk if len(r) == 3]
            if events:
                cursor.executemany(insert_event, events)
                last = events[-1][0]
            if batches:
                cursor.executemany(insert_batch, batches)
        if last:
            # Later appends continue after the restored positions.
            cursor.execute(
                SQL("SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)"),
                (f"{recorder.datastore.schema}.{recorder.events_table_name}", last),
            )


def _chunks(rows: Iterator[Row | Batch]) -> Iterator[list[Row | Batch]]:
    return batches(rows, WRITE_BATCH)
