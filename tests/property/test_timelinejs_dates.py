"""Every valid `occurred` form exports to TimelineJS with the parts it states (issue 15.1).

The wall clock is kept as written and an offset (`Z`, `+02:00`) is carried in the
date's `display_date`, never dropped and never a crash.
"""

from __future__ import annotations

import calendar
import os
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from timeline.domain.values import Occurred
from timeline.interop.export import slide
from timeline.results import FactRecord


@st.composite
def points(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """(an ISO point of any precision, the parts it states)."""
    year = draw(st.integers(1900, 2100))
    parts: dict[str, Any] = {"year": year}
    text = f"{year:04d}"
    depth = draw(st.sampled_from(["year", "month", "day", "minute", "second", "fraction"]))
    if depth == "year":
        return text, parts
    month = draw(st.integers(1, 12))
    parts["month"], text = month, f"{text}-{month:02d}"
    if depth == "month":
        return text, parts
    day = draw(st.integers(1, calendar.monthrange(year, month)[1]))
    parts["day"], text = day, f"{text}-{day:02d}"
    if depth == "day":
        return text, parts
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    parts["hour"], parts["minute"] = hour, minute
    text = f"{text}T{hour:02d}:{minute:02d}"
    if depth in ("second", "fraction"):
        second = draw(st.integers(0, 59))
        parts["second"], text = second, f"{text}:{second:02d}"
        if depth == "fraction":
            digits = draw(st.text("0123456789", min_size=1, max_size=6))
            parts["millisecond"], text = int(digits.ljust(6, "0")[:3]), f"{text}.{digits}"
    zone = draw(
        st.one_of(
            st.none(),
            st.just("Z"),
            st.builds(
                lambda sign, h, m: f"{sign}{h:02d}:{m:02d}",
                st.sampled_from("+-"),
                st.integers(0, 14),
                st.sampled_from([0, 30, 45]),
            ),
        )
    )
    if zone:
        parts["zone"], text = zone, text + zone
    return text, parts


@st.composite
def occurred_values(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    first = draw(points())
    if not draw(st.booleans()):
        return first[0], [first[1]]
    second = draw(points())
    ordered = sorted([first, second], key=lambda p: Occurred.parse(p[0]).start)
    if Occurred.parse(ordered[1][0]).end < Occurred.parse(ordered[0][0]).start:
        ordered.reverse()
    return f"{ordered[0][0]}/{ordered[1][0]}", [ordered[0][1], ordered[1][1]]


def _expected(parts: dict[str, Any], text: str) -> dict[str, str]:
    out = {key: str(parts.get(key, "")) for key in ("year", "month", "day")}
    for key in ("hour", "minute", "second", "millisecond"):
        if key in parts:
            out[key] = str(parts[key])
    if "zone" in parts:
        zone = "UTC" if parts["zone"] == "Z" else parts["zone"]
        clock = text[11:19] if "second" in parts else text[11:16]
        out["display_date"] = f"{text[:10]} {clock} {zone}"
    return out


def _record(occurred: str) -> FactRecord:
    fields = {
        "type": "DroneAttackAlleged",
        "id": "f",
        "incident": "i",
        "occurred": occurred,
        "summary": "s",
        "sources": [{"name": "n"}],
        "alleged_by": "a",
        "target": "t",
    }
    return FactRecord(fields, "active", 1, 1, "2023-05-03T00:00:00Z")


@settings(max_examples=int(os.environ.get("TL_PROP_EXAMPLES", "300")), deadline=None)
@given(occurred_values())
def test_every_occurred_form_exports_with_the_parts_it_states(
    value: tuple[str, list[dict[str, Any]]],
) -> None:
    text, parts = value
    Occurred.parse(text)  # the generator only makes valid values
    exported = slide(_record(text))
    points_text = text.split("/")
    assert exported["start_date"] == _expected(parts[0], points_text[0])
    if len(parts) == 2:
        assert exported["end_date"] == _expected(parts[1], points_text[1])
    else:
        assert "end_date" not in exported
