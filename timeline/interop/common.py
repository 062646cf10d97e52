"""Small helpers shared by the table mappings."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from timeline.domain.values import MAX_NAME_LENGTH, MAX_TEXT_LENGTH, normalise_name

if TYPE_CHECKING:
    from collections.abc import Iterator

Obj = dict[str, Any]

NOTES = "_notes"
"""Key of a mapped fact under which its mapping lists what it could not keep (never written)."""

# A field may be as long as a journal line (1 MiB): longer text (e.g. ACLED notes over
# the csv module's 128 KiB default) reaches validation and is refused with file:line.
csv.field_size_limit(1_048_576)


class RowError(ValueError):
    """A row that cannot be read or mapped; reported as `file:line: message`."""


def numbered_rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str] | RowError]]:
    """(CSV line number, row) for every row; a row the csv module cannot read ends the
    table with (its line, RowError)."""
    while True:
        start = reader.line_num + 1  # the line the next row starts on
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield start, RowError(str(error))
            return
        yield reader.line_num, row


_NOT_SLUG = re.compile(r"[^a-z0-9._:-]+")


def slug(text: str) -> str:
    """Lower-case ASCII slug of free text: 'Kharkiv Oblast' -> 'kharkiv-oblast'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    value = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-.:_")
    return value or "unknown"


def name(text: str | None) -> str | None:
    """A cleaned name (white space folded), cut to the longest name the record accepts."""
    if text is None:
        return None
    value = " ".join(str(text).split())
    if not value:
        return None
    if len(value) > MAX_NAME_LENGTH:
        value = value[: MAX_NAME_LENGTH - 1].rstrip() + "…"
    return value


class RowReader:
    """Reads one source row for a mapping and keeps account of everything it could not keep.

    Values taken through `name`/`names` are checked for cuts; `attributes` returns
    every column whose value no field carries whole, keyed as the source names it;
    `notes` says what was cut, clamped or skipped, for the import summary.
    """

    def __init__(self, row: dict[str, str]) -> None:
        self.row = row
        self.notes: list[str] = []
        self._whole: set[str] = set()

    def name(self, column: str) -> str | None:
        value = name(self.row.get(column))
        if (
            value is not None
            and value.endswith("…")
            and len(" ".join(str(self.row[column]).split())) > MAX_NAME_LENGTH
        ):
            self.cut(column)
        return value

    def names(self, column: str, sep: str = ";") -> list[str]:
        found = split_list(self.row.get(column), sep)
        if any(
            len(" ".join(p.split())) > MAX_NAME_LENGTH for p in str(self.row.get(column) or "").split(sep)
        ):
            self.cut(column)
        return found

    def cut(self, column: str) -> None:
        """A column's value did not fit a field whole: it is kept in the attributes."""
        self._whole.add(column)
        self.notes.append(f"{column} longer than {MAX_NAME_LENGTH} characters, cut (whole in attributes)")

    def count(self, column: str) -> int | None:
        """A count column as an int; anything else (negative, fractional, inf) is kept in the attributes."""
        text = str(self.row.get(column) or "").strip()
        if not text:
            return None
        try:
            value: int | None = int(text)
        except ValueError:
            try:
                number = float(text)
                value = int(number) if number.is_integer() else None
            except (ValueError, OverflowError):
                value = None
        if value is None or not 0 <= value <= 100_000_000:
            self._whole.add(column)
            self.notes.append(f"{column} is not a count (kept in attributes)")
            return None
        return value

    def note(self, text: str) -> None:
        self.notes.append(text)

    def finish(self, fact: Obj, carried: frozenset[str]) -> Obj:
        """The mapped fact with the row's other columns as attributes and its notes."""
        attributes = self.attributes(carried)
        if attributes:
            fact["attributes"] = attributes
        if self.notes:
            fact[NOTES] = self.notes
        return fact

    def attributes(self, carried: frozenset[str]) -> dict[str, str]:
        """Every non-empty column not carried whole by a field, verbatim (trimmed)."""
        kept: dict[str, str] = {}
        for column, value in self.row.items():
            text = str(value or "").strip()
            if not text or not column or (column in carried and column not in self._whole):
                continue
            if len(text) > MAX_TEXT_LENGTH:
                self.notes.append(f"{column} longer than {MAX_TEXT_LENGTH} characters, cut")
                text = text[: MAX_TEXT_LENGTH - 1] + "…"
            kept[column[:64]] = text
        return kept


def split_list(text: str | None, sep: str = ";") -> list[str]:
    """`a; b;c` -> ['a', 'b', 'c'], empty parts dropped, order and duplicates kept once."""
    if not text:
        return []
    out: list[str] = []
    for part in str(text).split(sep):
        cleaned = name(part)
        if cleaned and cleaned not in out:
            out.append(cleaned)
    return out


def host(url: str) -> str | None:
    try:
        netloc = urlsplit(url).netloc.lower()
    except ValueError:
        return None
    return netloc.removeprefix("www.") or None


@dataclass
class PlaceTree:
    """Qualified places for a source's hierarchy (country > admin1 > ... > place).

    `qualify` gives the `LocationRegistered` statements of the levels not yet seen
    in this import (each with its whole enclosing chain, so same-named places under
    different parents stay apart) and the fact's location reference: the innermost
    level's name, `within` its enclosing levels, and the row's own coordinates.
    A level whose name equals the one enclosing it is one place, not two (ACLED codes
    the city Kharkiv as location Kharkiv in admin1 Kharkiv).
    """

    seen: set[tuple[str, ...]] = field(default_factory=set)

    def qualify(
        self,
        levels: list[tuple[str | None, str]],
        lat: Any = None,
        lon: Any = None,
        precision: str | int | None = None,
    ) -> tuple[list[Obj], Obj | None]:
        chain: list[tuple[str, str]] = []
        for level, kind in levels:
            cleaned = name(level)
            if cleaned and not (chain and normalise_name(cleaned) == normalise_name(chain[-1][0])):
                chain.append((cleaned, kind))
        if not chain:
            return [], None
        la, lo = to_float(lat), to_float(lon)
        located = la is not None and lo is not None and -90 <= la <= 90 and -180 <= lo <= 180
        statements: list[Obj] = []
        for depth, (place, kind) in enumerate(chain):
            path = tuple(normalise_name(n) for n, _ in chain[: depth + 1])
            if path in self.seen:
                continue
            self.seen.add(path)
            statement: Obj = {"type": "LocationRegistered", "name": place, "kind": kind}
            if depth:
                statement["within"] = [n for n, _ in reversed(chain[:depth])]
            statements.append(statement)
        reference: Obj = {"name": chain[-1][0]}
        if len(chain) > 1:
            reference["within"] = [n for n, _ in reversed(chain[:-1])]
        if located:
            reference["lat"], reference["lon"] = la, lo
            if precision is not None:
                reference["geo_precision"] = precision
        return statements, reference


def to_float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def to_int(value: Any) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except (TypeError, ValueError, OverflowError):
        return None
