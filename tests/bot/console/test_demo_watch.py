"""The failure watch in `console --demo`: a demo job fails by itself, and the stand-in Slack shows its alert."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.app import Collaborators, build
from bot.baseten import BasetenClient
from bot.console.demo import DemoBaseten
from bot.console.demo_samples import FAILS_AFTER, NIGHTLY, WATCHED
from bot.console.render import Look
from bot.console.screen import Screen
from bot.console.setup import DEMO_WATCH_INTERVAL, console_settings
from bot.console.standin import CHANNEL_ID, TEAM_ID, ConsoleSlack
from bot.settings import Settings
from bot.store import SqliteAuditStore
from tests.bot.console.test_demo import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def demo_client(clock: Clock) -> Iterator[BasetenClient]:
    client = BasetenClient("demo", "https://demo.invalid", transport=DemoBaseten(clock).transport())
    yield client
    client.close()


def test_the_demo_job_fails_by_itself_soon_after_start(demo_client: BasetenClient, clock: Clock) -> None:
    failed = ("TRAINING_JOB_FAILED", "TRAINING_JOB_DEPLOY_FAILED")
    assert demo_client.search_jobs(project_id=WATCHED, statuses=failed) == []
    start = clock.now
    clock.advance(FAILS_AFTER + 30)
    [job] = demo_client.search_jobs(project_id=WATCHED, statuses=failed)
    assert (job.id, job.error_message) == (NIGHTLY.job_id, "CUDA out of memory at step 1200")
    assert job.updated_at == start + timedelta(seconds=FAILS_AFTER)
    assert demo_client.search_jobs(project_id="k2m8x4p", statuses=["TRAINING_JOB_RUNNING"]) == []


def test_the_demo_job_logs_end_with_a_traceback_that_has_no_level(demo_client: BasetenClient, clock: Clock) -> None:
    clock.advance(FAILS_AFTER)
    newest_first = demo_client.job_logs(WATCHED, NIGHTLY.job_id, direction="desc", limit=4)
    assert len(newest_first) == 4
    assert newest_first[0].message.startswith("torch.OutOfMemoryError") and newest_first[0].level == "ERROR"
    assert [line.level for line in newest_first[1:]] == [None, None, None]
    assert newest_first[-1].message == "Traceback (most recent call last):"


def test_the_console_shows_the_alert_and_its_buttons(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.lower() in Settings.model_fields:
            monkeypatch.delenv(name)
    out = io.StringIO()
    slack = ConsoleSlack(Screen(out, look=Look(ansi=False), clear_line=False)).start()
    settings = console_settings(True, slack.url, "console-secret")
    assert (settings.watch_project_ids, settings.watch_channel_id) == ([WATCHED], CHANNEL_ID)
    assert settings.watch_interval == DEMO_WATCH_INTERVAL
    demo = DemoBaseten(clock)
    parts = Collaborators(
        baseten_transport=demo.transport(), store=SqliteAuditStore(":memory:"), clock=clock, token_team_id=TEAM_ID
    )
    bot = build(settings, parts)
    try:
        assert bot.watcher is not None
        bot.watcher.tick()
        clock.advance(FAILS_AFTER + 1)
        bot.watcher.tick()
    finally:
        bot.close()
        slack.stop()
    shown = out.getvalue()
    assert f"[#{CHANNEL_ID}]" in shown
    assert f"Training job failed: {NIGHTLY.name}" in shown
    assert "Traceback (most recent call last):" in shown and "CUDA out of memory" in shown
    assert f"Open in Baseten: https://app.baseten.co/training/{WATCHED}/logs/{NIGHTLY.job_id}" in shown
    assert shown.count("Training job failed") == 1
