"""A source's grade history: every SourceGraded about it, in log order (`timeline source`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from timeline.domain.values import normalise_name
from timeline.errors import NotFoundError
from timeline.queries import resolve_as_of
from timeline.results import Grading, SourceHistoryResult

if TYPE_CHECKING:
    from timeline.projections.readmodel import TimelineView


def source_history(view: TimelineView, name: str, as_of: str | None = None) -> SourceHistoryResult:
    """Every grading of the source `name` up to `as_of`; its reliability is the last one."""
    position = resolve_as_of(view, as_of)
    rows = view.grade_history(normalise_name(name), position)
    if not rows:
        when = f" as of {as_of}" if as_of else ""
        raise NotFoundError(f"source {name.strip()!r} has not been graded in the record{when}")
    gradings = [
        Grading(
            position=r["position"],
            recorded_at=r["recorded_at"],
            recorded_by=r["recorded_by"],
            reliability=r["reliability"],
            reason=r["reason"],
        )
        for r in rows
    ]
    return SourceHistoryResult(
        source=rows[-1]["source"], as_of=as_of, reliability=gradings[-1].reliability, gradings=gradings
    )
