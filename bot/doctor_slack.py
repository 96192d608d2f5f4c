"""The doctor's checks of Slack: the bot and app tokens, their scopes and workspace, user groups, the audit channel."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.check import Check
from bot.check import slack_error as _slack_error
from bot.setting_errors import GROUP_ID_HOW
from bot.settings import Settings

NEEDED_SCOPES = ("commands", "chat:write", "chat:write.public")


def check_bot_token(client: WebClient, settings: Settings) -> Check:
    try:
        response = client.auth_test()
    except (SlackApiError, SlackClientError, OSError) as error:
        return Check(
            "Slack bot token", False, _slack_error(error, "set SLACK_BOT_TOKEN to the Bot User OAuth Token", settings)
        )
    scopes = {s.strip() for s in str(response.headers.get("x-oauth-scopes", "")).split(",") if s.strip()}
    needed = list(NEEDED_SCOPES) + (["usergroups:read"] if settings.allowed_usergroup_ids else [])
    missing = [scope for scope in needed if scope not in scopes]
    if scopes and missing:
        return Check(
            "Slack bot token",
            False,
            f"missing scopes {', '.join(missing)}; add them from slack-app-manifest.yaml and reinstall the app",
        )
    team_id = response.get("team_id")
    where = f"workspace {response.get('team')} ({team_id})" if response.get("team") else f"workspace {team_id}"
    if settings.slack_team_id and response.get("team_id") != settings.slack_team_id:
        return Check("Slack bot token", False, f"belongs to {where}, but SLACK_TEAM_ID is {settings.slack_team_id}")
    return Check("Slack bot token", True, f"valid for {where}")


def check_app_token(client: WebClient, settings: Settings) -> Check:
    assert settings.slack_app_token is not None
    try:
        client.apps_connections_open(app_token=settings.slack_app_token.get_secret_value())
    except (SlackApiError, SlackClientError, OSError) as error:
        return Check(
            "Slack app token",
            False,
            _slack_error(error, "set SLACK_APP_TOKEN to an app-level token with connections:write", settings),
        )
    return Check("Slack app token", True, "Socket Mode connections can be opened")


def check_groups(client: WebClient, settings: Settings) -> list[Check]:
    checks = []
    for group in settings.allowed_usergroup_ids:
        try:
            users = client.usergroups_users_list(usergroup=group).get("users") or []
        except (SlackApiError, SlackClientError, OSError) as error:
            checks.append(
                Check(
                    f"user group {group}",
                    False,
                    _slack_error(error, f"check ALLOWED_USERGROUP_IDS; {GROUP_ID_HOW}", settings),
                )
            )
        else:
            checks.append(Check(f"user group {group}", True, f"exists, {len(users)} members"))
    return checks


def check_audit_channel(client: WebClient, settings: Settings) -> Check | None:
    if settings.audit_channel_id is None:
        return None
    try:
        client.chat_postMessage(
            channel=settings.audit_channel_id,
            text="recreate-job doctor: this channel receives the audit trail of every recreate.",
        )
    except (SlackApiError, SlackClientError, OSError) as error:
        return Check(
            "audit channel",
            False,
            _slack_error(error, f"invite the bot to {settings.audit_channel_id} or fix AUDIT_CHANNEL_ID", settings),
        )
    return Check("audit channel", True, f"posted a test line in {settings.audit_channel_id}")
