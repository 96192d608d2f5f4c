"""Socket Mode: the connection to Slack, its liveness file, and a clean shutdown. Loaded only in Socket Mode, so
HTTP mode does not pay for importing the WebSocket client."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackClientError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.app import Bot
from bot.liveness import Liveness
from bot.server import catch_stop_signals, drain, start_background, wait_for_stop_signal
from bot.settings import loopback_host
from bot.startup import connect_socket

# Logged under the server's name, as before the split, so log filters keep matching.
log = logging.getLogger("bot.server")


class _AnsweringSocketModeHandler(SocketModeHandler):
    """Each envelope is answered inside `runner.answering()`, as wsgi_app does for HTTP requests: without it the
    runner starts each acked command's Baseten work at once, and in a burst that work slows the acks still due."""

    def __init__(self, bot: Bot, app_token: str) -> None:
        super().__init__(bot.app, app_token, concurrency=16)
        self._runner = bot.runner

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]  # as Bolt
        with self._runner.answering():
            super().handle(client, req)


def socket_handler(bot: Bot) -> SocketModeHandler:
    """The Socket Mode connection serve_socket uses, not yet connected; tests run it against a fake Slack."""
    assert bot.settings.slack_app_token is not None
    handler = _AnsweringSocketModeHandler(bot, bot.settings.slack_app_token.get_secret_value())
    issue = handler.client.issue_new_wss_url

    def encrypted_url() -> str:
        # Socket Mode trusts what apps.connections.open answers: every command arrives on that connection.
        url = issue()
        parts = urlsplit(url)
        if parts.scheme != "wss" and not (parts.scheme == "ws" and loopback_host(parts.hostname)):
            raise SlackClientError(
                f"apps.connections.open answered a {parts.scheme}:// URL on {parts.hostname}, not wss://; refused"
            )
        return url

    handler.client.issue_new_wss_url = encrypted_url  # type: ignore[method-assign]
    return handler


def serve_socket(bot: Bot) -> None:
    stop = catch_stop_signals()
    start_background(bot)
    handler = socket_handler(bot)
    liveness = Liveness(bot.settings.health_file)
    connect_socket(handler, bot.settings)  # raises StartupError unless the WebSocket is open
    log.info("Socket Mode: connected to Slack")
    liveness.start(lambda: handler.client.is_connected() and not bot.runner.closing)
    wait_for_stop_signal(stop)
    liveness.stop()
    # Disconnect first so Slack sends new commands to another connection (a new deploy), then drain.
    handler.close()  # type: ignore[no-untyped-call]
    drain(bot)
