"""The PostgreSQL store's connection: the pool, one connection per statement or short transaction, and what a
failure of either becomes (StoreError, which the caller refuses cleanly)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from bot.records import (
    AttemptRecord,
)
from bot.store import pg_rows as rows
from bot.store.interface import StoreError
from bot.store.pg_pool import connection_options, first_line, migrate, open_pool
from bot.store.pg_url import redacted

Connection = psycopg.Connection[tuple[Any, ...]]


class PgConnection:
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
