"""What a reading command loads: the domain events, the catalogue and edtf stay unloaded;
a JSON answer loads neither pydantic models nor rich."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from eventsourcing.utils import get_topic

from timeline import Settings, open_timeline
from timeline.domain.fact import Fact
from timeline.domain.gazetteer import Statement
from timeline.persistence.transcoding import _AGGREGATE_TOPICS


def test_the_aggregate_topics_named_in_the_mapper_are_the_aggregates_topics() -> None:
    assert {"fact": get_topic(Fact), "statement": get_topic(Statement)} == _AGGREGATE_TOPICS


def test_a_query_on_an_empty_record_loads_neither_the_domain_events_nor_edtf(tmp_path: object) -> None:
    script = f"""
import sys
from timeline import Settings, open_timeline
from timeline.queries import TimelineQuery
app = open_timeline(Settings(db={str(tmp_path) + "/t.db"!r}, recorded_by="test"))
try:
    app.read.timeline(TimelineQuery("actor", "nobody"))
except Exception:
    pass
app.close()
loaded = [m for m in ("timeline.domain.events", "timeline.domain.catalogue", "timeline.journal",
                      "timeline.projections.timelines", "edtf") if m in sys.modules]
print(",".join(loaded))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "kremlin-drone-2023-05.ndjson"
OWN_MODELS = (
    "timeline.domain.fields",
    "timeline.domain.events",
    "timeline.domain.catalogue",
    "timeline.journal",
    "timeline.validation",
    "timeline.projections.timelines",
    "edtf",
)
"""Modules of pydantic models (or of the write side) that a query does not need."""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("startup") / "t.db"
    app = open_timeline(Settings(db=str(db), recorded_by="test"), create=True)
    try:
        app.append([str(SEED)], recorded_by="test")
    finally:
        app.close()
    return db


def test_a_query_answered_as_json_by_the_library_loads_no_pydantic(seeded: Path) -> None:
    script = f"""
import sys
from timeline import Settings, open_timeline
from timeline.queries import TimelineQuery
app = open_timeline(Settings(db={str(seeded)!r}, recorded_by="test"))
answer = app.read.timeline(TimelineQuery("actor", "Kremlin")).to_json()
assert answer["entries"], answer
app.close()
print(",".join(m for m in ("pydantic", *{OWN_MODELS!r}) if m in sys.modules))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_a_timeline_answered_as_json_from_the_shell_loads_neither_rich_nor_other_commands(
    seeded: Path, tmp_path: Path
) -> None:
    """`timeline actor X --format json` loads its own command's module, no table toolkit,
    no pydantic (typer is pinned below 0.28, whose option parsing loads it) and no
    module of the write side."""
    loaded = tmp_path / "modules.txt"
    script = f"""
import atexit, runpy, sys

def report() -> None:
    with open({str(loaded)!r}, "w") as out:
        for name, module in list(sys.modules.items()):
            uses = any(
                str(getattr(value, "__module__", "")).startswith("pydantic")
                for value in vars(module).values()
            ) if name.split(".")[0] in ("timeline", "cli") else False
            out.write(name + (" uses-pydantic" if uses else "") + "\\n")

atexit.register(report)
sys.argv = ["timeline", "--db", {str(seeded)!r}, "actor", "Kremlin", "--format", "json", "--limit", "5"]
runpy.run_module("cli", run_name="__main__")
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert orjson.loads(done.stdout)["entries"]
    modules = dict(line.partition(" ")[::2] for line in loaded.read_text().splitlines())
    assert sorted(m for m in modules if m.split(".")[0] == "rich" or m == "cli.tables") == []
    assert sorted(m for m in modules if m.startswith("cli.commands.")) == ["cli.commands.timelines"]
    assert sorted(m for m in OWN_MODELS if m in modules) == []
    assert sorted(m for m, note in modules.items() if note == "uses-pydantic") == []
    assert sorted(m for m in modules if m.split(".")[0] == "pydantic") == []
