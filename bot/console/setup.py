"""What a console session runs with: its settings (with `--demo`, none of the installation's) and its origin."""

from __future__ import annotations

import getpass
import os
from typing import Any

from bot.console.demo_samples import WATCHED
from bot.console.standin import CHANNEL_ID
from bot.settings import Settings, load_settings

DEMO_USER = "U0DEMO0001"
NOBODY = "U0CONSOLE1"
DEMO_DATABASE_URL = "sqlite:///:memory:"
# The demo's failure watch checks this often (the settings' floor), so the demo job's failure is alerted soon.
DEMO_WATCH_INTERVAL = 10


def console_settings(demo: bool, slack_url: str, secret: str) -> Settings:
    """The settings of a console session: with `demo`, nothing of the installation's."""
    overrides: dict[str, Any] = {
        "slack_bot_token": "xoxb-console",
        "slack_signing_secret": secret,
        "slack_app_token": None,
        "slack_api_url": f"{slack_url}/api/",
        "slack_team_id": None,
        "slack_enterprise_id": None,
    }
    if demo:
        # Nothing of the installation's: a demo on a production host must not write to its store (a "created"
        # job there would be followed, with the real key, by the serving bot) nor act as its real people.
        overrides |= {
            "baseten_api_key": "demo",
            "baseten_api_url": "https://demo.invalid",
            "follow_interval": 5,
            "database_url": DEMO_DATABASE_URL,
            "allowed_user_ids": [DEMO_USER],
            "allowed_usergroup_ids": [],
            "allowed_channel_ids": [],
            "audit_channel_id": None,
            "watch_project_ids": [WATCHED],
            "watch_channel_id": CHANNEL_ID,
            "watch_interval": DEMO_WATCH_INTERVAL,
        }
    return load_settings(**overrides)


def operating_system_user() -> str:
    """Who is at this terminal, for the audit trail."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name, no passwd entry: a container's numeric user
        return f"uid {os.getuid()}"


def origin(os_user: str, acting_as: str | None) -> str:
    """`console:alice`, or `console:alice as U0123ABC` when --user puts someone else's name on the attempts."""
    return f"console:{os_user}" + (f" as {acting_as}" if acting_as else "")
