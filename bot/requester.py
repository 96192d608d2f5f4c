"""Who asked for something, where, and how to reach them: carried whole from the entry point to every reply."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Requester:
    user_id: str
    channel_id: str
    """The conversation they asked in: where the card goes."""
    team_id: str | None = None
    response_url: str | None = None
    """Slack's reply address for the request (30 minutes, 5 uses); None when unknown or expired."""

    def reached_at(self, response_url: str | None) -> Requester:
        return Requester(self.user_id, self.channel_id, self.team_id, response_url)
