"""The job card posted in the channel after a recreate, and its outcome-unknown sibling."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.baseten.models import TERMINAL_STATUSES, InstanceType, TrainingJob, status_label
from bot.messages.format import code, cut, escape, gib, safe, slack_date, vcpu
from bot.messages.message import Message
from bot.messages.stop import stop_button, stopped_line

FIELD_LIMIT = 2000
NAME_LIMIT = 200


def gpu_summary(instance: InstanceType, node_count: int = 1) -> str:
    """`8 × H100 (80 GiB each)`, with nodes when more than one; CPU-only instances say so."""
    if not instance.has_gpu:
        return "None (CPU only)"
    per_node = f"{instance.gpu_count} × {escape(instance.gpu_type)}"
    total = f"{node_count} nodes × {per_node} = {instance.gpu_count * node_count} GPUs" if node_count > 1 else per_node
    if instance.gpu_memory_limit_mib:
        total += f" ({gib(instance.gpu_memory_limit_mib)} each)"
    return total


def gpu_count_summary(job: TrainingJob) -> str:
    """`8 × H100`, `16 × H100` across nodes, or `CPU only`: short, for one-line listings."""
    instance = job.instance_type
    return f"{job.total_gpus} × {instance.gpu_type}" if instance.has_gpu else "CPU only"


def compute_summary(instance: InstanceType) -> str:
    return f"{vcpu(instance.millicpu_limit)} · {gib(instance.memory_limit_mib)} memory"


def job_title(job: TrainingJob) -> str:
    """`abc1234 (name)` in mrkdwn, name escaped."""
    if job.name:
        return f"{code(job.id)} {safe(job.name, NAME_LIMIT)}"
    return code(job.id)


def _field(label: str, value: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=cut(f"*{label}*\n{value}", FIELD_LIMIT))


def _footer(request_id: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=f"recreate-job · request {code(request_id)}")])


def job_card(
    job: TrainingJob,
    *,
    source_job_id: str,
    requester_id: str,
    job_url: str,
    request_id: str,
    note: str | None = None,
    stopped: tuple[str, datetime] | None = None,
) -> Message:
    """The card the channel sees: what was started, on what hardware, by whom, from which job. While the job is
    active it has a Stop button; `stopped` (who, when) says who stopped it from here, and the button is gone."""
    project = job.training_project
    instance = job.instance_type
    fields = [
        _field("New job", job_title(job)),
        _field("Status", safe(status_label(job.current_status), 200)),
        _field("Instance", safe(instance.name, 200)),
        _field("GPUs", gpu_summary(instance, job.node_count)),
        _field("CPU and memory", compute_summary(instance)),
        _field("Project", f"{safe(project.name, NAME_LIMIT)} {code(project.id)}"),
        _field("Requested by", f"<@{requester_id}>"),
        _field("Recreated from", code(source_job_id)),
        _field("Created", slack_date(job.created_at)),
    ]
    blocks: list[Block] = [
        HeaderBlock(text=cut(f"Training job recreated: {job.id}", 150)),
        SectionBlock(fields=fields),
    ]
    if note:
        blocks.append(SectionBlock(text=cut(note, 3000)))
    if stopped is not None:
        blocks.append(SectionBlock(text=stopped_line(*stopped)))
    buttons = [ButtonElement(text="Open in Baseten", url=job_url, action_id="open_job")]
    if stopped is None and job.current_status not in TERMINAL_STATUSES:
        buttons.append(stop_button(job))
    blocks += [ActionsBlock(elements=buttons), _footer(request_id)]
    gpus = gpu_count_summary(job)
    text = (
        f"<@{requester_id}> recreated training job {source_job_id} as {escape(job.id)} "
        f"({escape(status_label(job.current_status))}, {escape(instance.name)}, {escape(gpus)}): {job_url}"
    )
    return Message(text=cut(text, 3000), blocks=blocks)


def outcome_unknown_card(
    *,
    project_id: str,
    source_job_id: str,
    requester_id: str,
    check_url: str,
    request_id: str,
    detail: str,
    candidates: list[tuple[str, str]] | None = None,
) -> Message:
    """Baseten may or may not have started a job: say so plainly so nobody re-runs it blind.

    `candidates` (job ID, link) are jobs that this request or another one in doubt could have made."""
    text = (
        f":warning: <@{requester_id}> asked to recreate {code(source_job_id)} in project {code(project_id)}. "
        f"{safe(detail, 500)} A new job *may or may not* have been created. "
        "Check the project's jobs in Baseten before trying again, so it does not run twice."
    )
    blocks: list[Block] = [HeaderBlock(text="Recreate outcome unknown"), SectionBlock(text=cut(text, 3000))]
    shown = (candidates or [])[:10]
    if shown:
        links = ", ".join(f"<{url}|{code(job_id)}>" for job_id, url in shown)
        it, them = ("it", "it") if len(shown) == 1 else ("any", "them")
        why = f"another recreate whose answer was also lost could have made {them}, so I have not claimed {it}."
        blocks.append(SectionBlock(text=cut(f"It may be {links}: {why}", 3000)))
    blocks += [
        ActionsBlock(elements=[ButtonElement(text="Check in Baseten", url=check_url, action_id="open_job")]),
        _footer(request_id),
    ]
    maybe = f" It may be {', '.join(job_id for job_id, _ in shown)}." if shown else ""
    fallback = (
        f"Recreate of {source_job_id} (project {project_id}) requested by <@{requester_id}>: outcome unknown, "
        f"a new job may or may not exist.{maybe} Check {check_url} before retrying."
    )
    return Message(text=fallback, blocks=blocks)
