"""`python -m bot doctor`: one line per check of an installation, each failure with its fix. Never prints secrets."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

import httpx
from slack_sdk import WebClient

from bot.baseten import BasetenClient
from bot.check import Check
from bot.doctor_services import check_allowlist, check_baseten, check_store
from bot.doctor_slack import check_app_token, check_audit_channel, check_bot_token, check_groups
from bot.settings import ConfigError, Mode, Settings, load_settings
from bot.startup import quiet_client
from bot.watch.doctor import check_watch


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
