"""Where a failed job came from: made by this bot as a recreate, and how many failures in a row its chain has."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.baseten import TrainingJob
from bot.messages.alert import slack_time
from bot.messages.format import code, safe
from bot.records import AttemptRecord
from bot.store import AuditStore, StoreError

log = logging.getLogger(__name__)
# Enough to show a crash loop; a longer walk would only make the number bigger.
MAX_LINKS = 50
RECENT_FAILURES = 500


@dataclass(frozen=True)
class Chain:
    made_by: AttemptRecord
    """The recreate that made the failed job."""
    failures: int
    """Failures in a row, this one included: each link back whose source job failed too."""
    since: datetime
    """When the oldest failure of that row happened."""


def walk(
    job_id: str, failed_at: datetime, made: Callable[[str], AttemptRecord | None], failures: Mapping[str, datetime]
) -> Chain | None:
    """Back through the audit trail (new job → source job) while each source failed; None if no recreate made it."""
    first = made(job_id)
    if first is None:
        return None
    count, since, link, seen = 1, failed_at, first, {job_id}
    while count < MAX_LINKS and link.source_job_id in failures and link.source_job_id not in seen:
        source = link.source_job_id
        assert source is not None
        seen.add(source)
        count, since = count + 1, failures[source]
        previous = made(source)
        if previous is None:
            break
        link = previous
    return Chain(first, count, since)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def chain_lines(job: TrainingJob, chain: Chain | None) -> list[str]:
    if chain is None:
        return []
    source = code(chain.made_by.source_job_id or "?")
    lines = [f"Made by recreate-job: <@{chain.made_by.user_id}> recreated it from {source}"]
    if chain.failures > 1:
        name = safe(job.name or job.id, 100)
        lines.append(f"{ordinal(chain.failures)} failure in a row of {name} since {slack_time(chain.since)}")
    return lines


def read_chain(store: AuditStore, job: TrainingJob) -> list[str]:
    """The chain lines of a failed job, read through the store; none when the store cannot say."""
    try:
        failures = {seen.job_id: seen.failed_at for seen in store.alerted_failures(RECENT_FAILURES)}

        def made(job_id: str) -> AttemptRecord | None:
            return next((r for r in store.involving(job_id, 20) if r.new_job_id == job_id), None)

        return chain_lines(job, walk(job.id, job.updated_at, made, failures))
    except StoreError:
        log.exception("could not read where failed job %s came from", job.id)
        return []
