"""The failure watch's state: one claim per failed job across processes, and the first start remembered."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.store import AuditStore
from bot.watch.record import SeenFailure

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def seen(job_id: str = "p7qr9qv", *, alerted: bool = True, at: datetime = NOW) -> SeenFailure:
    return SeenFailure(job_id, "n4q95w5", "TRAINING_JOB_FAILED", at - timedelta(minutes=1), at, alerted)


def test_a_failure_is_claimed_once_across_processes(open_backend: Callable[[], AuditStore]) -> None:
    stores = [open_backend() for _ in range(4)]
    wins: list[bool] = []
    barrier = threading.Barrier(len(stores))

    def claim(store: AuditStore) -> None:
        barrier.wait()
        wins.append(store.claim_failure(seen()))

    threads = [threading.Thread(target=claim, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False, False, False, True]
    for store in stores:
        store.close()


def test_a_restart_keeps_the_claims_and_the_first_start(open_backend: Callable[[], AuditStore]) -> None:
    store = open_backend()
    assert store.watch_begun("all", NOW) == NOW
    assert store.claim_failure(seen())
    store.close()

    again = open_backend()
    assert again.watch_begun("all", NOW + timedelta(hours=1)) == NOW
    assert not again.claim_failure(seen())
    assert again.watch_begun("n4q95w5", NOW + timedelta(hours=1)) == NOW + timedelta(hours=1)
    again.close()


def test_alerted_failures_are_listed_newest_first_with_where_they_went(open_backend: Callable[[], AuditStore]) -> None:
    store = open_backend()
    store.claim_failure(seen("a1a1a1a", at=NOW))
    store.claim_failure(seen("b2b2b2b", at=NOW + timedelta(minutes=5)))
    store.claim_failure(seen("c3c3c3c", alerted=False, at=NOW + timedelta(minutes=9)))
    store.failure_posted("a1a1a1a", "CWATCH01", "1700.1")
    listed = store.alerted_failures(10)
    assert [item.job_id for item in listed] == ["b2b2b2b", "a1a1a1a"]
    assert (listed[1].channel_id, listed[1].ts) == ("CWATCH01", "1700.1")
    assert listed[1].failed_at == NOW - timedelta(minutes=1)
    store.close()
