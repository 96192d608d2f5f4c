"""Block Kit messages as readable terminal text: headers, fields, links shown as URLs, numbered buttons."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_BARE_LINK = re.compile(r"<(https?://[^|>]+)>")
_USER = re.compile(r"<@([A-Z0-9]+)>")
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|[^>]*)?>")
_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]+)>")
_SPECIAL = re.compile(r"<!([a-z]+)>")
_EMOJI = re.compile(r":([a-z_]+):")
_EMOJI_CHARS = {
    "mag": "🔍",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "warning": "⚠️",
    "no_entry": "⛔",
    "x": "❌",
    "white_check_mark": "✅",
    "repeat": "🔁",
    "rocket": "🚀",
    "runner": "🏃",
    "octagonal_sign": "🛑",
    "snail": "🐌",
    "fire": "🔥",
    "lock": "🔒",
    "boom": "💥",
    "electric_plug": "🔌",
    "information_source": "ℹ️",
    "floppy_disk": "💾",
    "grey_question": "❔",
    "zzz": "💤",
}


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str
    value: str


def mrkdwn(text: str) -> str:
    """Slack markup to plain text: `<url|label>` → `label (url)`, mentions as @ID, dates as their fallback."""
    text = _DATE.sub(r"\1", text)
    text = _LINK.sub(r"\2 (\1)", text)
    text = _BARE_LINK.sub(r"\1", text)
    text = _USER.sub(r"@\1", text)
    text = _CHANNEL.sub(r"#\1", text)
    text = _SPECIAL.sub(r"@\1", text)
    text = _EMOJI.sub(lambda match: _EMOJI_CHARS.get(match.group(1), match.group(0)), text)
    return html.unescape(text)


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return mrkdwn(str(obj.get("text", "")))
    return mrkdwn(str(obj or ""))


def render(message: dict[str, Any]) -> tuple[list[str], list[Button]]:
    """Lines to print and the message's action buttons (URL buttons are shown as links instead)."""
    blocks = message.get("blocks") or []
    if not blocks:
        return [_text(message.get("text"))], []
    lines: list[str] = []
    buttons: list[Button] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {_text(block.get('text'))} ==")
        elif kind == "section":
            if block.get("text"):
                lines.append(_text(block["text"]))
            for field in block.get("fields") or []:
                label, _, value = _text(field).partition("\n")
                lines.append(f"  {label.strip('*')}: {value}")
        elif kind == "context":
            lines.append("  " + " ".join(_text(element) for element in block.get("elements") or []))
        elif kind == "actions":
            for element in block.get("elements") or []:
                label = _text(element.get("text"))
                if element.get("url"):
                    lines.append(f"  {label}: {element['url']}")
                else:
                    buttons.append(Button(label, str(element.get("action_id")), str(element.get("value", ""))))
    return lines, buttons
