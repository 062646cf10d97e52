"""Valid time (`Occurred.parse`) and name matching (`normalise_name`)."""

from __future__ import annotations

import pytest

from timeline.domain.values import Occurred, normalise_name


@pytest.mark.parametrize(
    ("text", "precision", "start", "end"),
    [
        ("2023", "year", "2023-01-01T00:00:00.000000", "2023-12-31T23:59:59.999999"),
        ("2023-05", "month", "2023-05-01T00:00:00.000000", "2023-05-31T23:59:59.999999"),
        ("2024-02", "month", "2024-02-01T00:00:00.000000", "2024-02-29T23:59:59.999999"),
        ("2023-12", "month", "2023-12-01T00:00:00.000000", "2023-12-31T23:59:59.999999"),
        ("2023-05-03", "day", "2023-05-03T00:00:00.000000", "2023-05-03T23:59:59.999999"),
        ("2023-05-03T01:30", "minute", "2023-05-03T01:30:00.000000", "2023-05-03T01:30:59.999999"),
        ("2023-05-03T01:30:15", "second", "2023-05-03T01:30:15.000000", "2023-05-03T01:30:15.999999"),
        (
            "2023-05-02/2023-05-03",
            "interval",
            "2023-05-02T00:00:00.000000",
            "2023-05-03T23:59:59.999999",
        ),
        ("2023-05/2023-06-10", "interval", "2023-05-01T00:00:00.000000", "2023-06-10T23:59:59.999999"),
    ],
)
def test_a_partial_date_keeps_its_precision_and_spans_every_instant_it_can_mean(
    text: str, precision: str, start: str, end: str
) -> None:
    occurred = Occurred.parse(text)

    assert occurred.precision == precision
    assert (occurred.start, occurred.end) == (start, end)
    assert occurred.text == text


def test_a_time_with_an_offset_is_converted_to_utc() -> None:
    occurred = Occurred.parse("2023-05-03T01:30:00+03:00")

    assert occurred.precision == "second"
    assert occurred.start == "2023-05-02T22:30:00.000000"
    assert occurred.text == "2023-05-03T01:30:00+03:00"


def test_a_minute_with_z_is_utc_and_keeps_minute_precision() -> None:
    occurred = Occurred.parse("2023-05-03T01:30Z")

    assert occurred.precision == "minute"
    assert occurred.start == "2023-05-03T01:30:00.000000"
    assert occurred.end == "2023-05-03T01:30:59.999999"


def test_the_same_instant_in_two_offsets_parses_to_the_same_start() -> None:
    assert Occurred.parse("2023-05-03T01:30:00+03:00").start == Occurred.parse("2023-05-02T22:30:00Z").start


def test_surrounding_white_space_is_ignored() -> None:
    assert Occurred.parse("  2023-05-03 ").precision == "day"


def test_an_interval_of_one_day_is_allowed() -> None:
    assert Occurred.parse("2023-05-03/2023-05-03").precision == "interval"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2023-13-45", "not a real date"),
        ("2023-02-30", "not a real date"),
        ("2023-05-03T25:00", "not a real date"),
        ("2023-05-03/2023-05-01", "ends before it starts"),
        ("2023-5-3", "not an ISO 8601 date"),
        ("03/05/2023", "not an ISO 8601 date"),
        ("May 2023", "not an ISO 8601 date"),
        ("", "not an ISO 8601 date"),
        ("2023-05-03T01", "not an ISO 8601 date"),
        ("2023-05-03 01:30", "not an ISO 8601 date"),
        ("23", "not an ISO 8601 date"),
    ],
)
def test_an_invalid_valid_time_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Occurred.parse(text)


def test_partial_dates_sort_by_their_first_instant() -> None:
    texts = ["2023-05-03T01:30", "2023", "2023-05-02/2023-05-03", "2023-05", "2023-05-03"]

    ordered = sorted(texts, key=lambda t: Occurred.parse(t).start)

    assert ordered[0] == "2023"  # 2023-01-01 comes first
    assert ordered[-1] == "2023-05-03T01:30"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Kremlin", "kremlin"),
        ("KREMLIN", "Kremlin"),
        ("  Kremlin press service  ", "kremlin press service"),
        ("Kremlin\u00a0 press\t\nservice", "Kremlin press service"),
        ("Ｋｒｅｍｌｉｎ", "Kremlin"),  # full-width letters (NFKC)
        ("ﬁrst", "first"),  # ligature (NFKC)
        ("Straße", "STRASSE"),  # casefold, not lower
        ("Cafe\u0301", "Café"),  # combining accent vs precomposed
    ],
)
def test_names_that_differ_only_in_case_white_space_or_unicode_form_match(left: str, right: str) -> None:
    assert normalise_name(left) == normalise_name(right)


def test_a_normalised_name_is_trimmed_folded_and_single_spaced() -> None:
    assert normalise_name("  Russian   Presidency ") == "russian presidency"


def test_different_names_stay_different() -> None:
    assert normalise_name("Kyiv") != normalise_name("Kiev")
