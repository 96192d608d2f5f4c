"""`app_home_opened`: the Home tab is built and published off the ack path, for the person who opened it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import App

from bot.background import Submit
from bot.home import HomeTab


@dataclass(frozen=True)
class HomeDeps:
    home: HomeTab
    background: Submit


def on_home_opened(event: dict[str, Any], body: dict[str, Any], *, deps: HomeDeps) -> None:
    """Bolt acknowledges the event when this returns; the messages tab of the same event is not ours to draw."""
    user_id = event.get("user")
    if event.get("tab", "home") != "home" or not isinstance(user_id, str):
        return
    team_id = body.get("team_id") if isinstance(body.get("team_id"), str) else None
    enterprise_id = body.get("enterprise_id") if isinstance(body.get("enterprise_id"), str) else None
    deps.background(lambda: deps.home.opened(user_id, team_id, enterprise_id), f"home tab of {user_id}")


def register(app: App, deps: HomeDeps) -> None:
    app.event("app_home_opened")(partial(on_home_opened, deps=deps))
