"""Short replies seen only by the person who typed the command: usage, refusals, progress and errors."""

from __future__ import annotations

from bot.baseten.errors import (
    BasetenError,
    KeyRejected,
    NoAnswer,
    NotFound,
    RateLimited,
    Rejected,
    ServerError,
    UnexpectedAnswer,
    Unreachable,
)
from bot.command import USAGE_EXAMPLES
from bot.messages.format import code, safe
from bot.messages.message import Message

ERROR_DETAIL_LIMIT = 500


def usage(command: str = "/recreate-job") -> Message:
    lines = "\n".join(f"• {example.replace('/recreate-job', command)}" for example in USAGE_EXAMPLES)
    return Message.plain(
        f"*{command}* starts a new Baseten training job with the same configuration as an existing one, "
        f"and posts what it started in this conversation.\n{lines}\n"
        "The job ID is on the job's page in Baseten; a link to that page works too."
    )


def bad_input(problem: str, command: str = "/recreate-job") -> Message:
    lines = "\n".join(f"• {example.replace('/recreate-job', command)}" for example in USAGE_EXAMPLES)
    return Message.plain(f":warning: {safe(problem, ERROR_DETAIL_LIMIT)}\nUse one of:\n{lines}")


def refused(reason: str, *, sent_to_baseten: bool = True) -> Message:
    """`reason` is the bot's own text (it may hold channel mentions), not user input. `sent_to_baseten`: the
    request would have gone to Baseten, so say that nothing did (a history lookup never would)."""
    return Message.plain(f":no_entry: {reason}" + (" Nothing was sent to Baseten." if sent_to_baseten else ""))


def working(job_id: str) -> Message:
    return Message.plain(f":hourglass_flowing_sand: Recreating {code(job_id)}… I'll post the new job here.")


def checking(job_id: str) -> Message:
    return Message.plain(f":mag: Looking up {code(job_id)}… you'll see what would be recreated before anything starts.")


def looking_up(job_id: str) -> Message:
    """CONFIRM=active: a preview comes only if the job is still running, so promise nothing more."""
    return Message.plain(f":mag: Looking up {code(job_id)}…")


def rate_limit_wait(job_id: str, seconds: float) -> Message:
    return Message.plain(
        f":snail: Baseten is rate limiting the bot; recreating {code(job_id)} in about {round(seconds)} seconds. "
        "No need to run the command again."
    )


def shutting_down() -> Message:
    return Message.plain(
        ":hourglass: The bot is restarting and is not taking new commands. Nothing was sent to Baseten; "
        "try again in a minute."
    )


def busy() -> Message:
    return Message.plain(
        ":hourglass: The bot is handling too many recreates at once. Nothing was sent to Baseten; "
        "try again in a minute."
    )


def job_not_found(job_id: str, project_id: str | None) -> Message:
    where = f" in project {code(project_id)}" if project_id else ""
    return Message.plain(
        f":mag: I could not find training job {code(job_id)}{where} in Baseten, so nothing was created. "
        "Copy the ID (or the link) from the job's page in Baseten and try again."
    )


def ambiguous_job(job_id: str, project_ids: list[str]) -> Message:
    projects = ", ".join(code(project) for project in project_ids[:10])
    return Message.plain(
        f":warning: Job {code(job_id)} matches jobs in several projects ({projects}), so nothing was created. "
        f"Name the project too: `/recreate-job <project_id> {job_id}`."
    )


def baseten_failed(error: BasetenError, *, job_id: str, project_id: str | None, request_id: str) -> Message:
    """A Baseten failure before any job was created, with what to do about it."""
    detail = safe(error.message, ERROR_DETAIL_LIMIT)
    nothing = "Nothing was created."
    if isinstance(error, NotFound):
        return job_not_found(job_id, project_id)
    if isinstance(error, KeyRejected):
        text = (
            f":lock: Baseten rejected the bot's API key (HTTP {error.status}: {detail}). {nothing} "
            "Ask the bot's admin to check BASETEN_API_KEY and that it can reach this project."
        )
    elif isinstance(error, RateLimited):
        text = (
            f":snail: Baseten is still rate limiting the bot, so I stopped waiting. {nothing} "
            f"Try again in {max(1, round(error.retry_after))} seconds."
        )
    elif isinstance(error, Rejected):
        text = f":warning: Baseten refused to recreate {code(job_id)}: {detail}. {nothing}"
    elif isinstance(error, Unreachable):
        text = f":electric_plug: I could not reach Baseten. {nothing} Try again in a few minutes."
    elif isinstance(error, UnexpectedAnswer):
        text = (
            f":warning: Baseten answered with something unexpected while I looked up {code(job_id)} ({detail}). "
            f"{nothing} Try again in a few minutes, and tell the bot's admin if it keeps happening."
        )
    elif isinstance(error, ServerError | NoAnswer):
        text = (
            f":fire: Baseten is having trouble ({detail}) while I looked up {code(job_id)}. {nothing} "
            "Try again in a few minutes."
        )
    else:
        text = f":warning: Baseten answered in a way I did not understand ({detail}). {nothing}"
    return Message.plain(f"{text}\n_Request {code(request_id)}_")


def internal_error(request_id: str) -> Message:
    return Message.plain(
        f":boom: Something went wrong on my side, so nothing was created. It is logged as request "
        f"{code(request_id)}; try again, and tell the bot's admin if it happens again."
    )


def audit_unavailable(request_id: str, *, reading: bool = False) -> Message:
    if reading:
        return Message.plain(
            f":floppy_disk: I could not read the audit trail just now (request {code(request_id)}). "
            "Try again in a minute, and tell the bot's admin if it persists."
        )
    return Message.plain(
        ":floppy_disk: I cannot write to the audit trail, and I never recreate a job without recording it, "
        f"so nothing was sent to Baseten. Tell the bot's admin (request {code(request_id)})."
    )


def posted_elsewhere(channel_id: str) -> Message:
    """The card could not go to the channel, so it came to the requester directly."""
    return Message.plain(
        f":information_source: I could not post the job card in <#{channel_id}>, so here it is. "
        "Invite the bot to that conversation so the team sees recreates there."
    )
