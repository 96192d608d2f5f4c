"""The Home tab through the real app: a signed app_home_opened event, views.publish on the fake Slack."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt.request import BoltRequest

from bot.console.payloads import home_opened
from bot.watch.record import SeenFailure
from tests.conftest import ALLOWED_USER, Harness
from tests.fakes.slack import Call
from tests.signing import event_body, signed_headers

HarnessFactory = Callable[..., Harness]
OTHER_USER = "UOTHER0001"
WATCH = {"watch_project_ids": "n4q95w5", "watch_channel_id": "CWATCH0001"}


def open_home(harness: Harness, user_id: str = ALLOWED_USER, **event: Any) -> None:
    body = event_body({**home_opened(user_id), **event})
    response = harness.bot.app.dispatch(BoltRequest(body=body, headers=signed_headers(body)))
    assert response.status == 200


def published(harness: Harness) -> list[Call]:
    assert harness.bot.lane is not None
    harness.bot.lane.wait_idle()
    return harness.slack.of("views.publish")


def view_text(call: Call) -> str:
    return json.dumps(call.params["view"], ensure_ascii=False)


def recreate(harness: Harness) -> str:
    harness.command("p7qr9qv")
    harness.slack.wait_for_count("chat.postMessage")
    assert harness.bot.runner.wait_idle(10) == []
    return str(harness.baseten.created()[-1]["id"])


def test_an_allowed_user_sees_their_recreations_the_followed_jobs_and_failures_with_recreate_buttons(
    harness_factory: HarnessFactory,
) -> None:
    harness = harness_factory(**WATCH)
    new_job_id = recreate(harness)
    at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    harness.bot.store.claim_failure(SeenFailure("f4iled1", "n4q95w5", "TRAINING_JOB_FAILED", at, at, True))
    reads = len(harness.baseten.seen)

    open_home(harness)

    [publish] = published(harness)
    assert publish.params["user_id"] == ALLOWED_USER
    view = publish.params["view"]
    assert view["type"] == "home"
    text = view_text(publish)
    assert "You may recreate training jobs" in text
    assert "ALLOWED_USER_IDS" in text
    assert f"`{new_job_id}`" in text and "Created" in text
    assert "Being followed for you" in text
    [followed_section] = [b for b in view["blocks"] if "Being followed for you" in json.dumps(b)]
    assert new_job_id in json.dumps(followed_section)
    buttons = [b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("type") == "button"]
    assert buttons == [
        {**buttons[0], "action_id": "recreate_job_from_alert", "value": "n4q95w5/f4iled1", "type": "button"}
    ]
    # The followed record had the status: Baseten was not asked.
    assert len(harness.baseten.seen) == reads


def test_an_unlisted_user_sees_only_that_they_may_not_recreate_and_how_access_is_granted(
    harness_factory: HarnessFactory,
) -> None:
    harness = harness_factory(allowed_usergroup_ids="S0GROUP001", **WATCH)
    harness.slack.usergroups["S0GROUP001"] = [ALLOWED_USER]
    recreate(harness)
    now = datetime.now(UTC)
    harness.bot.store.claim_failure(SeenFailure("f4iled1", "n4q95w5", "TRAINING_JOB_FAILED", now, now, True))
    reads = len(harness.baseten.seen)

    open_home(harness, OTHER_USER)

    [publish] = published(harness)
    assert publish.params["user_id"] == OTHER_USER
    text = view_text(publish)
    assert "You are not allowed to recreate training jobs" in text
    assert "<!subteam^S0GROUP001>" in text and "ALLOWED_USER_IDS" in text
    assert "new000" not in text and "f4iled1" not in text and "recreate_job_from_alert" not in text
    assert len(harness.baseten.seen) == reads


def test_opening_home_twice_quickly_reads_baseten_once(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(follow=False)
    new_job_id = recreate(harness)
    harness.baseten.jobs[new_job_id]["current_status"] = "TRAINING_JOB_RUNNING"

    open_home(harness)
    open_home(harness)

    publishes = published(harness)
    assert 1 <= len(publishes) <= 2
    assert all("Running" in view_text(call) for call in publishes)
    assert len(harness.baseten.calls("get")) == 1
    open_home(harness)
    published(harness)
    assert len(harness.baseten.calls("get")) == 1


def test_the_messages_tab_is_not_the_home_tab(harness: Harness) -> None:
    open_home(harness, tab="messages")

    assert published(harness) == []
