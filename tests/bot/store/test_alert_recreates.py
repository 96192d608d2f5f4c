"""An alert's Recreate claim on both backends: one winner across processes, kept with its job, released without."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store import AuditStore
from bot.watch.record import SeenFailure
from tests.bot.store.contract import at_once

NOW = datetime(2026, 12, 2, 3, 12, tzinfo=UTC)


def alerted(store: AuditStore, job_id: str = "f4i1ed1") -> None:
    store.claim_failure(SeenFailure(job_id, "n4q95w5", "TRAINING_JOB_FAILED", NOW - timedelta(minutes=5), NOW, True))
    store.failure_posted(job_id, "C0WATCH01", "1700.000100")


def test_two_connections_claiming_one_alert_at_once_make_one_winner(store: AuditStore, second: AuditStore) -> None:
    alerted(store)
    first, other = at_once(
        [
            lambda: store.claim_alert_recreate("f4i1ed1", "req-a", "UANA", NOW),
            lambda: second.claim_alert_recreate("f4i1ed1", "req-b", "UBOB", NOW),
        ]
    )
    assert first is not None and other is not None
    assert first.request_id == other.request_id
    winner = first.request_id
    assert winner in ("req-a", "req-b")
    assert store.alert_recreate_of(winner) is not None
    assert second.alert_recreate_of("req-b" if winner == "req-a" else "req-a") is None


def test_a_finished_claim_says_who_when_and_which_job(store: AuditStore, second: AuditStore) -> None:
    alerted(store)
    store.claim_alert_recreate("f4i1ed1", "req-a", "UANA", NOW)
    made = store.finish_alert_recreate("req-a", "q8xk2mz", NOW + timedelta(seconds=30))
    assert made is not None and made.new_job_id == "q8xk2mz"
    store.release_alert_recreate("req-a")  # a job exists: the claim stays
    late = second.claim_alert_recreate("f4i1ed1", "req-b", "UBOB", NOW + timedelta(hours=1))
    assert late is not None
    assert (late.request_id, late.user_id, late.new_job_id) == ("req-a", "UANA", "q8xk2mz")
    assert late.at == NOW + timedelta(seconds=30)
    assert (late.channel_id, late.ts) == ("C0WATCH01", "1700.000100")


def test_a_released_claim_lets_the_next_tap_take_the_alert(store: AuditStore, second: AuditStore) -> None:
    alerted(store)
    store.claim_alert_recreate("f4i1ed1", "req-a", "UANA", NOW)
    store.release_alert_recreate("req-a")
    assert store.alert_recreate_of("req-a") is None
    taken = second.claim_alert_recreate("f4i1ed1", "req-b", "UBOB", NOW)
    assert taken is not None and taken.request_id == "req-b" and taken.new_job_id is None


def test_a_job_never_alerted_has_no_claim(store: AuditStore) -> None:
    assert store.claim_alert_recreate("n0alert", "req-a", "UANA", NOW) is None
    assert store.finish_alert_recreate("req-a", "q8xk2mz", NOW) is None


def test_a_failure_recorded_without_an_alert_cannot_be_claimed(store: AuditStore) -> None:
    # Seen while muted, or already old when the watch began: nobody saw an alert, so no button could claim it.
    store.claim_failure(
        SeenFailure("s1lent1", "n4q95w5", "TRAINING_JOB_FAILED", NOW - timedelta(minutes=5), NOW, False)
    )
    assert store.claim_alert_recreate("s1lent1", "req-a", "UANA", NOW) is None
