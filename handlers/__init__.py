"""Slack entry points. `register` is called by the wiring in `bot.app`; nothing here is global."""

from __future__ import annotations

from slack_bolt import App

from handlers.job_buttons import TapDeps
from handlers.job_buttons import register as register_job_buttons
from handlers.link_button import register as register_link_button
from handlers.link_unfurl import UnfurlDeps
from handlers.link_unfurl import register as register_link_unfurl
from handlers.message_shortcut import register as register_message_shortcut
from handlers.preview_buttons import ButtonDeps
from handlers.preview_buttons import register as register_preview_buttons
from handlers.recreate_command import CommandDeps
from handlers.recreate_command import register as register_recreate_command

__all__ = ["ButtonDeps", "CommandDeps", "TapDeps", "UnfurlDeps", "register"]


def register(
    app: App,
    command: CommandDeps,
    buttons: ButtonDeps,
    *,
    unfurls: UnfurlDeps | None = None,
    taps: TapDeps | None = None,
) -> None:
    register_recreate_command(app, command)
    register_preview_buttons(app, buttons)
    register_link_button(app)
    if unfurls is not None:
        register_link_unfurl(app, unfurls)
    if taps is not None:
        register_job_buttons(app, taps)
        register_message_shortcut(app, taps)
