"""Reading journals: NDJSON or one JSON array, streamed, with file:line on every error.

`read_journal` yields one `Entry` or `JournalError` per journal object and never
raises for bad content, so callers can report every error of an input at once.
NDJSON is streamed line by line (memory does not grow with the file); a JSON array
is parsed whole, so large journals should be NDJSON.
"""

from __future__ import annotations

import io
import json  # noqa: TID251  (only to find duplicate keys, which orjson cannot report)
import re
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import orjson
from pydantic import BaseModel, ValidationError

from timeline import wording
from timeline.domain.catalogue import INPUT_MODELS
from timeline.domain.events import AMENDMENT_EVENTS, FACT_EVENTS
from timeline.domain.fact import content_digest, derived_fact_id

if TYPE_CHECKING:
    from collections.abc import Iterator

MAX_LINE_BYTES = 1_048_576
"""Longest journal line (or JSON-array element) accepted: 1 MiB."""
MAX_DEPTH = 32
"""Deepest JSON nesting accepted in one journal object."""

FACT_TYPE_NAMES = frozenset(cls.__name__ for cls in FACT_EVENTS)
AMENDMENT_TYPE_NAMES = frozenset(cls.__name__ for cls in AMENDMENT_EVENTS)
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class JournalError:
    """One bad journal object: where it is and what is wrong."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Entry:
    """One valid journal object.

    `fields` are the validated, normalised fields (JSON-shaped, without `type`);
    `key` is the fact id for facts and amendments; `digest` identifies the content,
    so that the same object appended twice is recognised.
    """

    path: str
    line: int
    type: str
    fields: dict[str, Any]
    key: str
    digest: str

    def as_row(self) -> tuple[str, int, str, dict[str, Any], str, str]:
        """The entry as a plain tuple (for spooling; `Entry(*row)` restores it)."""
        return (self.path, self.line, self.type, self.fields, self.key, self.digest)

    @property
    def is_fact(self) -> bool:
        return self.type in FACT_TYPE_NAMES

    @property
    def is_amendment(self) -> bool:
        return self.type in AMENDMENT_TYPE_NAMES


def read_journal(stream: IO[bytes], path: str) -> Iterator[Entry | JournalError]:
    """Parse and validate every object of one journal stream."""
    head = _peek(stream)
    if head == b"[":
        yield from _read_array(stream, path)
    else:
        yield from _read_lines(stream, path)


def parse_object(obj: Any, path: str, line: int, *, shallow: bool = False) -> Entry | JournalError:
    """Validate one decoded journal object."""
    if not isinstance(obj, dict):
        return JournalError(path, line, f"expected a JSON object, got {_json_kind(obj)}")
    kind = obj.get("type")
    if not isinstance(kind, str):
        return JournalError(path, line, "missing 'type' (one of: " + ", ".join(INPUT_MODELS) + ")")
    model = INPUT_MODELS.get(kind)
    if model is None:
        return JournalError(path, line, f"unknown type {kind[:80]!r} (one of: {', '.join(INPUT_MODELS)})")
    if not shallow and _deep(obj):
        return JournalError(path, line, f"JSON nested deeper than {MAX_DEPTH} levels")
    body = {k: v for k, v in obj.items() if k != "type"}
    try:
        fields = _validate(model, body)
    except ValidationError as error:
        return JournalError(path, line, f"{kind}: {describe(error)}")
    if kind in FACT_TYPE_NAMES:
        if fields.get("id") is None:
            fields["id"] = derived_fact_id({"type": kind, **fields})
        key = fields["id"]
    else:
        key = fields.get("fact", "")
    return Entry(path, line, kind, fields, key, content_digest({"type": kind, **fields}))


def describe(error: ValidationError) -> str:
    """One line for a pydantic error, in the record's words (`timeline.wording`)."""
    return wording.describe(error)


def _validate(model: type[BaseModel], body: dict[str, Any]) -> dict[str, Any]:
    if "id" in model.model_fields and body.get("id") is None:
        # Facts without an id get one derived from their content after validation.
        body = {**body, "id": "pending"}
        fields = model.model_validate(body).model_dump(mode="json", exclude_none=True)
        del fields["id"]
        return fields
    return model.model_validate(body).model_dump(mode="json", exclude_none=True)


def _read_lines(stream: IO[bytes], path: str) -> Iterator[Entry | JournalError]:
    for number, raw in enumerate(_bounded_lines(stream), start=1):
        if raw is None:
            yield JournalError(path, number, f"line longer than {MAX_LINE_BYTES} bytes")
            continue
        if number == 1:
            raw = raw.removeprefix(_BOM)  # _peek skips a BOM, so the reader must too
        if not raw.strip():
            continue
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            yield JournalError(path, number, f"not valid JSON: {_json_reason(error, raw)}")
            continue
        duplicate = _duplicate_key(obj, raw)
        if duplicate is not None:
            yield JournalError(path, number, f"duplicate key {duplicate!r}: each field may appear once")
            continue
        # Fewer brackets than the depth limit cannot nest deeper than it: skip the walk.
        shallow = raw.count(b"{") + raw.count(b"[") <= MAX_DEPTH
        yield parse_object(obj, path, number, shallow=shallow)


