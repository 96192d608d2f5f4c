"""Signing Slack requests the way Slack does, with the test defaults for users, channel and workspace."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from bot.console import payloads

SIGNING_SECRET = "test-signing-secret-0123456789"
_DEFAULTS = {
    "user_id": "UALLOWED01",
    "channel_id": "CCHANNEL01",
    "team_id": "T0TEAM0001",
    "response_url": "http://127.0.0.1:9/response/none",
}


def signed_headers(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str | Sequence[str]]:
    return payloads.signed_headers(body, secret=secret, timestamp=timestamp)


def command_body(text: str, **fields: str) -> str:
    return payloads.command_body(text, **{**_DEFAULTS, **fields})


def command_fields(text: str, **fields: str) -> dict[str, str]:
    """The same command as its form fields, as a Socket Mode envelope carries them in its payload."""
    return dict(parse_qsl(command_body(text, **fields)))


def event_body(event: dict[str, Any], **fields: str) -> str:
    """An Events API callback in the test workspace."""
    return payloads.event_body(event, team_id=fields.get("team_id", _DEFAULTS["team_id"]))


def action_body(action_id: str, value: str, **fields: str) -> str:
    return payloads.action_body(action_id, value, **{**_DEFAULTS, **fields})


def link_shared_body(links: list[str], *, message_ts: str = "1700000000.000100", **fields: Any) -> str:
    """A link_shared event envelope (JSON) from the default user in the default channel."""
    who = {"user_id": _DEFAULTS["user_id"], "channel_id": _DEFAULTS["channel_id"], "team_id": _DEFAULTS["team_id"]}
    return payloads.link_shared_body(links, message_ts=message_ts, **{**who, **fields})


def shortcut_body(message: dict[str, Any], **fields: str) -> str:
    """A message shortcut on `message` by the default user in the default channel."""
    return payloads.shortcut_body(message, **{**_DEFAULTS, **fields})


__all__ = [
    "SIGNING_SECRET",
    "action_body",
    "command_body",
    "command_fields",
    "event_body",
    "link_shared_body",
    "shortcut_body",
    "signed_headers",
]
