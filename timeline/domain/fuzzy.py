"""Fuzzy valid time: EDTF (ISO 8601-2) levels 0 and 1, parsed by the `edtf` package.

`timeline.domain.values.Occurred` hands over every value that is not a plain partial
ISO date, time or interval of them. The `edtf` package decides what is valid EDTF;
the bounds, precisions and wording are ours, because the package's are arbitrary
for this record (docs/uncertainty.md):

- its "fuzzy" bounds pad an approximate month by a year and a month on each side,
  and an open interval end (`..`) cannot be computed at all; an unknown end (`2023/`)
  becomes ten years later. Here `~`, `?` and `%` widen a date by one unit of its own
  precision on each side (a day, a month, a year, a decade ...), and `..` or an empty
  side leaves that side unbounded;
- seasons (`2023-21`) are refused (by `Occurred`, which reads them first): which
  months a season means depends on the hemisphere, so an interval of months says it
  better;
- EDTF level 2 (qualifying or leaving unspecified only part of a date, sets, long
  years) is refused with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from time import struct_time

EARLIEST = datetime(1, 1, 1)
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999999)
"""Bounds of an open interval side: no earlier (later) time can be written."""

Point = tuple[datetime, datetime, str]
"""(first instant, last instant, precision) of one date or time."""

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_QUALIFIERS = {"~": "approximate", "?": "uncertain", "%": "uncertain and approximate"}
_SPAN_YEARS = {"decade": 10, "century": 100, "millennium": 1000}


@dataclass(frozen=True, slots=True)
class Fuzzy:
    """The bounds, precision and wording of an EDTF value."""

    start: datetime
    end: datetime
    precision: str
    wording: str


@dataclass(frozen=True, slots=True)
class _Side:
    start: datetime
    end: datetime
    precision: str
    wording: str
    open: bool = False


def parse_fuzzy(text: str, iso_point: Callable[[str], Point], is_iso: Callable[[str], bool]) -> Fuzzy:
    """An EDTF date or interval; ValueError saying what is wrong.

    `iso_point` parses a plain partial ISO date or time (an interval side may be one,
    e.g. `2023-05-03T01:30/..`), `is_iso` tells whether a side is one.
    """
    if "/" not in text:
        side = _side(text, iso_point, is_iso)
        return Fuzzy(side.start, side.end, side.precision, side.wording)
    if text.count("/") > 1:
        raise ValueError(f"{text!r} is not an ISO 8601 date: an interval is start/end, with one '/'")
    left_text, _, right_text = text.partition("/")
    left = _side(left_text, iso_point, is_iso, end=False)
    right = _side(right_text, iso_point, is_iso, end=True)
    if left.open and right.open:
        raise ValueError(f"interval {text!r} has neither a start nor an end")
    if not left.open and not right.open and right.end < left.start:
        raise ValueError(f"interval {text!r} ends before it starts")
    if left.open:
        wording = f"before {right.wording}" + (" (start unknown)" if left_text == "" else "")
    elif right.open:
        wording = f"after {left.wording}" + (" (end unknown)" if right_text == "" else "")
    else:
        wording = f"{left.wording} – {right.wording}"
    return Fuzzy(left.start, right.end, "interval", wording)


def _side(
    text: str, iso_point: Callable[[str], Point], is_iso: Callable[[str], bool], end: bool | None = None
) -> _Side:
    if end is not None and text in ("", ".."):
        return _Side(EARLIEST if not end else LATEST, LATEST if end else EARLIEST, "open", "", open=True)
    if is_iso(text):
        start, last, precision = iso_point(text)
        return _Side(start, last, precision, _words(text, precision))
    # The edtf package (and its grammar, ~0.2 s to import) loads with the first
    # value that is not plain ISO: commands that read no such value never load it.
    from edtf.parser import Date, Season, UncertainOrApproximate, Unspecified

    core, qualifier = (text[:-1], text[-1]) if text[-1:] in _QUALIFIERS else (text, "")
    parsed = _edtf(text, core, iso_point, is_iso)
    if isinstance(parsed, UncertainOrApproximate):
        parsed = parsed.date
    if not isinstance(parsed, Date | Unspecified) or isinstance(parsed, Season):
        raise ValueError(
            f"{text!r} is EDTF level 2 ({type(parsed).__name__}), which this record does not take: "
            "write one date or an interval"
        )
    if core.startswith("-") or core[:4] == "0000":
        raise ValueError(f"{text!r}: years before 0001 are not supported")
    precision = _precision(core)
    start = _day(parsed.lower_strict())
    last = _day(parsed.upper_strict()) + timedelta(days=1, microseconds=-1)
    wording = _words(core, precision)
    if qualifier:
        start, last = _widen(start, last, precision)
        wording = {"~": f"c. {wording}", "?": f"possibly {wording}", "%": f"possibly c. {wording}"}[qualifier]
    return _Side(start, last, precision, wording)


def _edtf(text: str, core: str, iso_point: Callable[[str], Point], is_iso: Callable[[str], bool]) -> object:
    """The `edtf` package's reading of one date, or ValueError with the reason."""
    from edtf import parse_edtf
    from edtf.parser import LongYear, PartialUncertainOrApproximate, PartialUnspecified, Season

    try:
        parsed = parse_edtf(text)
    except Exception:  # the package raises several types (parse errors, ValueError on '0X')
        if is_iso(core):
            iso_point(core)  # a qualified date that is not real says so ("not a real date")
        raise ValueError(
            f"{text!r} is not an ISO 8601 date: use 2023, 2023-05, 2023-05-03, "
            "2023-05-03T01:30, 2023-05-03T01:30:00+03:00, start/end, or EDTF: "
            "2023-05~ (about), 2023-05? (uncertain), 2023-05-XX (unspecified day), "
            "2023-05-01/.. (on or after), ../2023-05-03 (on or before)"
        ) from None
    if isinstance(parsed, Season):
        raise ValueError(f"{text!r} qualifies a season, which this record does not take: write months")
    if isinstance(parsed, LongYear):
        raise ValueError(f"{text!r}: years after 9999 are not supported")
    if isinstance(parsed, PartialUncertainOrApproximate | PartialUnspecified):
        raise ValueError(
            f"{text!r} qualifies or leaves unspecified only part of a date (EDTF level 2): "
            "qualify the whole date (2023-05-03~) or leave its last parts unspecified (2023-05-XX)"
        )
    return parsed


