"""What `/recreate-job watch`, `mute` and `unmute` answer, and the mute lines posted in the watch channel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.baseten.models import status_label
from bot.messages.format import code, cut, safe, slack_date
from bot.messages.message import Message
from bot.watch.mutes import Mute
from bot.watch.record import SeenFailure

HOW_TO_MUTE = (
    "Mute a noisy project with `/recreate-job mute <project_id> 2h`; end it with `/recreate-job unmute <project_id>`."
)


@dataclass(frozen=True)
class Watching:
    """What the watch is set to, as the status shows it."""

    channel_id: str
    projects: tuple[str, ...]
    """Empty: every project the API key can see."""
    interval: float


def span(duration: timedelta) -> str:
    """`45 min`, `2 h`, `1 h 30 min`, `3 d`, `1 d 6 h`."""
    minutes = max(1, round(duration.total_seconds() / 60))
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(part for part in parts if part)


def status(
    watching: Watching, mutes: list[Mute], failures: list[SeenFailure], job_url: Callable[[str, str], str]
) -> Message:
    """Seen only by the caller: what is watched, what is muted until when, and the last failures alerted."""
    scope = (
        "every training project the API key can see"
        if not watching.projects
        else ", ".join(code(project) for project in watching.projects)
    )
    watched = f"*Watching* {scope}\nChecked every {watching.interval:g} s; alerts go to <#{watching.channel_id}>."
    muted = "\n".join(
        f"• {code(mute.project_id)} until {slack_date(mute.until)}, muted by <@{mute.muted_by}>" for mute in mutes
    )
    alerted = "\n".join(
        f"• {slack_date(seen.seen_at)} {code(seen.job_id)} in {code(seen.project_id)}: "
        f"{safe(status_label(seen.status), 100)} · <{job_url(seen.project_id, seen.job_id)}|Open in Baseten>"
        for seen in failures
    )
    sections = [
        watched,
        f"*Muted*\n{muted}" if mutes else "*Muted*\nNothing is muted.",
        f"*Last failures alerted*\n{alerted}" if failures else "*Last failures alerted*\nNone yet.",
    ]
    blocks: list[Block] = [HeaderBlock(text="Failure watch")]
    blocks += [SectionBlock(text=cut(section, 3000)) for section in sections]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=HOW_TO_MUTE)]))
    return Message(text=cut("Failure watch\n" + "\n".join(sections), 3000), blocks=blocks)


def watch_off() -> Message:
    return Message.plain(
        ":zzz: The failure watch is off: no project is watched, so there is nothing to mute. "
        "The bot's admin turns it on with WATCH_PROJECT_IDS and WATCH_CHANNEL_ID."
    )


def not_watched(project_id: str, watched: tuple[str, ...]) -> Message:
    listed = ", ".join(code(project) for project in watched)
    return Message.plain(
        f":grey_question: {code(project_id)} is not watched, so it has no alerts to mute. Watched: {listed}."
    )


def muted(mute: Mute, channel_id: str, replaced: Mute | None) -> Message:
    before = f" It replaces the mute by <@{replaced.muted_by}> until {slack_date(replaced.until)}." if replaced else ""
    return Message.plain(
        f":mute: Alerts for {code(mute.project_id)} are muted until {slack_date(mute.until)} "
        f"({span(mute.until - mute.muted_at)}), and <#{channel_id}> is told.{before} Its failures meanwhile are "
        f"recorded, not alerted. End it sooner with `/recreate-job unmute {mute.project_id}`."
    )


def mute_announced(mute: Mute) -> Message:
    return Message.plain(
        f":mute: <@{mute.muted_by}> muted alerts for {code(mute.project_id)} until {slack_date(mute.until)}. "
        f"`/recreate-job unmute {mute.project_id}` ends it sooner."
    )


def unmuted(ended: Mute, channel_id: str) -> Message:
    return Message.plain(
        f":loud_sound: Alerts for {code(ended.project_id)} are back on (it was muted until "
        f"{slack_date(ended.until)} by <@{ended.muted_by}>), and <#{channel_id}> is told. What failed during the "
        "mute is not replayed; `/recreate-job watch` lists the last alerts."
    )


def unmute_announced(project_id: str, user_id: str) -> Message:
    return Message.plain(
        f":loud_sound: <@{user_id}> unmuted alerts for {code(project_id)}: its failures are alerted again."
    )


def not_muted(project_id: str) -> Message:
    return Message.plain(f":information_source: {code(project_id)} is not muted; its failures are alerted.")


def unsaved(project_id: str, request_id: str, *, muting: bool) -> Message:
    now = "continue" if muting else "stay muted"
    return Message.plain(
        f":floppy_disk: I could not save that just now, so alerts for {code(project_id)} {now}. Try again in a "
        f"minute, and tell the bot's admin if it persists (request {code(request_id)})."
    )
