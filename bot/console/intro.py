"""What the console prints first: who you are, what to type, and in a demo the sample jobs and the watch."""

from __future__ import annotations

from bot.baseten.models import InstanceType
from bot.console.demo import DemoBaseten
from bot.console.demo_samples import FAILS_AFTER, NIGHTLY, PROJECTS, WATCHED, SampleJob
from bot.console.setup import DEMO_WATCH_INTERVAL
from bot.console.standin import CHANNEL_ID
from bot.settings import Settings


def gpus(sample: SampleJob) -> str:
    """As the card shows them: `8 × H100`, `2 nodes × 8 × H100 = 16 GPUs`, or `CPU only`."""
    instance = InstanceType.model_validate(sample.instance)
    if not instance.has_gpu:
        return "CPU only"
    per_node = f"{instance.gpu_count} × {instance.gpu_type}"
    if sample.node_count == 1:
        return per_node
    return f"{sample.node_count} nodes × {per_node} = {instance.gpu_count * sample.node_count} GPUs"


def intro(settings: Settings, user_id: str, demo: bool, os_user: str, acting_as: str | None) -> list[str]:
    lines = [
        "recreate-job console: the bot as Slack would run it, in this terminal.",
        f"You are {user_id} in channel {CHANNEL_ID}. Type `help`, `history`, or a job; `stop` taps the last "
        "card's Stop, `home` opens your Home tab; `quit` to leave.",
        "`say <message>` posts a message (job links in it unfurl); `shortcut` runs Recreate training job on the last.",
    ]
    if demo:
        lines.append("Simulated Baseten (--demo). Sample jobs:")
        for sample in DemoBaseten().samples():
            note = f" ({sample.note})" if sample.note else ""
            lines.append(
                f"  {sample.job_id}  {sample.name:<16} {PROJECTS[sample.project_id]:<16} "
                f"{sample.status.removeprefix('TRAINING_JOB_').lower():<10} {gpus(sample)}{note}"
            )
        lines.append("  Any other ID is not found. Try: p7qr9qv")
        lines.append(
            f"Failure watch on {PROJECTS[WATCHED]} ({WATCHED}), checked every {DEMO_WATCH_INTERVAL} s: "
            f"{NIGHTLY.job_id} ({NIGHTLY.name}) starts now and fails by itself about {FAILS_AFTER} s later, and its "
            "alert appears here. Try `watch`, `mute n4q95w5 30m`, `unmute n4q95w5`."
        )
    else:
        lines.append(
            f"Recreates here are real: they start real jobs at Baseten ({settings.baseten_api_url}), and each "
            f"attempt is recorded in the audit store as made from the console by {os_user}."
        )
        if acting_as:
            lines.append(f"You are acting as {acting_as}: recorded as {os_user} impersonating them.")
    return [*lines, ""]
