"""Eight OS processes writing to one store at once lose nothing and duplicate nothing.

Each process does a mix of: new facts with its own ids; facts with shared ids and
identical content (written once, "already present" for the others); sources added to
a set of facts created up front; corrections of those facts made against the
version the process read (`expected_version`), which conflict when another process
got there first; timeline reads; and, as a CLI does, opening the store afresh for an
operation. One process also replays the read models now and then, and a `timeline
follow` process runs throughout. Every operation is accounted for by its process as
written, present, read or conflict (ConflictError, exit code 4); any other failure
(exit 1) fails the test; the log must hold exactly what was written, and verify pass.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import signal
import subprocess
import sys
import time
import traceback
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from tests.factories import a_fact, write_journal
from timeline import ConflictError, Settings, open_timeline
from timeline.audit.verify import verify
from timeline.domain.fact import fact_uuid
from timeline.queries import TimelineQuery, timeline

if TYPE_CHECKING:
    from pathlib import Path

PROCESSES = 8
OPERATIONS = 300
AMENDABLE = 8
SHARED = 20
REPLAY_EVERY = 100
"""Process 0 replays the read models after every this many operations."""
TIMEOUT = 400.0


def _base_id(k: int) -> str:
    return f"base-{k}"


def _shared_fact(k: int) -> dict[str, Any]:
    """The same content in every process: written once, present for the rest."""
    return a_fact(id=f"shared-{k}", summary=f"shared fact {k}", incident="concurrency")


def _worker(url: str, proc: int, barrier: Any, results: Any) -> None:
    """One OS process: OPERATIONS mixed writes; reports what each one did."""
    outcome: dict[str, Any] = {
        "proc": proc,
        "new": 0,
        "shared_written": Counter(),
        "shared_present": 0,
        "amended": Counter(),
        "conflicts": 0,
        "conflict_codes": set(),
        "reads": 0,
        "fresh_opens": 0,
        "replays": 0,
        "errors": [],
        "seconds": 0.0,
    }
    try:
        app = open_timeline(Settings(db=url, recorded_by=f"proc-{proc}"))
        rng = random.Random(1000 + proc)
        barrier.wait(timeout=60)
        started = time.perf_counter()
        try:
            for i in range(OPERATIONS):
                r = rng.random()
                fresh = rng.random() < 0.15
                if fresh:  # as a CLI command does: open, one operation, close
                    shared_app, app = app, open_timeline(Settings(db=url, recorded_by=f"proc-{proc}"))
                    outcome["fresh_opens"] += 1
                try:
                    if r < 0.05:
                        app.project()
                        # (A replay in another process may have emptied the read models
                        # since: what is read is not checked here, only that it answers.)
                        found = timeline(app.view, TimelineQuery(kind="actor", name="Kremlin", limit=20))
                        assert found.subject.kind == "actor"
                        outcome["reads"] += 1
                    elif r < 0.30:
                        fact = a_fact(id=f"p{proc}-n{i}", summary=f"process {proc} fact {i}")
                        result = app.submit(fact, recorded_by=f"proc-{proc}", where=f"p{proc}:{i}")
                        assert (result.appended, result.present) == (1, 0), result
                        outcome["new"] += 1
                    elif r < 0.50:
                        k = rng.randrange(SHARED)
                        result = app.submit(_shared_fact(k), recorded_by=f"proc-{proc}", where=f"p{proc}:{i}")
                        assert result.appended + result.present == 1, result
                        if result.appended:
                            outcome["shared_written"][k] += 1
                        else:
                            outcome["shared_present"] += 1
                    elif r < 0.80:
                        k = rng.randrange(AMENDABLE)
                        amendment = {
                            "type": "SourceAdded",
                            "fact": _base_id(k),
                            "source": {
                                "name": f"Source p{proc} op{i}",
                                "url": f"https://example.org/{proc}/{i}",
                            },
                            "reason": "corroborated",
                        }
                        result = app.submit(amendment, recorded_by=f"proc-{proc}", where=f"p{proc}:{i}")
                        assert (result.appended, result.present) == (1, 0), result
                        outcome["amended"][k] += 1
                    else:
                        k = rng.randrange(AMENDABLE)
                        seen = app.fact_version(_base_id(k))
                        correction = {
                            "type": "FactCorrected",
                            "fact": _base_id(k),
                            "changes": {"summary": f"corrected by p{proc} op{i}"},
                            "reason": "better wording",
                        }
                        result = app.submit(
                            correction,
                            recorded_by=f"proc-{proc}",
                            where=f"p{proc}:{i}",
                            expected_version=seen,
                        )
                        assert (result.appended, result.present) == (1, 0), result
                        outcome["amended"][k] += 1
                except ConflictError as error:
                    outcome["conflicts"] += 1
                    outcome["conflict_codes"].add(error.exit_code)
                finally:
                    if fresh:
                        app.close()
                        app = shared_app
                if proc == 0 and (i + 1) % REPLAY_EVERY == 0:
                    app.replay()
                    outcome["replays"] += 1
        finally:
            outcome["seconds"] = time.perf_counter() - started
            app.close()
    except BaseException:  # reported to the parent, which fails the test
        outcome["errors"].append(traceback.format_exc())
    results.put(outcome)


def _run_processes(url: str) -> list[dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(target=_worker, args=(url, proc, barrier, results), daemon=True)
        for proc in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    outcomes = []
    deadline = time.monotonic() + TIMEOUT
    try:
        for _ in processes:
            outcomes.append(results.get(timeout=max(1.0, deadline - time.monotonic())))
    except queue.Empty:
        pytest.fail(f"only {len(outcomes)} of {PROCESSES} processes reported within {TIMEOUT} s")
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
    return outcomes


@pytest.mark.slow
def test_concurrent_writers_lose_and_duplicate_nothing(store_url: str, tmp_path: Path) -> None:
    app = open_timeline(Settings(db=store_url, recorded_by="setup"))
    follower = None
    try:
        base = [
            a_fact(id=_base_id(k), summary=f"base fact {k}", incident="concurrency") for k in range(AMENDABLE)
        ]
        app.append([str(write_journal(tmp_path / "base.ndjson", base))], recorded_by="setup")
        follower = subprocess.Popen(
            [sys.executable, "-m", "cli", "--db", store_url, "follow", "--interval", "0.2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

        outcomes = _run_processes(store_url)
        follower.send_signal(signal.SIGTERM)
        _, follower_err = follower.communicate(timeout=60)
        assert follower.returncode == 0, follower_err

        errors = [e for o in outcomes for e in o["errors"]]
        assert not errors, "\n".join(errors)
        assert sorted(o["proc"] for o in outcomes) == list(range(PROCESSES))
        for o in outcomes:  # every operation is accounted for
            done = o["new"] + sum(o["shared_written"].values()) + o["shared_present"]
            done += sum(o["amended"].values()) + o["conflicts"] + o["reads"]
            assert done == OPERATIONS, o
            assert o["conflict_codes"] <= {4}
            assert o["fresh_opens"] > 0
        assert sum(o["replays"] for o in outcomes) == OPERATIONS // REPLAY_EVERY

        shared_written: Counter[int] = sum((o["shared_written"] for o in outcomes), Counter())
        amended: Counter[int] = sum((o["amended"] for o in outcomes), Counter())
        new = sum(o["new"] for o in outcomes)
        attempted_shared = shared_written.keys()
        assert all(n == 1 for n in shared_written.values()), shared_written  # written once each
        expected = AMENDABLE + new + len(attempted_shared) + sum(amended.values())

        # The log: exactly the events the processes say they wrote.
        notifications = []
        start = 0
        while section := app.recorder.select_notifications(start=start, limit=1000, inclusive_of_start=False):
            notifications.extend(section)
            start = section[-1].id
        assert len(notifications) == expected
        per_aggregate = Counter(n.originator_id for n in notifications)
        assert len({(n.originator_id, n.originator_version) for n in notifications}) == expected
        for aggregate, count in per_aggregate.items():  # versions 1..n, no gaps
            versions = sorted(n.originator_version for n in notifications if n.originator_id == aggregate)
            assert versions == list(range(1, count + 1))
        for k in range(AMENDABLE):
            assert app.fact_version(_base_id(k)) == 1 + amended[k]
            assert per_aggregate[fact_uuid(_base_id(k))] == 1 + amended[k]
        for k in attempted_shared:
            assert per_aggregate[fact_uuid(f"shared-{k}")] == 1

        # The read models: every event once, and equal to a fresh replay.
        app.project()
        log = app.view.log(0, None, None)
        assert len(log) == expected
        assert [row["position"] for row in log] == [n.id for n in notifications]
        result = verify(app)
        assert result.ok
        assert result.events == expected
        assert result.checks == {
            "chain": "ok",
            "positions": "ok",
            "recorded_at": "ok",
            "versions": "ok",
            "views": "ok",
        }
        digests = app.recorder.digests()  # type: ignore[attr-defined]
        assert sum(1 for _ in digests) >= 1

        conflicts = sum(o["conflicts"] for o in outcomes)
        seconds = max(o["seconds"] for o in outcomes)
        print(
            f"\n{store_url.split('://')[0] if '://' in store_url else 'sqlite'}: {expected} events, "
            f"{conflicts} conflicts, {sum(o['reads'] for o in outcomes)} reads, "
            f"{sum(o['fresh_opens'] for o in outcomes)} fresh opens, "
            f"{PROCESSES}x{OPERATIONS} operations in {seconds:.1f} s"
        )
    finally:
        if follower is not None and follower.poll() is None:
            follower.kill()
            follower.communicate()
        app.close()
