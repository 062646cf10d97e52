"""Result models of the service; `model_dump(mode="json")` is the contract's JSON."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Result(BaseModel):
    model_config = ConfigDict(frozen=True)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=False)


class AppendResult(Result):
    """Journal lines written, and lines whose event the store already held."""

    appended: int
    present: int


class Subject(Result):
    kind: str
    name: str
    aliases: list[str]


class TimelineEntry(Result):
    fact: str
    type: str
    incident: str
    occurred: str
    precision: str
    role: str
    summary: str
    certainty: str
    status: str
    version: int
    sources: list[dict[str, Any]]
    recorded_at: str
    position: int
    place: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        if self.place is None:
            del data["place"]
        return data


class TimelineResult(Result):
    subject: Subject
    as_of: str | None
    entries: list[TimelineEntry]

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject.to_json(),
            "as_of": self.as_of,
            "entries": [e.to_json() for e in self.entries],
        }


class SubjectCount(Result):
    kind: str
    name: str
    facts: int
    registered: bool


class SubjectsResult(Result):
    kind: str
    as_of: str | None
    subjects: list[SubjectCount]


class Version(Result):
    version: int
    event: str
    position: int
    recorded_at: str
    recorded_by: str
    reason: str | None
    changes: dict[str, dict[str, Any]]


class HistoryResult(Result):
    fact: str
    as_of: str | None = None
    versions: list[Version]

    def to_json(self) -> dict[str, Any]:
        return {"fact": self.fact, "as_of": self.as_of, "versions": [v.to_json() for v in self.versions]}


class LogEntry(Result):
    position: int
    event: str
    recorded_at: str
    recorded_by: str
    version: int
    fact: str | None = None
    name: str | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class ReplayResult(Result):
    events: int
    seconds: float
    events_per_second: float


class VerifyResult(Result):
    ok: bool
    events: int
    head: str
    head_position: int
    checks: dict[str, str]
