"""Thread replies that tell the channel what became of a recreated job."""

from __future__ import annotations

from bot.baseten.models import JobStatus, TrainingJob, status_label
from bot.messages.diagnosis import Diagnosis, log_blocks
from bot.messages.format import code, safe
from bot.messages.message import Message

ERROR_LIMIT = 1500

_REPLIES = {
    JobStatus.PENDING: ":hourglass: Waiting for GPU capacity.",
    JobStatus.QUEUED: ":hourglass: Queued.",
    JobStatus.DEPLOYING: ":rocket: Got its GPUs; deploying.",
    JobStatus.RUNNING: ":runner: Running.",
    JobStatus.COMPLETED: ":white_check_mark: Completed.",
    JobStatus.STOPPED: ":octagonal_sign: Stopped.",
}
FAILED = frozenset({JobStatus.FAILED, JobStatus.DEPLOY_FAILED})


def status_reply(job: TrainingJob, requester_id: str, diagnosis: Diagnosis | None = None) -> Message | None:
    """What to say in the card's thread about `job`'s new status; None when it is not worth a message.

    A failure carries `diagnosis`, the last log lines, when there is one."""
    status = job.current_status
    if status == JobStatus.CREATED:
        return None
    if status in FAILED:
        reason = f": {safe(job.error_message, ERROR_LIMIT)}" if job.error_message else "."
        failed = Message.plain(f":x: {code(job.id)} {status_label(status).lower()}{reason} <@{requester_id}>")
        if diagnosis is None:
            return failed
        return Message(text=failed.text, blocks=[*failed.blocks, *log_blocks(diagnosis)])
    known = _REPLIES.get(status)  # type: ignore[call-overload]
    if known is not None:
        return Message.plain(f"{code(job.id)}: {known}")
    return Message.plain(f"{code(job.id)}: status is now {safe(status, 200)}.")


def outage(job_id: str) -> Message:
    return Message.plain(
        f":warning: Baseten is not answering, so updates on {code(job_id)} are paused. "
        "I'll keep checking and carry on when it answers."
    )


def outage_over(job_id: str, status: str) -> Message:
    return Message.plain(f":electric_plug: Baseten answers again; {code(job_id)} is {safe(status_label(status), 200)}.")


def vanished(job_id: str) -> Message:
    return Message.plain(f":grey_question: Baseten no longer knows job {code(job_id)}; I stopped following it.")


def _duration(hours: float) -> str:
    """`1 hour`, `24 hours`, `1.5 hours`; under an hour in minutes, so a short FOLLOW_FOR never reads `0 hours`."""
    if hours < 1:
        minutes = max(1, round(hours * 60))
        return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"
    shown = round(hours, 1)
    return "1 hour" if shown == 1 else f"{shown:g} hours"


def gave_up(job_id: str, status: str, hours: float) -> Message:
    return Message.plain(
        f":zzz: I stopped following {code(job_id)} after {_duration(hours)}; it was "
        f"{safe(status_label(status), 200)}. Check Baseten for what happens next."
    )
