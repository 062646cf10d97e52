"""Plain value objects and rules shared by events and the read side: names, valid
time, grades. No pydantic here: a query loads this module, not the event models
(their validated field types and value models are in `timeline.domain.fields`)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from timeline.domain.fuzzy import EARLIEST, LATEST, parse_fuzzy

MAX_NAME_LENGTH = 200
"""Longest actor, location, incident or source name accepted, after normalising."""
MAX_TEXT_LENGTH = 20_000
"""Longest free-text field (summary, quote, reason) accepted."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_JOINERS = frozenset("\u200c\u200d")
"""Zero-width (non-)joiners: invisible, but part of how Persian, Indic and other
scripts spell words, so names may hold them."""
_SPACES = re.compile(r"\s+")


class Certainty(StrEnum):
    """How sure the source is of the fact, in the source's own framing."""

    ALLEGED = "alleged"
    CLAIMED = "claimed"
    REPORTED = "reported"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    DENIED = "denied"


@lru_cache(maxsize=65536)
def normalise_name(name: str) -> str:
    """The matching key of a name: Unicode NFKC, trimmed, inner white space folded, casefolded."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name)).strip().casefold()


@lru_cache(maxsize=65536)
def clean_name(value: str) -> str:
    """A name as recorded (NFC, white space folded), or ValueError. Names repeat from
    line to line (actors, places, sources), so results are kept: a failure is not."""
    if not value.isascii():  # ASCII is its own NFC form
        value = unicodedata.normalize("NFC", value)
    value = _SPACES.sub(" ", value).strip()
    if not value:
        raise ValueError("must not be empty")
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    invisible = invisible_character(value)
    if invisible:
        raise ValueError(
            f"must not contain invisible formatting characters ({invisible}): "
            "bidirectional overrides and zero-width characters make one name look like another"
        )
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(f"is longer than {MAX_NAME_LENGTH} characters")
    return value


def invisible_character(value: str) -> str | None:
    """The first bidi control or zero-width character (Unicode format, Cf) in a name,
    as U+XXXX, if any; zero-width joiners, which some scripts need, are allowed."""
    if value.isascii():  # no ASCII character is in category Cf
        return None
    for char in value:
        if char not in _JOINERS and unicodedata.category(char) == "Cf":
            return f"U+{ord(char):04X}"
    return None


# --- valid time -----------------------------------------------------------------

_PARTIAL = re.compile(
    r"^(?P<year>\d{4})"
    r"(?:-(?P<month>\d{2})"
    r"(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:\.\d{1,6})?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?"
    r")?)?)?$",
    re.ASCII,  # \d would also take Arabic-Indic or full-width digits
)


@dataclass(frozen=True, slots=True)
class Occurred:
    """When a thing happened in the world: a partial ISO 8601 date or an interval.

    `start` and `end` are the first and last instant the value can mean, in UTC,
    as sortable ISO strings; `precision` says how much of the value is known.
    """

    text: str
    precision: str
    start: str
    end: str
    wording: str = ""
    """How a reader says an EDTF value ("c. May 2023"); empty for plain ISO values."""

    @classmethod
    def parse(cls, text: str) -> Occurred:
        """Parse a partial ISO date, an interval or an EDTF form; ValueError saying what is wrong."""
        return _parse_occurred(text.strip())

    @property
    def display(self) -> str:
        """The value as a table shows it: plain ISO as written, EDTF in words."""
        return self.wording or self.text

    @property
    def earliest(self) -> str | None:
        """The first instant the value can mean (UTC, ISO with Z); None when open."""
        return None if self.start == _OPEN_START else self.start + "Z"

    @property
    def latest(self) -> str | None:
        """The last instant the value can mean (UTC, ISO with Z); None when open."""
        return None if self.end == _OPEN_END else self.end + "Z"

    @classmethod
    def _parse(cls, text: str) -> Occurred:
        local = _LOCAL_DATE.match(text)
        if local:  # 26/09/2022 or 09.26.2022: a date, not an interval of '26' and '09/2022'
            raise ValueError(f"{text!r} is not an ISO 8601 date: {_local_date_hint(*local.groups())}")
        left, slash, right = text.partition("/")
        if not (_PARTIAL.match(left) and (not slash or _PARTIAL.match(right))):
            # EDTF forms (2023-05~, 2023-05-XX, 2023-05-01/.., ...): timeline.domain.fuzzy
            fuzzy = parse_fuzzy(text, cls._parse_point, lambda side: _PARTIAL.match(side) is not None)
            return cls(text, fuzzy.precision, _iso(fuzzy.start), _iso(fuzzy.end), fuzzy.wording)
        if "/" in text:
            first, last = cls._parse_point(left), cls._parse_point(right)
            if last[1] < first[0]:
                raise ValueError(f"interval {text!r} ends before it starts")
            return cls(text, "interval", _iso(first[0]), _iso(last[1]))
        start, end, precision = cls._parse_point(text)
        return cls(text, precision, _iso(start), _iso(end))

    @staticmethod
    def _parse_point(text: str) -> tuple[datetime, datetime, str]:
        match = _PARTIAL.match(text)
        if match is None:
            raise ValueError(
                f"{text!r} is not an ISO 8601 date: use 2023, 2023-05, 2023-05-03, "
                "2023-05-03T01:30, 2023-05-03T01:30:00+03:00 or start/end"
            )
        parts = match.groupdict()
        if parts["day"] is None and parts["month"] in ("21", "22", "23", "24"):
            raise ValueError(
                f"{text!r} is an EDTF season, which this record does not take: which months it "
                "means depends on the hemisphere; write the months, e.g. 2023-03/2023-05"
            )
        try:
            if parts["hour"] is not None:
                precision = "second" if parts["second"] is not None else "minute"
                stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
                if stamp.tzinfo is not None:
                    stamp = stamp.astimezone(UTC).replace(tzinfo=None)
                step = timedelta(seconds=1) if precision == "second" else timedelta(minutes=1)
                return stamp, stamp + step - timedelta(microseconds=1), precision
            year = int(parts["year"])
            if parts["day"] is not None:
                first = date(year, int(parts["month"]), int(parts["day"]))
                last, precision = first, "day"
            elif parts["month"] is not None:
                first = date(year, int(parts["month"]), 1)
                following = date(year + (first.month == 12), first.month % 12 + 1, 1)
                last, precision = following - timedelta(days=1), "month"
            else:
                first, last, precision = date(year, 1, 1), date(year, 12, 31), "year"
        except (ValueError, OverflowError) as error:
            raise ValueError(f"{text!r} is not a real date: {error}") from None
        start = datetime(first.year, first.month, first.day)
        end = datetime(last.year, last.month, last.day, 23, 59, 59, 999999)
        return start, end, precision


@lru_cache(maxsize=4096)
def _parse_occurred(text: str) -> Occurred:
    # Journals repeat dates a lot; parsed values are immutable, so they are shared.
    return Occurred._parse(text)


_LOCAL_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def _local_date_hint(first: str, second: str, year: str) -> str:
    """What to write instead of a day/month/year (or month/day/year) date."""
    expected = "write year-month-day"
    readings = []
    for day, month in ((first, second), (second, first)):
        try:
            readings.append(date(int(year), int(month), int(day)).isoformat())
        except ValueError:
            continue
    readings = list(dict.fromkeys(readings))
    if not readings:
        return f"{expected}, e.g. 2022-09-26"
    return f"{expected}: did you mean " + " or ".join(readings) + "?"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f").zfill(26)


_OPEN_START = _iso(EARLIEST)
_OPEN_END = _iso(LATEST)

# --- places -----------------------------------------------------------------

GEO_PRECISIONS = ("exact", "town", "district", "region", "country")
"""Named precisions of coordinates, finest first; a number means metres."""


def qualifiers(within: str | list[str] | None) -> tuple[str, ...]:
    """A `within` value as names, nearest first."""
    if not within:
        return ()
    parts = within.split(",") if isinstance(within, str) else within
    return tuple(p.strip() for p in parts if p.strip())


# --- grades and evidence -----------------------------------------------------

RELIABILITIES = ("A", "B", "C", "D", "E", "F")
"""NATO Admiralty code source reliability, best first: A completely reliable ... E unreliable,
F reliability cannot be judged."""
CREDIBILITIES = (1, 2, 3, 4, 5, 6)
"""Admiralty information credibility, best first: 1 confirmed by other independent sources
... 5 improbable, 6 truth cannot be judged."""


def place_name(value: str | dict[str, object] | None) -> str:
    """The name of a location field value (a bare name or a reference object)."""
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return value or ""


FIGURE_FIELDS = ("killed_min", "killed_best", "killed_max", "injured_min", "injured_max", "killed_by_side")
"""Casualty figures, as a source gives them; timeline entries carry them as `figures`."""
