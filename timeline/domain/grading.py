"""Admiralty grades of entries: the best-graded source's reliability with the fact's credibility.

A source nobody graded counts as `F` (reliability cannot be judged) and a fact without
a credibility as `6` (truth cannot be judged), which is what the code says of them;
an entry has no grade at all (null) when none of its sources is graded and it has no
credibility. `--min-grade B3` keeps entries at least that good on both scales.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from timeline.domain.values import CREDIBILITIES, RELIABILITIES, normalise_name

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

_GRADE = re.compile(r"^([A-Fa-f])([1-6])$")


def grade_of(
    sources: Iterable[Mapping[str, Any]], credibility: int | None, grades: Mapping[str, str]
) -> str | None:
    """`"B2"`: the best reliability among the sources (by their graded names) and the credibility."""
    graded = [grades[key] for key in {normalise_name(s["name"]) for s in sources} if key in grades]
    if not graded and credibility is None:
        return None
    reliability = min(graded) if graded else RELIABILITIES[-1]
    return f"{reliability}{credibility if credibility is not None else CREDIBILITIES[-1]}"


def parse_grade(text: str) -> tuple[str, int]:
    """`"B3"` -> ("B", 3); ValueError saying what a grade is."""
    match = _GRADE.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a grade: a reliability A-F and a credibility 1-6, e.g. B3")
    return match.group(1).upper(), int(match.group(2))


def meets(grade: str | None, minimum: tuple[str, int]) -> bool:
    """Whether a grade is at least as good as `minimum` in reliability and in credibility."""
    if grade is None:
        return False
    reliability, credibility = parse_grade(grade)
    return reliability <= minimum[0] and credibility <= minimum[1]
