"""Two replicas of the bot on one PostgreSQL database, as Kubernetes with `replicas: 2` runs them: signed requests
through two real apps, each with its own connection pool."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tests.conftest import ALLOWED_USER, Harness
from tests.handlers.test_confirmation import CONFIRM, button_value, show_preview, shown, wait_for_reply

HarnessFactory = Callable[..., Harness]


def test_one_preview_clicked_on_both_replicas_at_once_makes_one_job(
    harness_factory: HarnessFactory, postgres_url: str
) -> None:
    first = harness_factory(confirm="always", database_url=postgres_url)
    second = harness_factory(confirm="always", database_url=postgres_url)
    preview_id = button_value(show_preview(first), CONFIRM)
    start = threading.Barrier(4)

    def tap(replica: Harness) -> None:
        start.wait()
        replica.click(CONFIRM, preview_id)

    threads = [threading.Thread(target=tap, args=(replica,)) for replica in (first, second, first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first.drain()
    second.drain()

    assert len(first.baseten.calls("recreate")) == 1
    assert len(first.slack.of("chat.postMessage")) == 1
    record = second.bot.store.get(preview_id)
    assert record is not None and record.new_job_id is not None


def test_a_job_in_flight_on_one_replica_is_refused_on_the_other(
    harness_factory: HarnessFactory, postgres_url: str
) -> None:
    first = harness_factory(confirm="never", recreate_cooldown=0, database_url=postgres_url)
    second = harness_factory(confirm="never", recreate_cooldown=0, database_url=postgres_url)
    first.baseten.delays["recreate"] = 0.8
    first.command("p7qr9qv")
    deadline = time.monotonic() + 5
    while not first.baseten.calls("recreate") and time.monotonic() < deadline:
        time.sleep(0.01)

    second.command("p7qr9qv", user_id=ALLOWED_USER)

    refusal = wait_for_reply(second, "right now")
    assert "is recreating `p7qr9qv` right now" in shown(refusal)
    first.drain()
    second.drain()
    assert len(first.baseten.created()) == 1