def _bounded_lines(stream: IO[bytes]) -> Iterator[bytes | None]:
    """Lines of the stream; None for a line over the size limit (skipped, not buffered)."""
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while True:
                rest = stream.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


def _read_array(stream: IO[bytes], path: str) -> Iterator[Entry | JournalError]:
    data = stream.read().removeprefix(_BOM)
    try:
        items = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        line = data.count(b"\n", 0, error.pos) + 1
        yield JournalError(path, line, f"not valid JSON: {_json_reason(error, data)}")
        return
    if not isinstance(items, list):
        yield JournalError(path, 1, "expected a JSON array of objects")
        return
    duplicates = _duplicates_in_array(items, data)
    for index, (obj, line) in enumerate(zip(items, _element_lines(data), strict=False)):
        if index in duplicates:
            yield JournalError(path, line, f"duplicate key {duplicates[index]!r}: each field may appear once")
            continue
        yield parse_object(obj, path, line)


def _element_lines(data: bytes) -> Iterator[int]:
    """The line on which each top-level element of a JSON array starts."""
    depth, line, in_string, escaped, expecting = 0, 1, False, False, False
    for byte in data:
        if byte == 0x0A:
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
            continue
        if byte in b" \t\r\n":
            continue
        if depth == 1 and expecting and byte not in b",]":
            yield line
            expecting = False
        if byte == 0x22:
            in_string = True
        elif byte in b"[{":
            depth += 1
            if depth == 1:
                expecting = True
        elif byte in b"]}":
            depth -= 1
        elif byte == 0x2C and depth == 1:
            expecting = True


_KEY_END = re.compile(rb'"\s*:')


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKeyError(key)
        found[key] = value
    return found


def _keys(obj: Any) -> int:
    if isinstance(obj, dict):
        return len(obj) + sum(_keys(v) for v in obj.values() if isinstance(v, dict | list))
    if isinstance(obj, list):
        return sum(_keys(v) for v in obj if isinstance(v, dict | list))
    return 0


def _duplicate_key(obj: Any, raw: bytes) -> str | None:
    """The first key given twice in one object of `raw`, if any (orjson keeps the last).

    Every key ends with `":` in the text, so as many such marks as decoded keys means
    no key was repeated; only when there are more (strings may contain `":` too) is
    the text parsed again, key by key.
    """
    if len(_KEY_END.findall(raw)) <= _keys(obj):
        return None
    try:
        json.loads(raw, object_pairs_hook=_no_duplicates)
    except _DuplicateKeyError as error:
        return error.key
    except ValueError:
        return None
    return None


def _duplicates_in_array(items: list[Any], data: bytes) -> dict[int, str]:
    """Element index -> first duplicated key, for the elements of a JSON array."""
    if len(_KEY_END.findall(data)) <= _keys(items):
        return {}
    text = data.decode("utf-8", errors="replace")
    decoder = json.JSONDecoder(object_pairs_hook=_no_duplicates)
    plain = json.JSONDecoder()
    found: dict[int, str] = {}
    position = text.index("[") + 1
    for index in range(len(items)):
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        try:
            _, end = decoder.raw_decode(text, position)
        except _DuplicateKeyError as error:
            found[index] = error.key
            _, end = plain.raw_decode(text, position)
        except ValueError:
            break
        position = end
    return found


def _peek(stream: IO[bytes]) -> bytes:
    """The first non-blank byte, without consuming anything (stream must be peekable)."""
    if isinstance(stream, io.BufferedReader):
        chunk = stream.peek(4096)[:4096]
        stripped = chunk.lstrip(b" \t\r\n\xef\xbb\xbf")
        return stripped[:1]
    raise TypeError("journal streams must be buffered readers")


def _deep(obj: dict[str, Any]) -> bool:
    """True if the object nests deeper than MAX_DEPTH (cheap for the usual shallow lines)."""
    containers = sum(isinstance(v, dict | list) for v in obj.values())
    if containers == 0:
        return False
    return _depth(obj) > MAX_DEPTH


def _depth(obj: Any, level: int = 1) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(obj, dict):
        return max((_depth(v, level + 1) for v in obj.values()), default=level)
    if isinstance(obj, list):
        return max((_depth(v, level + 1) for v in obj), default=level)
    return level


def _json_reason(error: orjson.JSONDecodeError, data: bytes) -> str:
    message = str(error.msg) if hasattr(error, "msg") else str(error)
    if b"\x00" in data:
        return "contains a NUL byte"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "not valid UTF-8"
    return message


def _json_kind(obj: Any) -> str:
    return {
        list: "an array",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
    }.get(type(obj), type(obj).__name__)
