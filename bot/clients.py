"""The clients the bot talks through, built from the settings: Slack's Web API, Baseten, and the Bolt app."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable

import httpx
from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.baseten import BasetenClient
from bot.delivery import retry_handlers
from bot.settings import Settings
from bot.slack_client import SlackWebClient
from bot.startup import check_bot_token

log = logging.getLogger("bot.app")

GROUP_LOOKUP_TIMEOUT = 2


def build_web_client(settings: Settings) -> SlackWebClient:
    return SlackWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=str(settings.slack_api_url),
        timeout=15,
        retry_handlers=list(retry_handlers()),
    )


def group_client(settings: Settings) -> WebClient:
    """Group lookups run before the ack: a short timeout and no waiting out a 429, or Slack's 3 s pass; its
    connections are kept, so a lookup pays no new TLS handshake."""
    return SlackWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=str(settings.slack_api_url),
        timeout=GROUP_LOOKUP_TIMEOUT,
        retry_handlers=[],
    )


def workspace(settings: Settings, token_team_id: str | None, web_client: WebClient) -> str | None:
    """The workspace whose people may use the bot: SLACK_TEAM_ID, else the bot token's own, so someone from
    another organization in a shared channel is refused. With SLACK_ENTERPRISE_ID alone, any of its workspaces."""
    if settings.slack_team_id or settings.slack_enterprise_id:
        return settings.slack_team_id
    return token_team_id or check_bot_token(settings, web_client) or None


def baseten_client(
    settings: Settings,
    tls: ssl.SSLContext,
    transport: httpx.BaseTransport | None,
    sleep: Callable[[float], None],
    timeout: httpx.Timeout | None,
) -> BasetenClient:
    """For the recreate itself and the reads on its way: the client's full patience with a busy Baseten."""
    kwargs: dict[str, object] = {} if timeout is None else {"timeout": timeout}
    return BasetenClient(
        settings.baseten_api_key.get_secret_value(),
        str(settings.baseten_api_url),
        transport=transport,
        sleep=sleep,
        tls=tls,
        **kwargs,  # type: ignore[arg-type]
    )


def quick_reader(
    settings: Settings, tls: ssl.SSLContext, transport: httpx.BaseTransport | None, sleep: Callable[[float], None]
) -> BasetenClient:
    """For reads that repeat on their own schedule (following jobs, looking for a lost job): a short timeout,
    no waiting out a 429, so a Baseten brownout cannot stretch one look into minutes."""
    return BasetenClient(
        settings.baseten_api_key.get_secret_value(),
        str(settings.baseten_api_url),
        transport=transport,
        attempts=2,
        max_rate_limit_wait=0,
        sleep=sleep,
        timeout=httpx.Timeout(10.0, read=15.0),
        tls=tls,
    )


def bolt_app(settings: Settings, web_client: WebClient) -> App:
    app = App(
        client=web_client,
        signing_secret=(settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None),
        # Socket Mode has no signatures; Bolt's check is skipped there and enforced in HTTP mode.
        request_verification_enabled=settings.slack_signing_secret is not None,
        # Bolt then checks the token once here and caches the answer; without it, every request of a burst
        # that arrives before the first answer calls auth.test again.
        token_verification_enabled=True,
        # The listener acks and hands the slow work to our Runner, so Bolt need not run it on its own pool.
        process_before_response=True,
        logger=_bolt_logger(),
        # Named, or Bolt reads the source of every calling frame to name itself: a tenth of the start-up.
        name="recreate-job",
    )
    app.error(_last_net)
    return app


class _TokenFromEnvironment(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that it is unused beside our client: true, and expected."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _TokenFromEnvironment) for f in logger.filters):
        logger.addFilter(_TokenFromEnvironment())
    return logger


def _last_net(error: Exception, body: dict[str, object]) -> BoltResponse:
    """Errors no listener caught: logged with their traceback; Slack gets an empty 200 so it shows no retry."""
    log.error("unhandled error for %s", body.get("type") or body.get("command"), exc_info=error)
    return BoltResponse(status=200, body="")
