"""`/recreate-job watch`, `mute` and `unmute` for a caller the intake has let through: the store holds the mute,
the audit trail records it, and the watch channel is told off the ack path."""

from __future__ import annotations

import logging

from bot.audit import AuditTrail
from bot.background import Submit
from bot.baseten.links import DashboardLinks
from bot.clock import Clock, utcnow
from bot.delivery import Delivery
from bot.messages import Message
from bot.messages import watch as say
from bot.messages.replies import audit_unavailable
from bot.records import SLACK_ORIGIN, AttemptRecord, Outcome, Verdict
from bot.slack_payloads import SlashCommand
from bot.store import StoreError
from bot.watch.commands import MuteProject, UnmuteProject, WatchCommand
from bot.watch.mutes import Mute

log = logging.getLogger(__name__)

RECENT_FAILURES = 5


class WatchDesk:
    def __init__(
        self,
        audit: AuditTrail,
        delivery: Delivery,
        watching: say.Watching | None,
        links: DashboardLinks,
        *,
        background: Submit,
        clock: Clock = utcnow,
        origin: str = SLACK_ORIGIN,
    ) -> None:
        self._audit = audit
        self._store = audit.store
        self._delivery = delivery
        self.watching = watching
        """None when nothing is watched (WATCH_PROJECT_IDS unset)."""
        self._links = links
        self._background = background
        self._clock = clock
        self._origin = origin

    def handle(self, command: WatchCommand, payload: SlashCommand, request_id: str) -> Message:
        if self.watching is None:
            return say.watch_off()
        if isinstance(command, MuteProject):
            return self._mute(command, payload, request_id, self.watching)
        if isinstance(command, UnmuteProject):
            return self._unmute(command, payload, request_id, self.watching)
        try:
            mutes = self._store.mutes(self._clock())
            failures = self._store.alerted_failures(RECENT_FAILURES)
        except StoreError:
            log.exception("request %s: the watch state could not be read", request_id)
            return audit_unavailable(request_id, reading=True)
        return say.status(self.watching, mutes, failures, self._links.job)

    def _mute(self, command: MuteProject, payload: SlashCommand, request_id: str, watching: say.Watching) -> Message:
        project = command.project_id
        if watching.projects and project not in watching.projects:
            return say.not_watched(project, watching.projects)
        now = self._clock()
        mute = Mute(project, now + command.duration, payload.user_id, now)
        try:
            replaced = next((held for held in self._store.mutes(now) if held.project_id == project), None)
            self._store.mute(mute)
        except StoreError:
            log.exception("request %s: could not save the mute of %s", request_id, project)
            return say.unsaved(project, request_id, muting=True)
        log.info("request %s: %s muted %s until %s", request_id, payload.user_id, project, mute.until.isoformat())
        self._record(payload, request_id, Outcome.MUTED, project, f"until {mute.until:%Y-%m-%d %H:%M} UTC")
        self._announce(watching, say.mute_announced(mute), f"{request_id} mute {project}")
        return say.muted(mute, watching.channel_id, replaced)

    def _unmute(
        self, command: UnmuteProject, payload: SlashCommand, request_id: str, watching: say.Watching
    ) -> Message:
        project = command.project_id
        try:
            ended = self._store.unmute(project, self._clock())
        except StoreError:
            log.exception("request %s: could not end the mute of %s", request_id, project)
            return say.unsaved(project, request_id, muting=False)
        if ended is None:
            return say.not_muted(project)
        log.info("request %s: %s unmuted %s", request_id, payload.user_id, project)
        was = f"was muted until {ended.until:%Y-%m-%d %H:%M} UTC by {ended.muted_by}"
        self._record(payload, request_id, Outcome.UNMUTED, project, was)
        self._announce(watching, say.unmute_announced(project, payload.user_id), f"{request_id} unmute {project}")
        return say.unmuted(ended, watching.channel_id)

    def _record(self, payload: SlashCommand, request_id: str, outcome: Outcome, project: str, note: str) -> None:
        """In the audit trail like an attempt: `history` and the audit channel show who muted what, and until when."""
        now = self._clock()
        self._audit.close(
            AttemptRecord(
                request_id=request_id,
                user_id=payload.user_id,
                channel_id=payload.channel_id,
                team_id=payload.team_id,
                command_text=payload.text,
                decision=Verdict.ALLOWED,
                outcome=outcome,
                created_at=now,
                updated_at=now,
                source_project_id=project,
                error=note,
                origin=self._origin,
            )
        )

    def _announce(self, watching: say.Watching, message: Message, label: str) -> None:
        self._background(lambda: self._delivery.post(watching.channel_id, message), label)
