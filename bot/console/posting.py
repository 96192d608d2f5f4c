"""Messages typed into the console as if posted in its channel: `say <text>` (job links in it are unfurled, as
Slack's link_shared would have them) and `shortcut` (the message shortcut, on the last message in the channel)."""

from __future__ import annotations

import itertools
import re
from typing import Any
from urllib.parse import urlsplit

from bot.console import payloads
from bot.console.standin import CHANNEL_ID, TEAM_ID, ConsoleSlack

_LINK = re.compile(r"<(https?://[^<>|]+)(?:\|[^<>]*)?>|(https?://[^\s<>]+)")


class Posting:
    def __init__(self, slack: ConsoleSlack, *, app_host: str, user_id: str) -> None:
        self._slack = slack
        self._app_host = app_host.lower()
        self._user_id = user_id
        self._ts = itertools.count(1)
        self._shortcuts = itertools.count(1)

    def say(self, text: str) -> str | None:
        """Post `text`; the signed link_shared event for its links on BASETEN_APP_URL's host, or None."""
        ts = f"{1800000000 + next(self._ts)}.000100"
        self._slack.last_message = {"text": text, "ts": ts, "user": self._user_id}
        links = [url for url in self._links(text) if _host(url) == self._app_host]
        if not links:
            return None
        return payloads.link_shared_body(
            links, user_id=self._user_id, channel_id=CHANNEL_ID, team_id=TEAM_ID, message_ts=ts
        )

    def shortcut(self) -> str | None:
        """The signed shortcut on the channel's last message (said, or posted by the bot); None before any."""
        message: dict[str, Any] | None = self._slack.last_message
        if message is None:
            return None
        return payloads.shortcut_body(
            message,
            user_id=self._user_id,
            channel_id=CHANNEL_ID,
            team_id=TEAM_ID,
            response_url=f"{self._slack.url}/response/shortcut{next(self._shortcuts)}",
        )

    @staticmethod
    def _links(text: str) -> list[str]:
        return [(match.group(1) or match.group(2)).rstrip(".,;:!?)") for match in _LINK.finditer(text)]


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
