"""Durable storage behind a small interface; `open_store` picks the backend from DATABASE_URL.

Importing this package loads no backend: settings and message builders may use it freely.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.clock import utcnow
from bot.records import AttemptRecord, Followed, InFlight, Lease, Outcome, Preview, PreviewState, Verdict
from bot.store import pg_url
from bot.store.interface import AuditStore, StoreError

if TYPE_CHECKING:
    from bot.store.postgres import PostgresAuditStore
    from bot.store.sqlite import SqliteAuditStore


def __getattr__(name: str) -> Any:
    if name == "SqliteAuditStore":
        from bot.store.sqlite import SqliteAuditStore  # noqa: PLC0415 - loaded only when a backend is used

        return SqliteAuditStore
    if name == "PostgresAuditStore":
        from bot.store.postgres import PostgresAuditStore  # noqa: PLC0415 - loaded only when a backend is used

        return PostgresAuditStore
    raise AttributeError(name)


__all__ = [
    "AttemptRecord",
    "AuditStore",
    "Followed",
    "InFlight",
    "Lease",
    "Outcome",
    "PostgresAuditStore",
    "Preview",
    "PreviewState",
    "SqliteAuditStore",
    "StoreError",
    "Verdict",
    "check_database_url",
    "describe",
    "open_store",
    "utcnow",
]

DEFAULT_DATABASE_URL = "sqlite:///recreate-job.db"


def sqlite_path(database_url: str) -> str:
    """`sqlite:///relative.db`, `sqlite:////absolute/path.db` or `sqlite:///:memory:` to a path for sqlite3."""
    parts = urlsplit(database_url)
    if parts.scheme != "sqlite" or parts.netloc:
        raise ValueError("must look like sqlite:///path/to/audit.db")
    path = parts.path.removeprefix("/")
    if not path:
        raise ValueError("names no file: use sqlite:///path/to/audit.db")
    return path


def check_database_url(database_url: str) -> str:
    """The URL as the backend takes it (postgres:// becomes postgresql://); ValueError names what is wrong with it,
    never its password."""
    scheme = database_url.partition(":")[0]
    if scheme == "sqlite":
        sqlite_path(database_url)
        return database_url
    if scheme in pg_url.SCHEMES:
        return pg_url.normalize(database_url)
    raise ValueError(f"scheme {scheme!r} is not supported; use sqlite:///path/to/audit.db or {pg_url.FORM}")


def describe(database_url: str) -> str:
    """The URL fit to print: a password in it becomes ***."""
    return pg_url.redacted(database_url)


def open_store(database_url: str) -> AuditStore:
    """Open (creating and migrating as needed) the store named by `database_url`. Raises StoreError."""
    scheme = urlsplit(database_url).scheme
    if scheme in pg_url.SCHEMES:
        try:
            url = pg_url.normalize(database_url)
        except ValueError as error:
            raise StoreError(f"DATABASE_URL {error}") from None
        from bot.store.postgres import PostgresAuditStore  # noqa: PLC0415 - loaded only when a backend is used

        return PostgresAuditStore(url)
    if scheme == "sqlite":
        try:
            path = sqlite_path(database_url)
        except ValueError as error:
            raise StoreError(f"DATABASE_URL {error}") from None
        from bot.store.sqlite import SqliteAuditStore  # noqa: PLC0415 - loaded only when a backend is used

        return SqliteAuditStore(path)
    raise StoreError(
        f"DATABASE_URL scheme {scheme!r} is not supported; use sqlite:///path/to/audit.db or {pg_url.FORM}"
    )