def _precision(core: str) -> str:
    """What is known of a date: `2023-05-XX` is known to the month, `202X` to the decade."""
    parts = core.split("-")
    year = parts[0]
    unknown = year.count("X")
    if unknown:
        return ("year", "decade", "century", "millennium", "millennium")[unknown]
    if len(parts) == 1 or parts[1] == "XX":
        return "year"
    if len(parts) == 2 or parts[2] == "XX":
        return "month"
    return "day"


def _widen(start: datetime, end: datetime, precision: str) -> tuple[datetime, datetime]:
    """Our rule for `~`, `?` and `%`: one unit of the date's own precision on each side."""
    if precision == "day":
        return _clamp(start, -timedelta(days=1)), _clamp(end, timedelta(days=1))
    if precision == "month":
        months = (end.year - start.year) * 12 + end.month - start.month
        after = _first_of_month(start, months + 2)
        return (
            _first_of_month(start, -1) or EARLIEST,
            LATEST if after is None else after - timedelta(microseconds=1),
        )
    years = _SPAN_YEARS.get(precision, 1)
    return (
        start.replace(year=max(1, start.year - years)),
        end.replace(year=min(9999, end.year + years)),
    )


def _first_of_month(moment: datetime, months: int) -> datetime | None:
    """The first of the month `months` after the moment's month; None beyond what can be written."""
    year, month = divmod(moment.year * 12 + moment.month - 1 + months, 12)
    return datetime(year, month + 1, 1) if 1 <= year <= 9999 else None


def _clamp(moment: datetime, step: timedelta) -> datetime:
    try:
        return moment + step
    except OverflowError:
        return EARLIEST if step < timedelta(0) else LATEST


def _day(value: struct_time) -> datetime:
    return datetime(value.tm_year, value.tm_mon, value.tm_mday)


def _words(core: str, precision: str) -> str:
    """A date as a reader says it: `3 May 2023`, `May 2023`, `some day in May 2023`, `the 2020s`."""
    parts = core.split("-")
    year = parts[0]
    if "X" in year:
        known = year.rstrip("X")
        span = 10 ** (4 - len(known))
        first = int(known.ljust(4, "0"))
        if span == 10:
            return f"the {first}s"
        return f"some year in {first}–{first + span - 1}"
    if precision in ("minute", "second") or len(parts) > 3:
        return core
    if len(parts) == 1:
        return year
    if parts[1] == "XX":
        return "some day in " + year if len(parts) == 3 else "some month in " + year
    month = _MONTHS[int(parts[1]) - 1]
    if len(parts) == 2:
        return f"{month} {year}"
    if parts[2] == "XX":
        return f"some day in {month} {year}"
    return f"{int(parts[2])} {month} {year}"
