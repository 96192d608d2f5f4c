"""The failure watch wired into the real app: built from WATCH_* settings, alerting into WATCH_CHANNEL_ID."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tests.conftest import Harness


def test_no_watch_unless_projects_are_named(harness: Harness) -> None:
    assert harness.bot.watcher is None


def test_the_app_alerts_a_new_failure_in_the_watch_channel(harness_factory: Callable[..., Harness]) -> None:
    harness = harness_factory(watch_project_ids="n4q95w5", watch_channel_id="C0WATCH01")
    watcher = harness.bot.watcher
    assert watcher is not None and watcher.rules.projects == ("n4q95w5",) and watcher.rules.interval == 60
    watcher.tick()
    failed_at = datetime.now(UTC) + timedelta(seconds=1)
    harness.baseten.add_job(
        "n4q95w5", "f4i1ed1", status="TRAINING_JOB_FAILED", error_message="OOM", updated_at=failed_at.isoformat()
    )
    watcher.tick()
    [alert] = [call for call in harness.slack.of("chat.postMessage") if "f4i1ed1" in call.params["text"]]
    assert alert.params["channel"] == "C0WATCH01"
