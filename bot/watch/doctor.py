"""The failure watch's lines in `python -m bot doctor`: its channel takes a message, and each watched project exists."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.baseten import BasetenClient, BasetenError
from bot.check import Check, slack_error
from bot.settings import Settings

PROJECT_ID_HOW = "a project's ID is in its dashboard address, …/training/<project_id>/…"


def check_watch(client: WebClient, baseten: BasetenClient, settings: Settings) -> list[Check]:
    """Nothing when nothing is watched."""
    if not settings.watch_project_ids or settings.watch_channel_id is None:
        return []
    return [check_channel(client, settings, settings.watch_channel_id), *check_projects(baseten, settings)]


def check_channel(client: WebClient, settings: Settings, channel: str) -> Check:
    """A real post, as for the audit channel: it is what an alert does, so nothing short of it proves an alert lands
    (chat:write.public lets the bot into public channels it was never invited to, which no lookup would show)."""
    try:
        client.chat_postMessage(channel=channel, text="recreate-job doctor: failed training jobs are alerted here.")
    except (SlackApiError, SlackClientError, OSError) as error:
        fix = f"invite the bot to {channel} (/invite @recreate-job there) or fix WATCH_CHANNEL_ID"
        return Check("watch channel", False, slack_error(error, fix, settings))
    return Check("watch channel", True, f"posted a test line in {channel}; alerts go there")


def check_projects(baseten: BasetenClient, settings: Settings) -> list[Check]:
    try:
        visible = {project.id: project.name for project in baseten.list_projects()}
    except BasetenError as error:
        return [Check("watched projects", False, f"could not be listed ({error.message}); fix the Baseten lines first")]
    if settings.watch_all:
        if not visible:
            return [Check("watched projects", False, "WATCH_PROJECT_IDS=all, but the API key sees no training project")]
        return [Check("watched projects", True, f"all {len(visible)} training projects the API key sees")]
    found = [project for project in settings.watch_project_ids if project in visible]
    checks = [
        Check(
            f"watched project {project}",
            False,
            f"not among the {len(visible)} training projects the API key sees; fix WATCH_PROJECT_IDS "
            f"({PROJECT_ID_HOW}) or use a key of the team that owns it",
        )
        for project in settings.watch_project_ids
        if project not in visible
    ]
    if found:
        named = ", ".join(f"{project} ({visible[project]})" for project in found)
        checks.insert(0, Check("watched projects", True, f"{len(found)} found: {named}"))
    return checks
