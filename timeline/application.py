"""The Timeline application: the service layer between users and the record."""

from __future__ import annotations

import functools
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar, cast
from uuid import UUID

import orjson
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, PersistenceError, StoredEvent
from eventsourcing.utils import get_topic

from timeline.errors import (
    ConflictError,
    InvalidInputError,
    StoreError,
)
from timeline.limits import BATCH_SIZE, batches, bulk_collection
from timeline.persistence.recorder import TimelineRecorder
from timeline.persistence.transcoding import OrjsonTranscoder, PydanticMapper, event_class_for, upcast
from timeline.persistence.transient import RETRIES, backoff, is_transient
from timeline.reading import Reader
from timeline.results import AppendResult, DumpResult, ReplayResult, WriteResult

if TYPE_CHECKING:
    from timeline.domain.events import Created, Event
    from timeline.domain.fact import Fact
    from timeline.domain.gazetteer import Statement
    from timeline.domain.places import PlaceStore
    from timeline.journal import Entry
    from timeline.projections.readmodel import TimelineView
    from timeline.projections.timelines import ViewBatch

# The domain (pydantic event models, the catalogue), the journal reader, validation
# and the projection load with the first write or catch-up that needs them: opening
# the record to answer a query does not (`timeline actor X` starts in half the time).

SECTION_SIZE = 10_000
"""Log events applied to the read models per transaction."""
BULK_EVENTS = 20_000
"""An append leaving at least this many events to project (and at least as many as
the read models already hold) drops the query indexes while it projects and builds
them once afterwards: maintaining them row by row costs ~60 µs a journal line."""
WRITE_RETRIES = 5

Progress = Callable[[int, int], None]
"""progress(done, total); total is 0 when unknown."""
PhaseProgress = Callable[[str, int, int], None]
"""progress(phase, done, total) for work in phases (validating, writing, projecting …)."""


