"""Getting the job card to people: the channel, then response_url, then a DM, then an ephemeral line."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.delivery import Delivery, Posted, Route, retry_handlers
from bot.messages import Message
from tests.fakes.slack import BOT_TOKEN, FakeSlack

CHANNEL = "C0MLONCALL"
USER = "U0ALLOWED1"
CARD = Message(text="<@U0ALLOWED1> recreated training job p7qr9qv as new0001", blocks=Message.plain("*card*").blocks)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def delivery(slack: FakeSlack) -> Delivery:
    client = WebClient(token=BOT_TOKEN, base_url=slack.api_url, timeout=5, retry_handlers=list(retry_handlers()))
    return Delivery(client)


def send_card(delivery: Delivery, slack: FakeSlack, *, response_url: bool = True) -> Posted | None:
    return delivery.card(
        CARD,
        channel_id=CHANNEL,
        user_id=USER,
        response_url=slack.response_url() if response_url else None,
        what="job new0001",
    )


def test_card_is_posted_in_the_channel(delivery: Delivery, slack: FakeSlack) -> None:
    posted = send_card(delivery, slack)
    assert posted is not None
    assert posted.route is Route.CHANNEL
    assert posted.channel_id == CHANNEL
    assert posted.ts
    [call] = slack.calls
    assert call.kind == "chat.postMessage"
    assert call.params["channel"] == CHANNEL
    assert call.params["text"] == CARD.text
    assert "*card*" in str(call.params["blocks"])
    assert str(call.params["unfurl_links"]).lower() in ("false", "0")


def test_bot_not_in_channel_falls_back_to_response_url_in_channel(delivery: Delivery, slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", "not_in_channel")
    posted = send_card(delivery, slack)
    assert posted == Posted(Route.RESPONSE_URL)
    [reply] = slack.of("response_url")
    assert reply.params["response_type"] == "in_channel"
    assert reply.params["text"] == CARD.text
    assert "*card*" in str(reply.params["blocks"])


def test_then_to_a_direct_message_with_a_note(
    delivery: Delivery, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fail("chat.postMessage", "channel_not_found")
    slack.fail("response_url", "expired_url", status=404)
    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        posted = send_card(delivery, slack)
    assert posted is not None
    assert posted.route is Route.DIRECT
    assert posted.channel_id == "D" + USER[1:]
    direct = slack.of("chat.postMessage")[-1].params
    assert direct["channel"] == USER
    assert direct["text"] == CARD.text
    assert f"<#{CHANNEL}>" in str(direct["blocks"])  # why it came here
    assert "*card*" in str(direct["blocks"])  # and the card itself
    assert any(r.levelno == logging.ERROR and "job new0001" in r.getMessage() for r in caplog.records)


def test_without_response_url_goes_straight_to_a_direct_message(delivery: Delivery, slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", "not_in_channel")
    posted = send_card(delivery, slack, response_url=False)
    assert posted is not None
    assert posted.route is Route.DIRECT
    assert slack.of("response_url") == []


def test_then_plain_text_only_to_the_requester(delivery: Delivery, slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", "not_in_channel")
    slack.fail("response_url", "expired_url", status=404)
    slack.fail("chat.postMessage", "invalid_blocks")
    posted = send_card(delivery, slack)
    assert posted == Posted(Route.EPHEMERAL)
    last = slack.of("response_url")[-1].params
    assert last["response_type"] == "ephemeral"
    assert last["text"] == CARD.text
    assert "*card*" not in str(last.get("blocks"))


def test_every_route_failing_returns_none_and_logs_the_job(
    delivery: Delivery, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fail("chat.postMessage", "not_in_channel", times=3)
    slack.fail("response_url", "expired_url", status=404, times=2)
    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        assert send_card(delivery, slack) is None
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("every way of posting job new0001 failed" in message for message in errors)
    assert any(CARD.text in message for message in errors)  # the job's ID is on record
    assert len(slack.of("chat.postMessage")) == 3
    assert len(slack.of("response_url")) == 2


def test_rate_limited_channel_post_is_waited_out(delivery: Delivery, slack: FakeSlack) -> None:
    slack.rate_limit("chat.postMessage", retry_after=1)
    started = time.monotonic()
    posted = send_card(delivery, slack)
    assert posted is not None
    assert posted.route is Route.CHANNEL
    first, second = slack.of("chat.postMessage")
    assert second.at - first.at >= 0.9
    assert time.monotonic() - started < 5
    assert slack.of("response_url") == []


def test_reply_goes_ephemeral_by_default(delivery: Delivery, slack: FakeSlack) -> None:
    assert delivery.reply(slack.response_url(), Message.plain("only you"))
    [call] = slack.of("response_url")
    assert call.params["response_type"] == "ephemeral"
    assert call.params["text"] == "only you"


def test_reply_reports_failure_instead_of_raising(delivery: Delivery, slack: FakeSlack) -> None:
    assert not delivery.reply(None, Message.plain("x"))
    slack.fail("response_url", "used_url", status=404)
    assert not delivery.reply(slack.response_url(), Message.plain("x"))


def test_unreachable_response_url_is_a_failed_reply(slack: FakeSlack) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
    delivery = Delivery(client, webhook_factory=lambda url: WebhookClient(url=url, timeout=2, retry_handlers=[]))
    assert not delivery.reply("http://127.0.0.1:9/response/closed", Message.plain("x"))


def test_post_in_a_thread(delivery: Delivery, slack: FakeSlack) -> None:
    posted = delivery.post(CHANNEL, Message.plain("reply"), thread_ts="1700000000.000100")
    assert posted is not None
    assert slack.of("chat.postMessage")[0].params["thread_ts"] == "1700000000.000100"


def test_post_failure_returns_none(delivery: Delivery, slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", "channel_not_found")
    assert delivery.post(CHANNEL, Message.plain("x")) is None
