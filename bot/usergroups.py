"""`python -m bot usergroups`: the workspace's user groups and their IDs, which Slack's own UI does not show."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TextIO

from pydantic import AnyHttpUrl, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.setting_errors import describe_errors
from bot.settings import checked_bot_token


class SlackAccess(BaseSettings):
    """Only what listing user groups needs, so it works before the rest of the settings are right."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr
    slack_api_url: AnyHttpUrl = AnyHttpUrl("https://slack.com/api/")

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr) -> SecretStr:
        return checked_bot_token(value)


def _line(group: dict[str, Any]) -> str:
    handle = f"@{group.get('handle')}" if group.get("handle") else ""
    count = group.get("user_count")
    members = f" ({count} members)" if count is not None else ""
    disabled = " (disabled)" if group.get("date_delete") else ""
    return f"{group.get('id')}  {handle:<24} {group.get('name') or ''}{members}{disabled}"


def _why(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        code = error.response.get("error")
        if code == "missing_scope":
            return "the bot token lacks the usergroups:read scope: add it from slack-app-manifest.yaml and reinstall"
        if code == "plan_upgrade_required":
            return "this workspace's Slack plan has no user groups: use ALLOWED_USER_IDS instead"
        return f"Slack refused ({code}): check SLACK_BOT_TOKEN"
    return f"could not reach Slack ({type(error).__name__}): check the network and SLACK_API_URL"


def run(
    *,
    out: TextIO = sys.stdout,
    loader: Callable[[], SlackAccess] = SlackAccess,
    web_client: WebClient | None = None,
) -> int:
    """Print one line per user group, `ID  @handle  name (n members)`; exit 1 when Slack cannot be asked."""
    try:
        access = loader()
    except ValidationError as error:
        for line in describe_errors(error, SlackAccess.model_fields):
            print(f"Configuration error: {line}", file=sys.stderr)
        return 2
    client = web_client or WebClient(
        token=access.slack_bot_token.get_secret_value(), base_url=str(access.slack_api_url), timeout=10
    )
    try:
        groups = client.usergroups_list(include_count=True, include_disabled=True).get("usergroups") or []
    except (SlackApiError, SlackClientError, OSError) as error:
        print(f"Could not list user groups: {_why(error)}", file=sys.stderr)
        return 1
    if not groups:
        print("This workspace has no user groups.", file=out)
        return 0
    for group in sorted(groups, key=lambda g: str(g.get("handle") or g.get("name") or "")):
        print(_line(group), file=out)
    print("Put the IDs you want (S...) in ALLOWED_USERGROUP_IDS, separated by commas.", file=out)
    return 0
