"""Clicks on a preview's buttons: only its requester, only once, only before it expires, only if still allowed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.access import AccessPolicy
from bot.audit import AuditTrail
from bot.delivery import Delivery
from bot.messages import Message, preview, replies
from bot.recreate import RecreateRequest, RecreateService
from bot.slack_payloads import ButtonClick
from bot.store import AttemptRecord, Lease, Outcome, Preview, PreviewState, StoreError, utcnow

log = logging.getLogger(__name__)


class Confirmations:
    """Turns a click into at most one recreate, whatever process receives it and however often it arrives."""

    def __init__(
        self,
        service: RecreateService,
        policy: AccessPolicy,
        audit: AuditTrail,
        delivery: Delivery,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._service = service
        self._policy = policy
        self._audit = audit
        self._store = audit.store
        self._delivery = delivery
        self._clock = clock

    def confirm(self, click: ButtonClick) -> None:
        """Recreate (or Retry): checks, then claims the preview atomically, then recreates."""
        shown = self._preview_for(click)
        if shown is None:
            return
        record = self._record_for(shown)
        now = self._clock()
        if shown.expires_at <= now:
            if self._claim(shown, PreviewState.EXPIRED, now):
                self._audit.close(record.ended(Outcome.EXPIRED, now, error="confirmed after expiry"))
            self._replace(click, preview.expired(shown.job_id))
            return
        decision = self._policy.check(
            user_id=click.user_id, channel_id=shown.channel_id, team_id=click.team_id, enterprise_id=click.enterprise_id
        )
        if not decision.allowed:
            if self._claim(shown, PreviewState.CANCELLED, now):
                self._audit.close(
                    record.ended(Outcome.REFUSED, now, refusal=f"at confirmation: {decision.code}"),
                )
            self._replace(click, replies.refused(decision.reason))
            return
        # The lease is taken with the claim: a process that dies after it leaves the attempt to be taken over.
        if not self._claim(
            shown, PreviewState.CONFIRMED, now, lease=self._audit.leases.new(shown.id, shown.response_url)
        ):
            self._replace(click, preview.already_handled(shown.job_id))
            return
        self._replace(click, preview.confirmed(shown.job_id))
        self._service.execute(
            RecreateRequest.from_preview(shown, record.origin), record.ended(Outcome.PENDING, now), None
        )

    def cancel(self, click: ButtonClick) -> None:
        shown = self._preview_for(click)
        if shown is None:
            return
        now = self._clock()
        if self._claim(shown, PreviewState.CANCELLED, now):
            self._audit.close(self._record_for(shown).ended(Outcome.CANCELLED, now))
            self._replace(click, preview.cancelled(shown.job_id))
        else:
            self._replace(click, preview.already_handled(shown.job_id))

    def _preview_for(self, click: ButtonClick) -> Preview | None:
        try:
            shown = self._store.get_preview(click.action.value)
        except StoreError:
            log.exception("could not read preview %s", click.action.value)
            self._delivery.reply(click.response_url, replies.audit_unavailable(click.action.value, reading=True))
            return None
        if shown is None:
            self._replace(click, Message.plain(":grey_question: This preview is no longer known; nothing was done."))
            return None
        if click.user_id != shown.user_id:
            log.info("preview %s: %s clicked a button of %s's preview", shown.id, click.user_id, shown.user_id)
            # A new ephemeral message, not a replacement: the preview stays usable by its owner.
            self._delivery.reply(click.response_url, preview.not_yours(shown.user_id))
            return None
        return shown

    def _record_for(self, shown: Preview) -> AttemptRecord:
        try:
            stored = self._store.get(shown.id)
        except StoreError:
            # The click is still judged by the preview itself; the record is rebuilt from it.
            log.exception("could not read the record of preview %s", shown.id)
            stored = None
        if stored is not None:
            return stored
        return RecreateRequest.from_preview(shown).attempt()

    def _claim(self, shown: Preview, state: PreviewState, now: datetime, *, lease: Lease | None = None) -> bool:
        try:
            return self._store.claim_preview(shown.id, state, now, lease=lease)
        except StoreError:
            log.exception("could not update preview %s", shown.id)
            return False

    def _replace(self, click: ButtonClick, message: Message) -> None:
        self._delivery.replace(click.response_url, message)
