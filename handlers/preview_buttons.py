"""The preview's buttons: Recreate, Retry and Cancel. Acknowledged at once; the checks and work run after."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.background import Submit
from bot.confirm import Confirmations
from bot.delivery import Delivery
from bot.messages.preview import CANCEL_ACTION, CONFIRM_ACTION, RETRY_ACTION
from bot.runner import Runner
from bot.slack_payloads import ButtonClick, ResponseUrls
from handlers.off_the_ack import dispatch


@dataclass(frozen=True)
class ButtonDeps:
    confirmations: Confirmations
    runner: Runner
    delivery: Delivery
    background: Submit
    response_urls: ResponseUrls


def on_confirm(ack: Ack, body: dict[str, Any], *, deps: ButtonDeps) -> None:
    """Recreate or Retry."""
    ack()
    _dispatch(deps, body, deps.confirmations.confirm)


def on_cancel(ack: Ack, body: dict[str, Any], *, deps: ButtonDeps) -> None:
    ack()
    _dispatch(deps, body, deps.confirmations.cancel)


def register(app: App, deps: ButtonDeps) -> None:
    app.action(CONFIRM_ACTION)(partial(on_confirm, deps=deps))
    app.action(RETRY_ACTION)(partial(on_confirm, deps=deps))
    app.action(CANCEL_ACTION)(partial(on_cancel, deps=deps))


def _dispatch(deps: ButtonDeps, body: dict[str, Any], handle: Callable[[ButtonClick], None]) -> None:
    dispatch(deps, body, handle, "button click")
