"""Durable storage behind a small interface; `open_store` picks the backend from DATABASE_URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.store.records import (
    AttemptRecord,
    AuditStore,
    Followed,
    InFlight,
    Lease,
    Outcome,
    Preview,
    PreviewState,
    StoreError,
    Verdict,
    utcnow,
)
from bot.store.sqlite import SqliteAuditStore

__all__ = [
    "AttemptRecord",
    "AuditStore",
    "Followed",
    "InFlight",
    "Lease",
    "Outcome",
    "Preview",
    "PreviewState",
    "SqliteAuditStore",
    "StoreError",
    "Verdict",
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


def open_store(database_url: str) -> AuditStore:
    """Open (creating and migrating as needed) the store named by `database_url`. Raises StoreError."""
    scheme = urlsplit(database_url).scheme
    if scheme == "sqlite":
        try:
            path = sqlite_path(database_url)
        except ValueError as error:
            raise StoreError(f"DATABASE_URL {error}") from None
        return SqliteAuditStore(path)
    raise StoreError(f"DATABASE_URL scheme {scheme!r} is not supported; use sqlite:///path/to/audit.db")
