"""`/recreate-job`: the payload becomes a SlashCommand, bot.intake decides, and the answer is the ack."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App

from bot.intake import Intake
from bot.messages import Message, replies
from bot.recreate import new_request_id
from bot.slack_payloads import ResponseUrls, SlashCommand

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandDeps:
    intake: Intake
    response_urls: ResponseUrls


def on_command(ack: Ack, command: dict[str, Any], *, deps: CommandDeps) -> None:
    """Acknowledged at once, always: with the answer, or politely when a bug got in the way."""
    request_id = new_request_id()
    reply: Message
    try:
        payload = SlashCommand.model_validate(command, context={"response_urls": deps.response_urls})
    except ValidationError:
        log.warning("request %s: slash command payload without user or channel", request_id)
        reply = replies.internal_error(request_id)
    else:
        try:
            reply = deps.intake.command(payload, request_id)
        except Exception:
            log.exception("request %s: /recreate-job failed before it was acknowledged", request_id)
            reply = replies.internal_error(request_id)
    ack(text=reply.text, blocks=reply.blocks)


def register(app: App, deps: CommandDeps) -> None:
    app.command(deps.intake.command_name)(partial(on_command, deps=deps))
