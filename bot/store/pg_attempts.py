"""Attempts and their leases in PostgreSQL: the audit trail's rows, the send that holds a lease, job claims."""

from __future__ import annotations

from datetime import datetime

from bot.budget import Budget, Spent
from bot.records import (
    RECREATE_ACTION,
    AttemptRecord,
    Lease,
    Outcome,
    PruneBefore,
    Verdict,
)
from bot.store import pg_rows as rows
from bot.store import pg_spending as spending
from bot.store.pg_db import PgConnection

_IN_DOUBT = (Outcome.PENDING.value, Outcome.OUTCOME_UNKNOWN.value)


class PgAttempts(PgConnection):
    """The attempt half of the PostgreSQL store."""

    def record(self, record: AttemptRecord, *, lease: Lease | None = None) -> None:
        # One statement (the lease's upsert in a WITH), so one round trip and no BEGIN/COMMIT: this is what the ack
        # waits on, and a single statement is atomic on its own.
        params = rows.values(record, rows.ATTEMPT)
        with self._connection("write to") as db:
            if lease is None:
                db.execute(rows.upsert("attempts", rows.ATTEMPT), params)
            else:
                db.execute(rows.record_with_lease(), [*params, *rows.values(lease, rows.LEASE)])

    def mark_sent(self, record: AttemptRecord, owner: str, *, budget: Budget | None = None) -> bool:
        with self._transaction() as db:
            # FOR SHARE: the lease cannot be taken over between this check and the write.
            held = db.execute(
                "SELECT owner FROM leases WHERE request_id = %s FOR SHARE", (record.request_id,)
            ).fetchone()
            if held is None or held[0] != owner:
                return False
            if budget is not None and budget.active:
                spending.check_budget(db, record, budget)  # raises OverBudget; the transaction rolls back
            db.execute(rows.upsert("attempts", rows.ATTEMPT), rows.values(record, rows.ATTEMPT))
        return True

    def spent_since(self, since: datetime) -> list[Spent]:
        with self._connection("read") as db:
            return spending.spent(db, since)

    def visible(self, limit: int, *, channel_id: str, user_id: str, job_id: str | None = None) -> list[AttemptRecord]:
        where, params = spending.visible_where(channel_id, user_id, job_id)
        return self._attempts(f"{where} ORDER BY created_at DESC LIMIT %s", (*params, limit))

    def prune(self, before: PruneBefore) -> dict[str, int]:
        with self._transaction() as db:
            return spending.prune(db, before)

    def recreations_by(self, user_id: str, limit: int) -> list[AttemptRecord]:
        return self._attempts(
            "WHERE decision = %s AND user_id = %s AND action = %s ORDER BY created_at DESC LIMIT %s",
            (Verdict.ALLOWED.value, user_id, RECREATE_ACTION, limit),
        )

    def claim_owner(self, job_id: str) -> str | None:
        found = self._one("SELECT request_id FROM job_claims WHERE job_id = %s", (job_id,))
        return str(found[0]) if found else None

    def contenders(self, copy_key: str, sent_after: datetime, sent_before: datetime, excluding: str) -> list[str]:
        with self._connection("read") as db:
            found = db.execute(
                "SELECT request_id FROM attempts WHERE copy_key = %s AND sent_at >= %s AND sent_at <= %s "
                "AND request_id <> %s AND outcome = ANY(%s) ORDER BY sent_at",
                (copy_key, sent_after, sent_before, excluding, list(_IN_DOUBT)),
            ).fetchall()
        return [str(row[0]) for row in found]

    def renew_leases(self, owner: str, request_ids: list[str], expires_at: datetime) -> int:
        with self._connection("write to") as db:
            cursor = db.execute(
                "UPDATE leases SET expires_at = %s WHERE request_id = ANY(%s) AND owner = %s",
                (expires_at, request_ids, owner),
            )
            return cursor.rowcount

    def release_lease(self, request_id: str, owner: str) -> None:
        with self._connection("write to") as db:
            db.execute("DELETE FROM leases WHERE request_id = %s AND owner = %s", (request_id, owner))

    def expired_leases(self, now: datetime, limit: int) -> list[Lease]:
        query = rows.select("leases", rows.LEASE, "WHERE expires_at <= %s ORDER BY expires_at LIMIT %s")
        return [rows.lease(row) for row in self._all(query, (now, limit))]

    def take_over(self, request_id: str, owner: str, now: datetime, expires_at: datetime) -> Lease | None:
        # Of two takers, the second waits on the row lock, then finds it no longer expired: one UPDATE decides.
        found = self._one(
            "UPDATE leases SET owner = %s, expires_at = %s WHERE request_id = %s AND expires_at <= %s "
            "RETURNING request_id, owner, expires_at, response_url",
            (owner, expires_at, request_id, now),
            action="write to",
        )
        return rows.lease(found) if found else None

    def get(self, request_id: str) -> AttemptRecord | None:
        found = self._attempts("WHERE request_id = %s", (request_id,))
        return found[0] if found else None

    def recent(self, limit: int) -> list[AttemptRecord]:
        return self._attempts("WHERE decision = %s ORDER BY created_at DESC LIMIT %s", (Verdict.ALLOWED.value, limit))

    def involving(self, job_id: str, limit: int) -> list[AttemptRecord]:
        return self._attempts(
            "WHERE (source_job_id = %s OR new_job_id = %s) ORDER BY created_at DESC LIMIT %s", (job_id, job_id, limit)
        )

    def last_created(self, source_job_id: str, since: datetime) -> AttemptRecord | None:
        # updated_at is when the outcome was recorded, i.e. when the job was made, not when the command was typed.
        found = self._attempts(
            "WHERE source_job_id = %s AND outcome IN (%s, %s) AND updated_at >= %s ORDER BY updated_at DESC LIMIT 1",
            (source_job_id, Outcome.CREATED.value, Outcome.OUTCOME_UNKNOWN.value, since),
        )
        return found[0] if found else None

    def claim_new_job(self, job_id: str, request_id: str) -> bool:
        with self._connection("write to") as db:
            db.execute(
                "INSERT INTO job_claims (job_id, request_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (job_id, request_id),
            )
            found = db.execute("SELECT request_id FROM job_claims WHERE job_id = %s", (job_id,)).fetchone()
        return found is not None and found[0] == request_id
