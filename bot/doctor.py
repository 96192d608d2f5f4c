"""`python -m bot doctor`: one line per check of an installation, each failure with its fix. Never prints secrets."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from typing import TextIO

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.baseten import BasetenClient, BasetenError, KeyRejected, NotFound, Unreachable
from bot.budget import Budget
from bot.check import Check
from bot.check import slack_error as _slack_error
from bot.setting_errors import GROUP_ID_HOW
from bot.settings import ConfigError, Mode, Settings, load_settings
from bot.startup import quiet_client
from bot.store import StoreError, describe, open_store, utcnow
from bot.watch.doctor import check_watch

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


def check_baseten(baseten: BasetenClient, settings: Settings) -> Check:
    """The key, once the URL is known to lead to Baseten's API: a wrong URL is named as the URL, not the key."""
    url = f"BASETEN_API_URL={settings.baseten_api_url}"
    try:
        projects = baseten.list_projects()
    except KeyRejected as error:
        return Check("Baseten API key", False, f"rejected (HTTP {error.status}); set BASETEN_API_KEY to a valid key")
    except NotFound:
        return Check(
            "Baseten API URL",
            False,
            f"{url} has no /v1/training_projects (HTTP 404); set it to the API's base address, "
            "e.g. https://api.baseten.co, or leave it unset",
        )
    except Unreachable as error:
        return Check("Baseten API URL", False, f"{error.message} ({url}); check the network and the URL")
    except BasetenError as error:
        if error.status is not None and error.status < 300:
            return Check(
                "Baseten API URL", False, f"{url} did not answer like Baseten's API; e.g. https://api.baseten.co"
            )
        return Check("Baseten API", False, f"{error.message} ({url})")
    return Check("Baseten API key", True, f"accepted; {len(projects)} training projects visible")


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


def check_allowlist(settings: Settings) -> Check:
    if not settings.allowlist_configured:
        return Check("allowlist", False, "nobody may recreate jobs; set ALLOWED_USER_IDS or ALLOWED_USERGROUP_IDS")
    where = f" in {len(settings.allowed_channel_ids)} channels" if settings.allowed_channel_ids else ""
    return Check(
        "allowlist",
        True,
        f"{len(settings.allowed_user_ids)} users and {len(settings.allowed_usergroup_ids)} user groups{where}",
    )


def check_store(settings: Settings) -> list[Check]:
    """Connection, schema version and write access (the URL shown without its password), and what the GPU budget
    has counted in the last hour."""
    try:
        store = open_store(settings.database_url)
        try:
            version = store.schema_version()
            store.check_writable()
            spent = store.spent_since(Budget.window_start(utcnow()))
        finally:
            store.close()
    except StoreError as error:
        return [Check("audit store", False, f"{error}; fix DATABASE_URL, the server or the file's permissions")]
    per_user = settings.recreate_limit_per_user
    gpus = settings.gpu_limit_per_hour
    busiest = max(Counter(s.user_id for s in spent).values(), default=0)
    used = (
        f"last hour: {len(spent)} recreates, {sum(s.gpus for s in spent)} GPUs"
        f" of GPU_LIMIT_PER_HOUR={gpus if gpus is not None else 'off'};"
        f" busiest person {busiest} of RECREATE_LIMIT_PER_USER={per_user if per_user is not None else 'off'}"
    )
    where = f"{describe(settings.database_url)} is writable, at schema version {version}"
    return [Check("audit store", True, where), Check("GPU budget", True, used)]


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


def diagnose(
    settings: Settings,
    *,
    web_client: WebClient | None = None,
    baseten_transport: httpx.BaseTransport | None = None,
) -> list[Check]:
    client = web_client or quiet_client(settings)  # a short timeout: a dead network is reported in seconds
    baseten = BasetenClient(
        settings.baseten_api_key.get_secret_value(),
        str(settings.baseten_api_url),
        transport=baseten_transport,
        attempts=1,
        max_rate_limit_wait=0,
        timeout=httpx.Timeout(10.0),
    )
    checks = [Check("settings", True, f"complete ({settings.mode.value} mode)"), check_bot_token(client, settings)]
    if settings.mode is Mode.SOCKET:
        checks.append(check_app_token(client, settings))
    checks.append(check_baseten(baseten, settings))
    checks += check_watch(client, baseten, settings)
    baseten.close()
    checks.append(check_allowlist(settings))
    checks += check_groups(client, settings)
    checks += check_store(settings)
    audit = check_audit_channel(client, settings)
    if audit is not None:
        checks.append(audit)
    return checks


def run(
    *,
    out: TextIO = sys.stdout,
    settings_loader: Callable[[], Settings] = load_settings,
    web_client: WebClient | None = None,
    baseten_transport: httpx.BaseTransport | None = None,
) -> int:
    """Print one line per check; exit status 1 when any failed."""
    try:
        settings = settings_loader()
    except ConfigError as error:
        for problem in error.problems:
            print(Check("settings", False, problem).line(), file=out)
        return 1
    checks = diagnose(settings, web_client=web_client, baseten_transport=baseten_transport)
    for check in checks:
        print(check.line(), file=out)
    failed = sum(not check.ok for check in checks)
    print(f"{len(checks) - failed} passed, {failed} failed", file=out)
    return 1 if failed else 0
