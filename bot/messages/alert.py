"""The failure alert posted in the watch channel: what failed, on what, after how long, and its last log lines."""

from __future__ import annotations

from datetime import timedelta

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.baseten.models import TrainingJob, status_label
from bot.messages.card import FIELD_LIMIT, NAME_LIMIT, gpu_count_summary, gpu_summary, job_title
from bot.messages.diagnosis import Diagnosis, log_blocks, log_fallback
from bot.messages.format import code, cut, escape, safe
from bot.messages.message import Message

ERROR_LIMIT = 1500


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


def failure_alert(job: TrainingJob, diagnosis: Diagnosis, *, job_url: str) -> Message:
    """Everything the on-call engineer needs to decide from a phone, and a link to the job."""
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
        *log_blocks(diagnosis),
        ActionsBlock(elements=[ButtonElement(text="Open in Baseten", url=job_url, action_id="open_job")]),
    ]
    text = (
        f"Training job {escape(job.id)} ({safe(job.name or 'unnamed', NAME_LIMIT)}) in "
        f"{safe(job.training_project.name, NAME_LIMIT)} {escape(status.lower())}"
        f"{': ' + safe(job.error_message, 300) if job.error_message else ''} "
        f"({escape(gpu_count_summary(job))}); {log_fallback(diagnosis)}. {job_url}"
    )
    return Message(text=cut(text, 3000), blocks=blocks)
