"""`/recreate-job history`: recreations made in this conversation, and the caller's own; never others' elsewhere."""

from __future__ import annotations

import logging

from bot.command import History
from bot.messages import Message, replies
from bot.messages.audit import history
from bot.store import AuditStore, StoreError

log = logging.getLogger(__name__)


def read_history(store: AuditStore, query: History, request_id: str, *, channel_id: str, user_id: str) -> Message:
    where = {"channel_id": channel_id, "user_id": user_id}
    try:
        if query.job_id is not None:
            records = store.visible(query.limit, job_id=query.job_id, **where)
            return history(
                records,
                title=f"Recreations involving {query.job_id}",
                empty=f"No recreation involving `{query.job_id}` is on record.",
            )
        records = store.visible(query.limit, **where)
        return history(records, title=f"Recent recreations ({len(records)})", empty="No recreation is on record yet.")
    except StoreError:
        log.exception("request %s: history could not be read", request_id)
        return replies.audit_unavailable(request_id, reading=True)
