"""Bulk work runs the cyclic collector rarely, and puts the thresholds back after."""

import gc
import threading

from timeline.limits import BULK_GC_THRESHOLD, bulk_collection


def test_thresholds_are_raised_inside_and_restored_after() -> None:
    before = gc.get_threshold()
    with bulk_collection():
        assert gc.get_threshold() == BULK_GC_THRESHOLD
        with bulk_collection():
            assert gc.get_threshold() == BULK_GC_THRESHOLD
        assert gc.get_threshold() == BULK_GC_THRESHOLD
    assert gc.get_threshold() == before


def test_overlapping_blocks_in_threads_restore_the_thresholds_once_all_end() -> None:
    before = gc.get_threshold()
    entered, release = threading.Barrier(3), threading.Event()

    def work() -> None:
        with bulk_collection():
            entered.wait()
            release.wait()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    entered.wait()
    assert gc.get_threshold() == BULK_GC_THRESHOLD
    release.set()
    for thread in threads:
        thread.join()
    assert gc.get_threshold() == before


def test_an_error_inside_still_restores_the_thresholds() -> None:
    before = gc.get_threshold()
    try:
        with bulk_collection():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
