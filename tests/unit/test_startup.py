"""What a reading command loads: the domain events, the catalogue and edtf stay unloaded."""

from __future__ import annotations

import subprocess
import sys

from eventsourcing.utils import get_topic

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
