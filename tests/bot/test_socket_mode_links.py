"""Unfurls, the unfurl's Recreate and the message shortcut as Socket Mode envelopes, through Bolt's handler."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from bot.app import Bot
from tests.bot.test_socket_mode import cards, connected, socket_mode
from tests.fakes.baseten import FakeBaseten
from tests.fakes.slack import Call, FakeSlack
from tests.fakes.socket_mode import FakeSocketMode
from tests.signing import action_body, link_shared_body, shortcut_body

__all__ = ["connected", "socket_mode"]  # fixtures, used by name

LINK = "https://app.baseten.co/training/n4q95w5/logs/p7qr9qv"


def interactive(form_body: str) -> dict[str, Any]:
    """An interaction's payload as a Socket Mode envelope carries it: JSON, not form-encoded."""
    return dict(json.loads(dict(parse_qsl(form_body))["payload"]))


def replies(calls: list[Call], containing: str) -> list[Call]:
    return [c for c in calls if c.kind == "response_url" and containing in json.dumps(c.params)]


def test_a_link_shared_envelope_is_acked_and_the_link_unfurled(
    connected: Bot, slack: FakeSlack, socket_mode: FakeSocketMode
) -> None:
    envelope_id = socket_mode.send_envelope("events_api", json.loads(link_shared_body([LINK])))

    [ack] = socket_mode.wait_for_acks(1)
    assert ack.envelope_id == envelope_id
    [call] = slack.wait_for_count("chat.unfurl")
    assert LINK in json.dumps(call.params)
    assert "recreate_job_from_link" in json.dumps(call.params)


def test_a_link_shared_envelope_from_an_unlisted_poster_is_acked_and_nothing_unfurled(
    connected: Bot, slack: FakeSlack, baseten: FakeBaseten, socket_mode: FakeSocketMode
) -> None:
    socket_mode.send_envelope("events_api", json.loads(link_shared_body([LINK], user_id="UOTHER0001")))

    socket_mode.wait_for_acks(1)
    assert connected.runner.wait_idle(5) == []
    assert slack.of("chat.unfurl") == []
    assert baseten.seen == []


def test_a_message_shortcut_envelope_recreates_the_job_its_attachment_links(
    connected: Bot, slack: FakeSlack, baseten: FakeBaseten, socket_mode: FakeSocketMode
) -> None:
    """CONFIRM=never here: the shortcut goes straight to the card, as the slash command would."""
    alert = {"text": "", "attachments": [{"fallback": "failed", "fields": [{"title": "Job", "value": LINK}]}]}
    socket_mode.send_envelope("interactive", interactive(shortcut_body(alert, response_url=slack.response_url("s"))))

    socket_mode.wait_for_acks(1)
    [card] = cards(slack.wait_for(lambda calls: len(cards(calls)) >= 1))
    [created] = baseten.created()
    assert created["recreated_from"] == "p7qr9qv"
    assert created["id"] in json.dumps(card.params)


def test_the_unfurls_recreate_tapped_by_an_unlisted_user_over_socket_mode_is_refused(
    connected: Bot, slack: FakeSlack, baseten: FakeBaseten, socket_mode: FakeSocketMode
) -> None:
    tap = action_body("recreate_job_from_link", "n4q95w5/p7qr9qv", user_id="UOTHER0001")
    payload = interactive(tap) | {"response_url": slack.response_url("tap")}
    socket_mode.send_envelope("interactive", payload)

    socket_mode.wait_for_acks(1)
    slack.wait_for(lambda calls: bool(replies(calls, "not allowed")))
    assert connected.runner.wait_idle(5) == []
    assert baseten.seen == []
