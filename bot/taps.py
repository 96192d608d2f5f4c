"""Recreates asked for with a tap: an unfurled link's Recreate button, and the "Recreate training job" shortcut.

They join the slash command's pipeline (Intake.tap): the same allowlist, preview, cooldown, in-flight lock and
audit record, checked for whoever tapped. Everything is said only to them, through the tap's response_url.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.delivery import Delivery
from bot.intake import Intake
from bot.intake_outcomes import TapResult
from bot.job_refs import JobRef, encode, jobs_in
from bot.message_payloads import MessageShortcut
from bot.messages import Message, replies
from bot.messages.links import no_job_in_message, pick_job
from bot.records import SLACK_ORIGIN
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
        intake: Intake,
        delivery: Delivery,
        client: WebClient,
        *,
        app_hosts: frozenset[str],
        origin: str = SLACK_ORIGIN,
    ) -> None:
        self._intake = intake
        self._delivery = delivery
        self._client = client
        self._app_hosts = app_hosts
        self._origin = origin

    def shortcut(self, shortcut: MessageShortcut) -> None:
        """One job in the message: its preview. Several: the tapper picks one. None: they are told so."""
        refs = jobs_in(shortcut.pieces(), self._app_hosts)
        if len(refs) == 1:
            self.recreate(Tap(shortcut.requester, shortcut.enterprise_id, refs[0], "message shortcut"))
            return
        message = pick_job(refs, [encode(ref) for ref in refs]) if refs else no_job_in_message()
        self._say(shortcut.requester, message, refs[0].job_id if refs else "")

    def recreate(self, tap: Tap) -> TapResult:
        """Into the pipeline for whoever tapped (Intake.tap: allowlist, record, preview); said only to them."""
        job = tap.job
        text = f"{tap.via}: {encode(job)}"
        request = RecreateRequest(
            new_request_id(), tap.requester, job.job_id, job.project_id, text, origin=self._origin
        )
        tell = partial(self._say, tap.requester, job_id=job.job_id)
        return self._intake.tap(request, tap.enterprise_id, tell, hint=job.job_id, progress=replies.looking_up)

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
