"""Connections to PostgreSQL: a bounded pool with explicit timeouts; the schema migrated at start-up under a lock."""

from __future__ import annotations

import time
import weakref

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from bot.store.interface import StoreError
from bot.store.pg_url import redacted
from bot.store.schema import HISTORY, SCHEMA_VERSION

CONNECT_TIMEOUT = 5
"""Seconds to open one connection (libpq's connect_timeout), unless the URL sets its own."""

ACQUIRE_TIMEOUT = 2.0
"""Seconds a caller waits for a pooled connection. The command path writes the attempt before its ack: past this it
is refused ("audit trail unavailable"), well inside Slack's 3 s, rather than waiting on a dead server."""

STATEMENT_TIMEOUT_MS = 2000
"""No statement runs longer (the server cancels it), so a stuck lock or a slow server is an error, not a hang."""

MIGRATION_TIMEOUT = "5min"

POOL_MAX = 64 + 6
"""The runner's recreate workers (bot/runner.py, 64) each write at most through one connection at a time; the few
more serve follow-ups, lease renewal and the slack-side lane, so none of them waits on the recreates."""

CHECK_AFTER_IDLE = 1.0
"""Seconds a pooled connection may sit unused before it is checked (one round trip) on checkout. One returned a
moment ago is handed out as it is: in a burst every checkout would otherwise pay a round trip; a connection that
died since (a restart, a failover) fails its one statement, is discarded, and the call is refused cleanly."""

POOL_MIN = 8
"""Connections opened at start-up and kept: a burst then starts on open connections instead of waiting while the pool
opens them one at a time (each costs both sides CPU the acks are waiting on)."""

MIGRATION_LOCK = 0x72_6A_6F62
"""The advisory lock key that makes replicas starting at once migrate one after the other ("rjob")."""


def connection_options(url: str) -> dict[str, object]:
    """Driver settings on top of the URL's own query parameters (sslmode and the like pass through untouched)."""
    try:
        given = conninfo_to_dict(url)
    except psycopg.ProgrammingError as error:
        raise StoreError(f"DATABASE_URL is malformed: {first_line(error)}") from None
    options = f"{given.get('options', '')} -c statement_timeout={STATEMENT_TIMEOUT_MS} -c TimeZone=UTC".strip()
    return {
        "options": options,
        "connect_timeout": given.get("connect_timeout", CONNECT_TIMEOUT),
        "application_name": given.get("application_name", "recreate-job"),
        "autocommit": True,
    }


def open_pool(url: str, *, max_size: int = POOL_MAX, acquire_timeout: float = ACQUIRE_TIMEOUT) -> ConnectionPool:
    """A pool with POOL_MIN connections open, or StoreError naming the server (never the password)."""
    idle_check = _IdleCheck()
    pool: ConnectionPool = ConnectionPool(
        url,
        min_size=POOL_MIN,
        max_size=max_size,
        timeout=acquire_timeout,
        kwargs=connection_options(url),
        # A connection that died with the server (restart, failover) while idle is replaced before anyone gets it.
        check=idle_check,
        reset=idle_check.returned,
        open=False,
        name="recreate-job",
    )
    try:
        pool.open(wait=True, timeout=float(CONNECT_TIMEOUT) + 1)
    except psycopg.Error as error:
        pool.close()
        raise StoreError(f"cannot reach the audit database {redacted(url)}: {first_line(error)}") from None
    return pool


class _IdleCheck:
    """The pool's check, run only on connections idle for longer than CHECK_AFTER_IDLE (see there)."""

    def __init__(self) -> None:
        self._returned: weakref.WeakKeyDictionary[psycopg.Connection[tuple[object, ...]], float] = (
            weakref.WeakKeyDictionary()
        )

    def __call__(self, connection: psycopg.Connection[tuple[object, ...]]) -> None:
        returned = self._returned.get(connection)
        if returned is None or time.monotonic() - returned > CHECK_AFTER_IDLE:
            ConnectionPool.check_connection(connection)

    def returned(self, connection: psycopg.Connection[tuple[object, ...]]) -> None:
        self._returned[connection] = time.monotonic()


def migrate(connection: psycopg.Connection[tuple[object, ...]], target: int = SCHEMA_VERSION) -> int:
    """Bring the database up to `target` in one transaction; returns the version it was at. Replicas wait their turn
    on an advisory lock, so two starting together never run the same step twice."""
    with connection.transaction():
        connection.execute(f"SET LOCAL statement_timeout = '{MIGRATION_TIMEOUT}'")
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = connection.execute("SELECT version FROM schema_version").fetchone()
        if row is None:
            connection.execute("INSERT INTO schema_version (version) VALUES (0)")
        version = int(str(row[0])) if row else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the database is at schema version {version}, newer than this bot knows ({SCHEMA_VERSION})"
            )
        for number in range(version, target):
            for statement in HISTORY[number].statements("postgres"):
                connection.execute(statement)
        if target > version:
            connection.execute("UPDATE schema_version SET version = %s", (target,))
    return version


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
