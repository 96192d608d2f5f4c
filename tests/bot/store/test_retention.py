"""What the store keeps and for how long: the file's mode, scoped history, and pruning by each rule."""

from __future__ import annotations

import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

from bot.records import Followed, InFlight, Preview, PreviewState
from bot.retention import Pruner, cutoffs
from bot.store import AuditStore, Lease, Outcome, SqliteAuditStore
from bot.watch.mutes import Mute
from bot.watch.record import SeenFailure
from tests.bot.store.test_sqlite import T0, attempt

NOW = T0 + timedelta(days=500)
URL = "https://hooks.slack.com/commands/T0/1/abc"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_store_file_and_its_wal_and_shm_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new" / "audit.db"
    store = SqliteAuditStore(path)
    try:
        store.record(attempt("r1"))
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(f.exists() for f in files)
        assert [mode(f) for f in files] == [0o600, 0o600, 0o600]
    finally:
        store.close()


def test_a_world_readable_file_from_an_older_bot_is_made_private_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    sqlite3.connect(path).close()
    path.chmod(0o644)
    SqliteAuditStore(path).close()
    assert mode(path) == 0o600


def test_history_shows_this_conversation_and_the_callers_own_never_others_elsewhere(store: AuditStore) -> None:
    store.record(attempt("here-by-other", user_id="UOTHER0001", channel_id="CHERE00001"))
    store.record(attempt("mine-in-a-dm", user_id="UME0000001", channel_id="DMINE00001"))
    store.record(attempt("others-dm", user_id="UOTHER0001", channel_id="DOTHER0001"))
    store.record(attempt("others-private", user_id="UOTHER0002", channel_id="GPRIVATE01", new_job_id="new0001"))

    seen = store.visible(10, channel_id="CHERE00001", user_id="UME0000001")
    by_job = store.visible(10, channel_id="CHERE00001", user_id="UME0000001", job_id="new0001")

    assert sorted(r.request_id for r in seen) == ["here-by-other", "mine-in-a-dm"]
    assert by_job == []


def add_everything(store: AuditStore, at: timedelta, tag: str, *, state: PreviewState) -> None:
    """One row of every kind, made `at` before NOW, each with a response_url where it has one."""
    when = NOW - at
    store.record(
        attempt(tag, created_at=when, updated_at=when, sent_at=when, new_job_id=f"job-{tag}"),
        lease=Lease(tag, "p1", when, URL),
    )
    store.claim_new_job(f"job-{tag}", tag)
    store.save_preview(Preview(tag, "U1", "C1", None, URL, "x", "proj", "src", when, state, created_at=when))
    store.acquire_in_flight(InFlight(f"src-{tag}", tag, "U1", when), stale_after=10**9)
    store.follow(
        Followed(f"job-{tag}", "proj", tag, "U1", "src", "C1", "running", when, 30.0, when, when, response_url=URL)
    )


def test_pruning_forgets_rows_past_their_rules_keeps_newer_ones_and_clears_old_response_urls(
    store: AuditStore,
) -> None:
    add_everything(store, timedelta(days=401), "ancient", state=PreviewState.CONFIRMED)
    add_everything(store, timedelta(days=2), "settled", state=PreviewState.EXPIRED)
    add_everything(store, timedelta(minutes=26), "stale-url", state=PreviewState.PENDING)
    add_everything(store, timedelta(minutes=5), "fresh", state=PreviewState.PENDING)

    removed = store.prune(cutoffs(NOW, retention_days=400, lock_stale_after=1800))

    assert store.get("ancient") is None and store.get("settled") is not None  # attempts: AUDIT_RETENTION_DAYS
    assert store.claim_owner("job-ancient") is None and store.claim_owner("job-settled") is None
    assert store.claim_owner("job-stale-url") == "stale-url"
    assert store.get_preview("settled") is None and store.get_preview("stale-url") is not None
    assert store.in_flight("src-settled", 10**9, NOW) is None
    assert store.in_flight("src-fresh", 10**9, NOW) is not None
    assert store.followed("job-settled") is None and store.followed("job-stale-url") is not None
    urls = {tag: store.get_preview(tag) for tag in ("stale-url", "fresh")}
    assert urls["stale-url"] is not None and urls["stale-url"].response_url is None
    assert urls["fresh"] is not None and urls["fresh"].response_url == URL
    followed = store.followed("job-stale-url"), store.followed("job-fresh")
    assert followed[0] is not None and followed[0].response_url is None
    assert followed[1] is not None and followed[1].response_url == URL
    leases = {lease.request_id: lease for lease in store.expired_leases(NOW, 10)}
    assert "ancient" not in leases
    assert leases["stale-url"].response_url is None and leases["fresh"].response_url == URL
    assert removed["attempts"] == 1 and removed["response_urls"] == 4  # and the 2-day-old lease's


def test_a_claim_stays_while_an_older_attempt_is_still_in_doubt(store: AuditStore) -> None:
    """A lost answer still looked for may find that job: its claim must keep it from being pinned on the wrong one."""
    doubt = NOW - timedelta(days=3)
    store.record(attempt("lost", outcome=Outcome.OUTCOME_UNKNOWN, created_at=doubt, sent_at=doubt))
    add_everything(store, timedelta(days=2), "made-after", state=PreviewState.CONFIRMED)

    store.prune(cutoffs(NOW, retention_days=400, lock_stale_after=1800))

    assert store.claim_owner("job-made-after") == "made-after"


def test_the_pruner_runs_at_once_then_only_when_due(store: AuditStore) -> None:
    ticks = iter([0.0, 30.0, 61.0])
    pruner = Pruner(
        store, retention_days=400, lock_stale_after=1800, every=60, clock=lambda: NOW, monotonic=lambda: next(ticks)
    )
    add_everything(store, timedelta(days=401), "ancient", state=PreviewState.CONFIRMED)

    assert pruner.tick() is not None
    assert store.get("ancient") is None
    add_everything(store, timedelta(days=402), "older", state=PreviewState.CONFIRMED)
    assert pruner.tick() is None and store.get("older") is not None
    assert pruner.tick() is not None and store.get("older") is None


def test_pruning_forgets_watched_failures_and_mutes_past_their_time(store: AuditStore) -> None:
    def seen(job_id: str, age: timedelta) -> SeenFailure:
        return SeenFailure(job_id, "n4q95w5", "TRAINING_JOB_FAILED", NOW - age, NOW - age, True)

    store.claim_failure(seen("anc1ent", timedelta(days=401)))
    store.claim_failure(seen("rec3nt1", timedelta(days=2)))
    store.mute(Mute("n4q95w5", until=NOW - timedelta(days=2), muted_by="UANA", muted_at=NOW - timedelta(days=3)))
    store.mute(Mute("p0ject2", until=NOW + timedelta(hours=1), muted_by="UANA", muted_at=NOW))

    removed = store.prune(cutoffs(NOW, retention_days=400, lock_stale_after=1800))

    assert removed["watch_failures"] == 1 and removed["watch_mutes"] == 1
    assert [f.job_id for f in store.alerted_failures(10)] == ["rec3nt1"]
    assert [m.project_id for m in store.mutes(NOW)] == ["p0ject2"]
