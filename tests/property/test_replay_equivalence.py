"""Properties of the read models over random journals appended in random batches.

1. The incrementally maintained read models equal a full replay of the log.
2. `as_of="@N"` answers equal those of a view that only ever saw the first N events.
3. Re-appending the same journal writes nothing.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import write_journal
from tests.strategies import ACTORS, INCIDENTS, LOCATIONS, split_journals
from timeline import InvalidInputError, NotFoundError, Settings, Timeline, open_timeline, queries
from timeline import application as application_module
from timeline.domain.values import normalise_name
from timeline.errors import JournalInvalidError
from timeline.persistence.scratch import scratch_view

if TYPE_CHECKING:
    from collections.abc import Iterator

    from timeline.projections.readmodel import TimelineView

SETTINGS = settings(
    max_examples=int(os.environ.get("TL_PROP_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@contextmanager
def fresh_record() -> Iterator[tuple[Timeline, Path]]:
    with tempfile.TemporaryDirectory(prefix="timeline-prop-") as directory:
        app = open_timeline(Settings(db=str(Path(directory) / "t.db"), recorded_by="prop"))
        try:
            yield app, Path(directory)
        finally:
            app.close()


def append_batches(
    app: Timeline, directory: Path, batches: list[list[dict[str, Any]]], project_between: list[bool]
) -> list[str]:
    """Append each batch; lines the record refuses in context are dropped, and the batch retried.

    Generated gazetteer statements may give one alias to two entities, or make a bare
    place name ambiguous: those lines are refused (and the refused append must write
    nothing), which leaves every generated journal's valid remainder to compare.
    """
    paths = []
    for i, batch in enumerate(batches):
        path = directory / f"batch-{i}.ndjson"
        for _ in range(len(batch) + 1):
            write_journal(path, batch)
            before = app.recorder.max_notification_id() or 0
            try:
                app.append([str(path)], recorded_by=f"analyst-{i % 2}")
                break
            except JournalInvalidError as error:
                assert (app.recorder.max_notification_id() or 0) == before, "a refused append wrote events"
                refused = {int(problem.split(":")[1]) for problem in error.problems}
                batch[:] = [line for n, line in enumerate(batch, start=1) if n not in refused]
        paths.append(str(path))
        if project_between[i % len(project_between)]:
            app.project()
    return paths


def answers(view: TimelineView, as_of: str | None, fact_ids: list[str]) -> dict[str, Any]:
    """Every timeline, listing and history answer the view gives, as JSON."""
    out: dict[str, Any] = {}
    names = {
        "actor": sorted({normalise_name(n) for n in ACTORS}),
        "location": sorted({normalise_name(n) for n in LOCATIONS}),
        "incident": INCIDENTS,
    }
    for kind, pool in names.items():
        for name in pool:
            for exact in (False, True) if kind == "location" else (False,):
                for include_retracted in (False, True):
                    query = queries.TimelineQuery(
                        kind=kind, name=name, as_of=as_of, exact=exact, include_retracted=include_retracted
                    )
                    try:
                        result = queries.timeline(view, query).to_json()
                        result.pop("as_of")
                    except (NotFoundError, InvalidInputError) as error:
                        result = {"error": type(error).__name__}
                    out[f"{kind}:{name}:{exact}:{include_retracted}"] = result
        listing = queries.subjects(view, kind, as_of).to_json()
        listing.pop("as_of")
        out[f"subjects:{kind}"] = listing
    for fact_id in fact_ids:
        try:
            history = queries.history(view, fact_id, as_of).to_json()
            history.pop("as_of", None)
        except NotFoundError:
            history = None
        out[f"history:{fact_id}"] = history
    return out


def fact_ids(app: Timeline) -> list[str]:
    return [row[0] for row in app.view.query("SELECT DISTINCT fact_key FROM tl_facts ORDER BY fact_key")]


section_sizes = st.sampled_from([1, 2, 3, 7, 2000])


@SETTINGS
@given(
    batches=split_journals(), section=section_sizes, between=st.lists(st.booleans(), min_size=1, max_size=4)
)
def test_incremental_read_models_equal_a_replay(
    batches: list[list[dict[str, Any]]], section: int, between: list[bool]
) -> None:
    with fresh_record() as (app, directory), mock.patch.object(application_module, "SECTION_SIZE", section):
        append_batches(app, directory, batches, between)
        before = app.view.dump()
        assert app.view.tracking_position() == app.recorder.max_notification_id()
        app.replay()
        assert app.view.dump() == before


@SETTINGS
@given(batches=split_journals(), section=section_sizes, data=st.data())
def test_as_of_position_equals_a_view_of_the_first_n_events(
    batches: list[list[dict[str, Any]]], section: int, data: st.DataObject
) -> None:
    with fresh_record() as (app, directory), mock.patch.object(application_module, "SECTION_SIZE", section):
        append_batches(app, directory, batches, [False])
        head = app.recorder.max_notification_id() or 0
        n = data.draw(st.integers(0, head), label="N")
        ids = fact_ids(app)
        with scratch_view() as truncated:
            app.project(view=truncated, until=n)
            assert truncated.tracking_position() == n
            assert answers(app.view, f"@{n}", ids) == answers(truncated, None, ids)


@SETTINGS
@given(batches=split_journals())
def test_re_appending_a_journal_is_a_no_op(batches: list[list[dict[str, Any]]]) -> None:
    with fresh_record() as (app, directory):
        paths = append_batches(app, directory, batches, [False])
        length = app.recorder.max_notification_id()
        dump = app.view.dump()
        again = app.append(paths, recorded_by="someone-else")
        assert again.appended == 0
        assert again.present == sum(len(b) for b in batches)
        assert app.recorder.max_notification_id() == length
        assert app.view.dump() == dump
