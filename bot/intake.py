"""Every way into a recreate: parse, authorize, record, start, and what to answer at once. `command` answers the
slash command's ack and never waits for Slack or Baseten; `tap` is for buttons and shortcuts, already off the ack."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.access import AccessPolicy, Decision
from bot.audit import AuditTrail
from bot.clock import Clock, utcnow
from bot.command import CommandError, Help, History, Recreate, parse
from bot.history import read_history
from bot.intake_outcomes import Tapped, TapResult, Unusable, told
from bot.messages import Message, replies
from bot.messages.links import no_reply_address
from bot.messages.watch import watch_off
from bot.records import SLACK_ORIGIN, AttemptRecord, Outcome
from bot.recreate import RecreateRequest, RecreateService
from bot.requester import Requester
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
        who, text = payload.requester, payload.text
        try:
            parsed = parse(text, app_hosts=self._app_hosts)
        except CommandError as problem:
            log.info("request %s: %s sent unusable text", request_id, who.user_id)
            self._close(Unusable(who, request_id, text, Outcome.BAD_INPUT, str(problem)))
            return replies.bad_input(str(problem), self.command_name)
        if isinstance(parsed, Help):
            return replies.usage(self.command_name)
        decision = self._allows(who, payload.enterprise_id, reading=isinstance(parsed, History | WatchStatus))
        if not decision.allowed:
            log.info("request %s: refused %s in %s (%s)", request_id, who.user_id, who.channel_id, decision.code)
            # A refused history lookup names a job it would only have read; it is no attempt on that job.
            job = (parsed.project_id, parsed.job_id) if isinstance(parsed, Recreate) else None
            self._close(Unusable(who, request_id, text, Outcome.REFUSED, decision.code, job))
            return replies.refused(decision.reason, sent_to_baseten=isinstance(parsed, Recreate))
        if isinstance(parsed, History):
            return read_history(self._audit.store, parsed, request_id, channel_id=who.channel_id, user_id=who.user_id)
        if not isinstance(parsed, Recreate):  # watch, mute, unmute
            return self._watch.handle(parsed, payload, request_id) if self._watch else watch_off()
        request = RecreateRequest(request_id, who, parsed.job_id, parsed.project_id, text, origin=self._origin)
        return self.recreate(request)

    def recreate(self, request: RecreateRequest) -> Message:
        """Record the attempt (no record, no recreate) and queue it; the answer says what happens next."""
        record = request.attempt()
        if self._runner.overdue():
            # This request waited long for a thread: the bot is flooded. Starting it would make the acks behind it late.
            return self._not_started(record, closing=False)
        unwritten = self._open(request, record)
        if unwritten is not None:
            return unwritten
        if not self._runner.submit(
            lambda: self._service.start(request, record), f"{request.request_id} {request.job_id}"
        ):
            return self._not_started(record, closing=self._runner.closing)
        return self.progress(request.job_id)

    def tap(
        self,
        request: RecreateRequest,
        enterprise_id: str | None,
        tell: Callable[[Message], object],
        *,
        hint: str,
        gate: Callable[[], Message | None] | None = None,
        progress: Callable[[str], Message] | None = None,
    ) -> TapResult:
        """A tap, already off the ack path: checked for the tapper (refusals recorded), then `gate` (None to go on),
        then recorded and run in this thread. Everything said goes through `tell`; `hint` is the job to type."""
        who = request.requester
        decision = self._allows(who, enterprise_id)
        if not decision.allowed:
            log.info("request %s: refused %s's tap (%s)", request.request_id, who.user_id, decision.code)
            job = (request.project_id, request.job_id)
            self._close(Unusable(who, request.request_id, request.command_text, Outcome.REFUSED, decision.code, job))
            return told(tell, Tapped.REFUSED, replies.refused(decision.reason))
        if who.response_url is None:
            # The preview and every answer after it go to the response_url: without one nobody would see them.
            log.warning("request %s: a tap came without a response_url; not started", request.request_id)
            return told(tell, Tapped.NOT_STARTED, no_reply_address(hint, self.command_name))
        held = gate() if gate is not None else None
        record = request.attempt()
        stopped = held if held is not None else self._open(request, record)
        if stopped is not None:
            return told(tell, Tapped.NOT_STARTED, stopped)
        # Said first, so it is seen before the preview or the card. The tap already holds a place on the runner:
        # the pipeline runs here rather than queueing a second time.
        said = told(tell, Tapped.STARTED, (progress or self.progress)(request.job_id))
        self._service.start(request, record)
        return said

    def progress(self, job_id: str) -> Message:
        """What the requester is told once the work has started; the preview or the card follows."""
        if self._service.rules.confirm is ConfirmMode.NEVER:
            return replies.working(job_id)
        if self._service.rules.confirm is ConfirmMode.ACTIVE:
            return replies.looking_up(job_id)
        return replies.checking(job_id)

    def _allows(self, who: Requester, enterprise_id: str | None, *, reading: bool = False) -> Decision:
        return self._policy.check(
            user_id=who.user_id,
            channel_id=who.channel_id,
            team_id=who.team_id,
            reading=reading,
            enterprise_id=enterprise_id,
        )

    def _open(self, request: RecreateRequest, record: AttemptRecord) -> Message | None:
        """None once the attempt is on record; else what to say (nothing was sent, and nothing will be)."""
        try:
            self._audit.open(record, response_url=request.response_url)
        except StoreError:
            log.exception("request %s: refusing to recreate: the audit trail cannot be written", request.request_id)
            return replies.audit_unavailable(request.request_id)
        return None

    def _not_started(self, record: AttemptRecord, *, closing: bool) -> Message:
        """Nothing was sent to Baseten: the requester is told so, and the audit record says why."""
        why = "bot restarting" if closing else "bot busy"
        log.info("request %s: not started (%s); nothing sent to Baseten", record.request_id, why)
        self._audit.close(record.ended(Outcome.FAILED, self._clock(), error=f"not started: {why}"))
        return replies.shutting_down() if closing else replies.busy()

    def _close(self, request: Unusable) -> None:
        self._audit.close(request.record(self._clock(), self._origin))
