"""Value objects shared by events: valid time, sources, certainty and names."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
    model_validator,
)

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
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._:-]*$")


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
def _clean_name(value: str) -> str:
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


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    if len(value) > MAX_TEXT_LENGTH:
        raise ValueError(f"is longer than {MAX_TEXT_LENGTH} characters")
    return value


def _clean_slug(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(f"is longer than {MAX_NAME_LENGTH} characters")
    if not _SLUG.match(value):
        raise ValueError(
            "must be a slug: lower-case letters, digits and . _ : - (starting with a letter or digit)"
        )
    return value


Name = Annotated[str, AfterValidator(_clean_name)]
Text = Annotated[str, AfterValidator(_clean_text)]
Slug = Annotated[str, AfterValidator(_clean_slug)]
Short = Annotated[str, StringConstraints(max_length=MAX_NAME_LENGTH)]


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


def _check_occurred(value: str) -> str:
    Occurred.parse(value)
    return value.strip()


OccurredText = Annotated[str, AfterValidator(_check_occurred)]
"""An `occurred` value as the user wrote it, checked to be a valid partial date or interval."""


def _check_timestamp(value: str) -> str:
    value = value.strip()
    try:
        fuzzy = bool(Occurred.parse(value).wording)
    except ValueError:
        fuzzy = True
    if fuzzy:  # a publication or capture time is not fuzzy: EDTF forms are for `occurred`
        raise ValueError(f"{value!r} is not an ISO 8601 date or time")
    return value


Timestamp = Annotated[str, AfterValidator(_check_timestamp)]


class Source(BaseModel):
    """Where a fact was reported: `name` is required; url, published time, quote and an
    archived copy (`Archive`) help."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: Name
    url: Annotated[str, StringConstraints(max_length=2000)] | None = None
    published: Timestamp | None = None
    quote: Text | None = None
    quoting: Text | None = None
    """Whom the source quotes or attributes the report to (UCDP's `source_original`)."""
    archive: Archive | None = None


Role = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^\w+$")]
"""A role or other short key: letters, digits and underscores."""

AttributeKey = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\w .:/-]+$")]
AttributeValue = Annotated[str, StringConstraints(max_length=MAX_TEXT_LENGTH)] | int | float | bool
Attributes = Annotated[dict[AttributeKey, AttributeValue], Field(max_length=200)]
"""What a source gives beyond the fact's fields, keyed as the source names it (kept verbatim)."""


class NamedRole(BaseModel):
    """An actor or location of a `FactReported`, with the role it played."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: Name
    role: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^\w+$")]


SourceList = Annotated[list[Source], Field(min_length=1, max_length=1000)]


# --- places -----------------------------------------------------------------

GEO_PRECISIONS = ("exact", "town", "district", "region", "country")
"""Named precisions of coordinates, finest first; a number means metres."""

GeoPrecision = (
    Literal["exact", "town", "district", "region", "country"]
    | Annotated[int, Field(ge=0, le=20_000_000, strict=True)]
)
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Key = Annotated[str, AfterValidator(_clean_name)]
"""An explicit entity key such as `geonames:3998655` or `acled:UKR:Kyiv City`."""


def _clean_within(value: str | list[str]) -> str | list[str]:
    parts = value.split(",") if isinstance(value, str) else value
    cleaned = [_clean_name(part) for part in parts]
    if len(cleaned) > 16:
        raise ValueError("names at most 16 enclosing places")
    return ", ".join(cleaned) if isinstance(value, str) else cleaned


Within = Annotated[str | list[str], AfterValidator(_clean_within)]
"""The places a place lies within, nearest first: a list, or one string `"Veracruz, Mexico"`."""


def qualifiers(within: str | list[str] | None) -> tuple[str, ...]:
    """A `within` value as names, nearest first."""
    if not within:
        return ()
    parts = within.split(",") if isinstance(within, str) else within
    return tuple(p.strip() for p in parts if p.strip())


class _Sparse(BaseModel):
    """A value object that stores only the keys it was given (no nulls in the log)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    @model_serializer(mode="wrap")
    def _without_none(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        return {k: v for k, v in handler(self).items() if v is not None}


# --- grades and evidence -----------------------------------------------------

RELIABILITIES = ("A", "B", "C", "D", "E", "F")
"""NATO Admiralty code source reliability, best first: A completely reliable ... E unreliable,
F reliability cannot be judged."""
CREDIBILITIES = (1, 2, 3, 4, 5, 6)
"""Admiralty information credibility, best first: 1 confirmed by other independent sources
... 5 improbable, 6 truth cannot be judged."""

Reliability = Literal["A", "B", "C", "D", "E", "F"]
Credibility = Annotated[int, Field(ge=1, le=6, strict=True)]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Archive(_Sparse):
    """A captured copy of a source (screenshot, PDF, WACZ): where from, its SHA-256 and size,
    when and by whom it was captured, and the file's name (for `verify --evidence DIR`)."""

    url: Annotated[str, StringConstraints(max_length=2000)] | None = None
    sha256: Sha256
    bytes: Annotated[int, Field(ge=0, strict=True)]
    captured_at: Timestamp
    captured_by: Short
    file: Name | None = None


class Geo(_Sparse):
    """Coordinates of a fact or place, with how precise they are."""

    lat: Latitude
    lon: Longitude
    geo_precision: GeoPrecision | None = None


class QualifiedPlace(_Sparse):
    """A place as a source names it: a name, optionally qualified, keyed and located."""

    name: Name
    within: Within | None = None
    key: Key | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    geo_precision: GeoPrecision | None = None

    @model_validator(mode="after")
    def _both_coordinates(self) -> QualifiedPlace:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon go together")
        return self


Place = Name | QualifiedPlace
"""A location field's value: a bare name, or a qualified reference."""


class PlaceRole(QualifiedPlace):
    """A location of a `FactReported`, with the role it played."""

    role: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^\w+$")]


def place_name(value: str | dict[str, object] | None) -> str:
    """The name of a location field value (a bare name or a reference object)."""
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return value or ""


FIGURE_FIELDS = ("killed_min", "killed_best", "killed_max", "injured_min", "injured_max", "killed_by_side")
"""Casualty figures, as a source gives them; timeline entries carry them as `figures`."""
