"""Previews, in-flight locks and followed jobs in PostgreSQL: each claim one conditional statement."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from psycopg import sql

from bot.records import (
    Followed,
    InFlight,
    Lease,
    Preview,
    PreviewState,
)
from bot.store import pg_rows as rows
from bot.store.interface import StoreError
from bot.store.pg_db import PgConnection


class PgPreviewsAndFollowing(PgConnection):
    """The preview, lock and follow-up half of the PostgreSQL store."""

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
            db.execute(rows.follow(), rows.values(followed, rows.FOLLOWED))

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
