"""`/recreate-job`: parse, authorize and acknowledge at once; the recreate itself runs in the background."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App

from bot.access import AccessPolicy
from bot.command import CommandError, Help, parse
from bot.messages import Message, replies
from bot.recreate import RecreateRequest, RecreateService, new_request_id
from bot.runner import Runner
from bot.slack_payloads import SlashCommand

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandDeps:
    policy: AccessPolicy
    service: RecreateService
    runner: Runner
    command: str = "/recreate-job"
    app_hosts: frozenset[str] = frozenset()


def _ack(ack: Ack, message: Message) -> None:
    ack(text=message.text, blocks=message.blocks)


def register(app: App, deps: CommandDeps) -> None:
    def on_command(ack: Ack, command: dict[str, Any]) -> None:
        request_id = new_request_id()
        try:
            _handle(ack, command, deps, request_id)
        except Exception:
            log.exception("request %s: /recreate-job failed before it was acknowledged", request_id)
            _ack(ack, replies.internal_error(request_id))

    app.command(deps.command)(on_command)


def _handle(ack: Ack, raw: dict[str, Any], deps: CommandDeps, request_id: str) -> None:
    try:
        payload = SlashCommand.model_validate(raw)
    except ValidationError:
        log.warning("request %s: slash command payload without user or channel", request_id)
        _ack(ack, replies.internal_error(request_id))
        return
    try:
        parsed = parse(payload.text, app_hosts=deps.app_hosts)
    except CommandError as problem:
        log.info("request %s: %s sent unusable text", request_id, payload.user_id)
        _ack(ack, replies.bad_input(str(problem), deps.command))
        return
    if isinstance(parsed, Help):
        _ack(ack, replies.usage(deps.command))
        return
    decision = deps.policy.check(user_id=payload.user_id, channel_id=payload.channel_id, team_id=payload.team_id)
    if not decision.allowed:
        log.info("request %s: refused %s in %s (%s)", request_id, payload.user_id, payload.channel_id, decision.code)
        _ack(ack, replies.refused(decision.reason))
        return
    request = RecreateRequest(
        request_id=request_id,
        user_id=payload.user_id,
        channel_id=payload.channel_id,
        team_id=payload.team_id,
        response_url=payload.response_url,
        job_id=parsed.job_id,
        project_id=parsed.project_id,
        command_text=payload.text,
    )
    if not deps.runner.submit(lambda: _run(deps.service, request), label=f"{request_id} {parsed.job_id}"):
        _ack(ack, replies.shutting_down() if deps.runner.closing else replies.busy())
        return
    _ack(ack, replies.working(parsed.job_id))


def _run(service: RecreateService, request: RecreateRequest) -> None:
    service.run(request)
