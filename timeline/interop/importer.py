"""Turning one table's mapped rows into a journal against the store, and appending it.

For each mapped fact (rows are streamed; only the set of ids used is held):

- not in the store -> the fact itself;
- in the store, active, same type -> nothing if its fields are unchanged; else
  `FactCorrected` with the changed fields (reason "re-import from <file>"), and
  `SourceAdded` for each new source when the sources only grew (sources compare as
  a multiset: a re-ordering alone is no change);
- in the store but retracted (the row was deleted from an earlier export and is
  back now) -> `FactRestored` ("the row is back in the table"), then the changes as
  above: the same fact, its history whole;
- in the store with another type -> the old fact is retracted ("re-classified") and
  the row recorded as the next `<id>.rN` (a fact's type never changes).

Ids the table gives twice in one file get `-2`, `-3` … in file order.

Facts of the same table (same id prefix) that are absent from the file are
retracted according to `missing`:
- "all": the file is the whole table (Bellingcat snapshots);
- "incidents": only facts whose incident the file covers (ACLED, UCDP with
  --retract-missing: an export is usually a filtered query, so a row is taken as
  deleted only when the file covers its country-month / conflict);
- "none": nothing is retracted for being absent (ACLED and UCDP by default).
Ids listed in `deleted` (ACLED deletion lists) are retracted in any case, even when
the file still holds the row.

Gazetteer statements are written only when the store does not hold them yet.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import orjson
from pydantic import BaseModel

from timeline.domain.catalogue import INPUT_MODELS
from timeline.domain.fact import fact_uuid
from timeline.domain.gazetteer import Statement
from timeline.domain.places import Places
from timeline.domain.values import normalise_name
from timeline.errors import InvalidInputError, JournalInvalidError
from timeline.interop.common import NOTES, RowError
from timeline.journal import MAX_LINE_BYTES, Entry, JournalError, parse_object

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from timeline.application import Timeline

Missing = Literal["all", "incidents", "none"]
MAX_ERRORS = 50


class NoteCount(BaseModel):
    """How many rows a note applies to, and the first of their ids."""

    count: int
    rows: list[str]


MAX_NOTED_ROWS = 50


class ImportResult(BaseModel):
    """What one import did."""

    table: str
    file: str
    rows: int
    new: int
    corrected: int
    sources_added: int
    retracted: int
    reappeared: int
    unchanged: int
    places: int
    appended: int
    present: int
    seconds: float
    rows_per_second: float
    notes: dict[str, NoteCount] = {}
    """What could not be kept as given, by kind, with the ids of the rows concerned."""

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def import_rows(
    timeline: Timeline,
    rows: Iterable[tuple[int, list[dict[str, Any]] | RowError]],
    *,
    table: str,
    prefix: str,
    label: str,
    recorded_by: str,
    missing: Missing = "none",
    deleted: Iterable[str] = (),
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Diff the mapped rows against the store, write the journal, append it."""
    started = time.perf_counter()
    reason = f"re-import from {label}"
    counts = dict.fromkeys(
        ("rows", "new", "corrected", "sources_added", "retracted", "reappeared", "unchanged", "places"), 0
    )
    errors: list[str] = []
    used: set[str] = set()
    incidents: set[str] = set()
    occurrences: dict[str, int] = {}
    gone = set(deleted)
    notes: dict[str, NoteCount] = {}
    handle, journal_name = tempfile.mkstemp(prefix=f"timeline-import-{table}-", suffix=".ndjson")
    journal = Path(journal_name)
    try:
        with os.fdopen(handle, "wb") as out, timeline.read.snapshot(prefix) as snapshot:
            places, lookups = Places(snapshot.places), snapshot.lookups

            def write(obj: dict[str, Any]) -> None:
                line = orjson.dumps(obj)
                if len(line) >= MAX_LINE_BYTES:
                    errors.append(f"{label}: object for {obj.get('fact') or obj.get('id')} too large")
                    return
                out.write(line + b"\n")

            try:
                for line, objects in rows:
                    counts["rows"] += 1
                    if isinstance(objects, RowError):
                        if len(errors) < MAX_ERRORS:
                            errors.append(f"{label}:{line}: {objects}")
                        continue
                    for obj in objects:
                        noted = obj.pop(NOTES, None)
                        if noted:
                            where = str(obj.get("id") or f"{label}:{line}")
                            for text in noted:
                                count = notes.setdefault(text, NoteCount(count=0, rows=[]))
                                count.count += 1
                                if len(count.rows) < MAX_NOTED_ROWS:
                                    count.rows.append(where)
                        if obj.get("type") == "AliasAdded" and _taken(places, obj):
                            # the variant is already a place of its own: aliasing it would make
                            # its name ambiguous, so the two stay apart (and the summary says so)
                            text = (
                                f"spelling {obj['alias']!r} is already a place, "
                                f"not an alias of {obj['name']!r}"
                            )
                            noted_alias = notes.setdefault(text, NoteCount(count=0, rows=[]))
                            noted_alias.count += 1
                            noted_alias.rows.append(f"{label}:{line}")
                            continue
                        if obj.get("type") in ("LocationRegistered", "ActorRegistered", "AliasAdded"):
                            statement = parse_object(obj, label, line)
                            if isinstance(statement, JournalError):
                                if len(errors) < MAX_ERRORS:
                                    errors.append(str(statement))
                            elif not timeline.recorder_versions(
                                [Statement.id_for(statement.type, statement.fields)]
                            ):
                                write(obj)
                                counts["places"] += 1
                            continue
                        entry = parse_object(obj, label, line)
                        if isinstance(entry, JournalError):
                            if len(errors) < MAX_ERRORS:
                                errors.append(str(entry))
                            continue
                        if entry.key in gone:  # listed as deleted: the deletion wins
                            continue
                        _fact(timeline, lookups, entry, write, counts, used, occurrences, reason)
                        incidents.add(entry.fields["incident"])
                    if progress and counts["rows"] % 200 == 0:
                        progress(counts["rows"], 0)
            except (ValueError, OSError) as error:
                raise InvalidInputError(f"{label}: {error}") from None
            if errors:
                raise JournalInvalidError(errors, len(errors))
            candidates = [key for key in snapshot.current_keys if key not in used]
            for key in candidates:
                record = lookups.fact_state(key)
                if record is None or record["status"] == "retracted":
                    continue
                why = None
                if key in gone:
                    why = f"{reason}: listed as deleted"
                elif missing == "all" or (
                    missing == "incidents" and record["fields"]["incident"] in incidents
                ):
                    why = f"{reason}: row no longer in the table"
                if why:
                    write({"type": "FactRetracted", "fact": key, "reason": why})
                    counts["retracted"] += 1
        if progress:
            progress(counts["rows"], counts["rows"])
        result = timeline.append([str(journal)], recorded_by=recorded_by, dry_run=dry_run)
    finally:
        journal.unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    return ImportResult(
        table=table,
        file=label,
        **counts,
        appended=result.appended,
        present=result.present,
        seconds=round(seconds, 3),
        rows_per_second=round(counts["rows"] / seconds, 1) if seconds else 0.0,
        notes=dict(sorted(notes.items())),
    )


