"""The Slack client keeps its connections: a card and its follow-ups reuse one, and a dropped one is replaced."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.error import URLError
from urllib.parse import urlsplit

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.slack_client import SlackWebClient
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.fakes.tcp_proxy import TcpProxy


@pytest.fixture
def proxy(slack: FakeSlack) -> Iterator[TcpProxy]:
    """Slack's fake behind a proxy that counts connections and can drop them as a server does when idle."""
    target = urlsplit(slack.api_url)
    running = TcpProxy((target.hostname or "127.0.0.1", target.port or 80)).start()
    yield running
    running.stop()


def client_through(proxy: TcpProxy, slack: FakeSlack, **options: object) -> SlackWebClient:
    path = urlsplit(slack.api_url).path
    return SlackWebClient(token=BOT_TOKEN, base_url=f"http://127.0.0.1:{proxy.port}{path}", timeout=5, **options)  # type: ignore[arg-type]


def test_calls_in_a_row_share_one_connection(proxy: TcpProxy, slack: FakeSlack) -> None:
    client = client_through(proxy, slack)
    for n in range(5):
        client.chat_postMessage(channel="CCHANNEL01", text=f"card {n}")

    assert [call.params["text"] for call in slack.of("chat.postMessage")] == [f"card {n}" for n in range(5)]
    assert proxy.accepted == 1


def test_a_connection_the_server_dropped_is_replaced_and_the_post_is_sent_once(
    proxy: TcpProxy, slack: FakeSlack
) -> None:
    client = client_through(proxy, slack)
    client.chat_postMessage(channel="CCHANNEL01", text="first")
    proxy.cut()  # the server side closes the idle connection, as Slack's load balancers do
    proxy.restore()

    client.chat_postMessage(channel="CCHANNEL01", text="second")

    assert [call.params["text"] for call in slack.of("chat.postMessage")] == ["first", "second"]
    assert proxy.accepted == 2


def test_a_rate_limit_is_still_waited_out_by_the_sdk_handlers(proxy: TcpProxy, slack: FakeSlack) -> None:
    slack.rate_limit("chat.postMessage", retry_after=0)
    client = client_through(proxy, slack, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])

    response = client.chat_postMessage(channel="CCHANNEL01", text="card")

    assert response["ok"] is True
    assert len(slack.of("chat.postMessage")) == 2


def test_an_api_error_and_an_http_error_reach_the_caller_as_before(proxy: TcpProxy, slack: FakeSlack) -> None:
    client = client_through(proxy, slack)
    slack.fail("chat.postMessage", "not_in_channel")
    with pytest.raises(SlackApiError) as api_error:
        client.chat_postMessage(channel="CCHANNEL01", text="card")
    assert api_error.value.response["error"] == "not_in_channel"

    slack.fail("chat.postMessage", "internal_error", status=500)
    with pytest.raises(SlackApiError) as http_error:
        client.chat_postMessage(channel="CCHANNEL01", text="card")
    assert http_error.value.response.status_code == 500


def test_an_unreachable_slack_is_a_connection_error_the_sdk_retries(slack: FakeSlack) -> None:
    closed = TcpProxy(("127.0.0.1", 9)).start()
    port = closed.port
    closed.stop()
    client = SlackWebClient(token=BOT_TOKEN, base_url=f"http://127.0.0.1:{port}/api/", timeout=2)

    with pytest.raises(URLError) as failure:
        client.chat_postMessage(channel="CCHANNEL01", text="card")

    assert "Connection refused" in str(failure.value)


def test_the_start_up_token_check_is_reused_not_repeated(slack: FakeSlack) -> None:
    client = SlackWebClient(token=BOT_TOKEN, base_url=slack.api_url)
    checked = client.auth_test()
    client.remember_auth(checked)

    assert client.auth_test()["team_id"] == checked["team_id"]
    assert client.auth_test(token=BOT_TOKEN)["team_id"] == checked["team_id"]
    assert len(slack.of("auth.test")) == 1
