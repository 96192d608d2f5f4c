"""Typed views of the Slack payloads the bot receives, parsed once at the edge."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SlashCommand(BaseModel):
    """A slash command invocation. `user_id` is what permissions are checked on (names are mutable)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    command: str = "/recreate-job"
    text: str = ""
    user_id: str
    channel_id: str
    team_id: str | None = None
    enterprise_id: str | None = None
    channel_name: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None
