"""Issue 18, items 1 and 2: a journal with one invalid line writes nothing, and an
amendment is only skipped when it is the same journal line again (or, from the
command line, when the fact already says so)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import a_correction, a_fact, a_retraction, write_journal
from timeline import InvalidInputError, JournalInvalidError, Settings, Timeline, open_timeline
from timeline.domain.fact import fact_uuid

if TYPE_CHECKING:
    from pathlib import Path


def _events(app: Timeline) -> int:
    return app.recorder.max_notification_id() or 0


def test_an_invalid_correction_of_a_fact_reported_earlier_in_the_journal_writes_nothing(
    record: Timeline, tmp_path: Path
) -> None:
    # 1,500 filler facts put the bad line in the second write batch.
    target = {**a_fact(id="target"), "type": "ShellingReported", "reported_by": "Army", "area": ["Kherson"]}
    for key in ("alleged_by", "accused", "target", "drones"):
        target.pop(key)
    target["killed_min"] = 5
    filler = [a_fact() for _ in range(1500)]
    bad = a_correction("target", killed_max=2)
    journal = write_journal(tmp_path / "xbatch.ndjson", [target, *filler, bad])
    with pytest.raises(JournalInvalidError) as raised:
        record.append([str(journal)], recorded_by="tester")
    assert raised.value.exit_code == 2
    assert raised.value.problems[0].startswith(str(journal) + ":1502:")
    assert "killed_max" in raised.value.problems[0]
    assert _events(record) == 0


def test_a_short_journal_with_an_invalid_correction_is_refused_before_writing(
    record: Timeline, tmp_path: Path
) -> None:
    fact = a_fact(id="f1")
    journal = write_journal(tmp_path / "j.ndjson", [fact, a_correction("f1", drones=-1)])
    with pytest.raises(JournalInvalidError) as raised:
        record.append([str(journal)], recorded_by="tester")
    assert raised.value.problems == [
        f"{journal}:2: changes make the fact invalid: drones: must be at least 0"
    ]
    assert _events(record) == 0


def _shelling(fact_id: str, killed_min: int) -> dict[str, object]:
    fact = {**a_fact(id=fact_id), "type": "ShellingReported", "reported_by": "Army", "area": ["Kherson"]}
    for key in ("alleged_by", "accused", "target", "drones"):
        fact.pop(key)
    return {**fact, "killed_min": killed_min}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=st.integers(min_value=1, max_value=5), data=st.data())
def test_a_generated_journal_with_one_invalid_amendment_anywhere_writes_nothing(
    tmp_path_factory: pytest.TempPathFactory, facts: int, data: st.DataObject
) -> None:
    folder = tmp_path_factory.mktemp("journal")
    ids = [f"g{i}" for i in range(facts)]
    killed = {i: data.draw(st.integers(0, 20)) for i in ids}
    lines: list[dict[str, object]] = [_shelling(i, killed[i]) for i in ids]
    # Valid corrections of facts reported earlier (cross-field rule kept), any order.
    for _ in range(data.draw(st.integers(0, 8))):
        key = data.draw(st.sampled_from(ids))
        killed[key] = data.draw(st.integers(0, 20))
        lines.append(
            a_correction(key, reason=f"r{len(lines)}", killed_min=killed[key], killed_max=killed[key] + 5)
        )
    # One invalid amendment, after its fact: a broken cross-field rule or a bad value.
    at = data.draw(st.integers(1, len(lines)))
    reported_before = [i for i in ids if ids.index(i) < at]
    bad_key = data.draw(st.sampled_from(reported_before))
    current = next(
        (
            line["changes"]["killed_min"]
            for line in reversed(lines[:at])  # type: ignore[index]
            if line.get("fact") == bad_key
        ),
        next(line["killed_min"] for line in lines if line.get("id") == bad_key),
    )
    invalid = data.draw(
        st.sampled_from(
            [{"killed_max": current - 1}, {"killed_min": -1}, {"area": []}, {"certainty": "sure"}]
        )
    )
    lines.insert(at, a_correction(bad_key, reason="bad", **invalid))
    journal = write_journal(folder / "j.ndjson", lines)
    app = open_timeline(Settings(db=str(folder / "t.db"), recorded_by="tester"))
    try:
        with pytest.raises(JournalInvalidError) as raised:
            app.append([str(journal)], recorded_by="tester")
        assert [p.split(": ", 1)[0] for p in raised.value.problems] == [f"{journal}:{at + 1}"]
        assert _events(app) == 0
    finally:
        app.close()


def test_a_journal_correcting_a_fact_back_and_forth_is_recorded_in_full_and_re_appends_as_nothing(
    record: Timeline, tmp_path: Path
) -> None:
    journal = write_journal(
        tmp_path / "j.ndjson",
        [
            a_fact(id="f1", drones=1),
            a_correction("f1", reason="r1", drones=3),
            a_correction("f1", reason="r2", drones=4),
            a_correction("f1", reason="r1", drones=3),
        ],
    )
    first = record.append([str(journal)], recorded_by="tester")
    assert (first.appended, first.present) == (4, 0)
    assert record.get_fact(fact_uuid("f1")).state["drones"] == 3
    again = record.append([str(journal)], recorded_by="tester")
    assert (again.appended, again.present) == (0, 4)
    assert _events(record) == 4


def test_repeating_an_earlier_correction_from_the_command_line_is_written(record: Timeline) -> None:
    record.submit(a_fact(id="f1", drones=1), recorded_by="tester", where="<test>")
    for drones, reason in ((3, "r1"), (4, "r2"), (3, "r1")):
        result = record.submit(a_correction("f1", reason=reason, drones=drones), recorded_by="t", where="<t>")
        assert result.appended == 1
    assert record.get_fact(fact_uuid("f1")).state["drones"] == 3
    # What the fact already says is not written again.
    same = record.submit(a_correction("f1", reason="again", drones=3), recorded_by="t", where="<t>")
    assert (same.appended, same.present) == (0, 1)


def test_corroborating_again_after_the_source_was_corrected_away_is_written(record: Timeline) -> None:
    record.submit(a_fact(id="f1"), recorded_by="tester", where="<test>")
    added = {"type": "SourceAdded", "fact": "f1", "source": {"name": "Reuters"}, "reason": "second source"}
    assert record.submit(added, recorded_by="t", where="<t>").appended == 1
    assert record.submit(added, recorded_by="t", where="<t>").appended == 0  # already there
    original = [{"name": "Europa Press", "url": "https://example.org/a"}]
    record.submit(a_correction("f1", reason="drop", sources=original), recorded_by="t", where="<t>")
    assert record.submit(added, recorded_by="t", where="<t>").appended == 1
    names = [s["name"] for s in record.get_fact(fact_uuid("f1")).state["sources"]]
    assert names == ["Europa Press", "Reuters"]


def test_retracting_a_retracted_fact_from_the_command_line_writes_nothing(record: Timeline) -> None:
    record.submit(a_fact(id="f1"), recorded_by="tester", where="<test>")
    assert record.submit(a_retraction("f1"), recorded_by="t", where="<t>").appended == 1
    with pytest.raises(InvalidInputError, match="retracted"):
        record.submit(a_retraction("f1", reason="other"), recorded_by="t", where="<t>")
