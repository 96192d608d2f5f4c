"""The "Recreate training job" message shortcut: the jobs a message names, into the slash command's pipeline."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App

from bot.message_payloads import MessageShortcut
from bot.messages.links import SHORTCUT_CALLBACK
from handlers.job_buttons import TapDeps
from handlers.off_the_ack import run_or_say_busy

log = logging.getLogger(__name__)


def on_shortcut(ack: Ack, body: dict[str, Any], *, deps: TapDeps) -> None:
    ack()
    try:
        shortcut = MessageShortcut.model_validate(body, context={"response_urls": deps.response_urls})
    except ValidationError:
        log.warning("ignored a message shortcut without user, conversation or message")
        return
    run_or_say_busy(deps, lambda: deps.taps.shortcut(shortcut), "message shortcut", shortcut.response_url)


def register(app: App, deps: TapDeps) -> None:
    app.shortcut(SHORTCUT_CALLBACK)(partial(on_shortcut, deps=deps))
