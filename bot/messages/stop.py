"""Stop from the card: the red button with its confirmation, the card's "Stopped by" line, and the replies."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import ButtonElement, ConfirmObject

from bot.baseten.models import TrainingJob, status_label
from bot.messages.format import code, cut, safe
from bot.messages.message import Message

STOP_ACTION = "recreate_job_stop"


def stop_value(job: TrainingJob) -> str:
    """What the Stop button carries: `<project_id>/<job_id>`."""
    return f"{job.training_project_id}/{job.id}"


def stop_button(job: TrainingJob) -> ButtonElement:
    """Red, and behind Slack's own confirmation naming the job: a stop cannot be undone."""
    named = f"{code(job.id)} ({safe(job.name, 100)})" if job.name else code(job.id)
    project = safe(job.training_project.name, 100)
    confirm = ConfirmObject(
        title="Stop this training job?",
        text=cut(f"Stop training job {named} in {project} now? It cannot be resumed.", 300),
        confirm="Stop it",
        deny="Keep it running",
        style="danger",
    )
    return ButtonElement(text="Stop", action_id=STOP_ACTION, value=stop_value(job), style="danger", confirm=confirm)


def _time(at: datetime) -> str:
    return f"<!date^{int(at.timestamp())}^{{time}}|{at.strftime('%H:%M UTC')}>"


def stopped_line(user_id: str, at: datetime) -> str:
    """`Stopped by @x at 03:20`, in each reader's own time zone."""
    return f":octagonal_sign: Stopped by <@{user_id}> at {_time(at)}"


def stopped(job: TrainingJob, user_id: str, at: datetime, note: str | None = None) -> Message:
    """The news in the card's thread."""
    status = safe(status_label(job.current_status), 100)
    text = f":octagonal_sign: <@{user_id}> stopped {code(job.id)} at {_time(at)} ({status})."
    if note:
        text += f" {safe(note, 500)}"
    return Message.plain(text)


def already_finished(job: TrainingJob) -> Message:
    status = safe(status_label(job.current_status), 100)
    return Message.plain(f":checkered_flag: {code(job.id)} has already finished ({status}); nothing was sent.")


def already_stopping(job_id: str, user_id: str, at: datetime, *, done: bool) -> Message:
    what = "stopped" if done else "is already stopping"
    return Message.plain(
        f":octagonal_sign: <@{user_id}> {what} {code(job_id)} at {_time(at)}; nothing more was sent to Baseten."
    )


def not_checked(job_id: str, why: str) -> Message:
    return Message.plain(
        f":warning: I could not check {code(job_id)} with Baseten ({safe(why, 300)}), so nothing was sent. "
        "Try Stop again in a minute."
    )


def not_found(job_id: str) -> Message:
    return Message.plain(f":mag: Baseten no longer knows {code(job_id)}; nothing was sent.")


def not_sent(job_id: str, why: str) -> Message:
    """Baseten surely did not act (it refused, or could not be reached): the job keeps running."""
    return Message.plain(f":x: The stop of {code(job_id)} did not go through ({safe(why, 500)}); the job runs on.")


def outcome_unknown(job_id: str, status: str | None, job_url: str) -> Message:
    """The stop went out, its answer was lost, and a lookup did not show the job ended: say so, never guess."""
    shown = f"still shows *{safe(status_label(status), 100)}*" if status else "could not be checked either"
    return Message.plain(
        f":warning: Baseten did not answer the stop of {code(job_id)}, and the job {shown}: it may still be "
        f"stopping. <{job_url}|Check it in Baseten> before tapping Stop again."
    )


def unreadable() -> Message:
    return Message.plain(":grey_question: This Stop button names no job I can read; nothing was sent.")


def failed(job_id: str, request_id: str) -> Message:
    return Message.plain(
        f":boom: Something went wrong on my side while stopping {code(job_id)} (request {code(request_id)}). "
        "Check the job in Baseten before tapping Stop again."
    )