class Timeline(Application[UUID]):
    """The record: writes events, keeps the read models current, answers queries."""

    name = "Timeline"
    env: ClassVar[dict[str, str]] = {
        "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
        "MAPPER_TOPIC": get_topic(PydanticMapper),
    }

    recorder: TimelineRecorder
    """The log, with the look-ups the record needs beyond eventsourcing's (see
    `timeline.persistence.recorder`)."""

    def __init__(self, env: dict[str, str], view_class: type[TimelineView]) -> None:
        super().__init__(env)
        self.view = cast("TimelineView", self.factory.tracking_recorder(view_class))  # type: ignore[arg-type]
        # The recorder re-stamps recorded_at under its write lock: it reads and writes
        # stored states through this application's codec.
        clock = self.recorder.clock
        clock.decode, clock.encode = self._decode_state, self._encode_state
        self.notes: list[str] = []
        """Things a caller should tell the user that are not failures (see `_catch_up`)."""
        self.read_only: str | None = None
        """Set (to the store's name) when the store cannot be written here."""
        self._scratch: Path | None = None
        self.read = Reader(self)
        """The read side's one door (timeline.reading): every read verb, caught up first."""

    def construct_recorder(self) -> TimelineRecorder:
        recorder = super().construct_recorder()
        if not isinstance(recorder, TimelineRecorder):
            raise TypeError(f"the record needs a TimelineRecorder, not {type(recorder).__name__}")
        return recorder

    def current_places(self) -> PlaceStore:
        """The gazetteer's places as the record stands now (caught up first), read once."""
        self.project()
        return self.view.places(None).preload()

    def read_only_copy(self, store: str, scratch: Path) -> None:
        """This record is a scratch copy of `store`, which cannot be written here: it
        answers reads and verify, refuses writes, and is deleted on close."""
        self.read_only, self._scratch = store, scratch
        self.notes.append(f"{store} cannot be written here: answering from a scratch copy of it")

    def close(self) -> None:
        super().close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def _refuse_writes(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.read_only} cannot be written here (read-only); nothing was written")

    # --- writing ------------------------------------------------------------------

    def append(
        self,
        paths: Sequence[str],
        *,
        recorded_by: str,
        dry_run: bool = False,
        progress: PhaseProgress | None = None,
    ) -> AppendResult:
        """Validate every journal first, then write them in batches.

        Nothing is written if any line is invalid (JournalInvalidError lists them).
        Objects the store already holds are counted as present and not written again,
        so appending the same journal twice writes nothing the second time.
        `progress` hears of each phase: "validating" (lines so far, total unknown),
        "writing" (lines of the total) and "projecting" (events into the read models).
        """
        if not dry_run:
            self._refuse_writes()
        with bulk_collection():
            return self._append(paths, recorded_by=recorded_by, dry_run=dry_run, progress=progress)

    def _append(
        self, paths: Sequence[str], *, recorded_by: str, dry_run: bool, progress: PhaseProgress | None
    ) -> AppendResult:
        with ExitStack() as stack:
            files = [(name, _materialise(name, stack)) for name in paths]
            # Valid entries are spooled in compact form, so the write pass neither
            # re-validates nor holds the journal in memory.
            spool = stack.enter_context(tempfile.TemporaryFile(prefix="timeline-valid-"))
            validated = (lambda n: progress("validating", n, 0)) if progress else None
            from timeline.validation import JournalValidator

            total = JournalValidator(self).validate(files, spool, progress=validated)
            if dry_run:
                return AppendResult(appended=0, present=0)
            spool.seek(0)
            appended = present = done = 0
            for batch in batches(_spooled(spool), BATCH_SIZE):
                written, held = self._write_with_retries(batch, recorded_by)
                appended, present, done = appended + written, present + held, done + len(batch)
                if progress:
                    progress("writing", done, total)
        projecting = (lambda n, of: progress("projecting", n, of)) if progress else None
        if self._bulk():
            self._catch_up_unindexed(projecting)
        else:
            self._catch_up(projecting)
        return AppendResult(appended=appended, present=present)

    def _bulk(self) -> bool:
        """Whether the events not yet projected are many, against what is projected."""
        try:
            projected = self.view.tracking_position()
            pending = (self.recorder.max_notification_id() or 0) - projected
        except PersistenceError:
            return False
        return pending >= BULK_EVENTS and pending >= projected

    def _catch_up_unindexed(self, progress: Progress | None) -> None:
        """`_catch_up` with the query indexes dropped meanwhile and built once after.

        The drop is recorded as the schema needing its DDL again (as `replay` does),
        so if this process dies before the indexes are back, the next opening of the
        store builds them. Readers meanwhile are answered, without the indexes' speed.
        """
        try:
            with self.view.transaction(commit=True) as cursor:
                self.view.drop_query_indexes(cursor)
        except PersistenceError:
            self._catch_up(progress)  # the indexes stay: slower, still right
            return
        self._catch_up(progress)
        try:
            self.view.create_table()  # restores the query indexes
        except PersistenceError as error:
            self.notes.append(f"written; the query indexes will be rebuilt at the next opening ({error})")

    def submit(
        self,
        obj: dict[str, Any],
        *,
        recorded_by: str,
        where: str,
        expected_version: int | None = None,
    ) -> WriteResult:
        """Validate and write one journal object (what `record`, `correct` … send).

        With `expected_version`, an amendment is refused with ConflictError unless the
        fact is still at that version when it is written (checked again on retry).
        The result names the fact (or gazetteer name) and the fact's version after the
        write; a correction that changes nothing writes nothing and says so.
        """
        self._refuse_writes()
        from timeline.journal import JournalError, parse_object
        from timeline.validation import JournalValidator, PlaceCheck, SeenFacts

        entry = parse_object(obj, where, 1)
        if isinstance(entry, JournalError):
            raise InvalidInputError(entry.message)
        if entry.is_amendment and self.fact_version(entry.key) is None:
            from timeline.queries import not_found  # queries reads the views this module builds

            raise not_found(self.view, "fact", entry.key, None)
        validator = JournalValidator(self)
        for problem in PlaceCheck(self).check(entry):
            raise InvalidInputError(problem.split(": ", 1)[1])
        if entry.is_amendment:  # only amendments refer to a stored fact
            for problem in validator.check_amendments([(1, entry)], SeenFacts(), skip_recorded=False):
                raise InvalidInputError(problem.split(": ", 1)[1])
        if entry.is_fact:
            for problem in validator.check_existing([entry]):
                raise InvalidInputError(problem.split(": ", 1)[1])
        # A command is not a journal line: it is compared with the fact as it stands,
        # so repeating an earlier change after another one is written again.
        written, held = self._write_with_retries([entry], recorded_by, expected_version, by_state=True)
        self._catch_up()
        if entry.is_fact or entry.is_amendment:
            return WriteResult(
                appended=written,
                present=held,
                fact=entry.key,
                version=self.fact_version(entry.key),
                # a command's correction is present only when the fact already says it
                unchanged=bool(held) and entry.type == "FactCorrected",
            )
        name = entry.fields.get("name") or entry.fields.get("alias") or entry.fields.get("incident")
        return WriteResult(appended=written, present=held, name=name)

    def refresh(self) -> None:
        """Bring the read models up to the log before a query.

        If they cannot be written (a full disk, a role without write rights), the
        query is answered from them as they stand, with a note of how far behind the
        log they are: reading never needs write access.
        """
        try:
            # Two reads say whether there is anything to apply; only then is the write
            # lock taken (an event appended meanwhile is one the query did not ask for yet).
            if self.view.tracking_position() >= (self.recorder.max_notification_id() or 0):
                return
            self.project()
        except StoreError as error:
            behind = self.view.tracking_position()
            log = self.recorder.max_notification_id() or 0
            self.notes.append(
                f"answering from the read models as of position {behind} (the log is at {log}): {error}"
            )

    def _catch_up(self, progress: Progress | None = None) -> None:
        """Bring the read models up to the log after a write that committed.

        The write stands whatever happens here, so a failure is not the command's
        failure: it is noted, and the next command (or `follow`) catches up.
        """
        try:
            self.project(progress)
        except StoreError as error:
            self.notes.append(f"written; the read models will catch up later ({error})")

    def fact_version(self, fact_id: str) -> int | None:
        """The stored version of a fact, or None if it does not exist."""
        from timeline.domain.fact import fact_uuid

        return self.recorder_versions([fact_uuid(fact_id)]).get(fact_uuid(fact_id))

    def recorder_versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        return self.recorder.current_versions(ids)

    def _write_with_retries(
        self,
        batch: Sequence[Entry],
        recorded_by: str,
        expected_version: int | None = None,
        *,
        by_state: bool = False,
    ) -> tuple[int, int]:
        transient = 0
        attempt = 0
        while attempt < WRITE_RETRIES:
            events, written, held = self._prepare(batch, recorded_by, expected_version, by_state=by_state)
            if not events:
                return written, held
            try:
                # The recorder directly: this application has no followers to notify,
                # snapshots or aggregate cache for `save` to maintain.
                self.recorder.insert_events(
                    [e if isinstance(e, StoredEvent) else self.mapper.to_stored_event(e) for e in events]
                )
            except IntegrityError:
                # Another writer got there first: reload and re-apply (amendments that
                # no longer apply cleanly become a ConflictError in _prepare).
                attempt += 1
                time.sleep(0.01 * attempt)
                continue
            except PersistenceError as error:
                # A lost lock race (deadlock, lock timeout, busy) rolled the write back:
                # prepared again, it is written once (or found present) next time.
                if is_transient(error) and transient < RETRIES:
                    backoff(transient)
                    transient += 1
                    continue
                raise StoreError(f"could not write to the store: {error}") from None
            return written, held
        raise ConflictError(
            "the facts kept changing under this write; nothing more was written "
            f"(after {WRITE_RETRIES} attempts)"
        )

    def _prepare(
        self,
        batch: Sequence[Entry],
        recorded_by: str,
        expected_version: int | None = None,
        *,
        by_state: bool = False,
    ) -> tuple[list[Event | StoredEvent], int, int]:
        """The new events of a batch, in journal order, and the counts written / present.
        New facts and statements come as their stored form, amendments as events.

        Events (not aggregates) are saved, so the log receives them in the order of the
        journal lines, whichever aggregates they belong to. An amendment is present
        when the fact's history holds the same journal line (its content and how many
        times it came before in the input), or, `by_state`, when the fact already says
        what it would say.
        """
        from timeline.domain.catalogue import FACT_TYPES
        from timeline.domain.fact import AmendmentError, Fact, NoChange, already_says
        from timeline.validation import stored_creation_digest

        gazetteer = _gazetteer_types()
        uids = [self._aggregate_id(e) for e in batch]
        versions = self.recorder_versions(list(set(uids)))
        reported = [uid for uid, e in zip(uids, batch, strict=True) if e.is_fact]
        first = self.recorder.first_events([i for i in reported if i in versions])
        changed: dict[UUID, Fact | Statement] = {}
        # Facts and statements new in this batch: their first event and content digest.
        # Most journal lines are new facts, so no aggregate is built unless amended.
        created: dict[UUID, tuple[Entry, str]] = {}
        events: list[Event | StoredEvent] = []
        written = held = 0
        # Stored facts this batch amends, loaded in one read rather than one each.
        loaded = self._load_facts(
            {uid for uid, e in zip(uids, batch, strict=True) if e.is_amendment and uid in versions}
        )
        for uid, entry in zip(uids, batch, strict=True):
            where = f"{entry.path}:{entry.line}"
            if entry.type in FACT_TYPES or entry.type in gazetteer:
                if uid in created or uid in versions:
                    if uid in created:
                        digest = created[uid][1] if entry.is_fact else entry.digest
                    elif entry.is_fact:
                        digest = stored_creation_digest(self.mapper, first[uid])
                    else:  # a statement's id is its content digest: same id, same content
                        digest = entry.digest
                    if digest != entry.digest:
                        raise ConflictError(
                            f"{where}: fact {entry.key!r} was recorded meanwhile with different "
                            "content; nothing more was written"
                        )
                    held += 1
                    continue
                # Stored straight from the validated fields (the same bytes as building
                # the pydantic event and dumping it: tests/property/test_created_state.py).
                created[uid] = (entry, entry.digest)
                mapper = cast("PydanticMapper", self.mapper)
                events.append(mapper.created_event(_event_class(entry.type), uid, entry.fields, recorded_by))
                written += 1
                continue
            if uid not in changed and uid in created:
                first_event = _first_event(created[uid][0], uid, recorded_by)
                changed[uid] = first_event.mutate(None)  # type: ignore[assignment]
            fact = changed.get(uid) or self._get_any(uid, loaded)
            assert isinstance(fact, Fact)
            if already_says(fact, entry) if by_state else entry.digest in fact.amendments:
                held += 1
                continue
            if expected_version is not None and fact.version != expected_version:
                raise ConflictError(
                    f"fact {entry.key!r} is at version {fact.version}, not {expected_version}; "
                    "nothing was written"
                )
            try:
                _amend(fact, entry, recorded_by, as_given=not by_state)
            except NoChange:  # a command's correction repeating what the fact says: present
                held += 1
                continue
            except AmendmentError as error:
                raise ConflictError(f"{where}: {error}") from None
            changed[uid] = fact
            events.extend(cast("list[Event]", fact.collect_events()))
            written += 1
        return events, written, held

    @staticmethod
    def _aggregate_id(entry: Entry) -> UUID:
        from timeline.domain.fact import fact_uuid
        from timeline.domain.gazetteer import Statement

        if entry.type in _gazetteer_types():
            return Statement.id_for(entry.type, entry.fields)
        return fact_uuid(entry.key)

    def _get_any(self, uid: UUID, loaded: dict[UUID, Fact | Statement]) -> Fact | Statement:
        if uid not in loaded:
            loaded[uid] = self.repository.get(uid)
        return loaded[uid]

    def _load_facts(self, uids: set[UUID]) -> dict[UUID, Fact | Statement]:
        """The aggregates with these ids as stored, rebuilt from their events (as
        `repository.get` does: this application takes no snapshots)."""
        if not uids:
            return {}
        found: dict[UUID, Fact | Statement] = {}
        stored = self.recorder.events_of(sorted(uids))
        for uid, events in stored.items():
            aggregate = None
            for event in events:
                aggregate = self.mapper.to_domain_event(event).mutate(aggregate)  # type: ignore[attr-defined]
            if aggregate is not None:
                found[uid] = aggregate
        return found

    def get_fact(self, uid: UUID) -> Fact:
        """The fact aggregate with this stored id, as it stands now."""
        from timeline.domain.fact import Fact

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
        transient = 0
        while True:
            try:
                with view.transaction(commit=True) as cursor:
                    start = view.tracking_position(cursor)
                    if progress and not total:
                        total = max(self.recorder.max_notification_id() or 0, start) - start
                    notifications = self.recorder.projection_rows(start, SECTION_SIZE, until)
                    if not notifications:
                        break
                    from timeline.projections.timelines import TimelineProjection, ViewBatch

                    batch = ViewBatch()
                    projection = TimelineProjection(view.lookups(cursor))
                    for position, originator, version, topic, state in notifications:
                        try:
                            name, payload = self._decoded(topic, state)
                        except (ValueError, LookupError) as error:
                            self._unreadable(batch, position, originator, version, error)
                            continue
                        projection.process(batch, name, payload, originator, version, position)
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
                # Lost lock races roll the section back whole: apply it again.
                if is_transient(error) and transient < RETRIES:
                    backoff(transient)
                    transient += 1
                    continue
                raise StoreError(f"could not update the read models: {error}") from None
            transient = 0
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
        self._refuse_writes()
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        total = 0
        failures = 0
        while not should_stop():
            try:
                applied = self.project()
                total += applied
                if applied and on_applied:
                    on_applied(applied, self.view.tracking_position())
                wait = interval if deadline is None else min(interval, deadline - time.monotonic())
                if wait <= 0:
                    break
                self.recorder.wait_for_events(self.view.tracking_position(), wait)
                failures = 0
            except (StoreError, PersistenceError) as error:
                # A follower outlives lost lock races and dropped connections; a store
                # that keeps failing (or read models that reject the log) stops it.
                if not is_transient(error) and "connection" not in str(error).lower():
                    raise
                failures += 1
                if failures > RETRIES:
                    raise
                backoff(failures)
        return total

    def payload_of(self, stored: StoredEvent) -> tuple[str, dict[str, Any]]:
        """(event type, stored fields) of a stored event, upcast to the current class version."""
        return self._payload(stored)

    def _unreadable(
        self, batch: ViewBatch, position: int, originator: str, version: int, error: Exception
    ) -> None:
        """An event that cannot be decoded (a corrupt or unknown stored state) is left out
        of the read models but kept in the log index, so reads of every other subject,
        `log` and `verify` still work; the caller is told its position."""
        batch.log.append(
            {
                "position": position,
                "recorded_at": "",
                "recorded_by": "",
                "event": "(unreadable)",
                "subject": "",
                "originator_id": originator,
                "version": version,
                "store_user": None,
            }
        )
        batch.last_position = position
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        self.notes.append(
            f"the event at position {position} cannot be read ({type(error).__name__}: {reason}); "
            "it is left out of the timelines: run `timeline verify`"
        )

    def _decode_state(self, state: bytes) -> dict[str, Any]:
        if self.mapper.cipher:
            state = self.mapper.cipher.decrypt(state)
        if self.mapper.compressor:
            state = self.mapper.compressor.decompress(state)
        decoded: dict[str, Any] = orjson.loads(state)
        return decoded

    def _encode_state(self, fields: dict[str, Any]) -> bytes:
        state = orjson.dumps(fields)
        if self.mapper.compressor:
            state = self.mapper.compressor.compress(state)
        if self.mapper.cipher:
            state = self.mapper.cipher.encrypt(state)
        return state

    def _payload(self, stored: StoredEvent) -> tuple[str, dict[str, Any]]:
        return self._decoded(stored.topic, stored.state)

    def _decoded(self, topic: str, state: bytes) -> tuple[str, dict[str, Any]]:
        """(event type name, stored fields) of a stored event, upcast to the current class.

        Projections read the stored JSON directly: it was validated when written, and
        skipping a second validation is what lets a replay run at tens of thousands of
        events per second.
        """
        payload = self._decode_state(state)
        cls = event_class_for(topic)
        if "class_version" in payload or _class_version(cls) > 1:
            upcast(cls, payload)
        return cls.__name__, payload

    def restore(self, path: Path) -> DumpResult:
        """Load a `dump` into this empty store, positions and digests kept; then catch up."""
        from timeline.persistence.dump import restore

        with bulk_collection():
            return restore(self, path)

    def replay(self, progress: Progress | None = None) -> ReplayResult:
        """Drop the read models and rebuild them from position 0."""
        self._refuse_writes()
        started = time.perf_counter()
        with bulk_collection():
            with self.view.transaction(commit=True) as cursor:
                self.view.clear(cursor)
            events = self.project(progress)
            self.view.create_table()  # restores the query indexes
        seconds = time.perf_counter() - started
        return ReplayResult(
            events=events, seconds=round(seconds, 3), events_per_second=round(events / seconds, 1)
        )


