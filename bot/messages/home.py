"""The Home tab, built for one person: may they recreate, their recent recreations, the jobs followed for them,
and recent failures in watched projects with a Recreate button each."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.baseten.models import status_label
from bot.messages.format import code, cut, safe, slack_date
from bot.records import AttemptRecord
from bot.watch.record import SeenFailure

ALERT_RECREATE_ACTION = "recreate_job_from_alert"
"""The alert's own Recreate button: one handler serves both, with the value `<project_id>/<job_id>`."""
MAX_BLOCKS = 100


@dataclass(frozen=True)
class Access:
    """Whether this person may recreate, and how anyone gets access (from the settings, never from Slack)."""

    allowed: bool
    reason: str = ""
    """Why not, written for them (AccessPolicy's words)."""
    group_ids: tuple[str, ...] = ()
    channel_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    """One of their recreations, with the new job's status as last known (followed record, store or Baseten)."""

    record: AttemptRecord
    job_url: str | None
    status: str | None
    following: bool = False


@dataclass(frozen=True)
class Failure:
    seen: SeenFailure
    job_url: str


def _access(access: Access) -> list[Block]:
    if access.allowed:
        where = (
            " in " + ", ".join(f"<#{channel}>" for channel in access.channel_ids)
            if access.channel_ids
            else " from any conversation the bot can post in"
        )
        said = f":white_check_mark: You may recreate training jobs{where}: `/recreate-job <job ID or link>`."
    else:
        said = f":no_entry: {access.reason}"
    how = "Access is granted by the bot's admin: people listed in ALLOWED_USER_IDS"
    if access.group_ids:
        how += ", or members of " + ", ".join(f"<!subteam^{group}>" for group in access.group_ids)
    how += ". Every command and button is checked again when it is used."
    return [SectionBlock(text=cut(said, 3000)), ContextBlock(elements=[MarkdownTextObject(text=cut(how, 3000))])]


def _entry_line(entry: Entry) -> str:
    record = entry.record
    made = f"<{entry.job_url}|{code(record.new_job_id)}>" if entry.job_url else code(record.new_job_id or "?")
    status = safe(status_label(entry.status), 100) if entry.status else "status unknown"
    return f"{slack_date(record.created_at)} {code(record.source_job_id or '?')} → {made} · {status}"


def _lines(title: str, lines: list[str], empty: str) -> list[Block]:
    text = "\n".join(lines) if lines else f"_{empty}_"
    return [SectionBlock(text=cut(f"*{title}*\n{text}", 3000))]


def _failure(failure: Failure) -> SectionBlock:
    seen = failure.seen
    text = (
        f"<{failure.job_url}|{code(seen.job_id)}> in project {code(seen.project_id)} · "
        f"{safe(status_label(seen.status), 100)} · {slack_date(seen.failed_at)}"
    )
    button = ButtonElement(text="Recreate", action_id=ALERT_RECREATE_ACTION, value=f"{seen.project_id}/{seen.job_id}")
    return SectionBlock(text=cut(text, 3000), accessory=button)


def home_view(
    access: Access,
    *,
    entries: list[Entry] | None = None,
    failures: list[Failure] | None = None,
    store_unreadable: bool = False,
) -> View:
    """`failures` None: no project is watched. A person who may not recreate sees only the access part."""
    blocks: list[Block] = [HeaderBlock(text="recreate-job"), *_access(access)]
    if access.allowed and store_unreadable:
        blocks.append(SectionBlock(text=":floppy_disk: I could not read the audit trail just now; open the tab again."))
    elif access.allowed:
        shown = entries or []
        recent = [_entry_line(entry) for entry in shown]
        followed = [_entry_line(entry) for entry in shown if entry.following]
        blocks += [DividerBlock(), *_lines("Your recent recreations", recent, "None yet.")]
        blocks += _lines("Being followed for you", followed, "No job of yours is being followed now.")
        if failures is not None:
            blocks += [DividerBlock(), SectionBlock(text="*Recent failures in watched projects*")]
            blocks += [_failure(failure) for failure in failures] or [SectionBlock(text="_None lately._")]
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text="Times are in your time zone. Statuses as last seen.")])
        )
    return View(type="home", callback_id="recreate_job_home", blocks=blocks[:MAX_BLOCKS])
