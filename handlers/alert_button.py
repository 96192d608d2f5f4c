"""The Recreate button on a failure alert: acknowledged at once; bot.watch.taps decides, off the ack path."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App

from bot.background import Submit
from bot.delivery import Delivery
from bot.messages import replies
from bot.messages.alert import RECREATE_ACTION
from bot.runner import Runner
from bot.slack_payloads import ButtonClick, ResponseUrls
from bot.watch.taps import AlertTaps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertButtonDeps:
    taps: AlertTaps
    runner: Runner
    delivery: Delivery
    background: Submit
    response_urls: ResponseUrls


def on_recreate(ack: Ack, body: dict[str, Any], *, deps: AlertButtonDeps) -> None:
    ack()
    try:
        click = ButtonClick.model_validate(body, context={"response_urls": deps.response_urls})
    except ValidationError:
        log.warning("ignored an alert Recreate tap without user or action")
        return
    if not deps.runner.submit(lambda: deps.taps.tap(click), label=f"{RECREATE_ACTION} {click.action.value}"):
        message = replies.shutting_down() if deps.runner.closing else replies.busy()
        deps.background(lambda: deps.delivery.reply(click.response_url, message), "busy reply")


def register(app: App, deps: AlertButtonDeps) -> None:
    app.action(RECREATE_ACTION)(partial(on_recreate, deps=deps))
