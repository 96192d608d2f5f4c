"""`/recreate-job`: parse, authorize and acknowledge at once; the recreate itself runs in the background."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App

from bot.access import AccessPolicy
from bot.audit import AuditTrail
from bot.command import CommandError, Help, History, parse
from bot.messages import Message, replies
from bot.messages.audit import history
from bot.recreate import RecreateRequest, RecreateService, new_request_id
from bot.runner import Runner
from bot.settings import ConfirmMode
from bot.slack_payloads import SlashCommand
from bot.store import AttemptRecord, Outcome, StoreError, Verdict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandDeps:
    policy: AccessPolicy
    service: RecreateService
    runner: Runner
    audit: AuditTrail
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


def _unusable(payload: SlashCommand, request_id: str, outcome: Outcome, refusal: str | None = None) -> AttemptRecord:
    return AttemptRecord(
        request_id=request_id,
        user_id=payload.user_id,
        channel_id=payload.channel_id,
        team_id=payload.team_id,
        command_text=payload.text,
        decision=Verdict.REFUSED if outcome is Outcome.REFUSED else Verdict.BAD_INPUT,
        outcome=outcome,
        refusal=refusal,
    )


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
        deps.audit.close(_unusable(payload, request_id, Outcome.BAD_INPUT, str(problem)), in_background=True)
        _ack(ack, replies.bad_input(str(problem), deps.command))
        return
    if isinstance(parsed, Help):
        _ack(ack, replies.usage(deps.command))
        return
    decision = deps.policy.check(user_id=payload.user_id, channel_id=payload.channel_id, team_id=payload.team_id)
    if not decision.allowed:
        log.info("request %s: refused %s in %s (%s)", request_id, payload.user_id, payload.channel_id, decision.code)
        record = _unusable(payload, request_id, Outcome.REFUSED, decision.code)
        if not isinstance(parsed, History):
            # A refused history lookup names a job it would only have read; it is no attempt on that job.
            record = record.with_outcome(source_job_id=parsed.job_id, source_project_id=parsed.project_id)
        deps.audit.close(record, in_background=True)
        _ack(ack, replies.refused(decision.reason))
        return
    if isinstance(parsed, History):
        _ack(ack, _history(deps, parsed, request_id))
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
    record = request.attempt()
    if deps.runner.overdue():
        # This request waited long for a thread: the bot is flooded. Starting it would make the acks behind it late.
        _not_started(ack, deps, record, closing=False)
        return
    try:
        deps.audit.open(record)
    except StoreError:
        log.exception("request %s: refusing to recreate because the audit trail cannot be written", request_id)
        _ack(ack, replies.audit_unavailable(request_id))
        return
    if not deps.runner.submit(lambda: deps.service.start(request, record), label=f"{request_id} {parsed.job_id}"):
        _not_started(ack, deps, record, closing=deps.runner.closing)
        return
    if deps.service.rules.confirm is ConfirmMode.NEVER:
        _ack(ack, replies.working(parsed.job_id))
    elif deps.service.rules.confirm is ConfirmMode.ACTIVE:
        _ack(ack, replies.looking_up(parsed.job_id))
    else:
        _ack(ack, replies.checking(parsed.job_id))


def _not_started(ack: Ack, deps: CommandDeps, record: AttemptRecord, *, closing: bool) -> None:
    """Nothing was sent to Baseten: the requester is told so, and the audit record says why."""
    why = "bot restarting" if closing else "bot busy"
    log.info("request %s: not started (%s); nothing sent to Baseten", record.request_id, why)
    deps.audit.close(record.with_outcome(outcome=Outcome.FAILED, error=f"not started: {why}"), in_background=True)
    _ack(ack, replies.shutting_down() if closing else replies.busy())


def _history(deps: CommandDeps, query: History, request_id: str) -> Message:
    try:
        if query.job_id is not None:
            records = deps.audit.store.involving(query.job_id, query.limit)
            return history(
                records,
                title=f"Recreations involving {query.job_id}",
                empty=f"No recreation involving `{query.job_id}` is on record.",
            )
        records = deps.audit.store.recent(query.limit)
        return history(records, title=f"Recent recreations ({len(records)})", empty="No recreation is on record yet.")
    except StoreError:
        log.exception("request %s: history could not be read", request_id)
        return replies.audit_unavailable(request_id, reading=True)
