"""Unfurling posted job links: who may see a job's card where, the job read once a minute, and chat.unfurl."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.access import AccessPolicy
from bot.baseten import BasetenClient, BasetenError, NotFound, TrainingJob
from bot.baseten.links import DashboardLinks
from bot.clock import Clock, utcnow
from bot.job_refs import JobRef, encode, job_link
from bot.message_payloads import LinkShared
from bot.messages.links import job_unfurl
from bot.ttl_cache import TtlCache

log = logging.getLogger(__name__)

CACHE_SECONDS = 60.0
"""How long a job read, and a channel's being shared with another organization, are taken as still true."""
CACHE_SIZE = 500
MAX_LINKS = 10
"""Job links unfurled per message: a message pasting a hundred costs ten reads, not a hundred."""


@dataclass(frozen=True)
class UnfurlRules:
    app_hosts: frozenset[str]
    """BASETEN_APP_URL's host: the only links unfurled (the manifest registers it with Slack)."""
    shared_channels: bool = False
    """UNFURL_SHARED_CHANNELS: also unfurl in channels shared with another organization (Slack Connect)."""


class Unfurler:
    def __init__(
        self,
        policy: AccessPolicy,
        baseten: BasetenClient,
        client: WebClient,
        links: DashboardLinks,
        rules: UnfurlRules,
        *,
        clock: Clock = utcnow,
    ) -> None:
        self._policy = policy
        self._baseten = baseten
        self._client = client
        self._links = links
        self._rules = rules
        self._jobs: TtlCache[JobRef, TrainingJob | None] = TtlCache(ttl=CACHE_SECONDS, max_size=CACHE_SIZE, clock=clock)
        self._shared_channels: TtlCache[str, bool] = TtlCache(ttl=CACHE_SECONDS, max_size=CACHE_SIZE, clock=clock)

    def wanted(self, shared: LinkShared) -> list[tuple[str, JobRef]]:
        """The job links of this event its poster may see unfurled there; empty when none (checked before the ack)."""
        event = shared.event
        if not shared.posted:
            return []  # still in the composer: the conversation it will be posted in is not known yet
        found = ((link.url, job_link(link.url, self._rules.app_hosts)) for link in event.links)
        refs = [(url, ref) for url, ref in found if ref is not None][:MAX_LINKS]
        if not refs:
            return []
        decision = self._policy.check(
            user_id=event.user, channel_id=event.channel, team_id=shared.team_id, enterprise_id=shared.enterprise_id
        )
        if not decision.allowed:
            log.info(
                "not unfurling %d job link(s) of %s in %s (%s)", len(refs), event.user, event.channel, decision.code
            )
            return []
        return refs

    def unfurl(self, shared: LinkShared, refs: list[tuple[str, JobRef]]) -> None:
        """Read each job (cached) and attach its card; links whose job cannot be read are left to Slack."""
        event = shared.event
        if not self._rules.shared_channels and self._shared(shared):
            log.info("not unfurling job links in %s: shared with another organization", event.channel)
            return
        unfurls: dict[str, Any] = {}
        for url, ref in refs:
            try:
                job = self._jobs.get(ref, partial(self._read, ref))
            except BasetenError as error:
                # Not cached: a Baseten brownout must not blank this job's card for the next minute.
                log.warning("could not read job %s for its unfurl: %s", ref.job_id, error.message)
                continue
            if job is not None:
                value = encode(JobRef(job_id=job.id, project_id=job.training_project_id))
                card = job_unfurl(job, job_url=self._links.job(job.training_project_id, job.id), value=value)
                unfurls[url] = {"blocks": card.block_dicts()}
        if not unfurls:
            return
        try:
            self._client.chat_unfurl(channel=event.channel, ts=event.message_ts, unfurls=unfurls)
        except SlackApiError as error:
            log.warning("chat.unfurl in %s failed: %s", event.channel, error.response.get("error"))
        except (SlackClientError, OSError) as error:
            log.warning("chat.unfurl in %s failed: %s", event.channel, error)

    def _shared(self, shared: LinkShared) -> bool:
        """Slack Connect or not: as the event says, else as conversations.info says (asked once a minute per
        channel); when neither can, shared."""
        if shared.is_ext_shared_channel is not None:
            return shared.is_ext_shared_channel
        channel_id = shared.event.channel
        try:
            return self._shared_channels.get(channel_id, partial(self._ask_shared, channel_id))
        except (SlackApiError, SlackClientError, OSError) as error:
            log.warning("could not tell whether %s is shared; not unfurling there: %s", channel_id, error)
            return True

    def _ask_shared(self, channel_id: str) -> bool:
        """conversations.info's answer; a failure raises, and the cache keeps nothing of it."""
        channel = self._client.conversations_info(channel=channel_id).get("channel") or {}
        return not isinstance(channel, dict) or bool(
            channel.get("is_ext_shared", True) or channel.get("is_pending_ext_shared")
        )

    def _read(self, ref: JobRef) -> TrainingJob | None:
        """The job, or None when Baseten has no such job (cached too: it is not asked about again at once). Any
        other failure raises BasetenError, which the cache does not keep."""
        try:
            if ref.project_id is not None:
                return self._baseten.get_job(ref.project_id, ref.job_id)
            found = [job for job in self._baseten.search_jobs(ref.job_id) if job.id == ref.job_id]
        except NotFound:
            return None
        projects = {job.training_project_id for job in found}
        return found[0] if len(projects) == 1 else None
