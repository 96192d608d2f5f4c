"""A response_url is Slack's reply address: only Slack's own (or SLACK_API_URL's, for a proxy or a fake) is used."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest

from bot.slack_payloads import ResponseUrls, SlashCommand
from tests.conftest import ALLOWED_USER, Harness
from tests.fakes.slack import FakeSlack

HarnessFactory = Callable[..., Harness]


@pytest.fixture
def elsewhere() -> Iterator[FakeSlack]:
    """Another server on loopback, on its own port: not where SLACK_API_URL points."""
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def test_a_response_url_on_another_host_is_never_used_nor_kept(
    harness: Harness, elsewhere: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    harness.slack.fail("chat.postMessage", "not_in_channel")  # the card then falls back to the response_url
    foreign = elsewhere.response_url("steal-the-card?token=secret-looking")

    with caplog.at_level(logging.WARNING, logger="bot.slack_payloads"):
        response, _ = harness.command("p7qr9qv", response_url=foreign)
        harness.drain()

    assert response.status == 200
    assert elsewhere.calls == []
    # Not in the channel, no usable response_url: the card reached the requester by DM.
    assert harness.slack.of("chat.postMessage")[-1].params["channel"] == ALLOWED_USER
    assert harness.slack.of("response_url") == []
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.slack_payloads"]
    assert len(warnings) == 1
    assert "127.0.0.1" in warnings[0]
    assert "steal-the-card" not in warnings[0] and "secret-looking" not in warnings[0]
    followed = harness.bot.store.followed(harness.baseten.created()[0]["id"])
    assert followed is not None
    assert followed.response_url is None


def test_a_preview_asked_for_with_a_foreign_response_url_is_not_sent_there(
    harness_factory: HarnessFactory, elsewhere: FakeSlack
) -> None:
    harness = harness_factory(confirm="always")

    response, _ = harness.command("p7qr9qv", response_url=elsewhere.response_url("cmd"))
    harness.drain()

    assert response.status == 200
    assert elsewhere.calls == []
    preview = harness.bot.store.get_preview(harness.bot.store.recent(1)[0].request_id)
    assert preview is not None
    assert preview.response_url is None
    assert harness.baseten.created() == []


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://hooks.slack.com/commands/T0/1/abc", True),
        ("https://hooks.slack.com:443/actions/T0/1/abc", True),
        ("http://hooks.slack.com/commands/T0/1/abc", False),
        ("https://hooks.slack.com.evil.example/commands/T0/1/abc", False),
        ("https://hooks.slack.com@evil.example/commands/T0/1/abc", False),
        ("https://evil.example/hooks.slack.com/commands", False),
        ("https://hooks.slack.com:8443/commands/T0/1/abc", False),
        ("javascript:alert(1)", False),
        ("", False),
    ],
)
def test_only_slacks_own_reply_addresses_are_kept_with_slacks_own_api(url: str, kept: bool) -> None:
    urls = ResponseUrls("https://slack.com/api/")
    payload = SlashCommand.model_validate(
        {"user_id": "U1", "channel_id": "C1", "response_url": url}, context={"response_urls": urls}
    )
    assert payload.response_url == (url if kept else None)


def test_a_proxy_or_fake_slack_api_also_allows_its_own_scheme_host_and_port() -> None:
    urls = ResponseUrls("http://127.0.0.1:8123/api/")
    assert urls.accept("http://127.0.0.1:8123/response/cmd1") == "http://127.0.0.1:8123/response/cmd1"
    assert urls.accept("https://hooks.slack.com/commands/T0/1/abc") is not None
    assert urls.accept("http://127.0.0.1:8124/response/cmd1") is None
    assert urls.accept("https://127.0.0.1:8123/response/cmd1") is None
