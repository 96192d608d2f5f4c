"""The audit trail in a SQLite file: created on first use, migrated in place, safe across threads and processes."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.budget import Budget, OverBudget, Spent
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
from bot.store import sqlite_alerts as alerts
from bot.store import sqlite_mutes
from bot.store import sqlite_stops as stops
from bot.store.interface import StoreError
from bot.store.schema import HISTORY, SCHEMA_VERSION
from bot.watch.mutes import Mute
from bot.watch.record import AlertRecreate, SeenFailure

# The released SQLite texts, by version (PRAGMA user_version); bot/store/schema.py owns the history.
MIGRATIONS: tuple[str, ...] = tuple(step.sqlite for step in HISTORY)
_COLUMNS = [f.name for f in fields(AttemptRecord)]
_PREVIEW_COLUMNS = [f.name for f in fields(Preview)]
_FOLLOWED_COLUMNS = [f.name for f in fields(Followed)]
_LEASE_COLUMNS = [f.name for f in fields(Lease)]
_SEEN_COLUMNS = [f.name for f in fields(SeenFailure)]
_IN_DOUBT = (Outcome.PENDING, Outcome.OUTCOME_UNKNOWN)
# Sent, and made (or may have made, or is making) a job: what the budget counts.
_SPENDING = (Outcome.PENDING, Outcome.CREATED, Outcome.OUTCOME_UNKNOWN)
_PRIVATE = 0o600


def migrate(connection: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the file up to `target`; returns the version it was at. Safe if several processes race."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        (version,) = connection.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the database is at schema version {version}, newer than this bot knows ({SCHEMA_VERSION})"
            )
        for number in range(version, target):
            for statement in HISTORY[number].statements("sqlite"):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {number + 1}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return int(version)


def _use_wal(db: sqlite3.Connection, patience: float = 10.0) -> None:
    """Switch a file to WAL. SQLite answers "database is locked" at once, without its busy handler, while another
    connection is switching the same new file, so several processes starting together wait and retry here."""
    deadline = time.monotonic() + patience
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


class SqliteAuditStore:
    """One connection guarded by a lock; WAL so readers never wait on the writer, busy_timeout for other processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        db: sqlite3.Connection | None = None
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                _create_private(self.path)
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA busy_timeout = 10000")
            _use_wal(db)
            db.execute("PRAGMA synchronous = NORMAL")
            migrate(db)
            if self.path != ":memory:":
                _tighten(self.path)
        except (sqlite3.Error, OSError, StoreError) as error:
            # OSError: the parent "directory" is a file, or cannot be created. Never leave a half-open file behind.
            if db is not None:
                db.close()
            if isinstance(error, StoreError):
                raise
            raise StoreError(f"cannot open the audit database {self.path}: {error}") from error
        self._db = db
        self._lock = threading.Lock()

    @contextmanager
    def _locked(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as error:
                raise StoreError(f"could not {action} the audit database {self.path}: {error}") from error

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT under the lock: the writes inside land together or not at all."""
        with self._locked("write to") as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def record(self, record: AttemptRecord, *, lease: Lease | None = None) -> None:
        with self._transaction() as db:
            _upsert(db, "attempts", _COLUMNS, record)
            if lease is not None:
                _upsert(db, "leases", _LEASE_COLUMNS, lease)

    def _upsert(self, table: str, columns: list[str], row: object) -> None:
        with self._locked("write to") as db:
            _upsert(db, table, columns, row)

    def mark_sent(self, record: AttemptRecord, owner: str, *, budget: Budget | None = None) -> bool:
        # BEGIN IMMEDIATE takes the file's write lock first, so no other connection can count or spend between
        # this count and this write.
        with self._transaction() as db:
            held = db.execute("SELECT owner FROM leases WHERE request_id = ?", (record.request_id,)).fetchone()
            if held is None or held[0] != owner:
                return False
            if budget is not None and budget.active:
                assert record.sent_at is not None
                spent = [
                    s for s in _spent(db, budget.window_start(record.sent_at)) if s.request_id != record.request_id
                ]
                over = budget.over(spent, record.user_id, record.gpu_total or 0)
                if over is not None:
                    raise OverBudget(over)
            _upsert(db, "attempts", _COLUMNS, record)
        return True

    def spent_since(self, since: datetime) -> list[Spent]:
        with self._locked("read") as db:
            return _spent(db, since)

    def visible(self, limit: int, *, channel_id: str, user_id: str, job_id: str | None = None) -> list[AttemptRecord]:
        where = "WHERE decision = ? AND (channel_id = ? OR user_id = ?)"
        params: tuple[Any, ...] = (Verdict.ALLOWED, channel_id, user_id)
        if job_id is not None:
            where += " AND (source_job_id = ? OR new_job_id = ?)"
            params += (job_id, job_id)
        return self._select(f"{where} ORDER BY created_at DESC LIMIT ?", (*params, limit))

    def prune(self, before: PruneBefore) -> dict[str, int]:
        removed: dict[str, int] = {}
        with self._transaction() as db:
            for name, statement, params in _prune_statements(db, before):
                removed[name] = removed.get(name, 0) + db.execute(statement, params).rowcount
        return removed

    def claim_owner(self, job_id: str) -> str | None:
        with self._locked("read") as db:
            row = db.execute("SELECT request_id FROM job_claims WHERE job_id = ?", (job_id,)).fetchone()
        return str(row[0]) if row else None

    def contenders(self, copy_key: str, sent_after: datetime, sent_before: datetime, excluding: str) -> list[str]:
        with self._locked("read") as db:
            rows = db.execute(
                "SELECT request_id FROM attempts WHERE copy_key = ? AND sent_at >= ? AND sent_at <= ? "
                "AND request_id != ? AND outcome IN (?, ?) ORDER BY sent_at",
                (copy_key, _to_sql(sent_after), _to_sql(sent_before), excluding, *_IN_DOUBT),
            ).fetchall()
        return [str(row[0]) for row in rows]

    def renew_leases(self, owner: str, request_ids: list[str], expires_at: datetime) -> int:
        renewed = 0
        with self._transaction() as db:
            for request_id in request_ids:
                cursor = db.execute(
                    "UPDATE leases SET expires_at = ? WHERE request_id = ? AND owner = ?",
                    (_to_sql(expires_at), request_id, owner),
                )
                renewed += cursor.rowcount
        return renewed

    def release_lease(self, request_id: str, owner: str) -> None:
        with self._locked("write to") as db:
            db.execute("DELETE FROM leases WHERE request_id = ? AND owner = ?", (request_id, owner))

    def expired_leases(self, now: datetime, limit: int) -> list[Lease]:
        with self._locked("read") as db:
            rows = db.execute(
                f"SELECT {', '.join(_LEASE_COLUMNS)} FROM leases WHERE expires_at <= ? ORDER BY expires_at LIMIT ?",  # noqa: S608
                (_to_sql(now), limit),
            ).fetchall()
        return [_lease(row) for row in rows]

    def take_over(self, request_id: str, owner: str, now: datetime, expires_at: datetime) -> Lease | None:
        with self._locked("write to") as db:
            row = db.execute(
                f"UPDATE leases SET owner = ?, expires_at = ? WHERE request_id = ? AND expires_at <= ? "  # noqa: S608
                f"RETURNING {', '.join(_LEASE_COLUMNS)}",
                (owner, _to_sql(expires_at), request_id, _to_sql(now)),
            ).fetchone()
        return _lease(row) if row else None

    def get(self, request_id: str) -> AttemptRecord | None:
        rows = self._select("WHERE request_id = ?", (request_id,))
        return rows[0] if rows else None

    def recent(self, limit: int) -> list[AttemptRecord]:
        return self._select("WHERE decision = ? ORDER BY created_at DESC LIMIT ?", (Verdict.ALLOWED, limit))

    def involving(self, job_id: str, limit: int) -> list[AttemptRecord]:
        return self._select(
            "WHERE (source_job_id = ? OR new_job_id = ?) ORDER BY created_at DESC LIMIT ?", (job_id, job_id, limit)
        )

    def last_created(self, source_job_id: str, since: datetime) -> AttemptRecord | None:
        # updated_at is when the outcome was recorded, i.e. when the job was made, not when the command was typed.
        rows = self._select(
            "WHERE source_job_id = ? AND outcome IN (?, ?) AND updated_at >= ? ORDER BY updated_at DESC LIMIT 1",
            (source_job_id, Outcome.CREATED, Outcome.OUTCOME_UNKNOWN, _to_sql(since)),
        )
        return rows[0] if rows else None

    def claim_new_job(self, job_id: str, request_id: str) -> bool:
        with self._locked("write to") as db:
            db.execute("INSERT OR IGNORE INTO job_claims (job_id, request_id) VALUES (?, ?)", (job_id, request_id))
            row = db.execute("SELECT request_id FROM job_claims WHERE job_id = ?", (job_id,)).fetchone()
        return row is not None and row[0] == request_id

    def expire_previews(self, now: datetime) -> list[str]:
        with self._locked("write to") as db:
            rows = db.execute(
                "UPDATE previews SET state = ? WHERE state = ? AND expires_at <= ? RETURNING id",
                (PreviewState.EXPIRED, PreviewState.PENDING, _to_sql(now)),
            ).fetchall()
        return [str(row[0]) for row in rows]

    def save_preview(self, preview: Preview) -> None:
        self._upsert("previews", _PREVIEW_COLUMNS, preview)

    def get_preview(self, preview_id: str) -> Preview | None:
        with self._locked("read") as db:
            row = db.execute(
                f"SELECT {', '.join(_PREVIEW_COLUMNS)} FROM previews WHERE id = ?",  # noqa: S608
                (preview_id,),
            ).fetchone()
        if row is None:
            return None
        values = dict(zip(_PREVIEW_COLUMNS, row, strict=True))
        for name in ("expires_at", "created_at"):
            values[name] = datetime.fromisoformat(values[name])
        values["state"] = PreviewState(values["state"])
        return Preview(**values)

    def claim_preview(self, preview_id: str, state: PreviewState, now: datetime, *, lease: Lease | None = None) -> bool:
        # One UPDATE decides: of any number of clicks, in any number of processes, exactly one sees rowcount 1.
        expiry = "" if state is PreviewState.EXPIRED else "AND expires_at > ?"
        params: tuple[Any, ...] = (state, preview_id, PreviewState.PENDING)
        if expiry:
            params += (_to_sql(now),)
        with self._transaction() as db:
            cursor = db.execute(f"UPDATE previews SET state = ? WHERE id = ? AND state = ? {expiry}", params)  # noqa: S608
            claimed = cursor.rowcount == 1
            if claimed and lease is not None:
                _upsert(db, "leases", _LEASE_COLUMNS, lease)
        return claimed

    def acquire_in_flight(self, lock: InFlight, stale_after: float) -> InFlight | None:
        stale = _to_sql(lock.started_at - timedelta(seconds=stale_after))
        with self._locked("write to") as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "DELETE FROM in_flight WHERE source_job_id = ? AND started_at < ?", (lock.source_job_id, stale)
                )
                db.execute(
                    "INSERT OR IGNORE INTO in_flight (source_job_id, request_id, user_id, started_at) "
                    "VALUES (?, ?, ?, ?)",
                    (lock.source_job_id, lock.request_id, lock.user_id, _to_sql(lock.started_at)),
                )
                holder = self._holder(db, lock.source_job_id)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        if holder is None or holder.request_id == lock.request_id:
            return None
        return holder

    def in_flight(self, source_job_id: str, stale_after: float, now: datetime) -> InFlight | None:
        with self._locked("read") as db:
            holder = self._holder(db, source_job_id)
        if holder is None or holder.started_at < now - timedelta(seconds=stale_after):
            return None
        return holder

    def release_in_flight(self, source_job_id: str, request_id: str) -> None:
        with self._locked("write to") as db:
            db.execute("DELETE FROM in_flight WHERE source_job_id = ? AND request_id = ?", (source_job_id, request_id))

    def follow(self, followed: Followed) -> None:
        self._upsert("followed", _FOLLOWED_COLUMNS, followed)

    def followed(self, job_id: str) -> Followed | None:
        rows = self._select_followed("WHERE job_id = ?", (job_id,))
        return rows[0] if rows else None

    def followed_due(self, now: datetime, cap: int) -> list[Followed]:
        active = self._select_followed("WHERE done = 0 ORDER BY started_at LIMIT ?", (cap,))
        return sorted((f for f in active if f.next_poll_at <= now), key=lambda f: f.next_poll_at)

    def take_due(self, owner: str, now: datetime, cap: int, hold: timedelta) -> list[Followed]:
        # BEGIN IMMEDIATE: no other connection can take the same rows between this select and this update.
        with self._transaction() as db:
            rows = db.execute(
                f"SELECT {', '.join(_FOLLOWED_COLUMNS)} FROM followed WHERE job_id IN "  # noqa: S608
                "(SELECT job_id FROM followed WHERE done = 0 ORDER BY started_at LIMIT ?) "
                "AND next_poll_at <= ? AND (taken_by IS NULL OR taken_by = ? OR taken_until <= ?)",
                (cap, _to_sql(now), owner, _to_sql(now)),
            ).fetchall()
            taken = [_followed(row) for row in rows]
            db.executemany(
                "UPDATE followed SET taken_by = ?, taken_until = ? WHERE job_id = ?",
                [(owner, _to_sql(now + hold), f.job_id) for f in taken],
            )
        return sorted(taken, key=lambda f: f.next_poll_at)

    def update_followed(self, followed: Followed) -> bool:
        names = [name for name in _FOLLOWED_COLUMNS if name not in ("job_id", "version")]
        assignments = ", ".join(f"{name} = ?" for name in names)
        values = [_to_sql(getattr(followed, name)) for name in names]
        with self._locked("write to") as db:
            cursor = db.execute(
                f"UPDATE followed SET {assignments}, version = version + 1, taken_by = NULL, taken_until = NULL "  # noqa: S608
                "WHERE job_id = ? AND version = ?",
                [*values, followed.job_id, followed.version],
            )
            return cursor.rowcount == 1

    def _select_followed(self, where: str, params: tuple[Any, ...]) -> list[Followed]:
        with self._locked("read") as db:
            rows = db.execute(f"SELECT {', '.join(_FOLLOWED_COLUMNS)} FROM followed {where}", params).fetchall()  # noqa: S608
        return [_followed(row) for row in rows]

    @staticmethod
    def _holder(db: sqlite3.Connection, source_job_id: str) -> InFlight | None:
        row = db.execute(
            "SELECT source_job_id, request_id, user_id, started_at FROM in_flight WHERE source_job_id = ?",
            (source_job_id,),
        ).fetchone()
        if row is None:
            return None
        return InFlight(row[0], row[1], row[2], datetime.fromisoformat(row[3]))

    def schema_version(self) -> int:
        with self._locked("read") as db:
            (version,) = db.execute("PRAGMA user_version").fetchone()
        return int(version)

    def watch_begun(self, scope: str, now: datetime) -> datetime:
        with self._locked("write to") as db:
            db.execute(
                "INSERT INTO watch_scopes (scope, begun_at) VALUES (?, ?) ON CONFLICT (scope) DO NOTHING",
                (scope, _to_sql(now)),
            )
            (begun,) = db.execute("SELECT begun_at FROM watch_scopes WHERE scope = ?", (scope,)).fetchone()
        return datetime.fromisoformat(begun)

    def claim_failure(self, seen: SeenFailure) -> bool:
        values = [_to_sql(getattr(seen, name)) for name in _SEEN_COLUMNS]
        placeholders = ", ".join("?" for _ in _SEEN_COLUMNS)
        with self._locked("write to") as db:
            cursor = db.execute(
                f"INSERT INTO watch_failures ({', '.join(_SEEN_COLUMNS)}) VALUES ({placeholders}) "  # noqa: S608
                "ON CONFLICT (job_id) DO NOTHING",
                values,
            )
            return cursor.rowcount == 1

    def failure_posted(self, job_id: str, channel_id: str, ts: str) -> None:
        with self._locked("write to") as db:
            db.execute("UPDATE watch_failures SET channel_id = ?, ts = ? WHERE job_id = ?", (channel_id, ts, job_id))

    def alerted_failures(self, limit: int) -> list[SeenFailure]:
        with self._locked("read") as db:
            rows = db.execute(
                f"SELECT {', '.join(_SEEN_COLUMNS)} FROM watch_failures WHERE alerted = 1 "  # noqa: S608
                "ORDER BY seen_at DESC LIMIT ?",
                (limit,),
            ).fetchall()
        found = []
        for row in rows:
            values = dict(zip(_SEEN_COLUMNS, row, strict=True))
            for name in ("failed_at", "seen_at"):
                values[name] = datetime.fromisoformat(values[name])
            values["alerted"] = bool(values["alerted"])
            found.append(SeenFailure(**values))
        return found

    def mute(self, mute: Mute) -> None:
        with self._locked("write to") as db:
            sqlite_mutes.mute(db, mute)

    def unmute(self, project_id: str, now: datetime) -> Mute | None:
        with self._locked("write to") as db:
            return sqlite_mutes.unmute(db, project_id, now)

    def mutes(self, now: datetime) -> list[Mute]:
        with self._locked("read") as db:
            return sqlite_mutes.mutes(db, now)

    def recreations_by(self, user_id: str, limit: int) -> list[AttemptRecord]:
        return self._select(
            "WHERE decision = ? AND user_id = ? AND action = ? ORDER BY created_at DESC LIMIT ?",
            (Verdict.ALLOWED, user_id, RECREATE_ACTION, limit),
        )

    def claim_stop(self, claim: StopClaim, stale_after: float) -> StopClaim | None:
        with self._transaction() as db:
            return stops.claim_stop(db, claim, stale_after)

    def stop_of(self, job_id: str) -> StopClaim | None:
        with self._locked("read") as db:
            return stops.stop_of(db, job_id)

    def confirm_stop(self, job_id: str, request_id: str) -> None:
        with self._locked("write to") as db:
            stops.confirm_stop(db, job_id, request_id)

    def release_stop(self, job_id: str, request_id: str) -> None:
        with self._locked("write to") as db:
            stops.release_stop(db, job_id, request_id)

    def claim_alert_recreate(self, job_id: str, request_id: str, user_id: str, now: datetime) -> AlertRecreate | None:
        with self._transaction() as db:
            return alerts.claim(db, job_id, request_id, user_id, now)

    def alert_recreate_of(self, request_id: str) -> AlertRecreate | None:
        with self._locked("read") as db:
            return alerts.of_request(db, request_id)

    def finish_alert_recreate(self, request_id: str, new_job_id: str, now: datetime) -> AlertRecreate | None:
        with self._transaction() as db:
            return alerts.finish(db, request_id, new_job_id, now)

    def release_alert_recreate(self, request_id: str) -> None:
        with self._locked("write to") as db:
            alerts.release(db, request_id)

    def check_writable(self) -> None:
        with self._locked("write to") as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("CREATE TABLE doctor_probe (x INTEGER)")
            finally:
                db.execute("ROLLBACK")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _select(self, where: str, params: tuple[Any, ...]) -> list[AttemptRecord]:
        with self._locked("read") as db:
            rows = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM attempts {where}", params).fetchall()  # noqa: S608
        return [_from_row(row) for row in rows]


def _spent(db: sqlite3.Connection, since: datetime) -> list[Spent]:
    rows = db.execute(
        "SELECT request_id, user_id, sent_at, gpu_total FROM attempts WHERE sent_at >= ? AND outcome IN (?, ?, ?)",
        (_to_sql(since), *_SPENDING),
    ).fetchall()
    return [Spent(row[0], row[1], datetime.fromisoformat(row[2]), int(row[3] or 0)) for row in rows]


def _prune_statements(db: sqlite3.Connection, before: PruneBefore) -> list[tuple[str, str, tuple[Any, ...]]]:
    """What `prune` deletes and clears, in order; README "What is kept, and for how long" gives the reasons."""
    (oldest_in_doubt,) = db.execute(
        "SELECT MIN(sent_at) FROM attempts WHERE sent_at IS NOT NULL AND outcome IN (?, ?)", _IN_DOUBT
    ).fetchone()
    claims_before = before.claims_before(datetime.fromisoformat(oldest_in_doubt) if oldest_in_doubt else None)
    urls = _to_sql(before.response_urls)
    settled = _to_sql(before.settled)
    return [
        ("attempts", "DELETE FROM attempts WHERE created_at < ?", (_to_sql(before.attempts),)),
        (
            "job_claims",
            "DELETE FROM job_claims WHERE NOT EXISTS (SELECT 1 FROM attempts a WHERE a.request_id = "
            "job_claims.request_id AND COALESCE(a.sent_at, a.updated_at) >= ?)",
            (_to_sql(claims_before),),
        ),
        (
            "leases",
            "DELETE FROM leases WHERE NOT EXISTS (SELECT 1 FROM attempts a WHERE a.request_id = leases.request_id)",
            (),
        ),
        ("previews", "DELETE FROM previews WHERE state != ? AND created_at < ?", (PreviewState.PENDING, settled)),
        ("in_flight", "DELETE FROM in_flight WHERE started_at < ?", (_to_sql(before.locks),)),
        (
            "followed",
            "DELETE FROM followed WHERE deadline < ? OR (done = 1 AND next_poll_at < ?)",
            (settled, settled),
        ),
        (
            "response_urls",
            "UPDATE previews SET response_url = NULL WHERE response_url IS NOT NULL AND created_at < ?",
            (urls,),
        ),
        (
            "response_urls",
            "UPDATE followed SET response_url = NULL WHERE response_url IS NOT NULL AND started_at < ?",
            (urls,),
        ),
        (
            "response_urls",
            "UPDATE leases SET response_url = NULL WHERE response_url IS NOT NULL AND request_id IN "
            "(SELECT request_id FROM attempts WHERE created_at < ?)",
            (urls,),
        ),
        stops.prune_stops(before.attempts),
    ]


def _create_private(path: str) -> None:
    """Create a new file readable by its owner only; SQLite gives its -wal and -shm the same mode."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, _PRIVATE))


def _tighten(path: str) -> None:
    """A file made world-readable by an older bot is made private; one owned by someone else is left alone."""
    for name in (path, f"{path}-wal", f"{path}-shm"):
        try:
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, _PRIVATE)
        except OSError:
            continue


