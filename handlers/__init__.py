"""Slack entry points. `register` is called by the wiring in `bot.app`; nothing here is global."""

from __future__ import annotations

from slack_bolt import App

from handlers.alert_button import AlertButtonDeps
from handlers.alert_button import register as register_alert_button
from handlers.link_button import register as register_link_button
from handlers.preview_buttons import ButtonDeps
from handlers.preview_buttons import register as register_preview_buttons
from handlers.recreate_command import CommandDeps
from handlers.recreate_command import register as register_recreate_command

__all__ = ["AlertButtonDeps", "ButtonDeps", "CommandDeps", "register"]


def register(app: App, command: CommandDeps, buttons: ButtonDeps, alerts: AlertButtonDeps | None = None) -> None:
    register_recreate_command(app, command)
    register_preview_buttons(app, buttons)
    register_link_button(app)
    if alerts is not None:
        register_alert_button(app, alerts)
