"""The card's Stop button: acknowledged at once; the allowlist, the claim and the stop itself run after."""

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
from bot.messages.stop import STOP_ACTION
from bot.runner import Runner
from bot.slack_payloads import ButtonClick, ResponseUrls
from bot.stop.service import Stopper

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StopDeps:
    stopper: Stopper
    runner: Runner
    delivery: Delivery
    background: Submit
    response_urls: ResponseUrls


def on_stop(ack: Ack, body: dict[str, Any], *, deps: StopDeps) -> None:
    ack()
    try:
        click = ButtonClick.model_validate(body, context={"response_urls": deps.response_urls})
    except ValidationError:
        log.warning("ignored a Stop click without user or action")
        return
    if not deps.runner.submit(lambda: deps.stopper.stop(click), label=f"stop {click.action.value}"):
        message = replies.shutting_down() if deps.runner.closing else replies.busy()
        deps.background(lambda: deps.delivery.reply(click.response_url, message), "busy reply")


def register(app: App, deps: StopDeps) -> None:
    app.action(STOP_ACTION)(partial(on_stop, deps=deps))
