"""Fuzzy valid time: every EDTF form the record takes, its bounds, precision and wording."""

from __future__ import annotations

import pytest

from timeline.domain.values import Occurred

OPEN = None


@pytest.mark.parametrize(
    ("text", "precision", "earliest", "latest", "display"),
    [
        # approximate, uncertain, both: one unit of the date's own precision on each side
        ("2023-05~", "month", "2023-04-01T00:00:00.000000Z", "2023-06-30T23:59:59.999999Z", "c. May 2023"),
        (
            "2023-05?",
            "month",
            "2023-04-01T00:00:00.000000Z",
            "2023-06-30T23:59:59.999999Z",
            "possibly May 2023",
        ),
        (
            "2023-05%",
            "month",
            "2023-04-01T00:00:00.000000Z",
            "2023-06-30T23:59:59.999999Z",
            "possibly c. May 2023",
        ),
        ("2023-05-03~", "day", "2023-05-02T00:00:00.000000Z", "2023-05-04T23:59:59.999999Z", "c. 3 May 2023"),
        ("2023~", "year", "2022-01-01T00:00:00.000000Z", "2024-12-31T23:59:59.999999Z", "c. 2023"),
        (
            "2023-12~",
            "month",
            "2023-11-01T00:00:00.000000Z",
            "2024-01-31T23:59:59.999999Z",
            "c. December 2023",
        ),
        (
            "2024-01?",
            "month",
            "2023-12-01T00:00:00.000000Z",
            "2024-02-29T23:59:59.999999Z",
            "possibly January 2024",
        ),
        # unspecified digits: the span of what is known
        (
            "2023-05-XX",
            "month",
            "2023-05-01T00:00:00.000000Z",
            "2023-05-31T23:59:59.999999Z",
            "some day in May 2023",
        ),
        (
            "2023-XX",
            "year",
            "2023-01-01T00:00:00.000000Z",
            "2023-12-31T23:59:59.999999Z",
            "some month in 2023",
        ),
        (
            "2023-XX-XX",
            "year",
            "2023-01-01T00:00:00.000000Z",
            "2023-12-31T23:59:59.999999Z",
            "some day in 2023",
        ),
        ("202X", "decade", "2020-01-01T00:00:00.000000Z", "2029-12-31T23:59:59.999999Z", "the 2020s"),
        (
            "2023-XX~",
            "year",
            "2022-01-01T00:00:00.000000Z",
            "2024-12-31T23:59:59.999999Z",
            "c. some month in 2023",
        ),
        # open and unknown ends
        ("2023-05-01/..", "interval", "2023-05-01T00:00:00.000000Z", OPEN, "after 1 May 2023"),
        ("../2023-05-03", "interval", OPEN, "2023-05-03T23:59:59.999999Z", "before 3 May 2023"),
        ("2023-05-01/", "interval", "2023-05-01T00:00:00.000000Z", OPEN, "after 1 May 2023 (end unknown)"),
        ("/2023-05-03", "interval", OPEN, "2023-05-03T23:59:59.999999Z", "before 3 May 2023 (start unknown)"),
        ("2023/", "interval", "2023-01-01T00:00:00.000000Z", OPEN, "after 2023 (end unknown)"),
        # combinations in intervals, with plain ISO sides too
        (
            "2023-05-01~/2023-05-10?",
            "interval",
            "2023-04-30T00:00:00.000000Z",
            "2023-05-11T23:59:59.999999Z",
            "c. 1 May 2023 – possibly 10 May 2023",
        ),
        (
            "2023-05-XX/2023-06",
            "interval",
            "2023-05-01T00:00:00.000000Z",
            "2023-06-30T23:59:59.999999Z",
            "some day in May 2023 – June 2023",
        ),
        ("../2023-05~", "interval", OPEN, "2023-06-30T23:59:59.999999Z", "before c. May 2023"),
        (
            "2023-05-03T01:30:00+03:00/..",
            "interval",
            "2023-05-02T22:30:00.000000Z",
            OPEN,
            "after 2023-05-03T01:30:00+03:00",
        ),
    ],
)
def test_an_edtf_value_has_our_bounds_its_precision_and_a_wording(
    text: str, precision: str, earliest: str | None, latest: str | None, display: str
) -> None:
    occurred = Occurred.parse(text)

    assert occurred.text == text  # kept exactly as given
    assert occurred.precision == precision
    assert (occurred.earliest, occurred.latest) == (earliest, latest)
    assert occurred.display == display


@pytest.mark.parametrize(
    "text", ["2023", "2023-05", "2023-05-03", "2023-05-03T01:30:00+03:00", "2023-05-02/2023-05-03"]
)
def test_a_plain_iso_value_displays_as_written(text: str) -> None:
    assert Occurred.parse(text).display == text


def test_an_open_side_sorts_before_and_after_every_written_date() -> None:
    texts = ["2023-05-03", "../2023-05-03", "2023-05-01/..", "0001", "9999"]

    ordered = sorted(texts, key=lambda t: Occurred.parse(t).start)

    assert ordered[:2] == ["../2023-05-03", "0001"]
    assert Occurred.parse("2023-05-01/..").end >= Occurred.parse("9999").end


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2023-21", "season"),
        ("2023-21~", "season"),
        ("2023?-05-03", "only part of a date"),
        ("2023-05-0X", "only part of a date"),
        ("XXXX-05", "only part of a date"),
        ("2023-02-30~", "not a real date"),
        ("2023-13~", "not a real date"),
        ("Y170000002", "after 9999"),
        ("-0100", "before 0001"),
        ("../..", "neither a start nor an end"),
        ("2023-05-03/2023-05-01~", "ends before it starts"),
        ("2023/2024/2025", "one '/'"),
        ("2023-05~~", "not an ISO 8601 date"),
        ("c. May 2023", "not an ISO 8601 date"),
        ("2023-05-03T01:30~", "not an ISO 8601 date"),
        ("{2023,2024}", "EDTF level 2"),
    ],
)
def test_a_bad_edtf_value_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Occurred.parse(text)


@pytest.mark.parametrize("text", ["2023-05~", "../2023-05-03", "2023-05-XX"])
def test_a_publication_time_is_not_fuzzy(text: str) -> None:
    from pydantic import ValidationError

    from timeline.domain.fields import Source

    with pytest.raises(ValidationError, match="not an ISO 8601 date or time"):
        Source(name="TASS", published=text)
    assert Source(name="TASS", published="2023-05-03T01:30:00+03:00").published == "2023-05-03T01:30:00+03:00"
