"""The HTTP API under load: `python -m bench.api [--facts 1000000]`.

Builds a store of `--facts` generated facts (or takes `--db`), starts `timeline serve`
on a free 127.0.0.1 port, and sends `--requests` timeline requests (first 100 entries
of an actor or location, as JSON) from `--concurrency` clients, while another process
appends `--append` new journal lines to the same store. Prints p50/p95 latency, the
throughput and the errors, and appends the row to bench/results.md (`--output`).
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from bench.generate import ACTORS, journal_lines, write_journal

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"
PLACES = [
    f"{region} settlement {i}" for region in ("Kyiv", "Kharkiv", "Donetsk", "Kherson") for i in range(3)
]


def _timeline(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, capture_output=True, check=False)
    if done.returncode:
        raise RuntimeError(f"timeline {' '.join(args)} failed: {done.stderr.decode()[-500:]}")


def side_journal(path: Path, lines: int) -> Path:
    """`lines` facts and amendments the store does not hold yet (ids prefixed), no gazetteer."""
    run = f"side-{os.getpid()}-{time.time_ns()}"
    with path.open("wb") as out:
        written = 0
        for obj in journal_lines(lines * 2, seed=11):
            if "id" not in obj and "fact" not in obj:
                continue
            for key in ("id", "fact"):
                if key in obj:
                    obj[key] = f"{run}-{obj[key]}"
            out.write(orjson.dumps(obj) + b"\n")
            written += 1
            if written >= lines:
                break
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _paths() -> list[str]:
    actors = [f"/api/actors/{quote(a, safe='')}?limit=100" for a in ACTORS]
    places = [f"/api/locations/{quote(p, safe='')}?limit=100" for p in PLACES]
    return actors + places


def load(base: str, requests: int, concurrency: int, *, cached: bool = True) -> tuple[list[float], list[str]]:
    """Latencies (ms) of `requests` GETs spread over `concurrency` keep-alive clients, and errors.

    Each client is a thread with one `http.client` connection: the lightest client the
    standard library has, so that the clients, on the same cores, take little from the server.
    """
    host, port = base.removeprefix("http://").split(":")
    paths = _paths()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def client() -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                path = paths[n % len(paths)]
                if not cached:  # a query parameter the API ignores: no two URLs alike
                    path += f"&request={n}"
                started = time.perf_counter()
                try:
                    connection.request("GET", path)
                    answer = connection.getresponse()
                    body = answer.read()
                    elapsed = (time.perf_counter() - started) * 1000
                    ok = answer.status == 200 and b'"entries":[{' in body
                    problem = None if ok else f"{path}: {answer.status} {body[:200]!r}"
                except (OSError, http.client.HTTPException) as error:
                    elapsed, problem = (time.perf_counter() - started) * 1000, f"{path}: {error!r}"
                    connection.close()
                    connection = http.client.HTTPConnection(host, int(port), timeout=30)
                with lock:
                    latencies.append(elapsed)
                    if problem:
                        errors.append(problem)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def serve(db: str, log: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    with log.open("wb") as out:  # the server keeps its own copy of the handle
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli",
                "serve",
                "--port",
                str(port),
                "--db",
                db,
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/api/head", timeout=2).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError(f"timeline serve did not start: {log.read_text()[-500:]}")
        time.sleep(0.1)


def measure(
    db: str,
    facts: int,
    work: Path,
    requests: int,
    concurrency: int,
    append: int,
    workers: int,
    *,
    cached: bool = True,
) -> dict[str, Any]:
    server, base = serve(db, work / "serve.log", workers)
    try:
        load(base, 100, concurrency)  # warm the server's connections and caches
        side = side_journal(work / "side.ndjson", append)
        before = httpx.get(f"{base}/api/head").json()["position"]
        appender = subprocess.Popen(
            [sys.executable, "-m", "cli", "--db", db, "append", str(side)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started = time.perf_counter()
        latencies, errors = load(base, requests, concurrency, cached=cached)
        seconds = time.perf_counter() - started
        appending = appender.poll() is None
        _, stderr = appender.communicate()
        if appender.returncode:
            errors.append(f"append failed: {stderr.decode()[-300:]}")
        after = httpx.get(f"{base}/api/head").json()["position"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies.sort()
    return {
        "facts": facts,
        "requests": len(latencies),
        "concurrency": concurrency,
        "workers": workers,
        "answers": "cached by URL and head" if cached else "each built",
        "p50 ms": round(statistics.median(latencies), 2),
        "p95 ms": round(latencies[int(len(latencies) * 0.95) - 1], 2),
        "max ms": round(latencies[-1], 1),
        "requests/s": round(len(latencies) / seconds),
        "errors": len(errors),
        "append lines": append,
        "append still running at end": "yes" if appending else "no",
        "positions seen": f"{before} → {after}",
        "_errors": errors[:5],
    }


def render(rows: list[dict[str, Any]]) -> str:
    columns = [k for k in rows[0] if not k.startswith("_")]
    return "\n".join(
        [
            "",
            "## HTTP API (`python -m bench.api`)",
            "",
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} cores"
            f" · load average {os.getloadavg()[0]:.1f} when done · client and server on one machine",
            "",
            "| " + " | ".join(columns) + " |",
            "|" + "---|" * len(columns),
            *("| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows),
            "",
            "A request is `GET /api/actors/{name}?limit=100` or `/api/locations/{name}?limit=100` (first 100",
            "entries as JSON, no validator sent), from keep-alive `http.client` connections in threads;",
            "a `timeline append` of new lines runs in another process from the start of the load.",
            "`workers` is `timeline serve --workers`.",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--facts", type=int, default=100_000, help="facts in the generated store")
    parser.add_argument(
        "--db", help="an existing store to measure instead of generating one (it grows by --append)"
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--append", type=int, default=10_000, help="lines appended beside the load")
    parser.add_argument("--workers", default="1,2", help="`timeline serve --workers`: one run per value")
    parser.add_argument(
        "--uncached", action="store_true", help="one more run where every URL differs (no answer cached)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="results file the row is appended to")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="timeline-bench-api-", dir=os.environ.get("BENCH_DIR")) as tmp:
        work = Path(tmp)
        db = args.db or str(work / "api.db")  # a path or a postgresql:// URL, kept as given
        if not args.db:
            journal = write_journal(work / "store.ndjson", args.facts)
            _timeline("--db", db, "append", str(journal))
        rows = []
        runs = [(int(w), True) for w in args.workers.split(",")]
        runs += [(int(args.workers.split(",")[-1]), False)] if args.uncached else []
        for workers, cached in runs:
            row = measure(
                str(db),
                args.facts,
                work,
                args.requests,
                args.concurrency,
                args.append,
                workers,
                cached=cached,
            )
            print(orjson.dumps(row).decode(), flush=True)
            if row["_errors"]:
                print("first errors:", *row["_errors"], sep="\n  ", file=sys.stderr)
            rows.append(row)
    report = render(rows)
    print(report)
    with args.output.open("a") as out:
        out.write(report)


if __name__ == "__main__":
    main()
