"""`link_shared`: Baseten job links just posted get a card, when their poster may see one there."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from pydantic import ValidationError
from slack_bolt import App

from bot.background import Submit
from bot.message_payloads import LinkShared
from bot.unfurl import Unfurler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UnfurlDeps:
    unfurler: Unfurler
    background: Submit
    """The side lane: an unfurl is no recreate, so a flood of links cannot take the runner's places."""


def on_link_shared(body: dict[str, Any], *, deps: UnfurlDeps) -> None:
    """Bolt acks events itself once this returns: the check is quick; reading Baseten and chat.unfurl run after."""
    try:
        shared = LinkShared.model_validate(body)
    except ValidationError:
        log.info("ignored a link_shared event without channel, user, message or links")
        return
    wanted = deps.unfurler.wanted(shared)
    if wanted and not deps.background(lambda: deps.unfurler.unfurl(shared, wanted), "unfurl"):
        log.warning("not unfurling %d job link(s) in %s: the bot is busy", len(wanted), shared.event.channel)


def register(app: App, deps: UnfurlDeps) -> None:
    app.event("link_shared")(partial(on_link_shared, deps=deps))
