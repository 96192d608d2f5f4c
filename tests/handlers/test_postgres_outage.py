"""A PostgreSQL outage while the bot runs, made by cutting a loopback proxy between the bot and the server (the
server itself, shared with others, is never stopped): refused cleanly, nothing lost, and recovered without a restart."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.store import Outcome, PostgresAuditStore
from tests.conftest import Harness, ack_text
from tests.fakes.tcp_proxy import TcpProxy

HarnessFactory = Callable[..., Harness]


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[TcpProxy]:
    parts = urlsplit(postgres_url)
    made = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432)).start()
    yield made
    made.stop()


def through(proxy: TcpProxy, postgres_url: str) -> str:
    parts = urlsplit(postgres_url)
    netloc = f"{parts.username}@127.0.0.1:{proxy.port}" if parts.username else f"127.0.0.1:{proxy.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "connect_timeout=2", ""))


def until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_while_the_database_is_down_commands_are_refused_and_then_work_again_without_a_restart(
    harness_factory: HarnessFactory, proxy: TcpProxy, postgres_url: str
) -> None:
    harness = harness_factory(database_url=through(proxy, postgres_url), recreate_cooldown=0)
    proxy.cut()

    started = time.monotonic()
    response, _ = harness.command("p7qr9qv")
    waited = time.monotonic() - started

    assert "cannot write to the audit trail" in ack_text(response)
    assert waited < 3.0, f"the ack waited {waited:.1f} s on a dead database"
    assert harness.baseten.calls("recreate") == []

    proxy.restore()

    def works() -> bool:
        reply, _ = harness.command("p7qr9qv")
        return "cannot write to the audit trail" not in ack_text(reply)

    assert until(works, 20), "the bot did not recover once the database was back"
    harness.drain()
    assert len(harness.baseten.created()) == 1


def test_an_outcome_arriving_while_the_database_is_down_is_logged_and_written_once_it_is_back(
    harness_factory: HarnessFactory, proxy: TcpProxy, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    harness = harness_factory(database_url=through(proxy, postgres_url), recreate_cooldown=0, recover_after=2)
    assert harness.bot.leases is not None
    harness.bot.leases.start()
    # Slow enough to cut the database while the answer is on its way; well inside the 1 s read timeout.
    harness.baseten.delays["recreate"] = 0.5
    with caplog.at_level(logging.ERROR, logger="bot.audit"):
        harness.command("p7qr9qv")
        assert until(lambda: bool(harness.baseten.calls("recreate")), 5)
        proxy.cut()  # the recreate is out; its answer comes back to a bot without its database
        # Each store call after the answer waits out the bounded acquire timeout, none of them on an ack's path.
        assert harness.bot.runner.drain(60) == []

    [job] = harness.baseten.created()
    job_id = str(job["id"])
    kept = [r.getMessage() for r in caplog.records if r.name == "bot.audit" and "kept to write" in r.getMessage()]
    assert any(job_id in message for message in kept), kept

    proxy.restore()
    direct = PostgresAuditStore(postgres_url)
    try:

        def written() -> bool:
            return any(r.new_job_id == job_id and r.outcome is Outcome.CREATED for r in direct.recent(5))

        assert until(written, 20), "the outcome kept during the outage was never written"
    finally:
        direct.close()