def _fact(
    timeline: Timeline,
    lookups: Any,
    entry: Entry,
    write: Callable[[dict[str, Any]], None],
    counts: dict[str, int],
    used: set[str],
    occurrences: dict[str, int],
    reason: str,
) -> None:
    fields = dict(entry.fields)
    base = fields["id"]
    seen = occurrences.get(base, 0) + 1
    occurrences[base] = seen
    if seen > 1:
        base = f"{base}-{seen}"
    fact_id, incarnation = base, 1
    record = lookups.fact_state(fact_id)
    while record is not None and record["status"] == "retracted":
        # stores imported before returns were restored hold a returning row as <id>.rN
        later = lookups.fact_state(f"{base}.r{incarnation + 1}")
        if later is None:
            break
        incarnation += 1
        fact_id, record = f"{base}.r{incarnation}", later
    if record is not None and record["fields"]["type"] != entry.type:
        if record["status"] != "retracted":
            write(
                {
                    "type": "FactRetracted",
                    "fact": fact_id,
                    "reason": f"{reason}: re-classified as {entry.type}",
                }
            )
            counts["retracted"] += 1
        used.add(fact_id)
        fact_id = f"{base}.r{incarnation + 1}"
        record = None
    used.add(fact_id)
    fields["id"] = fact_id
    if record is None:
        write({"type": entry.type, **fields})
        counts["new"] += 1
        return
    if record["status"] == "retracted":
        # the row is back: the same fact, restored, then brought up to date below
        write({"type": "FactRestored", "fact": fact_id, "reason": f"{reason}: the row is back in the table"})
        counts["reappeared"] += 1
    stored = record["fields"]
    model_fields = INPUT_MODELS[entry.type].model_fields
    changes = {
        field: fields.get(field)
        for field in model_fields
        if field not in ("id", "type", "sources") and _plain(fields.get(field)) != _plain(stored.get(field))
    }
    new_sources = [_plain(s) for s in fields["sources"]]
    old_sources = [_plain(s) for s in stored["sources"]]
    added: list[dict[str, Any]] = []
    if sorted(map(_key, new_sources)) != sorted(map(_key, old_sources)):
        remaining = list(map(_key, old_sources))
        extra = []
        for source in new_sources:
            if _key(source) in remaining:
                remaining.remove(_key(source))
            else:
                extra.append(source)
        if remaining:  # a source went or changed: the list is corrected as a whole
            changes["sources"] = fields["sources"]
        else:
            added = extra
    if not changes and not added:
        if record["status"] != "retracted":  # a returning row counts as returned
            counts["unchanged"] += 1
        return
    if changes:
        correction = {"type": "FactCorrected", "fact": fact_id, "changes": changes, "reason": reason}
        if _already_applied(timeline, correction):
            correction["reason"] = f"{reason} (again, over version {record['version']})"
        write(correction)
        counts["corrected"] += 1
    for source in added:
        write({"type": "SourceAdded", "fact": fact_id, "source": source, "reason": f"{reason}: new source"})
        counts["sources_added"] += 1


def _taken(places: Places, alias: dict[str, Any]) -> bool:
    """Whether the alias names a place already (by its own name or as another's alias)."""
    return bool(places.holders(normalise_name(str(alias["alias"]))))


def _already_applied(timeline: Timeline, obj: dict[str, Any]) -> bool:
    """True if the store holds an amendment with this very content (it would be skipped)."""
    entry = parse_object(obj, "import", 1)
    if isinstance(entry, JournalError):
        return False
    fact: Any = timeline.repository.get(fact_uuid(entry.key))
    return entry.digest in getattr(fact, "amendments", set())


def _plain(value: Any) -> Any:
    """JSON value with None-valued keys dropped (stored states keep them, journals do not)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _key(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
