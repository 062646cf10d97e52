"""The first pass of an append: every journal object checked before anything is written.

Each line is validated on its own (`timeline.journal`), then in context: a fact the
store already holds must hold the same content, and each fact's amendments are played
in input order over the fact as it will stand (from the store, or earlier in the
input). Valid entries are spooled in compact form for the write pass.
"""

from __future__ import annotations

import dataclasses
import hashlib
from array import array
from typing import IO, TYPE_CHECKING, Annotated, Any, Protocol

import orjson
from pydantic import TypeAdapter, ValidationError

from timeline.domain.catalogue import FACT_TYPES
from timeline.domain.events import Reported
from timeline.domain.fact import (
    ACTIVE,
    AmendmentError,
    Fact,
    amendment_refusal,
    apply_fields,
    creation_digest,
    fact_uuid,
    field_refusal,
    next_status,
    occurrence_digest,
    validate_changes,
)
from timeline.domain.gazetteer import Statement
from timeline.domain.places import Gazetteer, OverlayStore
from timeline.errors import JournalInvalidError
from timeline.journal import Entry, JournalError, read_journal
from timeline.limits import BATCH_SIZE, MAX_REPORTED_ERRORS
from timeline.wording import problem

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from pathlib import Path
    from uuid import UUID

    from eventsourcing.persistence import Mapper, StoredEvent

    from timeline.domain.places import PlaceStore
    from timeline.persistence.recorder import TimelineRecorder


class Record(Protocol):
    """What the checks read of the record, writing nothing (the `Timeline` application
    is one). Declared here so that validation does not depend on the application."""

    @property
    def recorder(self) -> TimelineRecorder: ...

    @property
    def mapper(self) -> Mapper[UUID]: ...

    def recorder_versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        """The stored version of each aggregate id that exists."""
        ...

    def get_fact(self, uid: UUID) -> Fact:
        """The fact aggregate with this stored id, as it stands now."""
        ...

    def current_places(self) -> PlaceStore:
        """The gazetteer's places as the record stands now."""
        ...


def stored_creation_digest(mapper: Mapper[UUID], stored: StoredEvent) -> str:
    """The content digest of a fact's first stored event, as the journal computes it."""
    event = mapper.to_domain_event(stored)
    assert isinstance(event, Reported)
    return creation_digest(event)


