"""Reading journals: every bad line is reported with file:line, valid journals parse."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson
import pytest

from tests.conftest import FIXTURES
from tests.factories import a_correction, a_fact, a_retraction
from timeline import JournalInvalidError, Settings, open_timeline
from timeline.journal import MAX_LINE_BYTES, Entry, JournalError, read_journal

if TYPE_CHECKING:
    from pathlib import Path

INVALID = FIXTURES / "invalid"
JOURNALS = FIXTURES / "journals"


@dataclass(frozen=True)
class Expected:
    file: str
    line: int
    check: str  # "line": read_journal rejects it; "record": only append (in context) does
    message: str


def expected_table() -> dict[str, Expected]:
    """The table of fixtures/invalid/EXPECTED.md: file -> bad line and message."""
    rows: dict[str, Expected] = {}
    for text in (INVALID / "EXPECTED.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in text.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1].isdigit():
            rows[cells[0]] = Expected(cells[0], int(cells[1]), cells[2], cells[3])
    return rows


EXPECTED = expected_table()
LINE_LEVEL = sorted(name for name, e in EXPECTED.items() if e.check == "line")
RECORD_LEVEL = sorted(name for name, e in EXPECTED.items() if e.check == "record")


def read(data: bytes, path: str = "journal.ndjson") -> list[Entry | JournalError]:
    return list(read_journal(io.BufferedReader(io.BytesIO(data)), path))  # type: ignore[arg-type]


def read_file(path: Path) -> list[Entry | JournalError]:
    with path.open("rb") as stream:
        return list(read_journal(stream, path.name))


def errors(items: list[Entry | JournalError]) -> list[JournalError]:
    return [i for i in items if isinstance(i, JournalError)]


def entries(items: list[Entry | JournalError]) -> list[Entry]:
    return [i for i in items if isinstance(i, Entry)]


def ndjson(*objects: dict) -> bytes:
    return b"".join(orjson.dumps(o) + b"\n" for o in objects)


# --- the invalid fixtures ---------------------------------------------------------


def test_every_invalid_fixture_is_listed_in_expected_md_and_every_listed_one_exists() -> None:
    on_disk = {p.name for p in INVALID.iterdir() if p.name != "EXPECTED.md"}

    assert on_disk == set(EXPECTED)
    assert len(EXPECTED) >= 21


@pytest.mark.parametrize("name", LINE_LEVEL)
def test_a_bad_line_yields_one_journal_error_with_its_line_and_reason(name: str) -> None:
    expected = EXPECTED[name]

    items = read_file(INVALID / name)

    [error] = errors(items)
    assert error.path == name
    assert error.line == expected.line
    assert expected.message in error.message
    assert str(error).startswith(f"{name}:{expected.line}: ")
    assert "\n" not in str(error)


@pytest.mark.parametrize("name", LINE_LEVEL)
def test_the_valid_lines_around_a_bad_line_still_parse(name: str) -> None:
    items = read_file(INVALID / name)

    good = entries(items)
    assert len(good) >= 2
    assert EXPECTED[name].line not in {e.line for e in good}


@pytest.mark.parametrize("name", RECORD_LEVEL)
def test_a_line_wrong_only_in_context_passes_the_reader(name: str) -> None:
    assert errors(read_file(INVALID / name)) == []


@pytest.mark.parametrize("name", RECORD_LEVEL)
def test_a_line_wrong_in_context_is_refused_by_append_with_its_line_and_nothing_is_written(
    name: str, sqlite_url: str
) -> None:
    expected = EXPECTED[name]
    path = str(INVALID / name)
    timeline = open_timeline(Settings(db=sqlite_url, recorded_by="tester"))
    try:
        with pytest.raises(JournalInvalidError) as raised:
            timeline.append([path], recorded_by="tester")

        [problem] = raised.value.problems
        assert problem.startswith(f"{path}:{expected.line}: ")
        assert expected.message in problem
        assert raised.value.exit_code == 2
        assert timeline.recorder.max_notification_id() in (None, 0)
    finally:
        timeline.close()


def test_a_line_over_one_mebibyte_is_an_error_on_its_line_and_the_next_line_still_parses() -> None:
    huge = orjson.dumps(a_fact(summary="x" * (MAX_LINE_BYTES + 10)))
    data = ndjson(a_fact()) + huge + b"\n" + ndjson(a_fact())

    items = read(data, "huge.ndjson")

    [error] = errors(items)
    assert (error.line, error.message) == (2, f"line longer than {MAX_LINE_BYTES} bytes")
    assert [e.line for e in entries(items)] == [1, 3]


def test_a_line_over_one_mebibyte_at_the_end_of_a_file_without_newline_is_an_error() -> None:
    data = ndjson(a_fact()) + b'{"type": "DroneAttackAlleged", "summary": "' + b"x" * (MAX_LINE_BYTES + 1)

    [error] = errors(read(data))

    assert error.line == 2


def test_every_bad_line_of_a_journal_is_reported_not_just_the_first() -> None:
    data = ndjson(a_fact()) + b"{not json\n" + ndjson(a_fact(occurred="2023-13-45"), a_fact(drones="two"))

    assert [e.line for e in errors(read(data))] == [2, 3, 4]


def test_nesting_deeper_than_the_limit_is_an_error_not_a_crash() -> None:
    deep: object = 1
    for _ in range(40):
        deep = [deep]
    data = ndjson(a_fact(summary=deep))

    [error] = errors(read(data))

    assert "nested deeper" in error.message


def test_an_object_without_type_is_an_error_naming_the_types() -> None:
    [error] = errors(read(b'{"id": "x"}\n'))

    assert "missing 'type'" in error.message
    assert "DroneAttackAlleged" in error.message


def test_a_journal_may_not_set_system_fields() -> None:
    for field, value in [
        ("recorded_by", "x"),
        ("timestamp", "2023-05-03T00:00:00Z"),
        ("originator_version", 1),
    ]:
        [error] = errors(read(ndjson(a_fact(**{field: value}))))
        assert f"unknown field {field!r}" in error.message


# --- valid journals ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["aliases.ndjson", "corrections.ndjson", "array.json"])
def test_a_valid_fixture_journal_parses_without_errors(name: str) -> None:
    items = read_file(JOURNALS / name)

    assert errors(items) == []
    assert len(items) >= 3


def test_the_seed_journal_parses_line_for_line() -> None:
    seed = FIXTURES.parent / "seeds" / "kremlin-drone-2023-05.ndjson"
    lines = seed.read_bytes().count(b"\n")

    items = read_file(seed)

    assert errors(items) == []
    assert [e.line for e in items] == list(range(1, lines + 1))


def test_a_json_array_journal_gives_each_element_the_line_it_starts_on() -> None:
    items = read_file(JOURNALS / "array.json")

    assert [(e.line, e.type) for e in entries(items)] == [
        (2, "ActorRegistered"),
        (3, "DroneAttackAlleged"),
        (4, "SourceAdded"),
    ]


def test_a_json_array_with_several_elements_on_one_line_and_leading_white_space_parses() -> None:
    data = b"  \n [" + orjson.dumps(a_fact()) + b", " + orjson.dumps(a_fact()) + b"]"

    items = read(data, "one-line.json")

    assert [e.line for e in entries(items)] == [2, 2]


def test_a_truncated_json_array_is_an_error() -> None:
    [error] = errors(read(b"[\n" + orjson.dumps(a_fact()) + b",\n", "cut.json"))

    assert "not valid JSON" in error.message


def test_blank_lines_and_crlf_line_ends_are_accepted_and_lines_keep_their_numbers() -> None:
    data = b"\r\n" + orjson.dumps(a_fact()) + b"\r\n\n   \n" + orjson.dumps(a_fact()) + b"\r\n"

    items = read(data)

    assert errors(items) == []
    assert [e.line for e in items] == [2, 5]


def test_an_empty_journal_has_no_entries() -> None:
    assert read(b"") == []
    assert read(b"\n\n") == []
    assert read(b"[]") == []


@pytest.mark.parametrize("body", [b"NDJSON", b"ARRAY"])
def test_a_journal_starting_with_a_utf8_byte_order_mark_is_read(body: bytes) -> None:
    line = orjson.dumps(a_fact())
    data = b"\xef\xbb\xbf" + (line + b"\n" if body == b"NDJSON" else b"[" + line + b"]")

    items = read(data)

    assert errors(items) == []
    assert [e.line for e in items] == [1]


@pytest.mark.parametrize(
    ("occurred", "precision"),
    [
        ("2023", "year"),
        ("2023-05", "month"),
        ("2023-05-03", "day"),
        ("2023-05-03T01:30", "minute"),
        ("2023-05-03T01:30:00+03:00", "second"),
        ("2023-05-02/2023-05-03", "interval"),
    ],
)
def test_a_partial_occurred_is_kept_as_written_never_widened(occurred: str, precision: str) -> None:
    from timeline.domain.values import Occurred

    [entry] = entries(read(ndjson(a_fact(occurred=occurred))))

    assert entry.fields["occurred"] == occurred
    assert Occurred.parse(entry.fields["occurred"]).precision == precision


def test_a_fact_without_id_gets_an_id_derived_from_its_content() -> None:
    fact = a_fact()
    del fact["id"]
    other = {**fact, "summary": "something else"}

    first, again, different = entries(read(ndjson(fact, fact, other)))

    assert first.key.startswith("f-")
    assert first.key == again.key
    assert first.fields["id"] == first.key
    assert different.key != first.key


def test_the_same_object_has_the_same_digest_whatever_its_key_order_or_spacing() -> None:
    fact = a_fact()
    shuffled = dict(reversed(list(fact.items())))
    data = (
        orjson.dumps(fact) + b"\n" + orjson.dumps(shuffled, option=orjson.OPT_INDENT_2).replace(b"\n", b" ")
    )

    first, second = entries(read(data + b"\n"))

    assert first.digest == second.digest


def test_defaults_are_filled_and_names_are_normalised_but_keep_their_spelling() -> None:
    fact = a_fact(alleged_by="  Kremlin   press service ")
    del fact["certainty"]

    [entry] = entries(read(ndjson(fact)))

    assert entry.fields["certainty"] == "reported"
    assert entry.fields["alleged_by"] == "Kremlin press service"


def test_amendments_are_keyed_by_the_fact_they_amend() -> None:
    items = entries(read(ndjson(a_correction("fact-x", drones=3), a_retraction("fact-x"))))

    assert [(e.type, e.key, e.is_amendment, e.is_fact) for e in items] == [
        ("FactCorrected", "fact-x", True, False),
        ("FactRetracted", "fact-x", True, False),
    ]
