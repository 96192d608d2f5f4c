"""The preview shown before a recreate, with its Recreate and Cancel buttons, and what replaces it."""

from __future__ import annotations

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
from bot.messages.card import NAME_LIMIT, compute_summary, gpu_summary, job_title
from bot.messages.format import code, cut, escape, safe, slack_date
from bot.messages.message import Message
from bot.records import AttemptRecord, InFlight

CONFIRM_ACTION = "recreate_job_confirm"
CANCEL_ACTION = "recreate_job_cancel"
RETRY_ACTION = "recreate_job_retry"


def _minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def preview(
    job: TrainingJob,
    *,
    preview_id: str,
    recent: AttemptRecord | None,
    recent_url: str | None,
    source_url: str,
    expires_in: int,
    budget_line: str | None = None,
) -> Message:
    """What will be recreated, flagged when it costs a second concurrent job or repeats a recent recreate."""
    instance = job.instance_type
    created = slack_date(job.created_at)
    if job.user is not None and job.user.email:
        created += f" by {safe(job.user.email, 200)}"
    status = safe(status_label(job.current_status), 200)
    project = f"{safe(job.training_project.name, NAME_LIMIT)} {code(job.training_project.id)}"
    fields = [
        MarkdownTextObject(text=f"*Job*\n{job_title(job)}"),
        MarkdownTextObject(text=f"*Project*\n{project}"),
        MarkdownTextObject(text=f"*Status*\n{status}"),
        MarkdownTextObject(text=f"*Instance*\n{safe(instance.name, 200)}"),
        MarkdownTextObject(text=f"*GPUs*\n{gpu_summary(instance, job.node_count)}"),
        MarkdownTextObject(text=f"*CPU and memory*\n{compute_summary(instance)}"),
        MarkdownTextObject(text=f"*Created*\n{created}"),
    ]
    blocks: list[Block] = [
        HeaderBlock(text=cut(f"Recreate {job.id}?", 150)),
        SectionBlock(text=f"This starts a *new* job with the same configuration. <{source_url}|Source job in Baseten>"),
        SectionBlock(fields=fields),
    ]
    warnings: list[str] = []
    if job.is_active:
        warnings.append(
            f":warning: This job is still *{status}*: recreating it starts a second job beside it, on its own GPUs."
        )
    if recent is not None and recent.new_job_id:
        link = f"<{recent_url}|{escape(recent.new_job_id)}>" if recent_url else code(recent.new_job_id)
        warnings.append(
            f":repeat: <@{recent.user_id}> already recreated this job {slack_date(recent.updated_at)} as {link}. "
            "Recreating it again creates another copy."
        )
    elif recent is not None:
        warnings.append(
            f":warning: <@{recent.user_id}> asked to recreate this job {slack_date(recent.updated_at)} and "
            "Baseten's answer was lost: a copy may already exist. Check the project in Baseten first."
        )
    if budget_line is not None:
        warnings.append(f":bar_chart: {budget_line}")
    if warnings:
        blocks.append(SectionBlock(text=cut("\n".join(warnings), 3000)))
    blocks += [
        ActionsBlock(
            elements=[
                ButtonElement(text="Recreate", action_id=CONFIRM_ACTION, value=preview_id, style="primary"),
                ButtonElement(text="Cancel", action_id=CANCEL_ACTION, value=preview_id),
            ]
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Only you can confirm this. It expires in {_minutes(expires_in)}. request {code(preview_id)}"
                )
            ]
        ),
    ]
    text = f"Recreate {job.id} ({status_label(job.current_status)}, {instance.name})? Only you can confirm it."
    return Message(text=cut(safe(text, 3000), 3000), blocks=blocks)


def retry_offer(*, retry_id: str, job_id: str, project_id: str, waited: int | None, detail: str) -> Message:
    """After a recreate that surely created nothing (unanswered, or never sent): one tap to try again.

    `waited` is how long the project was watched for a new job; None when the recreate was never sent."""
    if waited is None:
        text = f":information_source: {safe(detail, 300)} So *nothing was created* from {code(job_id)}."
    else:
        text = (
            f":information_source: {safe(detail, 300)} I looked in project {code(project_id)} for {waited} seconds "
            f"and no new job from {code(job_id)} appeared, so *nothing was created*."
        )
    blocks: list[Block] = [
        SectionBlock(text=text),
        ActionsBlock(
            elements=[
                ButtonElement(text="Retry", action_id=RETRY_ACTION, value=retry_id, style="primary"),
                ButtonElement(text="Cancel", action_id=CANCEL_ACTION, value=retry_id),
            ]
        ),
        ContextBlock(elements=[MarkdownTextObject(text=f"Only you can retry this. request {code(retry_id)}")]),
    ]
    return Message(text=f"Nothing was created from {job_id}; you can retry.", blocks=blocks)


def confirmed(job_id: str) -> Message:
    return Message.plain(f":hourglass_flowing_sand: Recreating {code(job_id)}… the new job will be posted here.")


def cancelled(job_id: str) -> Message:
    return Message.plain(f":x: Cancelled. Nothing was created from {code(job_id)}.")


def expired(job_id: str) -> Message:
    return Message.plain(
        f":hourglass: This preview expired, so nothing was created from {code(job_id)}. "
        f"Run `/recreate-job {job_id}` again if you still want it."
    )


def not_yours(requester_id: str) -> Message:
    return Message.plain(f":no_entry: Only <@{requester_id}>, who asked for this recreate, can confirm or cancel it.")


def already_handled(job_id: str) -> Message:
    return Message.plain(
        f":information_source: This preview for {code(job_id)} was already used; nothing more was done."
    )


def superseded(job_id: str, newer: AttemptRecord) -> Message:
    """Someone recreated the job after this requester's preview was shown: do not make another copy unasked."""
    made = f"as {code(newer.new_job_id)}" if newer.new_job_id else "(Baseten's answer was lost, so check it first)"
    return Message.plain(
        f":repeat: <@{newer.user_id}> recreated {code(job_id)} {made} after your preview was shown, so nothing "
        f"was created. Run `/recreate-job {job_id}` again if you still want another copy."
    )


def in_flight(job_id: str, holder: InFlight) -> Message:
    return Message.plain(
        f":hourglass_flowing_sand: <@{holder.user_id}> is recreating {code(job_id)} right now "
        f"(request {code(holder.request_id)}). Wait for its card instead of starting a second job."
    )
