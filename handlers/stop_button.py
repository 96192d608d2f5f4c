"""The card's Stop button: acknowledged at once; the allowlist, the claim and the stop itself run after."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.background import Submit
from bot.delivery import Delivery
from bot.messages.stop import STOP_ACTION
from bot.runner import Runner
from bot.slack_payloads import ResponseUrls
from bot.stop.service import Stopper
from handlers.off_the_ack import dispatch


@dataclass(frozen=True)
class StopDeps:
    stopper: Stopper
    runner: Runner
    delivery: Delivery
    background: Submit
    response_urls: ResponseUrls


def on_stop(ack: Ack, body: dict[str, Any], *, deps: StopDeps) -> None:
    ack()
    dispatch(deps, body, deps.stopper.stop, "Stop click")


def register(app: App, deps: StopDeps) -> None:
    app.action(STOP_ACTION)(partial(on_stop, deps=deps))
