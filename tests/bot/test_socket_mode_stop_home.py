"""Stop and the Home tab in Socket Mode: an `interactive` and an `events_api` envelope through the real app."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest

from bot.app import Bot, Collaborators, build
from bot.console import payloads
from bot.socket_server import socket_handler
from tests.conftest import ALLOWED_USER, make_settings
from tests.fakes.baseten import FakeBaseten
from tests.fakes.slack import FakeSlack
from tests.fakes.socket_mode import FakeSocketMode
from tests.signing import action_body, command_fields

APP_TOKEN = "xapp-1-A0APP00001-1234567890-0123456789abcdef"
CHANNEL = "CCHANNEL01"


@pytest.fixture
def connected(
    slack: FakeSlack, baseten: FakeBaseten, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Bot, FakeSocketMode]]:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    socket_mode = FakeSocketMode(ping_interval=0.05).start()
    slack.socket_url = socket_mode.url
    settings = make_settings(slack, baseten, slack_signing_secret=None, slack_app_token=APP_TOKEN, follow=False)
    bot = build(settings, Collaborators(sleep=lambda _s: None))
    handler = socket_handler(bot)
    try:
        handler.connect()  # type: ignore[no-untyped-call]
        socket_mode.wait_connected()
        yield bot, socket_mode
    finally:
        handler.close()  # type: ignore[no-untyped-call]
        bot.runner.drain(10)
        bot.close()
        socket_mode.stop()


def envelope(socket_mode: FakeSocketMode, kind: str, payload: dict[str, Any]) -> str:
    envelope_id = str(uuid.uuid4())
    socket_mode.send({"envelope_id": envelope_id, "type": kind, "accepts_response_payload": False, "payload": payload})
    return envelope_id


def test_a_stop_tap_in_an_interactive_envelope_stops_the_job_and_edits_the_card(
    connected: tuple[Bot, FakeSocketMode], slack: FakeSlack, baseten: FakeBaseten
) -> None:
    bot, socket_mode = connected
    socket_mode.send_slash_command(command_fields("p7qr9qv", response_url=slack.response_url("one")))
    slack.wait_for_count("chat.postMessage")
    assert bot.runner.wait_idle(10) == []
    [new_job] = baseten.created()
    fields = {"channel_id": CHANNEL, "response_url": slack.response_url("tap")}
    tap = json.loads(dict(parse_qsl(action_body("recreate_job_stop", f"n4q95w5/{new_job['id']}", **fields)))["payload"])

    envelope_id = envelope(socket_mode, "interactive", tap)

    socket_mode.wait_until(lambda: socket_mode.ack_for(envelope_id) is not None, what="the tap's ack")
    [update] = slack.wait_for_count("chat.update")
    made = bot.store.get(bot.store.claim_owner(new_job["id"]) or "")
    assert made is not None and (update.params["channel"], update.params["ts"]) == (CHANNEL, made.card_ts)
    assert f"Stopped by <@{ALLOWED_USER}>" in json.dumps(update.params)
    assert [seen.body for seen in baseten.calls("stop")] == [{}]


def test_an_app_home_opened_envelope_publishes_the_home_tab(
    connected: tuple[Bot, FakeSocketMode], slack: FakeSlack
) -> None:
    _, socket_mode = connected
    event = json.loads(payloads.event_body(payloads.home_opened(ALLOWED_USER), team_id="T0TEAM0001"))

    envelope_id = envelope(socket_mode, "events_api", event)

    socket_mode.wait_until(lambda: socket_mode.ack_for(envelope_id) is not None, what="the event's ack")
    [publish] = slack.wait_for_count("views.publish")
    assert publish.params["user_id"] == ALLOWED_USER
    assert "You may recreate training jobs" in json.dumps(publish.params["view"])
