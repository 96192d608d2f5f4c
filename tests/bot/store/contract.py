"""Both backends behind one fixture: `store` is SQLite or PostgreSQL, `second` another store (another connection,
as another process or replica would have) on the same data. A new backend is one more branch in `open_backend`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from threading import Barrier
from typing import Any, TypeVar

import pytest

from bot.records import AttemptRecord, Outcome, Verdict
from bot.store import AuditStore, PostgresAuditStore, SqliteAuditStore

T0 = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
BACKENDS = ("sqlite", "postgres")
Result = TypeVar("Result")


def attempt(request_id: str, **changes: Any) -> AttemptRecord:
    values: dict[str, Any] = {
        "request_id": request_id,
        "user_id": "UALLOWED01",
        "channel_id": "CCHANNEL01",
        "team_id": "T0TEAM0001",
        "command_text": "p7qr9qv",
        "decision": Verdict.ALLOWED,
        "outcome": Outcome.CREATED,
        "created_at": T0,
        "updated_at": T0,
        "source_project_id": "n4q95w5",
        "source_job_id": "p7qr9qv",
    }
    values.update(changes)
    return AttemptRecord(**values)


@pytest.fixture(params=BACKENDS)
def open_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], AuditStore]]:
    """Opens stores on one fresh database of the parametrized backend; closes them after the test."""
    opened: list[AuditStore] = []
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")

        def make() -> AuditStore:
            return PostgresAuditStore(url)
    else:

        def make() -> AuditStore:
            return SqliteAuditStore(tmp_path / "audit.db")

    def tracked() -> AuditStore:
        store = make()
        opened.append(store)
        return store

    yield tracked
    for store in opened:
        store.close()


@pytest.fixture
def store(open_backend: Callable[[], AuditStore]) -> AuditStore:
    return open_backend()


@pytest.fixture
def second(open_backend: Callable[[], AuditStore], store: AuditStore) -> AuditStore:
    return open_backend()


def at_once(calls: Sequence[Callable[[], Result]]) -> list[Result]:
    """Run the calls in threads released together, as clicks arriving on two replicas at the same moment."""
    barrier = Barrier(len(calls))

    def run(call: Callable[[], Result]) -> Result:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))
