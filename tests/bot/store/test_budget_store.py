"""The GPU budget in the store: what counts, and sending checked and spent in one transaction across processes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.budget import Budget, Limit, OverBudget
from bot.store import AuditStore, Lease, Outcome
from tests.bot.store.test_sqlite import T0, attempt


@pytest.fixture
def stores(open_backend: Callable[[], AuditStore]) -> tuple[AuditStore, AuditStore]:
    """Two processes' (or replicas') connections to one database, on each backend."""
    return open_backend(), open_backend()


def sent(request_id: str, minutes_ago: float, *, gpus: int = 8, user: str = "UALLOWED01", **changes: object):  # type: ignore[no-untyped-def]
    at = T0 - timedelta(minutes=minutes_ago)
    return attempt(request_id, user_id=user, sent_at=at, updated_at=at, created_at=at, gpu_total=gpus, **changes)


def test_what_counts_is_what_went_out_in_the_last_hour_and_made_or_may_have_made_a_job(
    stores: tuple[AuditStore, AuditStore],
) -> None:
    store, _ = stores
    store.record(sent("made", 10, gpus=16, outcome=Outcome.CREATED))
    store.record(sent("lost", 20, outcome=Outcome.OUTCOME_UNKNOWN))
    store.record(sent("going", 1, gpus=4, outcome=Outcome.PENDING))
    store.record(sent("old", 61, outcome=Outcome.CREATED))  # left the window
    store.record(sent("failed", 5, outcome=Outcome.FAILED))  # Baseten said no: no job
    store.record(attempt("waiting", outcome=Outcome.AWAITING_CONFIRMATION, created_at=T0))  # never sent

    spent = store.spent_since(T0 - timedelta(hours=1))

    assert sorted((s.request_id, s.gpus) for s in spent) == [("going", 4), ("lost", 8), ("made", 16)]
    assert Budget(per_user=10).usage(spent, "UALLOWED01").user_recreates == 3
    assert Budget(per_user=10).usage(spent, "UALLOWED01").gpus == 28


def test_mark_sent_over_the_user_limit_saves_nothing_and_says_when_to_go_again(
    stores: tuple[AuditStore, AuditStore],
) -> None:
    store, _ = stores
    store.record(sent("a", 50))
    store.record(sent("b", 30))
    store.record(attempt("c", outcome=Outcome.PENDING), lease=Lease("c", "me", T0 + timedelta(minutes=1)))

    with pytest.raises(OverBudget) as raised:
        store.mark_sent(attempt("c", outcome=Outcome.PENDING, sent_at=T0, gpu_total=8), "me", budget=Budget(2))

    assert raised.value.over.limit is Limit.PER_USER
    assert raised.value.over.again_at == T0 - timedelta(minutes=50) + timedelta(hours=1)
    stored = store.get("c")
    assert stored is not None and stored.sent_at is None  # nothing saved: nothing may be sent
    # Another user is not held back by this one's recreates.
    store.record(attempt("d", user_id="UOTHER0001", outcome=Outcome.PENDING), lease=Lease("d", "me", T0))
    other = attempt("d", user_id="UOTHER0001", outcome=Outcome.PENDING, sent_at=T0, gpu_total=8)
    assert store.mark_sent(other, "me", budget=Budget(2))


def test_mark_sent_over_the_gpu_limit_names_it_and_when_enough_gpus_leave_the_window(
    stores: tuple[AuditStore, AuditStore],
) -> None:
    store, _ = stores
    store.record(sent("a", 50, gpus=16, user="UOTHER0001"))
    store.record(sent("b", 40, gpus=32, user="UOTHER0002"))
    store.record(attempt("c", outcome=Outcome.PENDING), lease=Lease("c", "me", T0))
    record = attempt("c", outcome=Outcome.PENDING, sent_at=T0, gpu_total=24)

    with pytest.raises(OverBudget) as raised:
        store.mark_sent(record, "me", budget=Budget(per_user=None, gpus_per_hour=64))

    over = raised.value.over
    assert (over.limit, over.used, over.needed, over.allowed) == (Limit.GPUS, 48, 24, 64)
    assert over.again_at == T0 - timedelta(minutes=50) + timedelta(hours=1)  # a's 16 leaving is enough
    assert store.mark_sent(record, "me", budget=Budget(per_user=None, gpus_per_hour=72))


def test_two_processes_sending_at_once_near_the_limit_never_both_pass(
    stores: tuple[AuditStore, AuditStore],
) -> None:
    """Counting and spending are one transaction: of two sends that each fit alone, exactly one goes out."""
    budget = Budget(per_user=None, gpus_per_hour=64)
    for round_ in range(25):
        first = stores[0]
        base = T0 + timedelta(hours=2 * round_)
        first.record(replace(sent(f"r{round_}-old", 0, gpus=48), sent_at=base, created_at=base, updated_at=base))
        records = []
        for n, store in enumerate(stores):
            request_id = f"r{round_}-{n}"
            store.record(attempt(request_id, outcome=Outcome.PENDING), lease=Lease(request_id, f"p{n}", base))
            records.append(attempt(request_id, outcome=Outcome.PENDING, sent_at=base, gpu_total=16))
        gate = threading.Barrier(2)
        results: dict[int, bool] = {}

        def send(
            n: int,
            gate: threading.Barrier = gate,
            results: dict[int, bool] = results,
            records: list = records,  # type: ignore[type-arg]
        ) -> None:
            gate.wait()
            try:
                results[n] = stores[n].mark_sent(records[n], f"p{n}", budget=budget)
            except OverBudget:
                results[n] = False

        threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert sorted(results.values()) == [False, True], f"round {round_}"
        assert sum(s.gpus for s in first.spent_since(base - timedelta(hours=1))) == 64


def test_without_a_budget_mark_sent_counts_nothing(stores: tuple[AuditStore, AuditStore]) -> None:
    store, _ = stores
    for n in range(3):
        store.record(sent(f"s{n}", 5))
    store.record(attempt("c", outcome=Outcome.PENDING), lease=Lease("c", "me", T0))
    assert store.mark_sent(attempt("c", outcome=Outcome.PENDING, sent_at=T0), "me", budget=Budget(None, None))
    assert store.mark_sent(attempt("c", outcome=Outcome.PENDING, sent_at=T0), "me")
