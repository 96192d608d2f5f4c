"""The audit trail in a SQLite file: created on first use, migrated in place, safe across threads and processes."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.store.records import AttemptRecord, Outcome, StoreError, Verdict

# Each entry moves the schema from version N to N+1 (PRAGMA user_version). Never edit a released entry:
# append a new one, so files written by an older bot are migrated when a newer one opens them.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE attempts (
        request_id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        team_id TEXT,
        user_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        command_text TEXT NOT NULL,
        decision TEXT NOT NULL,
        outcome TEXT NOT NULL,
        source_project_id TEXT,
        source_job_id TEXT,
        refusal TEXT,
        new_job_id TEXT,
        new_job_status TEXT,
        instance_type TEXT,
        gpus TEXT,
        error TEXT,
        baseten_ms REAL
    );
    CREATE INDEX attempts_created_at ON attempts (created_at);
    CREATE INDEX attempts_source_job ON attempts (source_job_id);
    CREATE INDEX attempts_new_job ON attempts (new_job_id);
    """,
    # Where the card went, so it can be found and edited later.
    """
    ALTER TABLE attempts ADD COLUMN card_route TEXT;
    ALTER TABLE attempts ADD COLUMN card_channel_id TEXT;
    ALTER TABLE attempts ADD COLUMN card_ts TEXT;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
_COLUMNS = [f.name for f in fields(AttemptRecord)]


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
            for statement in MIGRATIONS[number].split(";"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {number + 1}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return int(version)


class SqliteAuditStore:
    """One connection guarded by a lock; WAL so readers never wait on the writer, busy_timeout for other processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA busy_timeout = 10000")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            migrate(self._db)
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the audit database {self.path}: {error}") from error
        self._lock = threading.Lock()

    @contextmanager
    def _locked(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as error:
                raise StoreError(f"could not {action} the audit database {self.path}: {error}") from error

    def record(self, record: AttemptRecord) -> None:
        values = [_to_sql(getattr(record, name)) for name in _COLUMNS]
        placeholders = ", ".join("?" for _ in _COLUMNS)
        with self._locked("write to") as db:
            db.execute(f"INSERT OR REPLACE INTO attempts ({', '.join(_COLUMNS)}) VALUES ({placeholders})", values)  # noqa: S608

    def get(self, request_id: str) -> AttemptRecord | None:
        rows = self._select("WHERE request_id = ?", (request_id,))
        return rows[0] if rows else None

    def recent(self, limit: int) -> list[AttemptRecord]:
        return self._select("WHERE decision = ? ORDER BY created_at DESC LIMIT ?", (Verdict.ALLOWED, limit))

    def involving(self, job_id: str, limit: int) -> list[AttemptRecord]:
        return self._select(
            "WHERE (source_job_id = ? OR new_job_id = ?) ORDER BY created_at DESC LIMIT ?", (job_id, job_id, limit)
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _select(self, where: str, params: tuple[Any, ...]) -> list[AttemptRecord]:
        with self._locked("read") as db:
            rows = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM attempts {where}", params).fetchall()  # noqa: S608
        return [_from_row(row) for row in rows]


def _to_sql(value: Any) -> Any:
    if isinstance(value, datetime):
        # Fixed width, so text order is time order.
        return value.isoformat(timespec="microseconds")
    return value


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "created_at": datetime.fromisoformat,
    "updated_at": datetime.fromisoformat,
    "decision": Verdict,
    "outcome": Outcome,
}


def _from_row(row: tuple[Any, ...]) -> AttemptRecord:
    values = {
        name: (_CONVERTERS[name](value) if name in _CONVERTERS and value is not None else value)
        for name, value in zip(_COLUMNS, row, strict=True)
    }
    return AttemptRecord(**values)
