"""Recreate buttons outside the preview: on an unfurled job link, and the job picked from a message's several."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.background import Submit
from bot.delivery import Delivery
from bot.job_refs import decode
from bot.messages.links import LINK_RECREATE_ACTION, PICK_ACTION
from bot.requester import Requester
from bot.runner import Runner
from bot.slack_payloads import ResponseUrls
from bot.taps import Tap, Taps
from handlers.off_the_ack import click_of, run_or_say_busy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TapDeps:
    taps: Taps
    runner: Runner
    delivery: Delivery
    background: Submit
    response_urls: ResponseUrls


def on_link_recreate(ack: Ack, body: dict[str, Any], *, deps: TapDeps) -> None:
    ack()
    _tapped(deps, body, "link unfurl")


def on_pick(ack: Ack, body: dict[str, Any], *, deps: TapDeps) -> None:
    ack()
    _tapped(deps, body, "message shortcut")


def register(app: App, deps: TapDeps) -> None:
    app.action(LINK_RECREATE_ACTION)(partial(on_link_recreate, deps=deps))
    app.action(PICK_ACTION)(partial(on_pick, deps=deps))


def _tapped(deps: TapDeps, body: dict[str, Any], via: str) -> None:
    click = click_of(deps, body, f"{via} tap")
    if click is None:
        return
    job = decode(click.action.value)
    if job is None or click.channel is None:
        log.warning("ignored a %s tap without a job or a conversation", via)
        return
    who = Requester(click.user_id, click.channel.id, click.team_id, click.response_url)
    tap = Tap(who, click.enterprise_id, job, via)
    run_or_say_busy(deps, lambda: deps.taps.recreate(tap), f"{via} {click.action.value}", click.response_url)
