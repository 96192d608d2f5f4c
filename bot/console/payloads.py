"""Signed Slack request bodies, built as Slack builds them: the console sends them through the real app."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

from slack_sdk.signature import SignatureVerifier


def signed_headers(body: str, *, secret: str, timestamp: int | None = None) -> dict[str, str | Sequence[str]]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body) or ""
    return {
        # The Events API posts JSON; slash commands and interactions are form-encoded.
        "content-type": "application/json" if body.startswith("{") else "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": signature,
    }


def command_body(
    text: str,
    *,
    user_id: str,
    channel_id: str,
    team_id: str,
    response_url: str,
    command: str = "/recreate-job",
    enterprise_id: str | None = None,
) -> str:
    enterprise = {"enterprise_id": enterprise_id} if enterprise_id else {}
    return urlencode(
        {
            **enterprise,
            "token": "legacy-verification-token",
            "team_id": team_id,
            "team_domain": "example",
            "channel_id": channel_id,
            "channel_name": "console",
            "user_id": user_id,
            "user_name": "someone",
            "command": command,
            "text": text,
            "api_app_id": "A0APP00001",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        }
    )


def action_body(
    action_id: str,
    value: str,
    *,
    user_id: str,
    channel_id: str,
    team_id: str,
    response_url: str,
) -> str:
    """A block_actions payload for a button click, form-encoded as Slack sends it."""
    payload = {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "example"},
        "user": {"id": user_id, "username": "someone", "team_id": team_id},
        "api_app_id": "A0APP00001",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1700000000.000100", "is_ephemeral": True},
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "channel": {"id": channel_id, "name": "console"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "text": {"type": "plain_text", "text": action_id},
                "value": value,
                "type": "button",
                "action_ts": "1700000001.000200",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def link_shared_body(
    links: list[str],
    *,
    user_id: str,
    channel_id: str,
    team_id: str,
    message_ts: str,
    ext_shared: bool | None = False,
    source: str = "conversations_history",
) -> str:
    """An Events API `link_shared` envelope, JSON as Slack sends it; `ext_shared` None leaves the flag out."""
    envelope: dict[str, object] = {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": "A0APP00001",
        "type": "event_callback",
        "event_id": f"Ev{message_ts.replace('.', '')}",
        "event_time": int(time.time()),
        "event": {
            "type": "link_shared",
            "channel": channel_id,
            "is_bot_user_member": True,
            "user": user_id,
            "message_ts": message_ts,
            "unfurl_id": f"{channel_id}.{message_ts}.unfurl",
            "source": source,
            "links": [{"domain": _host(url), "url": url} for url in links],
            "event_ts": message_ts,
        },
    }
    if ext_shared is not None:
        envelope["is_ext_shared_channel"] = ext_shared
    return json.dumps(envelope)


def shortcut_body(
    message: dict[str, object],
    *,
    user_id: str,
    channel_id: str,
    team_id: str,
    response_url: str,
    callback_id: str = "recreate_job_from_message",
) -> str:
    """A `message_action` payload (a message shortcut on `message`), form-encoded as Slack sends it."""
    payload = {
        "type": "message_action",
        "callback_id": callback_id,
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "action_ts": "1700000002.000300",
        "team": {"id": team_id, "domain": "example"},
        "user": {"id": user_id, "name": "someone", "team_id": team_id},
        "channel": {"id": channel_id, "name": "console"},
        "message_ts": message.get("ts", "1700000000.000100"),
        "message": {"type": "message", "ts": "1700000000.000100", **message},
        "response_url": response_url,
        "token": "legacy-verification-token",
    }
    return urlencode({"payload": json.dumps(payload)})


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "") if "://" in url else url.split("/", 1)[0]


def event_body(event: dict[str, Any], *, team_id: str, event_id: str = "Ev0CONSOLE01") -> str:
    """An Events API callback (e.g. `app_home_opened`), JSON as Slack posts it."""
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": team_id,
            "api_app_id": "A0APP00001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
        }
    )


def home_opened(user_id: str) -> dict[str, Any]:
    """The `app_home_opened` event of `user_id` opening the app's Home tab."""
    return {
        "type": "app_home_opened",
        "user": user_id,
        "channel": "D0HOME0001",
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }
