"""The Recreate button on a failure alert: acknowledged at once; bot.watch.taps decides, off the ack path."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.background import Submit
from bot.delivery import Delivery
from bot.messages.alert import RECREATE_ACTION
from bot.runner import Runner
from bot.slack_payloads import ResponseUrls
from bot.watch.taps import AlertTaps
from handlers.off_the_ack import dispatch


@dataclass(frozen=True)
class AlertButtonDeps:
    taps: AlertTaps
    runner: Runner
    delivery: Delivery
    background: Submit
    response_urls: ResponseUrls


def on_recreate(ack: Ack, body: dict[str, Any], *, deps: AlertButtonDeps) -> None:
    ack()
    dispatch(deps, body, deps.taps.tap, "alert Recreate tap")


def register(app: App, deps: AlertButtonDeps) -> None:
    app.action(RECREATE_ACTION)(partial(on_recreate, deps=deps))
