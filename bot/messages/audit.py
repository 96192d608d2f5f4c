"""Audit-channel entries and `/recreate-job history` listings, built from stored attempt records."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.baseten.models import status_label
from bot.messages.format import code, cut, safe, slack_date
from bot.messages.message import Message
from bot.records import SLACK_ORIGIN, STOP_ACTION, AttemptRecord, Outcome

MAX_HISTORY = 50

_OUTCOME_WORDS = {
    Outcome.PENDING: "in progress",
    Outcome.NOT_FOUND: "job not found",
    Outcome.FAILED: "failed",
    Outcome.OUTCOME_UNKNOWN: "outcome unknown",
    Outcome.ERROR: "error",
    Outcome.REFUSED: "refused",
    Outcome.BAD_INPUT: "bad input",
    Outcome.AWAITING_CONFIRMATION: "awaiting confirmation",
    Outcome.CANCELLED: "cancelled",
    Outcome.EXPIRED: "not confirmed in time",
    Outcome.IN_FLIGHT: "already in progress",
    Outcome.MUTED: "alerts muted",
    Outcome.UNMUTED: "alerts unmuted",
    Outcome.STOPPED: "stopped",
    Outcome.STOP_UNKNOWN: "outcome unknown",
    Outcome.ALREADY_ENDED: "already finished",
}
_ICONS = {
    Outcome.CREATED: ":repeat:",
    Outcome.STOPPED: ":octagonal_sign:",
    Outcome.MUTED: ":mute:",
    Outcome.UNMUTED: ":loud_sound:",
}


def _source(record: AttemptRecord) -> str:
    if record.source_job_id is None:
        # A mute names a project and no job.
        return f"project {code(record.source_project_id)}" if record.source_project_id else "?"
    return code(record.source_job_id)


def _result(record: AttemptRecord) -> str:
    """`→ new0001 · H100 x8 · Created`, or what became of the attempt instead."""
    if record.outcome is Outcome.CREATED and record.new_job_id:
        parts = [f"→ {code(record.new_job_id)}"]
        if record.instance_type:
            parts.append(safe(record.instance_type, 100))
        if record.gpus:
            parts.append(safe(record.gpus, 100))
        if record.new_job_status:
            parts.append(safe(status_label(record.new_job_status), 100))
        return " · ".join(parts)
    word = _OUTCOME_WORDS.get(record.outcome, record.outcome.value)
    # An error that only repeats the outcome ("job not found: job not found") adds nothing.
    said = record.error and record.error.strip().rstrip(".").lower() != word
    detail = f": {safe(record.error, 200)}" if said and record.outcome is not Outcome.PENDING else ""
    return f"→ _{word}_{detail}"


def _what(record: AttemptRecord) -> str:
    """`src → new · …` for a recreate; `stopped job` (or what became of the stop) for a Stop tapped on a card."""
    if record.action != STOP_ACTION:
        return f"{_source(record)} {_result(record)}"
    if record.outcome is Outcome.STOPPED:
        note = f" ({safe(record.error, 200)})" if record.error else ""
        return f"stopped {_source(record)}{note}"
    return f"stop of {_source(record)} {_result(record)}"


def _origin(record: AttemptRecord) -> str:
    """` · from the console (alice as U0123ABC)`; nothing for Slack, where nearly everything comes from."""
    if record.origin == SLACK_ORIGIN:
        return ""
    where, _, who = record.origin.partition(":")
    said = f"the console ({safe(who, 100)})" if where == "console" else safe(record.origin, 100)
    return f" · from {said}"


def history_line(record: AttemptRecord) -> str:
    return f"{slack_date(record.created_at)} <@{record.user_id}> {_what(record)}{_origin(record)}"


def history(records: list[AttemptRecord], *, title: str, empty: str) -> Message:
    """One line per attempt, newest first; seen only by the person who asked."""
    if not records:
        return Message.plain(empty)
    blocks: list[Block] = [HeaderBlock(text=cut(title, 150))]
    lines = [history_line(record) for record in records[:MAX_HISTORY]]
    # A section holds 3000 characters: pack lines into as few sections as fit.
    chunk: list[str] = []
    for line in lines:
        if chunk and len("\n".join([*chunk, line])) > 3000:
            blocks.append(SectionBlock(text="\n".join(chunk)))
            chunk = []
        chunk.append(cut(line, 3000))
    blocks.append(SectionBlock(text="\n".join(chunk)))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text="Times are in your time zone. Source → new job.")]))
    text = cut(f"{title}\n" + "\n".join(lines), 3000)
    return Message(text=text, blocks=blocks[:50])


def audit_entry(record: AttemptRecord) -> Message:
    """One line in the audit channel: who tried what, where, and what came of it."""
    where = f"<#{record.channel_id}>" if record.channel_id.startswith(("C", "G")) else "a direct message"
    if record.outcome is Outcome.REFUSED:
        text = (
            f":no_entry: <@{record.user_id}> was refused in {where} ({safe(record.refusal or 'refused', 100)}): "
            f"`{safe(record.command_text, 200)}`"
        )
    else:
        icon = _ICONS.get(record.outcome, ":warning:")
        text = f"{icon} <@{record.user_id}> in {where}: {_what(record)}{_origin(record)}"
    text = cut(text, 2900)
    blocks: list[Block] = [
        SectionBlock(text=text),
        ContextBlock(elements=[MarkdownTextObject(text=f"request {code(record.request_id)}")]),
    ]
    return Message(text=text, blocks=blocks)


def refusals_combined(last: AttemptRecord, more: int, window: float, *, announced: bool = True) -> Message:
    """One line for the refusals of one person not posted one by one in the last window; `announced` when the
    first of them had a line of its own."""
    where = f"<#{last.channel_id}>" if last.channel_id.startswith(("C", "G")) else "a direct message"
    span = "minute" if window == 60 else f"{window:g} seconds"
    extra = " more" if announced else ""
    times = f"1{extra} time" if more == 1 else f"{more}{extra} times"
    text = cut(
        f":no_entry: <@{last.user_id}> was refused {times} in the last {span}, the latest in {where} "
        f"({safe(last.refusal or 'refused', 100)}): `{safe(last.command_text, 200)}`. "
        "Each attempt is in the audit store.",
        2900,
    )
    return Message(text=text, blocks=[SectionBlock(text=text)])
