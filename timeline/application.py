"""The Timeline application: the service layer between users and the record."""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Annotated, Any, ClassVar, cast
from uuid import UUID

import orjson
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, PersistenceError, StoredEvent
from eventsourcing.utils import get_topic
from pydantic import TypeAdapter, ValidationError

from timeline.domain.catalogue import FACT_TYPES
from timeline.domain.events import EVENTS_BY_TYPE, Created, Event, GazetteerStatement, Reported
from timeline.domain.fact import (
    AmendmentError,
    Fact,
    creation_digest,
    fact_uuid,
    first_event,
    validate_changes,
)
from timeline.domain.gazetteer import Statement
from timeline.errors import (
    ConflictError,
    InvalidInputError,
    JournalInvalidError,
    NotFoundError,
    StoreError,
)
from timeline.journal import Entry, JournalError, parse_object, read_journal
from timeline.persistence.transcoding import OrjsonTranscoder, PydanticMapper, event_class_for, upcast
from timeline.projections.timelines import TimelineProjection, ViewBatch
from timeline.projections.views import TimelineView
from timeline.results import AppendResult, ReplayResult

BATCH_SIZE = 1000
"""Journal objects written per transaction."""
SECTION_SIZE = 10_000
"""Log events applied to the read models per transaction."""
MAX_REPORTED_ERRORS = 50
WRITE_RETRIES = 5

Progress = Callable[[int, int], None]
"""progress(done, total); total is 0 when unknown."""


