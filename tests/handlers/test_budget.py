"""The GPU budget and history's scope, as a requester meets them: signed commands through the real app."""

from __future__ import annotations

import json
from collections.abc import Callable

from bot.messages.preview import CONFIRM_ACTION
from bot.store import Outcome, Verdict
from tests.conftest import ALLOWED_USER, Harness, ack_text
from tests.fakes.slack import Call

HarnessFactory = Callable[..., Harness]
AUDIT_CHANNEL = "CAUDIT0001"


def of_kind(harness: Harness, kind: str) -> list[Call]:
    return [call for call in harness.slack.calls if call.kind == kind]


def test_over_the_per_user_limit_the_requester_is_told_which_limit_when_and_who_before_anything_is_sent(
    harness_factory: HarnessFactory,
) -> None:
    harness = harness_factory(recreate_limit_per_user="2", audit_channel_id=AUDIT_CHANNEL, recreate_cooldown=0)
    for job in ("a1b2c3d", "e4f5g6h", "j7k8m9n"):
        harness.baseten.add_job("n4q95w5", job)
    for job in ("a1b2c3d", "e4f5g6h"):
        harness.command(job)
        harness.slack.wait_for(lambda calls, job=job: any(job in json.dumps(c.params) for c in calls))

    harness.command("j7k8m9n")
    harness.drain()

    assert len(harness.baseten.calls("recreate")) == 2  # the third never went out
    reply = json.dumps(of_kind(harness, "response_url")[-1].params)
    assert "RECREATE_LIMIT_PER_USER" in reply and "You can go again <!date^" in reply
    assert "Ask the bot's admin to raise" in reply and "Nothing was sent to Baseten" in reply
    refused = [r for r in harness.bot.store.involving("j7k8m9n", 10) if r.outcome is Outcome.REFUSED]
    assert [(r.decision, r.refusal) for r in refused] == [(Verdict.REFUSED, "per_user_limit")]
    audit_lines = [c for c in of_kind(harness, "chat.postMessage") if c.params.get("channel") == AUDIT_CHANNEL]
    assert any("per_user_limit" in json.dumps(c.params) for c in audit_lines)


def test_over_the_gpu_limit_the_job_alone_is_refused_naming_the_limit(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(gpu_limit_per_hour="12", recreate_cooldown=0)
    harness.command("p7qr9qv")  # 8 GPUs
    harness.slack.wait_for_count("chat.postMessage", 1)

    harness.command("p7qr9qv")
    harness.drain()

    assert len(harness.baseten.calls("recreate")) == 1
    reply = json.dumps(of_kind(harness, "response_url")[-1].params)
    assert "starts 8 GPUs, and 8 of the 12 GPUs" in reply and "GPU_LIMIT_PER_HOUR" in reply


def test_the_preview_shows_what_the_recreate_adds_and_what_is_left(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(confirm="always", gpu_limit_per_hour="64", recreate_limit_per_user="10")

    harness.command("p7qr9qv")
    shown = json.dumps(harness.slack.wait_for_count("response_url", 1)[-1].params)

    assert "This starts 8 GPUs; 0 of 64 used this hour." in shown
    assert "You have 10 of 10 recreates left this hour." in shown


def test_a_confirmed_preview_is_refused_when_others_spent_the_room_meanwhile(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(confirm="always", gpu_limit_per_hour="8", recreate_limit_per_user="off")
    harness.baseten.add_job("n4q95w5", "x1y2z3w")
    harness.command("p7qr9qv")
    first = harness.slack.wait_for_count("response_url", 1)[-1]
    harness.command("x1y2z3w")
    second = harness.slack.wait_for_count("response_url", 2)[-1]
    ids = [json.dumps(c.params).split('"value": "')[1][:12] for c in (first, second)]

    harness.click(CONFIRM_ACTION, ids[0])
    harness.slack.wait_for_count("chat.postMessage", 1)
    harness.click(CONFIRM_ACTION, ids[1])
    harness.drain()

    assert len(harness.baseten.calls("recreate")) == 1
    assert any("GPU_LIMIT_PER_HOUR" in json.dumps(c.params) for c in of_kind(harness, "response_url"))


def test_history_never_shows_others_recreations_from_their_private_conversations(
    harness_factory: HarnessFactory,
) -> None:
    harness = harness_factory(allowed_user_ids=f"{ALLOWED_USER},UOTHER0001")
    harness.command("p7qr9qv", user_id=ALLOWED_USER, channel_id="DSECRET001")
    harness.slack.wait_for_count("chat.postMessage", 1)

    elsewhere, _ = harness.command("history", user_id="UOTHER0001", channel_id="CCHANNEL01")
    mine, _ = harness.command("history", user_id=ALLOWED_USER, channel_id="CCHANNEL01")

    assert "No recreation is on record yet." in ack_text(elsewhere) + json.dumps(json.loads(elsewhere.body))
    assert "p7qr9qv" in mine.body
