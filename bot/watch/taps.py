"""A tap on an alert's Recreate: the same request as the slash command, once per alert whoever taps."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from bot.audit import AuditTrail
from bot.clock import Clock, utcnow
from bot.delivery import Delivery
from bot.intake import Intake
from bot.intake_outcomes import Tapped, TapResult, told
from bot.messages import Message, replies
from bot.messages.alert import slack_time
from bot.messages.format import code
from bot.records import SLACK_ORIGIN, Outcome, PreviewState
from bot.recreate import RecreateRequest, new_request_id
from bot.requester import Requester
from bot.slack_payloads import ButtonClick
from bot.store import StoreError
from bot.watch.record import AlertRecreate

log = logging.getLogger(__name__)
_STILL_OPEN = (Outcome.PENDING, Outcome.AWAITING_CONFIRMATION, Outcome.OUTCOME_UNKNOWN, Outcome.CREATED)
# A claim whose request left no record this long after the tap lost its request before it was written.
_UNWRITTEN = timedelta(minutes=2)
_UNANSWERED = (PreviewState.PENDING, PreviewState.EXPIRED)


class AlertTaps:
    def __init__(
        self,
        intake: Intake,
        audit: AuditTrail,
        delivery: Delivery,
        *,
        watch_channel_id: str | None,
        clock: Clock = utcnow,
        origin: str = SLACK_ORIGIN,
    ) -> None:
        self._intake = intake
        self._store = audit.store
        self._delivery = delivery
        self._watch_channel_id = watch_channel_id
        self._clock = clock
        self._origin = origin

    def tap(self, click: ButtonClick) -> TapResult:
        """Allowlist, then the alert's claim, then the pipeline (Intake.tap); every answer goes to the tapper alone."""
        project_id, _, job_id = click.action.value.partition("/")
        channel_id = click.channel.id if click.channel else self._watch_channel_id or click.user_id
        request = RecreateRequest(
            request_id=new_request_id(),
            requester=Requester(click.user_id, channel_id, click.team_id, click.response_url),
            job_id=job_id,
            project_id=project_id or None,
            command_text=f"{job_id} (Recreate on its failure alert)",
            origin=self._origin,
        )
        tell = partial(self._tell, request)
        if not job_id:
            return told(
                tell, Tapped.NOT_STARTED, Message.plain(":grey_question: This button names no job; nothing was done.")
            )
        # The claim is taken only once the tapper is allowed, and only when the preview has somewhere to go.
        gate = partial(self._gate, request)
        return self._intake.tap(request, click.enterprise_id, tell, hint=f"{project_id}/{job_id}", gate=gate)

    def _gate(self, request: RecreateRequest) -> Message | None:
        """None when this request now holds the alert; else why nothing starts."""
        try:
            holder = self._claim(request)
        except StoreError:
            log.exception("request %s: could not claim the alert of %s", request.request_id, request.job_id)
            return replies.audit_unavailable(request.request_id)
        return taken(holder) if holder is not None else None

    def _claim(self, request: RecreateRequest) -> AlertRecreate | None:
        """None when this request holds the alert (or it was never alerted); else who does."""
        now = self._clock()
        claim = self._store.claim_alert_recreate(request.job_id, request.request_id, request.user_id, now)
        if claim is None or claim.request_id == request.request_id or claim.new_job_id is not None:
            return None if claim is None or claim.request_id == request.request_id else claim
        if not self._ended(claim, now):
            return claim
        # Its request ended without a job and the release was lost (e.g. the store was down then): let it go.
        self._store.release_alert_recreate(claim.request_id)
        again = self._store.claim_alert_recreate(request.job_id, request.request_id, request.user_id, now)
        return None if again is None or again.request_id == request.request_id else again

    def _ended(self, claim: AlertRecreate, now: datetime) -> bool:
        """The claim's request is over without a job, though the claim is still there."""
        held = self._store.get(claim.request_id)
        if held is None:
            return claim.at < now - _UNWRITTEN
        if held.outcome is Outcome.AWAITING_CONFIRMATION:
            # A preview nobody answered in time is closed only at the next recreate: it holds nothing after expiry.
            shown = self._store.get_preview(claim.request_id)
            return shown is None or (shown.state in _UNANSWERED and shown.expires_at <= now)
        return held.outcome not in _STILL_OPEN

    def _tell(self, request: RecreateRequest, message: Message) -> None:
        """Only to the tapper: the tap's response_url, else an ephemeral where they tapped, else their DM."""
        if self._delivery.reply(request.response_url, message):
            return
        if not self._delivery.ephemeral(request.channel_id, request.user_id, message):
            self._delivery.post(request.user_id, message)


def taken(claim: AlertRecreate) -> Message:
    """Someone else has this alert's Recreate: who, when, and the job it made (or that it is under way)."""
    who = f"<@{claim.user_id}>"
    if claim.new_job_id is None:
        return Message.plain(
            f":hourglass: {who} is already recreating {code(claim.job_id)} from this alert (since "
            f"{slack_time(claim.at)}). Nothing was sent to Baseten."
        )
    return Message.plain(
        f":white_check_mark: {who} already recreated {code(claim.job_id)} from this alert at {slack_time(claim.at)}: "
        f"it made {code(claim.new_job_id)}. Nothing was sent to Baseten."
    )
