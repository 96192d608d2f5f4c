"""Typed views of the Slack payloads the bot receives, parsed once at the edge."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bot.requester import Requester


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

    @property
    def requester(self) -> Requester:
        return Requester(self.user_id, self.channel_id, self.team_id, self.response_url)


class _Id(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str


class _Action(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    action_id: str
    value: str = ""


class ButtonClick(BaseModel):
    """A block_actions payload for one of our buttons. The clicker is `user.id`, not whoever asked."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    user: _Id
    team: _Id | None = None
    channel: _Id | None = None
    response_url: str | None = None
    actions: list[_Action]

    @property
    def user_id(self) -> str:
        return self.user.id

    @property
    def team_id(self) -> str | None:
        return self.team.id if self.team else None

    @property
    def action(self) -> _Action:
        return self.actions[0]
