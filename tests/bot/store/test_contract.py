"""Every store operation, on both backends: the same answers, and the same one-winner races across connections."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import Any

import pytest

from bot.records import Followed, InFlight, Lease, Outcome, Preview, PreviewState, Verdict
from bot.store import AuditStore, StoreError
from bot.store.schema import SCHEMA_VERSION
from tests.bot.store.contract import T0, at_once, attempt, open_backend, second, store

__all__ = ["open_backend", "second", "store"]  # fixtures
LATER = T0 + timedelta(minutes=5)


def preview(preview_id: str = "req-p1", **changes: object) -> Preview:
    values: dict[str, object] = {
        "id": preview_id,
        "user_id": "UALLOWED01",
        "channel_id": "CCHANNEL01",
        "team_id": "T0TEAM0001",
        "response_url": "https://hooks.slack.test/cmd1",
        "command_text": "p7qr9qv",
        "project_id": "n4q95w5",
        "job_id": "p7qr9qv",
        "expires_at": T0 + timedelta(minutes=2),
        "created_at": T0,
    }
    values.update(changes)
    return Preview(**values)  # type: ignore[arg-type]


def followed(job_id: str = "new0001", **changes: object) -> Followed:
    values: dict[str, object] = {
        "job_id": job_id,
        "project_id": "n4q95w5",
        "request_id": "req-1",
        "requester_id": "UALLOWED01",
        "source_job_id": "p7qr9qv",
        "channel_id": "CCHANNEL01",
        "status": "TRAINING_JOB_CREATED",
        "next_poll_at": T0,
        "interval": 30.0,
        "started_at": T0,
        "deadline": T0 + timedelta(hours=6),
    }
    values.update(changes)
    return Followed(**values)  # type: ignore[arg-type]


# --- attempts ----------------------------------------------------------------------------------------------------


def test_an_attempt_round_trips_every_field_with_aware_utc_times(store: AuditStore) -> None:
    full = attempt(
        "req-1",
        new_job_id="new0001",
        new_job_status="TRAINING_JOB_CREATED",
        instance_type="H100x8",
        gpus="8x H100",
        error="answer lost; found by copy key",
        refusal="cooldown",
        baseten_ms=412.5,
        card_route="thread",
        card_channel_id="CCHANNEL01",
        card_ts="1700000000.000100",
        sent_at=T0 + timedelta(microseconds=7),
        copy_key="ck-1",
    )
    store.record(full)
    got = store.get("req-1")
    assert got == full
    assert got is not None and got.sent_at is not None
    assert got.created_at.utcoffset() == timedelta(0) and got.sent_at.tzinfo is not None
    assert isinstance(got.outcome, Outcome) and isinstance(got.decision, Verdict)
    assert store.get("nope") is None


def test_recording_again_replaces_the_attempt(store: AuditStore) -> None:
    store.record(attempt("req-1", outcome=Outcome.PENDING))
    store.record(attempt("req-1", outcome=Outcome.CREATED, new_job_id="new0001"))
    got = store.get("req-1")
    assert got is not None and got.outcome is Outcome.CREATED and got.new_job_id == "new0001"


def test_recent_lists_allowed_attempts_newest_first(store: AuditStore) -> None:
    for n in range(4):
        store.record(attempt(f"req-{n}", created_at=T0 + timedelta(minutes=n)))
    store.record(attempt("refused", decision=Verdict.REFUSED, created_at=LATER))
    assert [r.request_id for r in store.recent(3)] == ["req-3", "req-2", "req-1"]


def test_involving_matches_the_source_or_the_new_job(store: AuditStore) -> None:
    store.record(attempt("as-source", created_at=T0))
    store.record(attempt("as-new", source_job_id="other", new_job_id="p7qr9qv", created_at=LATER))
    store.record(attempt("unrelated", source_job_id="other"))
    assert [r.request_id for r in store.involving("p7qr9qv", 10)] == ["as-new", "as-source"]


def test_last_created_is_the_newest_made_or_maybe_made_since(store: AuditStore) -> None:
    store.record(attempt("old", updated_at=T0 - timedelta(hours=1)))
    store.record(attempt("unknown", outcome=Outcome.OUTCOME_UNKNOWN, updated_at=T0 + timedelta(seconds=1)))
    store.record(attempt("failed", outcome=Outcome.FAILED, updated_at=LATER))
    found = store.last_created("p7qr9qv", T0)
    assert found is not None and found.request_id == "unknown"
    assert store.last_created("p7qr9qv", LATER) is None


def test_contenders_are_requests_in_doubt_sent_in_the_window(store: AuditStore) -> None:
    sent: dict[str, Any] = {"copy_key": "ck-1", "sent_at": T0 + timedelta(seconds=10)}
    store.record(attempt("me", outcome=Outcome.PENDING, **sent))
    store.record(attempt("pending", outcome=Outcome.PENDING, **sent))
    store.record(attempt("unknown", outcome=Outcome.OUTCOME_UNKNOWN, **sent))
    store.record(attempt("done", outcome=Outcome.CREATED, **sent))
    store.record(attempt("late", outcome=Outcome.PENDING, copy_key="ck-1", sent_at=LATER))
    store.record(attempt("other-key", outcome=Outcome.PENDING, copy_key="ck-2", sent_at=T0))
    found = store.contenders("ck-1", T0, T0 + timedelta(minutes=1), excluding="me")
    assert sorted(found) == ["pending", "unknown"]


# --- leases ------------------------------------------------------------------------------------------------------


def test_a_lease_taken_with_an_attempt_lets_only_its_owner_mark_it_sent(store: AuditStore) -> None:
    lease = Lease("req-1", "proc-a", LATER, "https://hooks.slack.test/cmd1")
    store.record(attempt("req-1", outcome=Outcome.PENDING), lease=lease)
    assert store.expired_leases(LATER, 10) == [lease]
    sent = attempt("req-1", outcome=Outcome.PENDING, sent_at=T0, copy_key="ck")
    assert not store.mark_sent(sent, "proc-b")
    assert store.get("req-1") == attempt("req-1", outcome=Outcome.PENDING)
    assert store.mark_sent(sent, "proc-a")
    assert store.get("req-1") == sent


def test_leases_renew_for_their_owner_and_release(store: AuditStore) -> None:
    store.record(attempt("req-1"), lease=Lease("req-1", "proc-a", T0))
    store.record(attempt("req-2"), lease=Lease("req-2", "proc-b", T0))
    assert store.renew_leases("proc-a", ["req-1", "req-2", "missing"], LATER) == 1
    assert [lease.request_id for lease in store.expired_leases(T0, 10)] == ["req-2"]
    store.release_lease("req-1", "proc-b")  # not its owner: kept
    assert [lease.request_id for lease in store.expired_leases(LATER, 10)] == ["req-2", "req-1"]
    store.release_lease("req-1", "proc-a")
    assert [lease.request_id for lease in store.expired_leases(LATER, 10)] == ["req-2"]
    assert store.expired_leases(LATER, 0) == []


def test_a_lease_in_date_is_never_taken_over(store: AuditStore) -> None:
    store.record(attempt("req-1"), lease=Lease("req-1", "proc-a", LATER))
    assert store.take_over("req-1", "proc-b", T0, LATER + timedelta(minutes=1)) is None
    taken = store.take_over("req-1", "proc-b", LATER, LATER + timedelta(minutes=1))
    assert taken == Lease("req-1", "proc-b", LATER + timedelta(minutes=1))


def test_an_expired_lease_is_taken_over_by_one_of_two_stores_at_once(store: AuditStore, second: AuditStore) -> None:
    store.record(attempt("req-1"), lease=Lease("req-1", "dead", T0))
    takers = [store, second] * 4
    expires = LATER + timedelta(minutes=1)
    won = at_once([partial(s.take_over, "req-1", f"p{n}", LATER, expires) for n, s in enumerate(takers)])
    winners = [lease for lease in won if lease is not None]
    assert len(winners) == 1
    assert store.expired_leases(LATER + timedelta(minutes=1), 10)[0].owner == winners[0].owner


# --- job claims --------------------------------------------------------------------------------------------------


def test_a_new_job_is_claimed_by_one_request(store: AuditStore, second: AuditStore) -> None:
    assert store.claim_owner("new0001") is None
    assert store.claim_new_job("new0001", "req-a")
    assert not second.claim_new_job("new0001", "req-b")
    assert second.claim_new_job("new0001", "req-a")  # its owner asking again keeps it
    assert second.claim_owner("new0001") == "req-a"


def test_two_stores_claiming_one_job_at_once_give_it_to_one(store: AuditStore, second: AuditStore) -> None:
    won = at_once([partial(s.claim_new_job, "new0001", f"req-{n}") for n, s in enumerate([store, second] * 4)])
    assert won.count(True) == 1
    assert store.claim_owner("new0001") == f"req-{won.index(True)}"


# --- previews ----------------------------------------------------------------------------------------------------


def test_a_preview_round_trips_and_is_claimed_once(store: AuditStore) -> None:
    store.save_preview(preview())
    assert store.get_preview("req-p1") == preview()
    assert store.get_preview("nope") is None
    lease = Lease("req-p1", "proc-a", LATER)
    assert store.claim_preview("req-p1", PreviewState.CONFIRMED, T0, lease=lease)
    assert not store.claim_preview("req-p1", PreviewState.CANCELLED, T0)
    got = store.get_preview("req-p1")
    assert got is not None and got.state is PreviewState.CONFIRMED
    assert store.expired_leases(LATER, 10) == [lease]


def test_a_lost_claim_takes_no_lease(store: AuditStore) -> None:
    store.save_preview(preview())
    won = Lease("req-p1", "proc-a", LATER)
    assert store.claim_preview("req-p1", PreviewState.CONFIRMED, T0, lease=won)
    assert not store.claim_preview("req-p1", PreviewState.CONFIRMED, T0, lease=Lease("req-p1", "proc-b", LATER))
    store.save_preview(preview("req-p2", expires_at=T0))
    assert not store.claim_preview("req-p2", PreviewState.CONFIRMED, T0, lease=Lease("req-p2", "proc-b", LATER))
    assert store.expired_leases(LATER, 10) == [won]


def test_an_expired_preview_cannot_be_confirmed_but_can_be_expired(store: AuditStore) -> None:
    store.save_preview(preview())
    after = T0 + timedelta(minutes=3)
    assert not store.claim_preview("req-p1", PreviewState.CONFIRMED, after)
    assert store.claim_preview("req-p1", PreviewState.EXPIRED, after)


def test_expire_previews_marks_only_pending_ones_past_expiry(store: AuditStore) -> None:
    store.save_preview(preview("old"))
    store.save_preview(preview("fresh", expires_at=LATER))
    store.save_preview(preview("done", state=PreviewState.CONFIRMED))
    assert store.expire_previews(T0 + timedelta(minutes=3)) == ["old"]
    assert store.expire_previews(T0 + timedelta(minutes=3)) == []


def test_one_preview_clicked_on_two_stores_at_once_is_claimed_once(store: AuditStore, second: AuditStore) -> None:
    store.save_preview(preview())
    clicks = [
        partial(s.claim_preview, "req-p1", PreviewState.CONFIRMED, T0, lease=Lease("req-p1", f"p{n}", LATER))
        for n, s in enumerate([store, second] * 4)
    ]
    won = at_once(clicks)
    assert won.count(True) == 1
    assert [lease.owner for lease in store.expired_leases(LATER, 10)] == [f"p{won.index(True)}"]


# --- in-flight locks ---------------------------------------------------------------------------------------------


def test_the_in_flight_lock_has_one_holder_until_released_or_stale(store: AuditStore) -> None:
    first = InFlight("p7qr9qv", "req-a", "UALLOWED01", T0)
    assert store.acquire_in_flight(first, stale_after=60) is None
    assert store.acquire_in_flight(first, stale_after=60) is None  # the holder again
    assert store.acquire_in_flight(InFlight("p7qr9qv", "req-b", "U2", T0), stale_after=60) == first
    assert store.in_flight("p7qr9qv", 60, T0) == first
    assert store.in_flight("p7qr9qv", 60, T0 + timedelta(minutes=2)) is None
    store.release_in_flight("p7qr9qv", "req-b")  # not the holder: kept
    assert store.in_flight("p7qr9qv", 60, T0) == first
    store.release_in_flight("p7qr9qv", "req-a")
    assert store.in_flight("p7qr9qv", 60, T0) is None


def test_a_stale_in_flight_lock_is_taken_by_the_next_request(store: AuditStore) -> None:
    store.acquire_in_flight(InFlight("p7qr9qv", "req-a", "U1", T0), stale_after=60)
    later = InFlight("p7qr9qv", "req-b", "U2", T0 + timedelta(minutes=2))
    assert store.acquire_in_flight(later, stale_after=60) is None
    assert store.in_flight("p7qr9qv", 60, later.started_at) == later


def test_two_stores_locking_one_job_at_once_give_it_one_holder(store: AuditStore, second: AuditStore) -> None:
    store.acquire_in_flight(InFlight("p7qr9qv", "stale", "U0", T0 - timedelta(hours=1)), stale_after=60)
    locks = [InFlight("p7qr9qv", f"req-{n}", "U1", T0) for n in range(8)]
    held = at_once([partial(s.acquire_in_flight, lock, 60) for lock, s in zip(locks, [store, second] * 4, strict=True)])
    assert held.count(None) == 1
    holder = store.in_flight("p7qr9qv", 60, T0)
    assert holder == locks[held.index(None)]
    assert all(other == holder for other in held if other is not None)


# --- followed jobs -----------------------------------------------------------------------------------------------


def test_followed_jobs_round_trip_and_due_ones_come_oldest_poll_first(store: AuditStore) -> None:
    store.follow(followed("a", next_poll_at=T0 + timedelta(seconds=20), outage_since=T0))
    store.follow(followed("b", next_poll_at=T0 + timedelta(seconds=10), started_at=T0 + timedelta(seconds=1)))
    store.follow(followed("later", next_poll_at=LATER))
    store.follow(followed("done", done=True))
    got = store.followed("a")
    assert got == followed("a", next_poll_at=T0 + timedelta(seconds=20), outage_since=T0)
    assert got is not None and got.next_poll_at.tzinfo is not None
    assert [f.job_id for f in store.followed_due(T0 + timedelta(minutes=1), 10)] == ["b", "a"]
    assert [f.job_id for f in store.followed_due(T0 + timedelta(minutes=1), 1)] == ["a"]  # the oldest one only
    assert store.followed("nope") is None


def test_a_polls_result_is_saved_only_from_the_stored_version(store: AuditStore) -> None:
    store.follow(followed())
    before = store.followed("new0001")
    assert before is not None and before.version == 0
    assert store.update_followed(replace(before, status="TRAINING_JOB_RUNNING", next_poll_at=LATER))
    after = store.followed("new0001")
    assert after is not None and after.status == "TRAINING_JOB_RUNNING" and after.version == 1
    assert not store.update_followed(replace(before, status="TRAINING_JOB_FAILED"))  # an old version: refused
    assert store.followed("new0001") == after


def test_one_polls_result_saved_by_two_stores_at_once_is_saved_once(store: AuditStore, second: AuditStore) -> None:
    store.follow(followed())
    seen = [s.followed("new0001") or followed("missing") for s in [store, second] * 4]
    saves = [
        partial(s.update_followed, replace(f, status=f"S{n}"))
        for n, (s, f) in enumerate(zip([store, second] * 4, seen, strict=True))
    ]
    saved = at_once(saves)
    assert saved.count(True) == 1
    final = store.followed("new0001")
    assert final is not None and final.status == f"S{saved.index(True)}" and final.version == 1


HOLD = timedelta(minutes=2)


def test_due_jobs_taken_by_eight_callers_on_two_stores_at_once_go_each_to_one(
    store: AuditStore, second: AuditStore
) -> None:
    due = [f"new000{n}" for n in range(5)]
    for n, job_id in enumerate(due):
        store.follow(followed(job_id, next_poll_at=T0 + timedelta(seconds=n)))
    store.follow(followed("later", next_poll_at=LATER))
    calls = [
        partial(s.take_due, f"owner-{n}", T0 + timedelta(minutes=1), 10, HOLD)
        for n, s in enumerate([store, second] * 4)
    ]
    taken = at_once(calls)
    ids = [f.job_id for batch in taken for f in batch]
    assert sorted(ids) == due  # every due job to exactly one caller; the one not yet due to none
    for batch in taken:
        assert [f.next_poll_at for f in batch] == sorted(f.next_poll_at for f in batch)


def test_a_taken_job_stays_its_owners_until_the_hold_ends_or_its_result_is_saved(
    store: AuditStore, second: AuditStore
) -> None:
    store.follow(followed("a"))
    store.follow(followed("b", started_at=T0 + timedelta(seconds=1)))
    [a, b] = sorted(store.take_due("one", T0, 10, HOLD), key=lambda f: f.job_id)
    assert (a.job_id, b.job_id) == ("a", "b")
    assert second.take_due("two", T0 + HOLD - timedelta(seconds=1), 10, HOLD) == []
    assert sorted(f.job_id for f in store.take_due("one", T0 + timedelta(seconds=1), 10, HOLD)) == ["a", "b"]  # its own
    assert store.take_due("one", T0, 1, HOLD)[0].job_id == "a"  # only among the `cap` oldest
    # Saving a's result lets it go at once; b is another owner's once the hold taken last runs out.
    assert store.update_followed(replace(a, status="TRAINING_JOB_RUNNING"))
    assert [f.job_id for f in second.take_due("two", T0 + timedelta(seconds=2), 10, HOLD)] == ["a"]
    assert sorted(f.job_id for f in second.take_due("two", T0 + timedelta(seconds=1) + HOLD, 10, HOLD)) == ["a", "b"]
    assert store.take_due("one", T0 + timedelta(seconds=2) + HOLD, 10, HOLD) == []


# --- the database itself -----------------------------------------------------------------------------------------


def test_a_store_is_at_the_current_schema_and_writable(store: AuditStore) -> None:
    assert store.schema_version() == SCHEMA_VERSION
    store.check_writable()
    assert store.recent(10) == []  # the probe kept nothing


def test_a_closed_store_raises_store_error(open_backend: Callable[[], AuditStore]) -> None:
    opened = open_backend()
    opened.close()
    with pytest.raises(StoreError):
        opened.record(attempt("req-1"))
