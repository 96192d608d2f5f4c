"""The failure watch against the fake Baseten, a real SQLite file and the loopback Slack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.baseten import BasetenClient
from bot.baseten.links import DashboardLinks
from bot.delivery import Delivery, retry_handlers
from bot.store import SqliteAuditStore
from bot.watch.watcher import Watcher, WatchRules
from tests.fakes.baseten import API_KEY, FakeBaseten
from tests.fakes.slack import BOT_TOKEN, FakeSlack

PROJECT = "n4q95w5"
OTHER = "m3k2x9z"
CHANNEL = "C0WATCH01"
START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class World:
    def __init__(self, tmp_path: Path, slack: FakeSlack) -> None:
        self.now = START
        self.baseten = FakeBaseten()
        self.baseten.add_job(PROJECT, "h1s7ory", status="TRAINING_JOB_FAILED", error_message="old news")
        self.slack = slack
        self.path = tmp_path / "audit.db"
        self._closing: list[Any] = []

    def clock(self) -> datetime:
        return self.now

    def watcher(self, projects: tuple[str, ...] = (PROJECT,), lookback: float = 6 * 3600) -> Watcher:
        store = SqliteAuditStore(self.path)
        client = BasetenClient(API_KEY, transport=self.baseten.transport(), attempts=1, max_rate_limit_wait=0)
        web = WebClient(token=BOT_TOKEN, base_url=self.slack.api_url, timeout=5, retry_handlers=list(retry_handlers()))
        self._closing += [store.close, client.close]
        rules = WatchRules(CHANNEL, projects, interval=60, lookback=lookback)
        return Watcher(client, store, Delivery(web), DashboardLinks(), rules, clock=self.clock)

    def fail(self, job_id: str, ago: timedelta = timedelta(seconds=30), project: str = PROJECT, **extra: Any) -> None:
        updated = self.now - ago
        self.baseten.add_job(
            project,
            job_id,
            status="TRAINING_JOB_FAILED",
            error_message="CUDA OOM <!channel>",
            created_at=(updated - timedelta(hours=2, minutes=5)).isoformat(),
            updated_at=updated.isoformat(),
            **extra,
        )
        self.baseten.add_logs(job_id, ["step 10", "Traceback (most recent call last):", "OOM"], end=updated)

    def alerts(self) -> list[dict[str, Any]]:
        return [call.params for call in self.slack.of("chat.postMessage") if "Training job" in call.params["text"]]

    def close(self) -> None:
        for close in reversed(self._closing):
            close()


@pytest.fixture
def world(tmp_path: Path, slack: FakeSlack) -> Iterator[World]:
    made = World(tmp_path, slack)
    yield made
    made.close()


def test_the_first_start_records_old_failures_without_alerting(world: World) -> None:
    watcher = world.watcher()
    assert watcher.tick() == 60
    assert world.alerts() == []


def test_a_new_failure_is_alerted_once_with_its_diagnosis(world: World) -> None:
    watcher = world.watcher()
    watcher.tick()
    world.now += timedelta(minutes=1)
    world.fail("f4i1ed1", name="llama-8b-sft")
    watcher.tick()
    watcher.tick()
    [alert] = world.alerts()
    assert alert["channel"] == CHANNEL
    blocks = json.dumps(alert["blocks"], ensure_ascii=False)
    assert "llama-8b-sft" in blocks and "f4i1ed1" in blocks and "llama-finetune" in blocks
    assert "CUDA OOM &lt;!channel&gt;" in blocks and "<!channel>" not in blocks
    assert "Last 3 log lines" in blocks and "Traceback" in blocks
    assert "2 h 05 min" in blocks and "ml@example.com" in blocks and "8 × H100" in blocks
    assert f"/training/{PROJECT}/logs/f4i1ed1" in blocks
    assert "f4i1ed1" in alert["text"]


def test_a_restart_or_a_second_replica_never_alerts_twice(world: World) -> None:
    world.watcher().tick()
    world.now += timedelta(minutes=1)
    world.fail("f4i1ed1")
    first, second = world.watcher(), world.watcher()
    first.tick()
    second.tick()
    world.watcher().tick()
    assert len(world.alerts()) == 1


def test_a_failure_while_the_bot_was_down_is_alerted_within_the_lookback(world: World) -> None:
    world.watcher().tick()
    world.now += timedelta(hours=8)
    world.fail("d0wn1ng1", ago=timedelta(hours=5))
    world.fail("t00old11", ago=timedelta(hours=7))
    world.watcher().tick()
    assert ["d0wn1ng1" in alert["text"] for alert in world.alerts()] == [True]


def test_every_project_is_one_search_without_a_filter(world: World) -> None:
    watcher = world.watcher(projects=())
    watcher.tick()
    world.now += timedelta(minutes=1)
    world.fail("0ther001", project=OTHER)
    watcher.tick()
    assert len(world.alerts()) == 1
    searches = world.baseten.calls("search")
    assert len(searches) == 2 and all("project_id" not in seen.body for seen in searches)


def test_one_search_per_project_per_check(world: World) -> None:
    watcher = world.watcher(projects=(PROJECT, OTHER))
    world.baseten.add_job(OTHER, "0k0k0k0", project_name="other", status="TRAINING_JOB_COMPLETED")
    watcher.tick()
    bodies = [seen.body for seen in world.baseten.calls("search")]
    assert [body["project_id"] for body in bodies] == [PROJECT, OTHER]
    assert all(sorted(body["statuses"]) == ["TRAINING_JOB_DEPLOY_FAILED", "TRAINING_JOB_FAILED"] for body in bodies)


def test_a_429_backs_off_for_retry_after(world: World) -> None:
    watcher = world.watcher()
    world.baseten.fail("search", 429, {"error": "Rate limit exceeded.", "retry_after": 300})
    assert watcher.tick() == 300
    assert world.slack.of("chat.postMessage") == []


def test_an_outage_is_told_once_and_its_end_once(world: World) -> None:
    watcher = world.watcher()
    watcher.tick()
    world.baseten.fail("search", 503, {"message": "down"}, times=3)
    for _ in range(3):
        watcher.tick()
    world.now += timedelta(minutes=1)
    world.fail("f4i1ed1")
    watcher.tick()
    texts = [call.params["text"] for call in world.slack.of("chat.postMessage")]
    assert sum("not answering" in text for text in texts) == 1
    assert sum("answers again" in text for text in texts) == 1
    assert len(world.alerts()) == 1


def test_unreadable_logs_still_alert(world: World) -> None:
    watcher = world.watcher()
    watcher.tick()
    world.now += timedelta(minutes=1)
    world.fail("f4i1ed1")
    world.baseten.fail("logs", 500, {"message": "down"})
    watcher.tick()
    [alert] = world.alerts()
    assert "logs could not be read" in json.dumps(alert["blocks"], ensure_ascii=False)
