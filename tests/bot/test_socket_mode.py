"""The real bot in Socket Mode, through Bolt's SocketModeHandler, against a loopback fake of Slack's WebSocket."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import Ack as BoltAck

from bot.app import Bot, Collaborators, build
from bot.socket_server import socket_handler
from bot.startup import StartupError, connect_socket
from tests.conftest import ALLOWED_USER, make_settings
from tests.fakes.baseten import FakeBaseten
from tests.fakes.slack import Call, FakeSlack
from tests.fakes.socket_mode import Ack, FakeSocketMode
from tests.signing import command_fields

APP_TOKEN = "xapp-1-A0APP00001-1234567890-0123456789abcdef"
CHANNEL = "CCHANNEL01"


@pytest.fixture
def socket_mode() -> Iterator[FakeSocketMode]:
    # Slack pings its connections; here often, so closing the handler need not wait out the SDK's 3 s read timeout.
    fake = FakeSocketMode(ping_interval=0.05).start()
    yield fake
    fake.stop()


@pytest.fixture
def connected(
    slack: FakeSlack, baseten: FakeBaseten, socket_mode: FakeSocketMode, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Bot]:
    """The bot built for Socket Mode and connected the way serve_socket connects it; closed and drained after."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)  # the SDK's WebSocket would dial the proxy instead of 127.0.0.1
    slack.socket_url = socket_mode.url
    # Bursts from one person here test load, not the per-person limit.
    settings = make_settings(
        slack,
        baseten,
        slack_signing_secret=None,
        slack_app_token=APP_TOKEN,
        follow=False,
        recreate_limit_per_user="off",
    )
    bot = build(settings, Collaborators(sleep=lambda _s: None))
    bot.runner.warm()
    handler = socket_handler(bot)
    try:
        handler.connect()  # type: ignore[no-untyped-call]
        socket_mode.wait_connected()
        yield bot
    finally:
        handler.close()  # type: ignore[no-untyped-call]
        unfinished = bot.runner.drain(10)
        bot.close()
    assert unfinished == []


def ack_text(ack: Ack) -> str:
    return str((ack.payload or {}).get("text", ""))


def cards(calls: list[Call]) -> list[Call]:
    """Cards posted in the command's channel (FakeSlack.wait_for predicates get `calls`, and must not lock)."""
    return [call for call in calls if call.kind == "chat.postMessage" and call.params.get("channel") == CHANNEL]


def test_the_bot_connects_through_apps_connections_open_and_is_greeted(
    connected: Bot, slack: FakeSlack, socket_mode: FakeSocketMode
) -> None:
    assert len(slack.of("apps.connections.open")) == 1
    assert socket_mode.open_connections == 1
    assert socket_mode.acks == []  # hello needs no answer
    socket_mode.wait_until(lambda: socket_mode.pongs >= 1, what="a pong")  # the SDK answers Slack's pings


def test_a_slash_command_envelope_is_acked_with_recreating_and_the_card_posted(
    connected: Bot, slack: FakeSlack, baseten: FakeBaseten, socket_mode: FakeSocketMode
) -> None:
    envelope_id = socket_mode.send_slash_command(command_fields("p7qr9qv", response_url=slack.response_url("one")))

    [ack] = socket_mode.wait_for_acks(1)

    assert ack.envelope_id == envelope_id
    assert "Recreating" in ack_text(ack)
    assert "p7qr9qv" in ack_text(ack)
    [card] = cards(slack.wait_for(lambda calls: len(cards(calls)) >= 1))
    [created] = baseten.created()
    assert created["recreated_from"] == "p7qr9qv"
    assert created["id"] in json.dumps(card.params)


def test_a_refused_users_envelope_is_acked_with_the_refusal_and_nothing_is_recreated(
    connected: Bot, slack: FakeSlack, baseten: FakeBaseten, socket_mode: FakeSocketMode
) -> None:
    fields = command_fields("p7qr9qv", user_id="UOTHER0001", response_url=slack.response_url("refused"))
    envelope_id = socket_mode.send_slash_command(fields)

    [ack] = socket_mode.wait_for_acks(1)

    assert ack.envelope_id == envelope_id
    assert "not allowed" in ack_text(ack)
    assert connected.runner.wait_idle(5) == []
    assert baseten.calls("recreate") == []
    assert cards(slack.calls) == []


def test_background_work_waits_while_an_envelope_is_being_answered(connected: Bot, socket_mode: FakeSocketMode) -> None:
    """As in HTTP mode: work queued by a listener starts once acks stop going out, not while they are due."""
    started = threading.Event()

    def probe(ack: BoltAck) -> None:
        connected.runner.submit(started.set, label="probe")
        ack(text=f"started while answering: {started.wait(0.1)}")

    connected.app.command("/probe")(probe)
    socket_mode.send_slash_command(command_fields("", command="/probe"))

    [ack] = socket_mode.wait_for_acks(1)

    assert ack_text(ack) == "started while answering: False"
    assert started.wait(5)


def test_fifty_envelopes_at_once_are_all_acked_within_3_s_while_baseten_takes_2_s_each(
    connected: Bot, slack: FakeSlack, baseten: FakeBaseten, socket_mode: FakeSocketMode
) -> None:
    jobs = [f"p7qr{i:04d}" for i in range(50)]
    for job in jobs:
        baseten.add_job(job_id=job)
    baseten.delays["recreate"] = 2.0
    many: list[dict[str, Any]] = [
        command_fields(job, user_id=ALLOWED_USER, response_url=slack.response_url(f"burst-{i}"))
        for i, job in enumerate(jobs)
    ]

    envelope_ids = socket_mode.send_slash_commands(many)
    acks = socket_mode.wait_for_acks(50, timeout=10)

    waited = sorted(ack.at - socket_mode.sent[ack.envelope_id] for ack in acks)
    assert waited[-1] < 3.0, f"slowest ack after {waited[-1]:.3f} s (median {waited[25]:.3f} s)"
    assert sorted(ack.envelope_id for ack in acks) == sorted(envelope_ids)
    assert all("Recreating" in ack_text(ack) for ack in acks), {ack_text(ack)[:60] for ack in acks}
    posted = cards(slack.wait_for(lambda calls: len(cards(calls)) >= 50, timeout=15))
    assert len(posted) == 50
    assert sorted(job["recreated_from"] for job in baseten.created()) == jobs


def test_a_plain_ws_url_to_another_host_from_apps_connections_open_is_refused(
    slack: FakeSlack, baseten: FakeBaseten
) -> None:
    """Socket Mode trusts whatever apps.connections.open answers: a plain ws:// elsewhere could be read on the way."""
    slack.socket_url = "ws://wss-primary.slack.test/link/?ticket=fake"
    settings = make_settings(slack, baseten, slack_signing_secret=None, slack_app_token=APP_TOKEN, follow=False)
    bot = build(settings, Collaborators(sleep=lambda _s: None))
    handler = socket_handler(bot)
    try:
        with pytest.raises(StartupError) as caught:
            connect_socket(handler, settings)
    finally:
        bot.runner.drain(1)
        bot.close()
    message = str(caught.value)
    assert "\n" not in message
    assert "ws://" in message and "wss-primary.slack.test" in message
    assert "ticket" not in message
