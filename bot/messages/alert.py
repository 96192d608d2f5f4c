"""The failure alert posted in the watch channel: what failed, on what, after how long, and its last log lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.baseten.models import TrainingJob, status_label
from bot.messages.card import FIELD_LIMIT, NAME_LIMIT, gpu_count_summary, gpu_summary, job_title
from bot.messages.diagnosis import Diagnosis, log_blocks, log_fallback
from bot.messages.format import code, cut, escape, safe
from bot.messages.message import Message
from bot.watch.record import AlertRecreate

ERROR_LIMIT = 1500
RECREATE_ACTION = "recreate_job_from_alert"


def alert_value(project_id: str, job_id: str) -> str:
    """The Recreate button's value, `<project_id>/<job_id>`: whatever shows the button (an alert, the Home tab)."""
    return f"{project_id}/{job_id}"


def slack_time(moment: datetime) -> str:
    """A time of day in the reader's own timezone, with UTC as the fallback text."""
    return f"<!date^{int(moment.timestamp())}^{{time}}|{moment.astimezone(UTC):%H:%M} UTC>"


def recreated_line(claim: AlertRecreate) -> str:
    return f"Recreated by <@{escape(claim.user_id)}> at {slack_time(claim.at)} \u2192 {code(claim.new_job_id)}"


def ran_for(elapsed: timedelta) -> str:
    """`42 s`, `17 min`, `3 h 05 min`."""
    seconds = max(0, int(elapsed.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _field(label: str, value: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=cut(f"*{label}*\n{value}", FIELD_LIMIT))


def failure_alert(
    job: TrainingJob,
    diagnosis: Diagnosis,
    *,
    job_url: str,
    recreated: AlertRecreate | None = None,
    chain: list[str] | None = None,
) -> Message:
    """Everything the on-call engineer needs to decide from a phone, a link to the job, and Recreate; once it was
    recreated from here, who did it and the job it made instead of the button. `chain`: where the job came from."""
    status = status_label(job.current_status)
    creator = safe(job.user.email, 200) if job.user and job.user.email else "unknown"
    fields = [
        _field("Job", job_title(job)),
        _field("Status", safe(status, 200)),
        _field("Project", f"{safe(job.training_project.name, NAME_LIMIT)} {code(job.training_project_id)}"),
        _field("Instance", safe(job.instance_type.name, 200)),
        _field("GPUs", gpu_summary(job.instance_type, job.node_count)),
        _field("Ran for", ran_for(job.updated_at - job.created_at)),
        _field("Created by", creator),
    ]
    error = safe(job.error_message, ERROR_LIMIT) if job.error_message else "Baseten gave no error message."
    blocks: list[Block] = [
        HeaderBlock(text=cut(f"Training job {status.lower()}: {job.name or job.id}", 150)),
        SectionBlock(fields=fields),
        SectionBlock(text=f"*Error*\n{error}"),
        *([ContextBlock(elements=[MarkdownTextObject(text=cut(line, 3000)) for line in chain[:10]])] if chain else []),
        *log_blocks(diagnosis),
        *_actions(job, job_url, recreated),
    ]
    text = (
        f"Training job {escape(job.id)} ({safe(job.name or 'unnamed', NAME_LIMIT)}) in "
        f"{safe(job.training_project.name, NAME_LIMIT)} {escape(status.lower())}"
        f"{': ' + safe(job.error_message, 300) if job.error_message else ''} "
        f"({escape(gpu_count_summary(job))}); {log_fallback(diagnosis)}. {job_url}"
    )
    if recreated is not None and recreated.new_job_id:
        text += f" {recreated_line(recreated)}"
    return Message(text=cut(text, 3000), blocks=blocks)


def _actions(job: TrainingJob, job_url: str, recreated: AlertRecreate | None) -> list[Block]:
    link = ButtonElement(text="Open in Baseten", url=job_url, action_id="open_job")
    if recreated is not None and recreated.new_job_id:
        line = ContextBlock(elements=[MarkdownTextObject(text=recreated_line(recreated))])
        return [line, ActionsBlock(elements=[link])]
    button = ButtonElement(
        text="Recreate",
        action_id=RECREATE_ACTION,
        value=alert_value(job.training_project_id, job.id),
        style="primary",
    )
    return [ActionsBlock(elements=[button, link])]
