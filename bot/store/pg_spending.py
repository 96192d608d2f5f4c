"""The GPU budget, scoped history and pruning on PostgreSQL: the statements behind PostgresAuditStore's methods."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from bot.budget import Budget, OverBudget, Spent
from bot.records import AttemptRecord, Outcome, PreviewState, PruneBefore, Verdict

Connection = psycopg.Connection[tuple[Any, ...]]

# Every send that counts against the budget takes this transaction-scoped lock before counting, so two replicas
# never both count the same room and spend it.
BUDGET_LOCK = 0x52_4A_42_55  # "RJBU"
_SPENDING = [Outcome.PENDING.value, Outcome.CREATED.value, Outcome.OUTCOME_UNKNOWN.value]
_IN_DOUBT = [Outcome.PENDING.value, Outcome.OUTCOME_UNKNOWN.value]


def spent(db: Connection, since: datetime) -> list[Spent]:
    found = db.execute(
        "SELECT request_id, user_id, sent_at, gpu_total FROM attempts WHERE sent_at >= %s AND outcome = ANY(%s)",
        (since, _SPENDING),
    ).fetchall()
    return [Spent(row[0], row[1], row[2], int(row[3] or 0)) for row in found]


def check_budget(db: Connection, record: AttemptRecord, budget: Budget) -> None:
    """Inside mark_sent's transaction: raise OverBudget when sending `record` would exceed `budget`."""
    assert record.sent_at is not None
    db.execute("SELECT pg_advisory_xact_lock(%s)", (BUDGET_LOCK,))
    counted = [s for s in spent(db, budget.window_start(record.sent_at)) if s.request_id != record.request_id]
    over = budget.over(counted, record.user_id, record.gpu_total or 0)
    if over is not None:
        raise OverBudget(over)


def visible_where(channel_id: str, user_id: str, job_id: str | None) -> tuple[str, tuple[Any, ...]]:
    where = "WHERE decision = %s AND (channel_id = %s OR user_id = %s)"
    params: tuple[Any, ...] = (Verdict.ALLOWED.value, channel_id, user_id)
    if job_id is not None:
        where += " AND (source_job_id = %s OR new_job_id = %s)"
        params += (job_id, job_id)
    return where, params


def prune(db: Connection, before: PruneBefore) -> dict[str, int]:
    """The same rules as the SQLite store's, in one transaction (README "What is kept, and for how long")."""
    (oldest_in_doubt,) = db.execute(
        "SELECT MIN(sent_at) FROM attempts WHERE sent_at IS NOT NULL AND outcome = ANY(%s)", (_IN_DOUBT,)
    ).fetchone() or (None,)
    claims_before = before.claims_before(oldest_in_doubt)
    statements: list[tuple[str, str, tuple[Any, ...]]] = [
        ("attempts", "DELETE FROM attempts WHERE created_at < %s", (before.attempts,)),
        (
            "job_claims",
            "DELETE FROM job_claims WHERE NOT EXISTS (SELECT 1 FROM attempts a WHERE a.request_id = "
            "job_claims.request_id AND COALESCE(a.sent_at, a.updated_at) >= %s)",
            (claims_before,),
        ),
        (
            "leases",
            "DELETE FROM leases WHERE NOT EXISTS (SELECT 1 FROM attempts a WHERE a.request_id = leases.request_id)",
            (),
        ),
        (
            "previews",
            "DELETE FROM previews WHERE state <> %s AND created_at < %s",
            (PreviewState.PENDING.value, before.settled),
        ),
        ("in_flight", "DELETE FROM in_flight WHERE started_at < %s", (before.locks,)),
        (
            "followed",
            "DELETE FROM followed WHERE deadline < %s OR (done AND next_poll_at < %s)",
            (before.settled, before.settled),
        ),
        (
            "response_urls",
            "UPDATE previews SET response_url = NULL WHERE response_url IS NOT NULL AND created_at < %s",
            (before.response_urls,),
        ),
        (
            "response_urls",
            "UPDATE followed SET response_url = NULL WHERE response_url IS NOT NULL AND started_at < %s",
            (before.response_urls,),
        ),
        (
            "response_urls",
            "UPDATE leases SET response_url = NULL WHERE response_url IS NOT NULL AND request_id IN "
            "(SELECT request_id FROM attempts WHERE created_at < %s)",
            (before.response_urls,),
        ),
        ("stops", "DELETE FROM stops WHERE requested_at < %s", (before.attempts,)),
        ("watch_failures", "DELETE FROM watch_failures WHERE seen_at < %s", (before.attempts,)),
        ("watch_mutes", "DELETE FROM watch_mutes WHERE until < %s", (before.settled,)),
    ]
    removed: dict[str, int] = {}
    for name, statement, params in statements:
        removed[name] = removed.get(name, 0) + db.execute(statement, params).rowcount
    return removed