def _upsert(db: sqlite3.Connection, table: str, columns: list[str], row: object) -> None:
    """Insert or replace `row` (a dataclass whose fields are `columns`) in `table`, a name of ours."""
    values = [_to_sql(getattr(row, name)) for name in columns]
    placeholders = ", ".join("?" for _ in columns)
    db.execute(f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", values)  # noqa: S608


def _followed(row: tuple[Any, ...]) -> Followed:
    values = dict(zip(_FOLLOWED_COLUMNS, row, strict=True))
    for name in ("next_poll_at", "started_at", "deadline", "outage_since"):
        if values[name] is not None:
            values[name] = datetime.fromisoformat(values[name])
    values["done"] = bool(values["done"])
    return Followed(**values)


def _lease(row: tuple[Any, ...]) -> Lease:
    values = dict(zip(_LEASE_COLUMNS, row, strict=True))
    values["expires_at"] = datetime.fromisoformat(values["expires_at"])
    return Lease(**values)


def _to_sql(value: Any) -> Any:
    if isinstance(value, datetime):
        # Fixed width, so text order is time order.
        return value.isoformat(timespec="microseconds")
    return value


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "created_at": datetime.fromisoformat,
    "updated_at": datetime.fromisoformat,
    "sent_at": datetime.fromisoformat,
    "decision": Verdict,
    "outcome": Outcome,
}


def _from_row(row: tuple[Any, ...]) -> AttemptRecord:
    values = {
        name: (_CONVERTERS[name](value) if name in _CONVERTERS and value is not None else value)
        for name, value in zip(_COLUMNS, row, strict=True)
    }
    return AttemptRecord(**values)
