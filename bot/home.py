"""The Home tab: on app_home_opened, gather what one person may see and publish it, with bounded Baseten reads."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.views import View

from bot.access import AccessPolicy
from bot.baseten import BasetenClient, BasetenError
from bot.baseten.links import DashboardLinks
from bot.baseten.models import TERMINAL_STATUSES
from bot.messages.home import Access, Entry, Failure, home_view
from bot.records import AttemptRecord
from bot.store import AuditStore, StoreError

log = logging.getLogger(__name__)

RECENT = 10
FAILURES = 5
MAX_LOOKUPS = 5
"""Baseten reads one opening may make: jobs neither followed nor known finished, newest first."""
STATUS_TTL = 45.0
"""Seconds a status read from Baseten is reused for the same person: opening the tab again costs no read."""


class HomeTab:
    def __init__(
        self,
        client: WebClient,
        store: AuditStore,
        reader: BasetenClient,
        policy: AccessPolicy,
        links: DashboardLinks,
        *,
        watching: bool,
        ttl: float = STATUS_TTL,
        max_lookups: int = MAX_LOOKUPS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._store = store
        self._reader = reader
        self._policy = policy
        self._links = links
        self._watching = watching
        self._ttl = ttl
        self._max_lookups = max_lookups
        self._clock = clock
        self._lock = threading.Lock()
        self._statuses: dict[str, tuple[float, dict[str, str]]] = {}
        """Per person: when, and the statuses Baseten gave for their jobs then."""
        self._building: set[str] = set()

    def opened(self, user_id: str, team_id: str | None, enterprise_id: str | None = None) -> None:
        """Publish the person's Home; an opening while theirs is still being built is left to that one."""
        with self._lock:
            if user_id in self._building:
                return
            self._building.add(user_id)
        try:
            view = self.view_for(user_id, team_id, enterprise_id)
            self._client.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:
            log.warning("could not publish the Home tab of %s: %s", user_id, error.response.get("error"))
        except (SlackClientError, OSError) as error:
            log.warning("could not publish the Home tab of %s: %s", user_id, error)
        finally:
            with self._lock:
                self._building.discard(user_id)

    def view_for(self, user_id: str, team_id: str | None, enterprise_id: str | None = None) -> View:
        decision = self._policy.check_person(user_id=user_id, team_id=team_id, enterprise_id=enterprise_id)
        access = Access(
            decision.allowed,
            decision.reason,
            group_ids=self._policy.group_ids,
            channel_ids=tuple(sorted(self._policy.channel_ids)),
        )
        if not decision.allowed:
            return home_view(access)
        try:
            records = self._store.recreations_by(user_id, RECENT)
            failures = self._store.alerted_failures(FAILURES) if self._watching else None
            entries = self._entries(user_id, records)
        except StoreError:
            log.exception("could not read the Home tab of %s from the store", user_id)
            return home_view(access, store_unreadable=True)
        shown = None if failures is None else [Failure(f, self._links.job(f.project_id, f.job_id)) for f in failures]
        return home_view(access, entries=entries, failures=shown)

    def _entries(self, user_id: str, records: list[AttemptRecord]) -> list[Entry]:
        """Statuses from the followed records where there are any; else from Baseten, at most `max_lookups` reads
        per person per `ttl` (a second opening within it reads nothing and shows what the first read)."""
        now = self._clock()
        with self._lock:
            earlier = self._statuses.get(user_id)
        fresh = earlier is None or now - earlier[0] >= self._ttl
        cache: dict[str, str] = {} if fresh or earlier is None else dict(earlier[1])
        budget = self._max_lookups if fresh else 0
        entries: list[Entry] = []
        for record in records:
            job_id, project_id = record.new_job_id, record.source_project_id
            if job_id is None or project_id is None:
                continue
            url = self._links.job(project_id, job_id)
            followed = self._store.followed(job_id)
            if followed is not None:
                entries.append(Entry(record, url, followed.status, following=not followed.done))
                continue
            status = cache.get(job_id) or record.new_job_status
            if status not in TERMINAL_STATUSES and budget > 0:
                budget -= 1
                try:
                    status = cache[job_id] = self._reader.get_job(project_id, job_id).current_status
                except BasetenError as error:
                    log.info("Home tab: could not read job %s: %s", job_id, error.message)
            entries.append(Entry(record, url, status))
        with self._lock:
            if len(self._statuses) > 1000:  # people who have not come back within the window are forgotten
                self._statuses = {u: v for u, v in self._statuses.items() if now - v[0] < self._ttl}
            self._statuses[user_id] = (now if fresh or earlier is None else earlier[0], cache)
        return entries
