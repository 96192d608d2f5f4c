"""Getting messages to people: the channel card with its fallbacks, and replies to the requester."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.messages import Message
from bot.messages.replies import posted_elsewhere

log = logging.getLogger(__name__)


def retry_handlers() -> list[ConnectionErrorRetryHandler | RateLimitErrorRetryHandler]:
    """Slack 429s are waited out (Retry-After), connection resets retried; nothing is dropped."""
    return [ConnectionErrorRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=3)]


class Route(StrEnum):
    CHANNEL = "channel"
    """chat.postMessage in the conversation: editable later."""
    RESPONSE_URL = "response_url"
    """The command's response_url, in channel: works where the bot is not a member."""
    DIRECT = "direct"
    """The requester's DM with the bot, because the conversation refused both."""
    EPHEMERAL = "ephemeral"
    """Only the requester saw it (plain text): the last resort."""


@dataclass(frozen=True)
class Posted:
    route: Route
    channel_id: str | None = None
    ts: str | None = None


WebhookFactory = Callable[[str], WebhookClient]


def default_webhook(url: str) -> WebhookClient:
    return WebhookClient(url=url, timeout=10, retry_handlers=list(retry_handlers()))


class Delivery:
    """Posts through Slack's Web API and response_url, falling back so a message always lands somewhere."""

    def __init__(self, client: WebClient, webhook_factory: WebhookFactory = default_webhook) -> None:
        self._client = client
        self._webhook = webhook_factory

    def reply(
        self, response_url: str | None, message: Message, *, in_channel: bool = False, replace: bool = False
    ) -> bool:
        """Send through a response_url; False (logged) when Slack did not take it."""
        if not response_url:
            return False
        try:
            response = self._webhook(response_url).send(
                text=message.text,
                blocks=message.blocks or None,
                response_type="in_channel" if in_channel else "ephemeral",
                replace_original=replace or None,
            )
        except (SlackClientError, OSError) as error:
            log.warning("response_url post failed: %s", error)
            return False
        if response.status_code != 200:
            log.warning("response_url post refused: HTTP %s %s", response.status_code, response.body[:200])
            return False
        return True

    def replace(self, response_url: str | None, message: Message) -> bool:
        """Replace the message a button was clicked in (through the click's response_url)."""
        return self.reply(response_url, message, replace=True)

    def post(self, channel_id: str, message: Message, *, thread_ts: str | None = None) -> Posted | None:
        try:
            response = self._client.chat_postMessage(
                channel=channel_id,
                text=message.text,
                blocks=message.blocks or None,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            log.warning("chat.postMessage to %s failed: %s", channel_id, error.response.get("error"))
            return None
        except (SlackClientError, OSError) as error:
            log.warning("chat.postMessage to %s failed: %s", channel_id, error)
            return None
        return Posted(Route.CHANNEL, str(response.get("channel") or channel_id), str(response.get("ts")))

    def update(self, channel_id: str, ts: str, message: Message) -> bool:
        """Edit a message the bot posted (chat.update); False (logged) when Slack refused."""
        try:
            self._client.chat_update(channel=channel_id, ts=ts, text=message.text, blocks=message.blocks or None)
        except (SlackClientError, OSError) as error:
            log.warning("could not update message %s in %s: %s", ts, channel_id, error)
            return False
        return True

    def ephemeral(self, channel_id: str, user_id: str, message: Message) -> bool:
        """A message only `user_id` sees, in `channel_id` (chat.postEphemeral), for when no response_url is left."""
        try:
            self._client.chat_postEphemeral(
                channel=channel_id, user=user_id, text=message.text, blocks=message.blocks or None
            )
        except (SlackClientError, OSError) as error:
            log.warning("chat.postEphemeral to %s in %s failed: %s", user_id, channel_id, error)
            return False
        return True

    def follow_up(
        self,
        message: Message,
        *,
        thread: tuple[str, str] | None,
        channel_id: str,
        user_id: str,
        response_url: str | None,
        what: str,
    ) -> Posted | None:
        """A reply about a card: in the card's thread (channel, ts); where the card has none, by card()'s routes."""
        if thread is not None:
            posted = self.post(thread[0], message, thread_ts=thread[1])
            if posted is not None:
                return posted
        return self.card(message, channel_id=channel_id, user_id=user_id, response_url=response_url, what=what)

    def card(
        self,
        message: Message,
        *,
        channel_id: str,
        user_id: str,
        response_url: str | None,
        what: str,
    ) -> Posted | None:
        """Post `message` for everyone in the conversation, or at least to the requester.

        Order: the channel itself; the response_url in channel (private channels and DMs without the bot);
        the requester's DM with the bot; finally a plain-text ephemeral reply. `what` names the content in the
        logs (e.g. the new job's ID) so that a card nobody saw is still on record.
        """
        posted = self.post(channel_id, message)
        if posted is not None:
            return posted
        if self.reply(response_url, message, in_channel=True):
            return Posted(Route.RESPONSE_URL)
        log.error("could not post %s in %s; sending it to %s directly", what, channel_id, user_id)
        direct = Message(text=message.text, blocks=posted_elsewhere(channel_id).blocks + message.blocks)
        posted = self.post(user_id, direct)
        if posted is not None:
            return Posted(Route.DIRECT, posted.channel_id, posted.ts)
        # The blocks themselves may be what Slack refuses; the text alone still carries the job's ID.
        if self.reply(response_url, Message.plain(message.text)):
            return Posted(Route.EPHEMERAL)
        if self.post(user_id, Message.plain(message.text)) is not None:
            return Posted(Route.DIRECT)
        log.error("every way of posting %s failed; message text: %s", what, message.text)
        return None
