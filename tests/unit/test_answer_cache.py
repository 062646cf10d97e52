"""The server's answer cache: keyed by URL and chain head, bounded in bytes."""

from __future__ import annotations

from timeline.web.http import AnswerCache


def test_an_answer_is_found_under_its_url_and_head_only() -> None:
    cache = AnswerCache(limit=1000)
    cache.put(("/api/actors/Kremlin", '"abc@37"'), b"body")
    assert cache.get(("/api/actors/Kremlin", '"abc@37"')) == b"body"
    assert cache.get(("/api/actors/Kremlin", '"def@38"')) is None


def test_the_least_recently_used_answers_go_first_when_it_is_full() -> None:
    cache = AnswerCache(limit=800)
    for n in range(3):
        cache.put((f"/{n}", "h"), bytes(100))
    cache.get(("/0", "h"))  # used again: kept
    for n in range(3, 9):
        cache.put((f"/{n}", "h"), bytes(100))
    assert cache.size <= 800
    assert cache.get(("/0", "h")) is not None
    assert cache.get(("/1", "h")) is None


def test_an_answer_too_big_to_keep_is_not_kept() -> None:
    cache = AnswerCache(limit=800)
    cache.put(("/big", "h"), bytes(101))
    assert cache.get(("/big", "h")) is None
    assert cache.size == 0


def test_small_answers_hold_about_the_bytes_the_limit_counts() -> None:
    import tracemalloc

    import orjson

    cache = AnswerCache(limit=2**20)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(1000):
            cache.put((f"/api/facts/{n}", "h"), orjson.dumps({"error": f"no fact {n}"}))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert cache.size < 40_000
    assert held < 400_000  # orjson's own buffers would hold over 4 MB