class JournalValidator:
    """Checks journals against themselves and against the record, writing nothing."""

    def __init__(self, app: Record) -> None:
        self.app = app

    def validate(
        self,
        files: Sequence[tuple[str, Path]],
        spool: IO[bytes],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """First pass: every line valid, every amendment refers to a known fact.

        Valid entries are written to `spool`; JournalInvalidError lists the problems.
        `progress(lines)` is called every thousand lines and at the end.
        """
        problems: list[str] = []
        errors = count = 0
        facts = SeenFacts()
        amendments = Amendments()
        occurrences: dict[tuple[str, str], int] = {}
        new_facts: list[Entry] = []
        places = PlaceCheck(self.app)

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
                    if progress and count % BATCH_SIZE == 0:
                        progress(count)
                    problem = _check_entry(item, count, facts)
                    if problem:
                        note([problem])
                        continue
                    assert isinstance(item, Entry)
                    found = places.check(item)
                    if found:
                        note(found)
                        continue
                    if item.is_amendment:
                        item = _numbered(item, occurrences)
                        amendments.add(count, item)
                    if not errors:
                        spool.write(orjson.dumps(item.as_row()) + b"\n")
                    if item.is_fact:
                        new_facts.append(item)
                        if len(new_facts) >= BATCH_SIZE:
                            note(self.check_existing(new_facts))
                            new_facts = []
        note(self.check_existing(new_facts))
        # Amendments of facts reported in this input are played over those facts'
        # content, read back from the spool, so that a correction is held to the same
        # rules here as at write time (nothing is written if any would fail there).
        reported = {} if errors else _reported_fields(spool, set(amendments.facts()), facts)
        note(self.check_amendments(amendments, facts, reported))
        if progress:
            progress(count)
        if errors:
            raise JournalInvalidError(problems, errors)
        return count

    def check_existing(self, entries: Sequence[Entry]) -> list[str]:
        """Facts the store already holds must hold the same content."""
        stored = self.app.recorder.first_events([fact_uuid(e.key) for e in entries])
        problems = []
        for entry in entries:
            event = stored.get(fact_uuid(entry.key))
            if event is not None and stored_creation_digest(self.app.mapper, event) != entry.digest:
                problems.append(
                    f"{entry.path}:{entry.line}: fact {entry.key!r} is already recorded "
                    "with different content; use FactCorrected to change it"
                )
        return problems

    def check_amendments(
        self,
        amendments: Amendments | Sequence[tuple[int, Entry]],
        facts: SeenFacts,
        reported: Mapping[str, dict[str, Any] | str] | None = None,
        *,
        skip_recorded: bool = True,
    ) -> list[str]:
        """Play every amendment, in input order, over its fact as it will stand then.

        A fact comes from the store (loaded once) or from earlier in the input
        (`reported`: its journal fields, or their JSON); an amendment must come after its fact, must
        not change a retracted fact, and a correction must leave a valid fact.
        With `skip_recorded`, amendments already recorded (the same journal line
        again) are skipped, as the write will skip them.
        """
        problems: list[str] = []
        grouped = amendments if isinstance(amendments, Amendments) else Amendments.of(amendments)
        keys = grouped.facts()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            versions = self.app.recorder_versions([fact_uuid(k) for k in chunk])
            for key in chunk:
                stored = self.app.get_fact(fact_uuid(key)) if fact_uuid(key) in versions else None
                fields = (reported or {}).get(key)
                if isinstance(fields, str):
                    fields = orjson.loads(fields)
                played = _play(key, stored, facts.get(key), fields, grouped.of_fact(key), skip_recorded)
                problems.extend(played)
        return problems


class PlaceCheck:
    """Plays a journal's gazetteer statements and fact locations over the record's places.

    What the projection would file ambiguously or silently ignore is refused here
    instead: a bare place name several places share, an alias another entity holds,
    an `AliasMoved` from an entity that does not hold the alias.
    """

    def __init__(self, app: Record) -> None:
        self.app = app
        self._gazetteer: Gazetteer | None = None
        self._statements: set[UUID] = set()

    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            # resolve against the record as it stands now
            self._gazetteer = Gazetteer(OverlayStore(self.app.current_places()))
        return self._gazetteer

    def check(self, item: Entry) -> list[str]:
        """The problems of one journal object, as `file:line: message`."""
        if not (item.is_fact or item.type in _GAZETTEER_TYPES):
            return []
        if item.type in _GAZETTEER_TYPES:
            # a statement the record already holds (or holds earlier in this input) is not written again
            uid = Statement.id_for(item.type, item.fields)
            if uid in self._statements or self.app.recorder_versions([uid]):
                return []
            self._statements.add(uid)
        gazetteer = self.gazetteer()
        fields = item.fields
        problems: list[str] = []
        if item.type == "LocationRegistered":
            problems = gazetteer.register_location(fields)[1]
        elif item.type == "ActorRegistered":
            problems = gazetteer.register_actor(fields)[1]
        elif item.type == "AliasAdded":
            entity, problem = gazetteer.entity_of(
                fields["entity"], fields["name"], fields.get("within"), fields.get("key")
            )
            problem = problem or gazetteer.add_alias(fields["entity"], fields["alias"], entity)
            problems = [problem] if problem else []
        elif item.type == "AliasMoved":
            problem = gazetteer.move_alias(fields["entity"], fields)[1]
            problems = [problem] if problem else []
        else:
            for value in FACT_TYPES[item.type].location_values(fields):
                problem = gazetteer.file(value)[1]
                if problem:
                    problems.append(problem)
            if problems and self.app.recorder_versions([fact_uuid(item.key)]):
                problems = []  # already recorded (and filed when it was): re-appending writes nothing
        if gazetteer.store.pending:
            gazetteer.store.pending.clear()
        if not problems:
            return problems
        return [f"{item.path}:{item.line}: {problem}" for problem in problems]


_GAZETTEER_TYPES = frozenset({"LocationRegistered", "ActorRegistered", "AliasAdded", "AliasMoved"})


class SeenFacts:
    """Facts reported so far in an input: id -> (type, content digest prefix, ordinal).

    An open-addressing hash table (linear probing) over three arrays of 64-bit words:
    the id's 64-bit hash, the digest's first 64 bits, and ordinal and type packed. At
    most 0.6 full, it needs 24-40 bytes a fact (~48 MB for a million), where a dict of
    Python ints needed ~140 (a 1M-fact journal's validation peaked above 300 MB).
    """

    _TYPES = tuple(FACT_TYPES)
    _MAX_LOAD = 0.6

    def __init__(self, capacity: int = 1 << 16) -> None:
        if capacity < 2 or capacity & (capacity - 1):
            raise ValueError("capacity must be a power of two")
        self._count = 0
        self._allocate(capacity)

    def _allocate(self, capacity: int) -> None:
        self._mask = capacity - 1
        self._limit = int(capacity * self._MAX_LOAD)
        self._keys = array("Q", bytes(8 * capacity))  # 0: an empty slot
        self._digests = array("Q", bytes(8 * capacity))
        self._meta = array("Q", bytes(8 * capacity))

    def __len__(self) -> int:
        return self._count

    @staticmethod
    def _key(fact_id: str) -> int:
        key = int.from_bytes(hashlib.blake2b(fact_id.encode(), digest_size=8).digest(), "big")
        return key or 1  # 0 marks an empty slot

    def _slot(self, key: int) -> int:
        """The slot holding `key`, or the empty slot where it would go."""
        keys, mask = self._keys, self._mask
        slot = key & mask
        while True:
            found = keys[slot]
            if found == key or not found:
                return slot
            slot = (slot + 1) & mask

    def add(self, fact_id: str, type_name: str, digest: str, ordinal: int) -> None:
        key = self._key(fact_id)
        slot = self._slot(key)
        if not self._keys[slot]:
            if self._count >= self._limit:
                self._grow()
                slot = self._slot(key)
            self._count += 1
        self._keys[slot] = key
        self._digests[slot] = int(digest[:16], 16)
        self._meta[slot] = (ordinal << 8) | self._TYPES.index(type_name)

    def _grow(self) -> None:
        keys, digests, meta = self._keys, self._digests, self._meta
        self._allocate(2 * (self._mask + 1))
        for key, digest, packed in zip(keys, digests, meta, strict=True):
            if key:
                slot = self._slot(key)
                self._keys[slot], self._digests[slot], self._meta[slot] = key, digest, packed

    def get(self, fact_id: str) -> tuple[str, str, int] | None:
        slot = self._slot(self._key(fact_id))
        if not self._keys[slot]:
            return None
        packed = self._meta[slot]
        return self._TYPES[packed & 0xFF], format(self._digests[slot], "016x"), packed >> 8


class Amendments:
    """An input's amendments grouped by fact, in input order.

    Each is kept as its spooled JSON row, a `str` of a few hundred bytes, rather than
    as entry objects (several times that), so that validating a journal with tens of
    thousands of corrections stays in flat memory; a fact's amendments are decoded when
    played. (Not orjson's `bytes`: each of those holds a 4 KiB buffer however short.)
    """

    def __init__(self) -> None:
        self._by_fact: dict[str, list[tuple[int, str]]] = {}

    @classmethod
    def of(cls, pairs: Iterable[tuple[int, Entry]]) -> Amendments:
        grouped = cls()
        for ordinal, entry in pairs:
            grouped.add(ordinal, entry)
        return grouped

    def add(self, ordinal: int, entry: Entry) -> None:
        self._by_fact.setdefault(entry.key, []).append((ordinal, orjson.dumps(entry.as_row()).decode()))

    def facts(self) -> list[str]:
        """The ids of the amended facts, in the order each was first amended."""
        return list(self._by_fact)

    def of_fact(self, key: str) -> list[tuple[int, Entry]]:
        return [(ordinal, Entry(*orjson.loads(row))) for ordinal, row in self._by_fact[key]]


def _check_entry(item: Entry | JournalError, ordinal: int, facts: SeenFacts) -> str | None:
    """The problem with one journal object on its own, if any."""
    if isinstance(item, JournalError):
        return str(item)
    if item.is_fact:
        seen = facts.get(item.key)
        if seen is not None and seen[1] != item.digest[:16]:
            return f"{item.path}:{item.line}: fact {item.key!r} appears earlier with different content"
        if seen is None:
            facts.add(item.key, item.type, item.digest, ordinal)
    return None


def _numbered(entry: Entry, occurrences: dict[tuple[str, str], int]) -> Entry:
    """The amendment with its identity as a journal line: the n-th identical amendment
    of a fact in this input is a different line from the first, so it is written
    unless the fact's history already holds n of them."""
    n = occurrences.get((entry.key, entry.digest), 0) + 1
    occurrences[(entry.key, entry.digest)] = n
    if n == 1:
        return entry
    return dataclasses.replace(entry, digest=occurrence_digest(entry.digest, n))


def _reported_fields(spool: IO[bytes], keys: set[str], facts: SeenFacts) -> dict[str, str]:
    """Journal-shaped fields (with `type`), as JSON text, of the facts reported in the
    input whose ids are in `keys`, read back from the spool (memory grows with amended
    facts only, a few hundred bytes each)."""
    wanted = {key for key in keys if facts.get(key) is not None}
    found: dict[str, str] = {}
    if not wanted:
        return found
    end = spool.tell()
    spool.seek(0)
    for line in spool:
        entry = Entry(*orjson.loads(line))
        if entry.is_fact and entry.key in wanted and entry.key not in found:
            found[entry.key] = orjson.dumps({"type": entry.type, **entry.fields}).decode()
    spool.seek(end)
    return found


def _play(
    key: str,
    stored: Fact | None,
    reported: tuple[str, str, int] | None,
    reported_fields: dict[str, Any] | None,
    amendments: Sequence[tuple[int, Entry]],
    skip_recorded: bool = True,
) -> list[str]:
    """Problems of a fact's amendments played in order (see `check_amendments`)."""
    problems: list[str] = []
    fields: dict[str, Any] | None
    if stored is not None:
        fact_type, fields, status = stored.fact_type.name, dict(stored.state), stored.status
        corrected, applied, first = stored.corrected, set(stored.amendments), 0
    elif reported is not None:
        fact_type, status, corrected, applied, first = reported[0], ACTIVE, False, set(), reported[2]
        fields = dict(reported_fields) if reported_fields is not None else None
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
        if skip_recorded and entry.digest in applied:
            continue  # the same journal line, already recorded: the write skips it
        applied.add(entry.digest)
        refusal = amendment_refusal(key, status, entry.type)
        status = next_status(status, entry.type, corrected=corrected)
        if refusal:
            problems.append(f"{where}: {refusal}")
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
            else:
                corrected = True
        elif entry.type == "SourceAdded" and fields is not None:
            fields = apply_fields(fields, "SourceAdded", entry.fields)
    return problems


_FIELD_ADAPTERS: dict[tuple[str, str], TypeAdapter[Any]] = {}


def _check_change_fields(type_name: str, changes: dict[str, Any]) -> str | None:
    """Field-by-field check of a correction against its fact type (cheap first pass)."""
    fact_type = FACT_TYPES[type_name]
    for field, value in changes.items():
        refusal = field_refusal(fact_type, field)
        if refusal:
            return refusal
        info = fact_type.input_model.model_fields[field]
        adapter = _FIELD_ADAPTERS.get((type_name, field))
        if adapter is None:
            adapter = TypeAdapter(Annotated[info.annotation, info])  # type: ignore[arg-type]
            _FIELD_ADAPTERS[(type_name, field)] = adapter
        try:
            adapter.validate_python(value)
        except ValidationError as error:
            return f"changes.{field}: {problem({**error.errors()[0], 'loc': ()})}"
    return None
