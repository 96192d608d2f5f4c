"""Slack entry points. `register` is called by the wiring in `bot.app`; nothing here is global."""

from __future__ import annotations

from slack_bolt import App

from handlers.alert_button import AlertButtonDeps
from handlers.alert_button import register as register_alert_button
from handlers.home_tab import HomeDeps
from handlers.home_tab import register as register_home_tab
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
from handlers.stop_button import StopDeps
from handlers.stop_button import register as register_stop_button

__all__ = ["AlertButtonDeps", "ButtonDeps", "CommandDeps", "HomeDeps", "StopDeps", "TapDeps", "UnfurlDeps", "register"]


def register(
    app: App,
    command: CommandDeps,
    buttons: ButtonDeps,
    *,
    unfurls: UnfurlDeps | None = None,
    taps: TapDeps | None = None,
    stop: StopDeps | None = None,
    home: HomeDeps | None = None,
    alerts: AlertButtonDeps | None = None,
) -> None:
    register_recreate_command(app, command)
    register_preview_buttons(app, buttons)
    register_link_button(app)
    if unfurls is not None:
        register_link_unfurl(app, unfurls)
    if taps is not None:
        register_job_buttons(app, taps)
        register_message_shortcut(app, taps)
    if stop is not None:
        register_stop_button(app, stop)
    if home is not None:
        register_home_tab(app, home)
    if alerts is not None:
        register_alert_button(app, alerts)
