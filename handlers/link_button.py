"""URL buttons ("Open in Baseten") still send an action to the app; acknowledge it so Slack shows no error."""

from __future__ import annotations

from slack_bolt import Ack, App


def on_open_job(ack: Ack) -> None:
    ack()


def register(app: App) -> None:
    app.action("open_job")(on_open_job)
