"""The validated field types and value models of the events (pydantic): loaded
with the event models, by writes, not by a query."""

from __future__ import annotations

import re
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

from timeline.domain.values import MAX_NAME_LENGTH, MAX_TEXT_LENGTH, Occurred, clean_name

_SLUG = re.compile(r"^[a-z0-9][a-z0-9._:-]*$")


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


Name = Annotated[str, AfterValidator(clean_name)]
Text = Annotated[str, AfterValidator(_clean_text)]
Slug = Annotated[str, AfterValidator(_clean_slug)]
Short = Annotated[str, StringConstraints(max_length=MAX_NAME_LENGTH)]


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


GeoPrecision = (
    Literal["exact", "town", "district", "region", "country"]
    | Annotated[int, Field(ge=0, le=20_000_000, strict=True)]
)
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Key = Annotated[str, AfterValidator(clean_name)]
"""An explicit entity key such as `geonames:3998655` or `acled:UKR:Kyiv City`."""


def _clean_within(value: str | list[str]) -> str | list[str]:
    parts = value.split(",") if isinstance(value, str) else value
    cleaned = [clean_name(part) for part in parts]
    if len(cleaned) > 16:
        raise ValueError("names at most 16 enclosing places")
    return ", ".join(cleaned) if isinstance(value, str) else cleaned


Within = Annotated[str | list[str], AfterValidator(_clean_within)]
"""The places a place lies within, nearest first: a list, or one string `"Veracruz, Mexico"`."""


class _Sparse(BaseModel):
    """A value object that stores only the keys it was given (no nulls in the log)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    @model_serializer(mode="wrap")
    def _without_none(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        return {k: v for k, v in handler(self).items() if v is not None}


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
