"""Recreates asked for with a tap: an unfurled link's Recreate button, and the "Recreate training job" shortcut.

They join the slash command's pipeline (Intake.recreate): the same allowlist, preview, cooldown, in-flight lock
and audit record, checked for whoever tapped. Everything is said only to them, through the tap's response_url.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.access import AccessPolicy
from bot.audit import AuditTrail
from bot.clock import Clock, utcnow
from bot.delivery import Delivery
from bot.intake import Intake
from bot.job_refs import JobRef, encode, jobs_in
from bot.message_payloads import MessageShortcut
from bot.messages import Message, replies
from bot.messages.links import no_job_in_message, no_reply_address, pick_job
from bot.records import SLACK_ORIGIN, AttemptRecord, Outcome, Verdict
from bot.recreate import RecreateRequest, new_request_id
from bot.requester import Requester

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tap:
    """Someone asked for `job` with a tap; `via` names the way in, for the audit trail."""

    requester: Requester
    enterprise_id: str | None
    job: JobRef
    via: str


class Taps:
    def __init__(
        self,
        policy: AccessPolicy,
        intake: Intake,
        audit: AuditTrail,
        delivery: Delivery,
        client: WebClient,
        *,
        app_hosts: frozenset[str],
        clock: Clock = utcnow,
        origin: str = SLACK_ORIGIN,
    ) -> None:
        self._policy = policy
        self._intake = intake
        self._audit = audit
        self._delivery = delivery
        self._client = client
        self._app_hosts = app_hosts
        self._clock = clock
        self._origin = origin

    def shortcut(self, shortcut: MessageShortcut) -> None:
        """One job in the message: its preview. Several: the tapper picks one. None: they are told so."""
        refs = jobs_in(shortcut.pieces(), self._app_hosts)
        if len(refs) == 1:
            self.recreate(Tap(shortcut.requester, shortcut.enterprise_id, refs[0], "message shortcut"))
            return
        message = pick_job(refs, [encode(ref) for ref in refs]) if refs else no_job_in_message()
        self._say(shortcut.requester, message, refs[0].job_id if refs else "")

    def recreate(self, tap: Tap) -> None:
        """Checked for the tapper, recorded, and handed to the pipeline; refusals are recorded too."""
        who = tap.requester
        request_id = new_request_id()
        text = f"{tap.via}: {encode(tap.job)}"
        decision = self._policy.check(
            user_id=who.user_id, channel_id=who.channel_id, team_id=who.team_id, enterprise_id=tap.enterprise_id
        )
        if not decision.allowed:
            log.info("request %s: refused %s's tap in %s (%s)", request_id, who.user_id, who.channel_id, decision.code)
            self._audit.close(self._refused(who, request_id, text, decision.code, tap.job))
            self._say(who, replies.refused(decision.reason), tap.job.job_id)
            return
        if who.response_url is None:
            # The preview and every answer after it go to the response_url: without one nobody would see them.
            log.warning("request %s: %s's tap came without a response_url; not started", request_id, who.user_id)
            self._say(who, no_reply_address(tap.job.job_id), tap.job.job_id)
            return
        # Said first, so it is seen before the preview that the pipeline sends next.
        self._delivery.reply(who.response_url, replies.looking_up(tap.job.job_id))
        request = RecreateRequest(
            request_id=request_id,
            requester=who,
            job_id=tap.job.job_id,
            project_id=tap.job.project_id,
            command_text=text,
            origin=self._origin,
        )
        answer = self._intake.recreate(request)
        if answer.text not in _progress(tap.job.job_id):
            self._delivery.reply(who.response_url, answer)

    def _say(self, who: Requester, message: Message, job_id: str) -> None:
        """Only to them: through the response_url, else as an ephemeral message in that conversation."""
        if self._delivery.reply(who.response_url, message):
            return
        try:
            self._client.chat_postEphemeral(
                channel=who.channel_id, user=who.user_id, text=message.text, blocks=message.blocks or None
            )
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning("could not tell %s about their tap on %s: %s", who.user_id, job_id or "a message", error)

    def _refused(self, who: Requester, request_id: str, text: str, code: str, job: JobRef) -> AttemptRecord:
        now = self._clock()
        return AttemptRecord(
            request_id=request_id,
            user_id=who.user_id,
            channel_id=who.channel_id,
            team_id=who.team_id,
            command_text=text,
            decision=Verdict.REFUSED,
            outcome=Outcome.REFUSED,
            created_at=now,
            updated_at=now,
            refusal=code,
            source_project_id=job.project_id,
            source_job_id=job.job_id,
            origin=self._origin,
        )


def _progress(job_id: str) -> frozenset[str]:
    """What Intake.recreate answers when the work has started: the preview or the card follows, nothing to add."""
    return frozenset(reply(job_id).text for reply in (replies.working, replies.checking, replies.looking_up))
