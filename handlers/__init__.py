"""Slack entry points. `register` is called by the wiring in `bot.app`; nothing here is global."""

from __future__ import annotations

from slack_bolt import App

from handlers.link_button import register as register_link_button
from handlers.recreate_command import CommandDeps
from handlers.recreate_command import register as register_recreate_command

__all__ = ["CommandDeps", "register"]


def register(app: App, deps: CommandDeps) -> None:
    register_recreate_command(app, deps)
    register_link_button(app)
