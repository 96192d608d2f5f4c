"""The "Recreate training job" message shortcut through signed requests to the real app."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from slack_bolt import BoltResponse
from slack_bolt.request import BoltRequest

from bot.store import Outcome
from tests.conftest import Harness
from tests.fakes.baseten import FakeBaseten
from tests.fakes.slack import Call, FakeSlack
from tests.signing import shortcut_body, signed_headers

HarnessFactory = Callable[..., Harness]
UNLISTED = "UOTHER0001"

# A monitoring alert: the job's link only in an attachment's field, its blocks a plain header.
ALERT = {
    "text": "",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": ":rotating_light: Training failed"}}],
    "attachments": [
        {
            "color": "#d00000",
            "fallback": "Training failed",
            "fields": [
                {"title": "Run", "value": "<https://app.baseten.co/training/n4q95w5/logs/p7qr9qv|nightly sft>"},
                {"title": "Severity", "value": "p2"},
            ],
        }
    ],
}
# Two jobs: one as a link in rich text, one as an ID in code after "job".
TWO_JOBS = {
    "text": "compare",
    "blocks": [
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "The old run "},
                        {"type": "link", "url": "https://app.baseten.co/training/jobs/p7qr9qv"},
                        {"type": "text", "text": " and job "},
                        {"type": "text", "text": "x8kq2mz", "style": {"code": True}},
                        {"type": "text", "text": " failed the same way on h100 nodes."},
                    ],
                }
            ],
        }
    ],
}
NO_JOB = {"text": "the job failed again, can someone look?", "blocks": []}


@pytest.fixture
def harness(harness_factory: HarnessFactory, baseten: FakeBaseten) -> Harness:
    baseten.add_job(job_id="x8kq2mz", name="other-run")
    return harness_factory(confirm="always")


def shortcut(harness: Harness, message: dict[str, Any], **fields: str) -> BoltResponse:
    body = shortcut_body(message, **fields)
    return harness.bot.app.dispatch(BoltRequest(body=body, headers=signed_headers(body)))


def reply_with(slack: FakeSlack, containing: str) -> Call:
    def found(calls: list[Call]) -> bool:
        return any(c.kind == "response_url" and containing in json.dumps(c.params) for c in calls)

    slack.wait_for(found)
    return next(c for c in slack.of("response_url") if containing in json.dumps(c.params))


def elements(call: Call) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for block in call.params.get("blocks") or []:
        found += block.get("elements", [])
        if "accessory" in block:
            found.append(block["accessory"])
    return found


def test_a_job_link_inside_an_alerts_attachment_gets_the_tapper_the_preview_only_to_them(
    harness: Harness, slack: FakeSlack, baseten: FakeBaseten
) -> None:
    response = shortcut(harness, ALERT, response_url=slack.response_url("shortcut"))

    assert response.status == 200
    preview = reply_with(slack, "recreate_job_confirm")
    assert preview.path == "/response/shortcut"
    assert preview.params.get("response_type") == "ephemeral"
    assert "p7qr9qv" in json.dumps(preview.params)
    assert baseten.calls("recreate") == []
    assert slack.of("chat.postMessage") == []


def test_a_message_with_two_jobs_lets_the_tapper_pick_and_the_pick_leads_to_the_preview(
    harness: Harness, slack: FakeSlack, baseten: FakeBaseten
) -> None:
    shortcut(harness, TWO_JOBS, response_url=slack.response_url("pick"))

    picker = reply_with(slack, "recreate_job_pick")
    picks = [(e["action_id"], e["value"]) for e in elements(picker) if e.get("type") == "button"]
    assert picks == [("recreate_job_pick", "p7qr9qv"), ("recreate_job_pick", "x8kq2mz")]
    assert picker.params.get("response_type") == "ephemeral"
    assert baseten.seen == []  # nothing is looked up before they pick

    harness.click("recreate_job_pick", "x8kq2mz", response_url=slack.response_url("picked"))
    preview = reply_with(slack, "recreate_job_confirm")
    assert preview.path == "/response/picked"
    assert "x8kq2mz" in json.dumps(preview.params) and "other-run" in json.dumps(preview.params)
    [record] = harness.bot.store.involving("x8kq2mz", 5)
    assert record.command_text == "message shortcut: x8kq2mz"
    assert record.outcome is Outcome.AWAITING_CONFIRMATION


def test_a_message_without_a_job_gets_the_tapper_a_hint_and_nothing_else(
    harness: Harness, slack: FakeSlack, baseten: FakeBaseten
) -> None:
    shortcut(harness, NO_JOB, response_url=slack.response_url("none"))

    told = reply_with(slack, "found no training job")
    assert told.path == "/response/none"
    assert "/recreate-job" in json.dumps(told.params)
    assert harness.bot.runner.wait_idle(10) == []
    assert baseten.seen == []


def test_the_shortcut_by_an_unlisted_user_is_refused_and_recorded_and_nothing_is_read(
    harness: Harness, slack: FakeSlack, baseten: FakeBaseten
) -> None:
    shortcut(harness, ALERT, user_id=UNLISTED, response_url=slack.response_url("refused"))

    reply_with(slack, "not allowed")
    assert harness.bot.runner.wait_idle(10) == []
    assert baseten.seen == []
    [record] = harness.bot.store.involving("p7qr9qv", 5)
    assert (record.user_id, record.outcome) == (UNLISTED, Outcome.REFUSED)


def test_a_forged_shortcut_is_refused_with_401(harness: Harness, slack: FakeSlack) -> None:
    body = shortcut_body(ALERT, response_url=slack.response_url("forged"))
    response = harness.bot.app.dispatch(BoltRequest(body=body, headers=signed_headers(body, secret="wrong")))
    assert response.status == 401
    assert harness.bot.runner.wait_idle(10) == []
    assert slack.of("response_url") == []
