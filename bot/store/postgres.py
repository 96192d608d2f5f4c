"""The audit trail in PostgreSQL, shared by replicas on several hosts: each guarantee is one statement or one
transaction in the database (conditional updates, unique keys), never a lock in this process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from bot.budget import Budget, Spent
from bot.records import (
    RECREATE_ACTION,
    AttemptRecord,
    Followed,
    InFlight,
    Lease,
    Outcome,
    Preview,
    PreviewState,
    PruneBefore,
    Verdict,
)
from bot.stop.record import StopClaim
from bot.store import pg_alerts as alerts
from bot.store import pg_mutes as muting
from bot.store import pg_rows as rows
from bot.store import pg_spending as spending
from bot.store import pg_stops as stops
from bot.store import pg_watch as watch
from bot.store.interface import StoreError
from bot.store.pg_pool import connection_options, first_line, migrate, open_pool
from bot.store.pg_url import redacted
from bot.watch.mutes import Mute
from bot.watch.record import AlertRecreate, SeenFailure

_IN_DOUBT = (Outcome.PENDING.value, Outcome.OUTCOME_UNKNOWN.value)
Connection = psycopg.Connection[tuple[Any, ...]]


class PostgresAuditStore:
    """A connection pool; every method takes one connection for one statement or one short transaction."""

    def __init__(self, url: str, *, pool: ConnectionPool | None = None) -> None:
        self.url = redacted(url)
        try:
            # One plain connection first: its error names the cause (a wrong host, a refused password), where the
            # pool's would only say it timed out.
            with psycopg.connect(url, **connection_options(url)) as db:  # type: ignore[arg-type]
                migrate(db)
        except psycopg.Error as error:
            raise StoreError(f"cannot open the audit database {self.url}: {first_line(error)}") from None
        self._pool = pool or open_pool(url)

    @contextmanager
    def _connection(self, action: str) -> Iterator[Connection]:
        try:
            with self._pool.connection() as db:
                yield db
        except psycopg.Error as error:
            # PoolTimeout (no connection within the acquire timeout) is one of these: the caller refuses cleanly.
            raise StoreError(f"could not {action} the audit database {self.url}: {first_line(error)}") from error

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self._connection("write to") as db, db.transaction():
            yield db

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
            removed = spending.prune(db, before)
            removed["stops"] = stops.prune_stops(db, before.attempts)
            return removed

    def recreations_by(self, user_id: str, limit: int) -> list[AttemptRecord]:
        return self._attempts(
            "WHERE decision = %s AND user_id = %s AND action = %s ORDER BY created_at DESC LIMIT %s",
            (Verdict.ALLOWED.value, user_id, RECREATE_ACTION, limit),
        )

    def claim_stop(self, claim: StopClaim, stale_after: float) -> StopClaim | None:
        with self._transaction() as db:
            return stops.claim_stop(db, claim, stale_after)

    def stop_of(self, job_id: str) -> StopClaim | None:
        with self._connection("read") as db:
            return stops.stop_of(db, job_id)

    def confirm_stop(self, job_id: str, request_id: str) -> None:
        with self._connection("write to") as db:
            stops.confirm_stop(db, job_id, request_id)

    def release_stop(self, job_id: str, request_id: str) -> None:
        with self._connection("write to") as db:
            stops.release_stop(db, job_id, request_id)

    def watch_begun(self, scope: str, now: datetime) -> datetime:
        with self._transaction() as db:
            return watch.watch_begun(db, scope, now)

    def claim_failure(self, seen: SeenFailure) -> bool:
        with self._connection("write to") as db:
            return watch.claim_failure(db, seen)

    def failure_posted(self, job_id: str, channel_id: str, ts: str) -> None:
        with self._connection("write to") as db:
            db.execute("UPDATE watch_failures SET channel_id = %s, ts = %s WHERE job_id = %s", (channel_id, ts, job_id))

    def alerted_failures(self, limit: int) -> list[SeenFailure]:
        with self._connection("read") as db:
            return watch.alerted_failures(db, limit)

    def mute(self, mute: Mute) -> None:
        with self._connection("write to") as db:
            muting.mute(db, mute)

    def unmute(self, project_id: str, now: datetime) -> Mute | None:
        with self._connection("write to") as db:
            return muting.unmute(db, project_id, now)

    def mutes(self, now: datetime) -> list[Mute]:
        with self._connection("read") as db:
            return muting.mutes(db, now)

    def claim_alert_recreate(self, job_id: str, request_id: str, user_id: str, now: datetime) -> AlertRecreate | None:
        with self._transaction() as db:
            return alerts.claim(db, job_id, request_id, user_id, now)

    def alert_recreate_of(self, request_id: str) -> AlertRecreate | None:
        with self._connection("read") as db:
            return alerts.of_request(db, request_id)

    def finish_alert_recreate(self, request_id: str, new_job_id: str, now: datetime) -> AlertRecreate | None:
        with self._transaction() as db:
            return alerts.finish(db, request_id, new_job_id, now)

    def release_alert_recreate(self, request_id: str) -> None:
        with self._connection("write to") as db:
            alerts.release(db, request_id)

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

    def expire_previews(self, now: datetime) -> list[str]:
        found = self._all(
            "UPDATE previews SET state = %s WHERE state = %s AND expires_at <= %s RETURNING id",
            (PreviewState.EXPIRED.value, PreviewState.PENDING.value, now),
            action="write to",
        )
        return [str(row[0]) for row in found]

    def save_preview(self, preview: Preview) -> None:
        with self._connection("write to") as db:
            db.execute(rows.upsert("previews", rows.PREVIEW), rows.values(preview, rows.PREVIEW))

    def get_preview(self, preview_id: str) -> Preview | None:
        found = self._one(rows.select("previews", rows.PREVIEW, "WHERE id = %s"), (preview_id,))
        return rows.preview(found) if found else None

    def claim_preview(self, preview_id: str, state: PreviewState, now: datetime, *, lease: Lease | None = None) -> bool:
        # One UPDATE decides: of any number of clicks on any number of hosts, exactly one sees a row change.
        expiry = "" if state is PreviewState.EXPIRED else " AND expires_at > %s"
        params: tuple[Any, ...] = (state.value, preview_id, PreviewState.PENDING.value)
        if expiry:
            params += (now,)
        claim = f"UPDATE previews SET state = %s WHERE id = %s AND state = %s{expiry}"  # noqa: S608
        with self._connection("write to") as db:
            if lease is None:
                return db.execute(claim, params).rowcount == 1
            # One statement, one round trip: the lease is written only from the row the UPDATE claimed.
            query = f"WITH claimed AS ({claim} RETURNING id) {rows.lease_if_claimed()}"
            return db.execute(query, [*params, *rows.values(lease, rows.LEASE)]).rowcount == 1

    def acquire_in_flight(self, lock: InFlight, stale_after: float) -> InFlight | None:
        stale = lock.started_at - timedelta(seconds=stale_after)
        with self._connection("write to") as db:
            # One statement takes a free lock or replaces a stale holder; a second taker waits on the row, then finds
            # it fresh. Only a refused take reads the holder, and takes again if it let go in between.
            for _ in range(5):
                if db.execute(rows.ACQUIRE_IN_FLIGHT, [*rows.values(lock, rows.IN_FLIGHT), stale]).fetchone():
                    return None
                found = db.execute(self._holder_query(), (lock.source_job_id,)).fetchone()
                if found is not None:
                    holder = rows.in_flight(found)
                    return None if holder.request_id == lock.request_id else holder
        raise StoreError(f"the in-flight lock of {lock.source_job_id} kept changing hands; try again")

    def in_flight(self, source_job_id: str, stale_after: float, now: datetime) -> InFlight | None:
        found = self._one(self._holder_query(), (source_job_id,))
        holder = rows.in_flight(found) if found else None
        if holder is None or holder.started_at < now - timedelta(seconds=stale_after):
            return None
        return holder

    def release_in_flight(self, source_job_id: str, request_id: str) -> None:
        with self._connection("write to") as db:
            db.execute(
                "DELETE FROM in_flight WHERE source_job_id = %s AND request_id = %s", (source_job_id, request_id)
            )

    def follow(self, followed: Followed) -> None:
        with self._connection("write to") as db:
            db.execute(rows.upsert("followed", rows.FOLLOWED), rows.values(followed, rows.FOLLOWED))

    def followed(self, job_id: str) -> Followed | None:
        found = self._one(rows.select("followed", rows.FOLLOWED, "WHERE job_id = %s"), (job_id,))
        return rows.followed(found) if found else None

    def followed_due(self, now: datetime, cap: int) -> list[Followed]:
        query = rows.select("followed", rows.FOLLOWED, "WHERE NOT done ORDER BY started_at LIMIT %s")
        active = [rows.followed(row) for row in self._all(query, (cap,))]
        return sorted((f for f in active if f.next_poll_at <= now), key=lambda f: f.next_poll_at)

    def take_due(self, owner: str, now: datetime, cap: int, hold: timedelta) -> list[Followed]:
        with self._transaction() as db:
            # SKIP LOCKED: rows another replica is taking right now are its; FOR UPDATE re-checks the hold on rows
            # it took and committed since this statement began.
            ids = [row[0] for row in db.execute(rows.TAKE_DUE, (cap, now, owner, now)).fetchall()]
            taken = db.execute(rows.taken(), (owner, now + hold, ids)).fetchall() if ids else []
        return sorted((rows.followed(row) for row in taken), key=lambda f: f.next_poll_at)

    def update_followed(self, followed: Followed) -> bool:
        names = [name for name in rows.FOLLOWED if name not in ("job_id", "version")]
        query = sql.SQL(
            "UPDATE followed SET {assignments}, version = version + 1, taken_by = NULL, taken_until = NULL "
            "WHERE job_id = %s AND version = %s"
        ).format(assignments=rows.assignments(names))
        with self._connection("write to") as db:
            cursor = db.execute(query, [*rows.values(followed, names), followed.job_id, followed.version])
            return cursor.rowcount == 1

    def schema_version(self) -> int:
        found = self._one("SELECT version FROM schema_version", ())
        return int(found[0]) if found else 0

    def check_writable(self) -> None:
        with self._connection("write to") as db, db.transaction(force_rollback=True):
            # Needs write access and a primary (a read-only replica refuses it); rolled back, so nothing is kept.
            db.execute("UPDATE schema_version SET version = version")

    def close(self) -> None:
        self._pool.close()

    @staticmethod
    def _holder_query() -> str:
        return rows.select("in_flight", rows.IN_FLIGHT, "WHERE source_job_id = %s")

    def _attempts(self, where: str, params: tuple[Any, ...]) -> list[AttemptRecord]:
        return [rows.attempt(row) for row in self._all(rows.select("attempts", rows.ATTEMPT, where), params)]

    def _one(self, query: Any, params: tuple[Any, ...], *, action: str = "read") -> tuple[Any, ...] | None:
        with self._connection(action) as db:
            return db.execute(query, params).fetchone()

    def _all(self, query: Any, params: tuple[Any, ...], *, action: str = "read") -> list[tuple[Any, ...]]:
        with self._connection(action) as db:
            return db.execute(query, params).fetchall()