@functools.cache
def _gazetteer_types() -> frozenset[str]:
    """The journal types that are gazetteer statements (not facts or amendments)."""
    from timeline.domain.events import EVENTS_BY_TYPE, GazetteerStatement

    return frozenset(name for name, cls in EVENTS_BY_TYPE.items() if issubclass(cls, GazetteerStatement))


@functools.cache
def _class_version(cls: type[Event]) -> int:
    """An event class's version (a missing class attribute is slow to ask a pydantic
    model class for: its metaclass raises, once per event of a replay)."""
    return int(getattr(cls, "class_version", 1))


def _event_class(journal_type: str) -> type[Created]:
    from timeline.domain.events import EVENTS_BY_TYPE, Created

    event_class = EVENTS_BY_TYPE[journal_type]
    assert issubclass(event_class, Created)
    return event_class


def _first_event(entry: Entry, uid: UUID, recorded_by: str) -> Created:
    """The event that records a new fact or gazetteer statement."""
    from timeline.domain.events import EVENTS_BY_TYPE, Created
    from timeline.domain.fact import Fact, first_event
    from timeline.domain.gazetteer import Statement

    event_class = EVENTS_BY_TYPE[entry.type]
    assert issubclass(event_class, Created)
    aggregate_class = Statement if entry.type in _gazetteer_types() else Fact
    return first_event(aggregate_class, event_class, uid, recorded_by=recorded_by, **entry.fields)


def _amend(fact: Fact, entry: Entry, recorded_by: str, *, as_given: bool = False) -> None:
    fields, digest = entry.fields, entry.digest
    if entry.type == "FactCorrected":
        fact.correct(
            fields["changes"],
            reason=fields["reason"],
            recorded_by=recorded_by,
            digest=digest,
            as_given=as_given,
        )
    elif entry.type == "FactRetracted":
        fact.retract(reason=fields["reason"], recorded_by=recorded_by, digest=digest)
    elif entry.type == "FactRestored":
        fact.restore(reason=fields["reason"], recorded_by=recorded_by, digest=digest)
    else:
        fact.add_source(fields["source"], reason=fields["reason"], recorded_by=recorded_by, digest=digest)


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


def _spooled(spool: IO[bytes]) -> Iterator[Entry]:
    from timeline.journal import Entry

    for line in spool:
        yield Entry(*orjson.loads(line))
