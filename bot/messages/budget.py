"""What the requester reads about the GPU budget: a refusal over a limit, and the preview's usage line."""

from __future__ import annotations

from bot.budget import Limit, OverLimit, Usage
from bot.messages.format import code, slack_date
from bot.messages.message import Message


def _gpus(n: int) -> str:
    return "1 GPU" if n == 1 else f"{n} GPUs"


def over_limit(job_id: str, over: OverLimit) -> Message:
    """Which limit, when they can go again, and who can raise it. Nothing was sent."""
    if over.limit is Limit.PER_USER:
        what = f"You have started {over.used} recreates in the last hour, the most this bot allows per person."
    elif over.needed > over.allowed:
        what = f"Recreating {code(job_id)} starts {_gpus(over.needed)}, more than the {over.allowed} allowed per hour."
    else:
        what = (
            f"Recreating {code(job_id)} starts {_gpus(over.needed)}, and {over.used} of the {over.allowed} GPUs "
            "allowed per hour have been started in the last hour."
        )
    when = f" You can go again {slack_date(over.again_at)}." if over.again_at is not None else ""
    text = (
        f":no_entry: {what}{when} Ask the bot's admin to raise {over.limit.setting} if you need more. "
        "Nothing was sent to Baseten."
    )
    return Message.plain(text)


def usage_line(usage: Usage, gpus: int) -> str | None:
    """`This starts 16 GPUs; 48 of 64 used this hour.` and the requester's recreates left; None without limits."""
    parts = []
    if usage.gpu_limit is not None:
        parts.append(f"This starts {_gpus(gpus)}; {usage.gpus} of {usage.gpu_limit} used this hour.")
    if usage.per_user is not None:
        left = max(0, usage.per_user - usage.user_recreates)
        parts.append(f"You have {left} of {usage.per_user} recreates left this hour.")
    return " ".join(parts) or None
