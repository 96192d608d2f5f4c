"""A failed job's last log lines as Slack shows them: secrets masked, escaped, cut to Block Kit's limits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from slack_sdk.models.blocks import Block, SectionBlock

from bot.baseten.models import LogLine
from bot.messages.format import escape

SECTION_LIMIT = 3000
LINE_LIMIT = 300
"""A single log line is cut here, so one huge line cannot push out all the others."""

MASK = "[masked]"
_SECRETS = (
    # Authorization headers: the scheme stays, so a reader sees what was there.
    (re.compile(r"\b(Bearer|Api-Key|Token|Basic)(\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE), rf"\1\2{MASK}"),
    # Slack tokens (bot, user, app-level, refresh, config).
    (re.compile(r"\bx(?:ox[abposre]|app)-[A-Za-z0-9-]{6,}"), MASK),
    # Baseten API keys: an 8-character prefix, a dot, and the secret.
    (re.compile(r"\b[A-Za-z0-9]{8}\.[A-Za-z0-9]{32,}\b"), MASK),
    # key=value and "key": "value" pairs that name a secret.
    (
        re.compile(r"(?i)((?:api[_-]?key|token|secret|password)\"?\s*[:=]\s*\"?)[^\s\",']{6,}"),
        rf"\1{MASK}",
    ),
)


def mask_secrets(text: str) -> str:
    """Text shaped like a credential replaced by `[masked]`: log lines are shown to a whole channel."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


@dataclass(frozen=True)
class Diagnosis:
    """What the logs say about a failure: the last lines, oldest first, or why there are none."""

    lines: tuple[LogLine, ...] = ()
    unreadable: str | None = None
    """Set when the logs could not be read: what went wrong, in a few words."""


def _shown(line: LogLine) -> str:
    text = mask_secrets(line.message.rstrip("\n"))
    if len(text) > LINE_LIMIT:
        text = text[: LINE_LIMIT - 1] + "…"
    # Three backticks would close the code block early; a zero-width space keeps them apart.
    return escape(text).replace("```", "``\u200b`")


def log_text(diagnosis: Diagnosis, limit: int = SECTION_LIMIT) -> str:
    """The lines in a code block within `limit` characters: when they do not fit, the oldest give way."""
    if diagnosis.unreadable is not None:
        return f":grey_question: The logs could not be read ({escape(diagnosis.unreadable)})."
    if not diagnosis.lines:
        return ":page_facing_up: Baseten has no log lines for this job before it failed."
    shown = [_shown(line) for line in diagnosis.lines]
    header = "Last {} log lines:\n"
    while shown:
        body = "```\n" + "\n".join(shown) + "\n```"
        text = header.format(len(shown)) + body
        if len(text) <= limit:
            return text
        shown.pop(0)
    return ":page_facing_up: The log lines are too long to show here."


def log_blocks(diagnosis: Diagnosis) -> list[Block]:
    return [SectionBlock(text=log_text(diagnosis))]


def log_fallback(diagnosis: Diagnosis) -> str:
    """For the text fallback: the very last line only, so a notification stays short."""
    if diagnosis.unreadable is not None or not diagnosis.lines:
        return "no log lines"
    return f"last log line: {_shown(diagnosis.lines[-1])}"