class Timeline(Application):
    """The record: writes events, keeps the read models current, answers queries."""

    name = "Timeline"
    env: ClassVar[dict[str, str]] = {
        "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
        "MAPPER_TOPIC": get_topic(PydanticMapper),
    }

    def __init__(self, env: dict[str, str], view_class: type[TimelineView]) -> None:
        super().__init__(env)
        self.view = cast(TimelineView, self.factory.tracking_recorder(view_class))  # type: ignore[arg-type]

    # --- writing ------------------------------------------------------------------

    def append(
        self,
        paths: Sequence[str],
        *,
        recorded_by: str,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> AppendResult:
        """Validate every journal first, then write them in batches.

        Nothing is written if any line is invalid (JournalInvalidError lists them).
        Objects the store already holds are counted as present and not written again,
        so appending the same journal twice writes nothing the second time.
        """
        with ExitStack() as stack:
            files = [(name, _materialise(name, stack)) for name in paths]
            # Valid entries are spooled in compact form, so the write pass neither
            # re-validates nor holds the journal in memory.
            spool = stack.enter_context(tempfile.TemporaryFile(prefix="timeline-valid-"))
            total = self._validate(files, spool)
            if dry_run:
                return AppendResult(appended=0, present=0)
            spool.seek(0)
            appended = present = done = 0
            for batch in _batches(_spooled(spool), BATCH_SIZE):
                written, held = self._write_with_retries(batch, recorded_by)
                appended, present, done = appended + written, present + held, done + len(batch)
                if progress:
                    progress(done, total)
        self.project()
        return AppendResult(appended=appended, present=present)

    def submit(
        self,
        obj: dict[str, Any],
        *,
        recorded_by: str,
        where: str,
        expected_version: int | None = None,
    ) -> AppendResult:
        """Validate and write one journal object (what `record`, `correct` … send).

        With `expected_version`, an amendment is refused with ConflictError unless the
        fact is still at that version when it is written (checked again on retry).
        """
        entry = parse_object(obj, where, 1)
        if isinstance(entry, JournalError):
            raise InvalidInputError(entry.message)
        if entry.is_amendment and self.fact_version(entry.key) is None:
            raise NotFoundError(f"no fact {entry.key!r} in the record")
        if entry.is_amendment:  # only amendments refer to a stored fact
            for problem in self._check_amendments([(1, entry)], SeenFacts()):
                raise InvalidInputError(problem.split(": ", 1)[1])
        if entry.is_fact:
            for problem in self._check_existing([entry]):
                raise InvalidInputError(problem.split(": ", 1)[1])
        written, held = self._write_with_retries([entry], recorded_by, expected_version)
        self.project()
        return AppendResult(appended=written, present=held)

    def fact_version(self, fact_id: str) -> int | None:
        """The stored version of a fact, or None if it does not exist."""
        return self.recorder_versions([fact_uuid(fact_id)]).get(fact_uuid(fact_id))

    def recorder_versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        return self.recorder.current_versions(ids)  # type: ignore[attr-defined,no-any-return]

    def _validate(self, files: Sequence[tuple[str, Path]], spool: IO[bytes]) -> int:
        """First pass: every line valid, every amendment refers to a known fact.

        Valid entries are written to `spool`; JournalInvalidError lists the problems.
        """
        problems: list[str] = []
        errors = count = 0
        facts = SeenFacts()
        amendments: list[tuple[int, Entry]] = []
        new_facts: list[Entry] = []

        def note(found: Iterable[str]) -> None:
            nonlocal errors
            for problem in found:
                errors += 1
                if len(problems) < MAX_REPORTED_ERRORS:
                    problems.append(problem)

        for name, path in files:
            with path.open("rb") as stream:
                for item in read_journal(stream, name):
                    count += 1
                    problem = _check_entry(item, count, facts, amendments)
                    if problem:
                        note([problem])
                        continue
                    assert isinstance(item, Entry)
                    if not errors:
                        spool.write(orjson.dumps(item.as_row()) + b"\n")
                    if item.is_fact:
                        new_facts.append(item)
                        if len(new_facts) >= BATCH_SIZE:
                            note(self._check_existing(new_facts))
                            new_facts = []
        note(self._check_existing(new_facts))
        note(self._check_amendments(amendments, facts))
        if errors:
            raise JournalInvalidError(problems, errors)
        return count

    def _check_existing(self, entries: Sequence[Entry]) -> list[str]:
        """Facts the store already holds must hold the same content."""
        stored = self.recorder.first_events([fact_uuid(e.key) for e in entries])  # type: ignore[attr-defined]
        problems = []
        for entry in entries:
            event = stored.get(fact_uuid(entry.key))
            if event is not None and self._creation_digest(event) != entry.digest:
                problems.append(
                    f"{entry.path}:{entry.line}: fact {entry.key!r} is already recorded "
                    "with different content; use FactCorrected to change it"
                )
        return problems

    def _creation_digest(self, stored: StoredEvent) -> str:
        """The content digest of a fact's first stored event, as the journal computes it."""
        event = self.mapper.to_domain_event(stored)
        assert isinstance(event, Reported)
        return creation_digest(event)

    def _check_amendments(self, amendments: Sequence[tuple[int, Entry]], facts: SeenFacts) -> list[str]:
        """Play every amendment, in input order, over its fact as it will stand then.

        A fact comes from the store (loaded once) or from earlier in the input; an
        amendment must come after its fact, must not change a retracted fact, and a
        correction must leave a valid fact. Amendments already recorded are skipped,
        as the write will skip them.
        """
        problems: list[str] = []
        by_fact: dict[str, list[tuple[int, Entry]]] = {}
        for ordinal, entry in amendments:
            by_fact.setdefault(entry.key, []).append((ordinal, entry))
        keys = list(by_fact)
        for chunk in _batches(iter(keys), 500):
            versions = self.recorder_versions([fact_uuid(k) for k in chunk])
            for key in chunk:
                stored = self._get_fact(fact_uuid(key)) if fact_uuid(key) in versions else None
                problems.extend(_play(key, stored, facts.get(key), by_fact[key]))
        return problems

    def _write_with_retries(
        self, batch: Sequence[Entry], recorded_by: str, expected_version: int | None = None
    ) -> tuple[int, int]:
        for attempt in range(WRITE_RETRIES):
            events, written, held = self._prepare(batch, recorded_by, expected_version)
            if not events:
                return written, held
            try:
                # The event store directly: this application has no followers to notify,
                # snapshots or aggregate cache for `save` to maintain.
                self.events.put(events)
            except IntegrityError:
                # Another writer got there first: reload and re-apply (amendments that
                # no longer apply cleanly become a ConflictError in _prepare).
                time.sleep(0.01 * (attempt + 1))
                continue
            except PersistenceError as error:
                raise StoreError(f"could not write to the store: {error}") from None
            return written, held
        raise ConflictError(
            "the facts kept changing under this write; nothing more was written "
            f"(after {WRITE_RETRIES} attempts)"
        )

    def _prepare(
        self, batch: Sequence[Entry], recorded_by: str, expected_version: int | None = None
    ) -> tuple[list[Event], int, int]:
        """The new events of a batch, in journal order, and the counts written / present.

        Events (not aggregates) are saved, so the log receives them in the order of the
        journal lines, whichever aggregates they belong to.
        """
        uids = [self._aggregate_id(e) for e in batch]
        versions = self.recorder_versions(list(set(uids)))
        reported = [uid for uid, e in zip(uids, batch, strict=True) if e.is_fact]
        first = self.recorder.first_events([i for i in reported if i in versions])  # type: ignore[attr-defined]
        loaded: dict[UUID, Fact | Statement] = {}
        changed: dict[UUID, Fact | Statement] = {}
        # Facts and statements new in this batch: their first event and content digest.
        # Most journal lines are new facts, so no aggregate is built unless amended.
        created: dict[UUID, tuple[Created, str]] = {}
        events: list[Event] = []
        written = held = 0
        for uid, entry in zip(uids, batch, strict=True):
            where = f"{entry.path}:{entry.line}"
            if entry.type in FACT_TYPES or entry.type in _GAZETTEER:
                if uid in created or uid in versions:
                    if uid in created:
                        digest = created[uid][1] if entry.is_fact else entry.digest
                    elif entry.is_fact:
                        digest = self._creation_digest(first[uid])
                    else:  # a statement's id is its content digest: same id, same content
                        digest = entry.digest
                    if digest != entry.digest:
                        raise ConflictError(
                            f"{where}: fact {entry.key!r} was recorded meanwhile with different "
                            "content; nothing more was written"
                        )
                    held += 1
                    continue
                event = _first_event(entry, uid, recorded_by)
                created[uid] = (event, entry.digest)
                events.append(event)
                written += 1
                continue
            if uid not in changed and uid in created:
                changed[uid] = created[uid][0].mutate(None)  # type: ignore[assignment]
            fact = changed.get(uid) or self._get_any(uid, loaded)
            assert isinstance(fact, Fact)
            if entry.digest in fact.amendments:
                held += 1
                continue
            if expected_version is not None and fact.version != expected_version:
                raise ConflictError(
                    f"fact {entry.key!r} is at version {fact.version}, not {expected_version}; "
                    "nothing was written"
                )
            try:
                _amend(fact, entry, recorded_by)
            except AmendmentError as error:
                raise ConflictError(f"{where}: {error}") from None
            changed[uid] = fact
            events.extend(cast(list[Event], fact.collect_events()))
            written += 1
        return events, written, held

    @staticmethod
    def _aggregate_id(entry: Entry) -> UUID:
        if entry.type in _GAZETTEER:
            return Statement.id_for(entry.type, entry.fields)
        return fact_uuid(entry.key)

    def _get_any(self, uid: UUID, loaded: dict[UUID, Fact | Statement]) -> Fact | Statement:
        if uid not in loaded:
            loaded[uid] = self.repository.get(uid)
        return loaded[uid]

    def _get_fact(self, uid: UUID) -> Fact:
        fact: Fact | Statement = self.repository.get(uid)
        assert isinstance(fact, Fact)
        return fact

    # --- projecting ------------------------------------------------------------------

    def project(
        self,
        progress: Progress | None = None,
        *,
        view: TimelineView | None = None,
        until: int | None = None,
    ) -> int:
        """Apply every log event after the tracking position to the read models.

        Each section of events is written with its tracking position in one
        transaction, so a crash never applies an event twice or skips one.
        `view` defaults to this record's own; `until` stops at a log position.
        """
        view = view or self.view
        processed = 0
        total = 0
        failed_at: int | None = None
        while True:
            try:
                with view.transaction(commit=True) as cursor:
                    start = view.tracking_position(cursor)
                    if progress and not total:
                        total = max(self.recorder.max_notification_id() or 0, start) - start
                    notifications = self.recorder.select_notifications(
                        start=start, limit=SECTION_SIZE, stop=until, inclusive_of_start=False
                    )
                    if not notifications:
                        break
                    batch = ViewBatch()
                    projection = TimelineProjection(view.lookups(cursor))
                    for notification in notifications:
                        name, payload = self._payload(notification)
                        projection.process(
                            batch,
                            name,
                            payload,
                            _hex(notification.originator_id),
                            notification.originator_version,
                            notification.id,
                        )
                    view.write_batch(cursor, batch)
            except IntegrityError as error:
                # The section is read under the view's write lock, so another projector
                # cannot have applied it meanwhile: a repeat failure means the read models
                # disagree with the log, and looping would never end.
                if failed_at == start:
                    raise StoreError(
                        f"the read models cannot take the events after position {start} "
                        f"({error}); run `timeline replay` to rebuild them from the log"
                    ) from None
                failed_at = start
                continue
            except PersistenceError as error:
                raise StoreError(f"could not update the read models: {error}") from None
            processed += len(notifications)
            if progress:
                progress(processed, total)
        return processed

    def follow(
        self,
        *,
        interval: float = 1.0,
        max_seconds: float | None = None,
        should_stop: Callable[[], bool] = lambda: False,
        on_applied: Callable[[int, int], None] | None = None,
    ) -> int:
        """Keep the read models current while other clients append, until stopped.

        Catches up in batched sections first, then waits for new events (LISTEN/NOTIFY on
        PostgreSQL, polling on SQLite) and applies them. Several followers may run
        against one store: the tracking position makes each section apply exactly once.
        `on_applied(events, position)` is called after each catch-up that applied any.
        """
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        total = 0
        while not should_stop():
            applied = self.project()
            total += applied
            if applied and on_applied:
                on_applied(applied, self.view.tracking_position())
            wait = interval if deadline is None else min(interval, deadline - time.monotonic())
            if wait <= 0:
                break
            self.recorder.wait_for_events(self.view.tracking_position(), wait)  # type: ignore[attr-defined]
        return total

    def _payload(self, stored: StoredEvent) -> tuple[str, dict[str, Any]]:
        """(event type name, stored fields) of a stored event, upcast to the current class.

        Projections read the stored JSON directly: it was validated when written, and
        skipping a second validation is what lets a replay run at tens of thousands of
        events per second.
        """
        state = stored.state
        if self.mapper.cipher:
            state = self.mapper.cipher.decrypt(state)
        if self.mapper.compressor:
            state = self.mapper.compressor.decompress(state)
        payload: dict[str, Any] = orjson.loads(state)
        cls = event_class_for(stored.topic)
        if "class_version" in payload or getattr(cls, "class_version", 1) > 1:
            upcast(cls, payload)
        return cls.__name__, payload

    def replay(self, progress: Progress | None = None) -> ReplayResult:
        """Drop the read models and rebuild them from position 0."""
        started = time.perf_counter()
        with self.view.transaction(commit=True) as cursor:
            self.view.clear(cursor)
        events = self.project(progress)
        self.view.create_table()  # type: ignore[attr-defined]  # restores the query indexes
        seconds = time.perf_counter() - started
        return ReplayResult(
            events=events, seconds=round(seconds, 3), events_per_second=round(events / seconds, 1)
        )


_GAZETTEER = frozenset(name for name, cls in EVENTS_BY_TYPE.items() if issubclass(cls, GazetteerStatement))


def _first_event(entry: Entry, uid: UUID, recorded_by: str) -> Created:
    """The event that records a new fact or gazetteer statement."""
    event_class = EVENTS_BY_TYPE[entry.type]
    assert issubclass(event_class, Created)
    aggregate_class = Statement if entry.type in _GAZETTEER else Fact
    return first_event(aggregate_class, event_class, uid, recorded_by=recorded_by, **entry.fields)


def _amend(fact: Fact, entry: Entry, recorded_by: str) -> None:
    fields, digest = entry.fields, entry.digest
    if entry.type == "FactCorrected":
        fact.correct(fields["changes"], reason=fields["reason"], recorded_by=recorded_by, digest=digest)
    elif entry.type == "FactRetracted":
        fact.retract(reason=fields["reason"], recorded_by=recorded_by, digest=digest)
    else:
        fact.add_source(fields["source"], reason=fields["reason"], recorded_by=recorded_by, digest=digest)


class SeenFacts:
    """Facts reported so far in an input: id -> (type, content digest, ordinal).

    Packed into one int per fact, keyed by a 64-bit hash of the id, so that validating
    a journal of a million facts needs ~100 bytes per fact, not the entries themselves.
    """

    _TYPES = tuple(FACT_TYPES)

    def __init__(self) -> None:
        self._seen: dict[int, int] = {}

    @staticmethod
    def _key(fact_id: str) -> int:
        return int.from_bytes(hashlib.blake2b(fact_id.encode(), digest_size=8).digest(), "big")

    def add(self, fact_id: str, type_name: str, digest: str, ordinal: int) -> None:
        packed = (int(digest[:16], 16) << 48) | (ordinal << 8) | self._TYPES.index(type_name)
        self._seen[self._key(fact_id)] = packed

    def get(self, fact_id: str) -> tuple[str, str, int] | None:
        packed = self._seen.get(self._key(fact_id))
        if packed is None:
            return None
        digest = format(packed >> 48, "016x")
        return self._TYPES[packed & 0xFF], digest, (packed >> 8) & ((1 << 40) - 1)


def _check_entry(
    item: Entry | JournalError,
    ordinal: int,
    facts: SeenFacts,
    amendments: list[tuple[int, Entry]],
) -> str | None:
    """The problem with one journal object on its own, if any; collects amendments."""
    if isinstance(item, JournalError):
        return str(item)
    if item.is_fact:
        seen = facts.get(item.key)
        if seen is not None and seen[1] != item.digest[:16]:
            return f"{item.path}:{item.line}: fact {item.key!r} appears earlier with different content"
        if seen is None:
            facts.add(item.key, item.type, item.digest, ordinal)
    elif item.is_amendment:
        amendments.append((ordinal, item))
    return None


def _play(
    key: str,
    stored: Fact | None,
    reported: tuple[str, str, int] | None,
    amendments: Sequence[tuple[int, Entry]],
) -> list[str]:
    """Problems of a fact's amendments played in order (see `_check_amendments`)."""
    problems: list[str] = []
    if stored is not None:
        fact_type, fields, status = stored.fact_type.name, dict(stored.state), stored.status
        applied = set(stored.amendments)
        first = 0
    elif reported is not None:
        fact_type, fields, status, applied, first = reported[0], None, "active", set(), reported[2]
    else:
        for _, entry in amendments:
            problems.append(f"{entry.path}:{entry.line}: {entry.type} refers to unknown fact {key!r}")
        return problems
    for ordinal, entry in amendments:
        where = f"{entry.path}:{entry.line}"
        if ordinal < first:
            problems.append(
                f"{where}: {entry.type} comes before fact {key!r} is reported; put the fact first"
            )
            continue
        if entry.digest in applied:
            continue  # already recorded: the write skips it
        applied.add(entry.digest)
        if status == "retracted" and entry.type != "SourceAdded":
            problems.append(f"{where}: fact {key!r} is retracted and cannot be amended")
        elif entry.type == "FactRetracted":
            status = "retracted"
        elif entry.type == "FactCorrected":
            changes = entry.fields["changes"]
            if fields is None:
                problem = _check_change_fields(fact_type, changes)
            else:
                try:
                    fields |= validate_changes(FACT_TYPES[fact_type], fields, changes)
                    problem = None
                except AmendmentError as error:
                    problem = str(error)
            if problem:
                problems.append(f"{where}: {problem}")
    return problems


_FIELD_ADAPTERS: dict[tuple[str, str], TypeAdapter[Any]] = {}


def _check_change_fields(type_name: str, changes: dict[str, Any]) -> str | None:
    """Field-by-field check of a correction against its fact type (cheap first pass)."""
    fact_type = FACT_TYPES[type_name]
    for field, value in changes.items():
        if field in {"type", "id"}:
            return f"field {field!r} cannot be corrected"
        info = fact_type.input_model.model_fields.get(field)
        if info is None:
            return f"{type_name} has no field {field!r}"
        adapter = _FIELD_ADAPTERS.get((type_name, field))
        if adapter is None:
            adapter = TypeAdapter(Annotated[info.annotation, info])  # type: ignore[arg-type,name-defined]
            _FIELD_ADAPTERS[(type_name, field)] = adapter
        try:
            adapter.validate_python(value)
        except ValidationError as error:
            return f"changes.{field}: {error.errors()[0]['msg'].removeprefix('Value error, ')}"
    return None


def _materialise(name: str, stack: ExitStack) -> Path:
    """A path that can be read twice: standard input is spooled to a temporary file."""
    if name != "-":
        path = Path(name)
        if not path.is_file():
            raise InvalidInputError(f"{name}: no such file")
        return path
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="timeline-stdin-")))
    spool = folder / "stdin.journal"
    with spool.open("wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out)
    return spool


def _hex(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)


def _spooled(spool: IO[bytes]) -> Iterator[Entry]:
    for line in spool:
        yield Entry(*orjson.loads(line))


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
