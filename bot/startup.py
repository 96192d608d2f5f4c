"""Start-up checks against Slack: each failure is one line that says what is wrong and what to do, in seconds."""

from __future__ import annotations

import errno
import logging
import re
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.web import SlackResponse

from bot.setting_errors import FIXES
from bot.settings import Settings

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

_STATUS = re.compile(r"\(status: (\d+)")
_ERROR = re.compile(r"error: ([^()]*(?:\([^)]*\))?[^()]*)\)\s*$")


class StartupError(Exception):
    """The bot cannot start; the message says what is wrong and what to do, without a traceback or a secret."""


def _quiet_logger() -> logging.Logger:
    """The SDK logs every failed attempt and retry; at start-up our one line says it all."""
    logger = logging.getLogger("bot.startup.slack_sdk")
    logger.propagate = False
    logger.addHandler(logging.NullHandler())
    return logger


def quiet_client(settings: Settings) -> WebClient:
    """For start-up checks: a short timeout and one retry of a failed connection, so a dead network takes
    seconds to report (not the 15 s timeouts and retries commands get), and no SDK log lines before ours."""
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=str(settings.slack_api_url),
        timeout=3,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
        logger=_quiet_logger(),
    )


def _unreachable(settings: Settings, error: Exception) -> StartupError:
    reason = getattr(error, "reason", None) or error
    return StartupError(
        f"Start-up error: could not reach Slack at SLACK_API_URL={settings.slack_api_url} ({reason}); "
        "check the network and any proxy (HTTPS_PROXY), or leave SLACK_API_URL unset"
    )


def _code(error: SlackApiError) -> str | None:
    """Slack's error code, or None when the answer was not Slack's JSON (a proxy's page, a wrong URL)."""
    data = error.response.data
    code = str(data.get("error") or "") if isinstance(data, dict) else ""
    # The SDK reports a non-JSON answer as an `error` of its own.
    return None if not code or code.startswith("Received a response in a non-JSON format") else code


def check_bot_token(settings: Settings, client: WebClient | None = None) -> str:
    """auth.test; returns the token's workspace ID."""
    return str(verify_bot_token(settings, client).get("team_id") or "")


def verify_bot_token(settings: Settings, client: WebClient | None = None) -> SlackResponse:
    """auth.test, with a start-up error that names the problem; returns Slack's answer."""
    try:
        response = (client or quiet_client(settings)).auth_test()
    except SlackApiError as error:
        code = _code(error)
        if code is None:
            raise StartupError(
                f"Start-up error: SLACK_API_URL={settings.slack_api_url} did not answer like Slack's Web API "
                f"(HTTP {error.response.status_code}); leave SLACK_API_URL unset, or check any proxy (HTTPS_PROXY)"
            ) from None
        raise StartupError(
            f"Configuration error: SLACK_BOT_TOKEN was rejected by Slack ({code}); "
            "copy the Bot User OAuth Token (xoxb-...) from the app's OAuth & Permissions page"
        ) from None
    except (SlackClientError, OSError) as error:
        raise _unreachable(settings, error) from None
    team_id = str(response.get("team_id") or "")
    if settings.slack_team_id and team_id and team_id != settings.slack_team_id:
        raise StartupError(
            f"Configuration error: SLACK_TEAM_ID is {settings.slack_team_id} but the bot token belongs to "
            f"workspace {team_id}; fix SLACK_TEAM_ID, or use the token of the app installed in that workspace"
        )
    return response


class _Held(logging.Filter):
    """Keeps the SDK's lines off the log while connecting (it logs and retries each failure); the first
    warning or error is kept as the reason."""

    def __init__(self) -> None:
        super().__init__()
        self.reason = ""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING and not self.reason:
            self.reason = _reason(record.getMessage())
        return False


def _reason(message: str) -> str:
    if status := _STATUS.search(message):
        return f"the WebSocket handshake was answered with HTTP {status.group(1)}"
    if error := _ERROR.search(message):
        return error.group(1)
    return message


def connect_socket(handler: SocketModeHandler, settings: Settings) -> None:
    """Open the Socket Mode connection, or raise StartupError: the SDK's connect() returns even when the
    WebSocket never opened, and would then retry in the background while we logged "connected"."""
    held = _Held()
    logger = handler.client.logger
    logger.addFilter(held)
    problem: StartupError | None = None
    try:
        handler.connect()  # type: ignore[no-untyped-call]
    except SlackApiError as error:
        code = _code(error) or f"HTTP {error.response.status_code}"
        problem = StartupError(
            f"Configuration error: SLACK_APP_TOKEN was rejected by Slack ({code}); {FIXES['slack_app_token']}"
        )
    except (SlackClientError, OSError) as error:
        problem = _unreachable(settings, error)
    if problem is None and not handler.client.is_connected():
        problem = StartupError(
            f"Start-up error: Slack's Socket Mode connection did not open ({held.reason or 'no reason given'}); "
            "check that outbound WebSockets (wss://, port 443) are allowed, and any proxy (HTTPS_PROXY)"
        )
    if problem is not None:
        handler.close()  # type: ignore[no-untyped-call]  # before the filter goes: no reconnecting, no lines
    logger.removeFilter(held)
    if problem is not None:
        raise problem


def listen_error(port: int, error: OSError) -> StartupError:
    """Why HTTP mode cannot listen on `port`, and what to do."""
    if error.errno == errno.EADDRINUSE:
        fix = "another process is listening on it; stop that process or set PORT to a free port"
    elif error.errno == errno.EACCES:
        fix = "ports below 1024 need extra privileges; set PORT to 1024 or above (the default is 3000)"
    else:
        fix = f"{error.strerror or error}; set PORT to a port this machine can listen on"
    return StartupError(f"Start-up error: cannot listen on PORT={port}: {fix}")
