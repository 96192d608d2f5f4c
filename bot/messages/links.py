"""The unfurled card of a job link, and the messages of the "Recreate training job" shortcut."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.baseten.models import TrainingJob, status_label
from bot.command import Recreate
from bot.messages.card import FIELD_LIMIT, NAME_LIMIT, gpu_count_summary, gpu_summary, job_title
from bot.messages.format import code, cut, escape, safe, slack_date
from bot.messages.message import Message

LINK_RECREATE_ACTION = "recreate_job_from_link"
PICK_ACTION = "recreate_job_pick"
SHORTCUT_CALLBACK = "recreate_job_from_message"
MAX_PICKS = 10


def _field(label: str, value: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=cut(f"*{label}*\n{value}", FIELD_LIMIT))


def job_unfurl(job: TrainingJob, *, job_url: str, value: str) -> Message:
    """The compact card under a posted job link; `value` is what its Recreate button carries (project/job)."""
    project = job.training_project
    instance = job.instance_type
    fields = [
        _field("Job", job_title(job)),
        _field("Project", f"{safe(project.name, NAME_LIMIT)} {code(project.id)}"),
        _field("Status", safe(status_label(job.current_status), 200)),
        _field("Instance", f"{safe(instance.name, 200)} · {gpu_summary(instance, job.node_count)}"),
        _field("Created", slack_date(job.created_at)),
    ]
    blocks: list[Block] = [
        SectionBlock(fields=fields),
        ActionsBlock(
            elements=[
                ButtonElement(text="Recreate", action_id=LINK_RECREATE_ACTION, value=value),
                ButtonElement(text="Open in Baseten", url=job_url, action_id="open_job"),
            ]
        ),
    ]
    text = (
        f"Training job {escape(job.id)} ({safe(job.name or 'unnamed', NAME_LIMIT)}) "
        f"in {safe(project.name, NAME_LIMIT)}: "
        f"{escape(status_label(job.current_status))}, {escape(instance.name)}, {escape(gpu_count_summary(job))}"
    )
    return Message(text=cut(text, 3000), blocks=blocks)


def pick_job(refs: list[Recreate], values: list[str]) -> Message:
    """Several jobs in one message: one button each; each starts the same recreate as the slash command."""
    blocks: list[Block] = [SectionBlock(text="This message names several training jobs. Which one should I recreate?")]
    for ref, value in list(zip(refs, values, strict=True))[:MAX_PICKS]:
        where = f" in project {code(ref.project_id)}" if ref.project_id else ""
        blocks.append(
            SectionBlock(
                text=f"{code(ref.job_id)}{where}",
                accessory=ButtonElement(text=f"Recreate {ref.job_id}"[:75], action_id=PICK_ACTION, value=value),
            )
        )
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text="Only you can see this.")]))
    listed = ", ".join(ref.job_id for ref in refs[:MAX_PICKS])
    return Message(text=f"This message names several training jobs ({listed}): pick one to recreate.", blocks=blocks)


def no_job_in_message(command: str = "/recreate-job") -> Message:
    return Message.plain(
        ":grey_question: I found no training job in that message: no link to a job in Baseten, and no job ID "
        f"(like `p7qr9qv` after the word _job_, or in `code`). Try `{command} <job_id>` or paste the job's link."
    )


def no_reply_address(job_id: str, command: str = "/recreate-job") -> Message:
    """Slack sent no way to answer privately; said with chat.postEphemeral instead."""
    return Message.plain(
        f":warning: Slack did not say where to show the preview of {code(job_id)}, so nothing was done. "
        f"Try `{command} {escape(job_id)}`."
    )
