"""The storage interface the bot writes through; backends implement it."""

from __future__ import annotations

from typing import Protocol

from bot.store.store_attempts import AttemptStore
from bot.store.store_claims import ClaimStore
from bot.store.store_watching import WatchingStore


class StoreError(Exception):
    """The store could not be read or written; commands that need it are refused."""


class AuditStore(AttemptStore, ClaimStore, WatchingStore, Protocol):
    """Durable storage of attempts, previews, in-flight locks, job claims, leases and followed jobs: SQLite for one
    host, PostgreSQL for replicas on several; tests/bot/store/test_contract.py holds both to the same behaviour.

    The methods are grouped by what they keep: bot/store/store_attempts.py, store_claims.py and store_watching.py."""
