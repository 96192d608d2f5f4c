"""The slash command's rules, whichever way it arrives: parse, authorize, record, queue, and what to answer at once.

An entry point translates its payload into a SlashCommand and acks with the Message this returns. Nothing here
waits for Slack or Baseten, so the ack is never late.
"""

from __future__ import annotations

import logging

from bot.access import AccessPolicy
from bot.audit import AuditTrail
from bot.clock import Clock, utcnow
from bot.command import CommandError, Help, History, Recreate, parse
from bot.messages import Message, replies
from bot.messages.audit import history
from bot.messages.watch import watch_off
from bot.records import SLACK_ORIGIN, AttemptRecord, Outcome, Verdict
from bot.recreate import RecreateRequest, RecreateService
from bot.runner import Runner
from bot.settings import ConfirmMode
from bot.slack_payloads import SlashCommand
from bot.store import StoreError
from bot.watch.commands import WatchStatus
from bot.watch.desk import WatchDesk

log = logging.getLogger(__name__)


class Intake:
    def __init__(
        self,
        policy: AccessPolicy,
        service: RecreateService,
        runner: Runner,
        audit: AuditTrail,
        *,
        command: str = "/recreate-job",
        app_hosts: frozenset[str] = frozenset(),
        clock: Clock = utcnow,
        origin: str = SLACK_ORIGIN,
        watch: WatchDesk | None = None,
    ) -> None:
        self._policy = policy
        self._service = service
        self._runner = runner
        self._audit = audit
        self.command_name = command
        self._app_hosts = app_hosts
        self._clock = clock
        self._origin = origin
        self._watch = watch

    def command(self, payload: SlashCommand, request_id: str) -> Message:
        try:
            parsed = parse(payload.text, app_hosts=self._app_hosts)
        except CommandError as problem:
            log.info("request %s: %s sent unusable text", request_id, payload.user_id)
            self._audit.close(self._unusable(payload, request_id, Outcome.BAD_INPUT, str(problem)))
            return replies.bad_input(str(problem), self.command_name)
        if isinstance(parsed, Help):
            return replies.usage(self.command_name)
        reading = isinstance(parsed, History | WatchStatus)
        decision = self._policy.check(
            user_id=payload.user_id,
            channel_id=payload.channel_id,
            team_id=payload.team_id,
            reading=reading,
            enterprise_id=payload.enterprise_id,
        )
        if not decision.allowed:
            log.info(
                "request %s: refused %s in %s (%s)", request_id, payload.user_id, payload.channel_id, decision.code
            )
            # A refused history lookup names a job it would only have read; it is no attempt on that job.
            job = (parsed.project_id, parsed.job_id) if isinstance(parsed, Recreate) else None
            self._audit.close(self._unusable(payload, request_id, Outcome.REFUSED, decision.code, job))
            return replies.refused(decision.reason, sent_to_baseten=isinstance(parsed, Recreate))
        if isinstance(parsed, History):
            return self.history(parsed, request_id, channel_id=payload.channel_id, user_id=payload.user_id)
        if not isinstance(parsed, Recreate):  # watch, mute, unmute
            return self._watch.handle(parsed, payload, request_id) if self._watch else watch_off()
        request = RecreateRequest(
            request_id=request_id,
            requester=payload.requester,
            job_id=parsed.job_id,
            project_id=parsed.project_id,
            command_text=payload.text,
            origin=self._origin,
        )
        return self.recreate(request)

    def recreate(self, request: RecreateRequest) -> Message:
        """Record the attempt (no record, no recreate) and queue it; the answer says what happens next."""
        record = request.attempt()
        if self._runner.overdue():
            # This request waited long for a thread: the bot is flooded. Starting it would make the acks behind it late.
            return self._not_started(record, closing=False)
        try:
            self._audit.open(record, response_url=request.response_url)
        except StoreError:
            log.exception("request %s: refusing to recreate: the audit trail cannot be written", request.request_id)
            return replies.audit_unavailable(request.request_id)
        if not self._runner.submit(
            lambda: self._service.start(request, record), f"{request.request_id} {request.job_id}"
        ):
            return self._not_started(record, closing=self._runner.closing)
        if self._service.rules.confirm is ConfirmMode.NEVER:
            return replies.working(request.job_id)
        if self._service.rules.confirm is ConfirmMode.ACTIVE:
            return replies.looking_up(request.job_id)
        return replies.checking(request.job_id)

    def history(self, query: History, request_id: str, *, channel_id: str, user_id: str) -> Message:
        """Recreations made in this conversation, and the caller's own: never others' made elsewhere."""
        where = {"channel_id": channel_id, "user_id": user_id}
        try:
            if query.job_id is not None:
                records = self._audit.store.visible(query.limit, job_id=query.job_id, **where)
                return history(
                    records,
                    title=f"Recreations involving {query.job_id}",
                    empty=f"No recreation involving `{query.job_id}` is on record.",
                )
            records = self._audit.store.visible(query.limit, **where)
            return history(
                records, title=f"Recent recreations ({len(records)})", empty="No recreation is on record yet."
            )
        except StoreError:
            log.exception("request %s: history could not be read", request_id)
            return replies.audit_unavailable(request_id, reading=True)

    def _not_started(self, record: AttemptRecord, *, closing: bool) -> Message:
        """Nothing was sent to Baseten: the requester is told so, and the audit record says why."""
        why = "bot restarting" if closing else "bot busy"
        log.info("request %s: not started (%s); nothing sent to Baseten", record.request_id, why)
        self._audit.close(record.ended(Outcome.FAILED, self._clock(), error=f"not started: {why}"))
        return replies.shutting_down() if closing else replies.busy()

    def _unusable(
        self,
        payload: SlashCommand,
        request_id: str,
        outcome: Outcome,
        why: str,
        job: tuple[str | None, str] | None = None,
    ) -> AttemptRecord:
        now = self._clock()
        return AttemptRecord(
            request_id=request_id,
            user_id=payload.user_id,
            channel_id=payload.channel_id,
            team_id=payload.team_id,
            command_text=payload.text,
            decision=Verdict.REFUSED if outcome is Outcome.REFUSED else Verdict.BAD_INPUT,
            outcome=outcome,
            created_at=now,
            updated_at=now,
            refusal=why,
            source_project_id=job[0] if job else None,
            source_job_id=job[1] if job else None,
            origin=self._origin,
        )
