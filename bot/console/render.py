"""Block Kit messages as readable terminal text: headers, fields, links shown as URLs, numbered buttons."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from bot.console.dates import render_date

# Code spans and <...> tokens are rendered first and set aside, so markup inside them (an `_` in a URL, a `*` in
# an ID) is left alone.
_KEPT_TOKEN = re.compile(r"`[^`\n]+`|<[^<>\n]+>")
_KEPT = re.compile(r"\x00(\d+)\x00")
# Slack's rules: the markers hug the text, and sit at word boundaries (so file_name_here stays as it is).
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_DATE = re.compile(r"^!date\^(\d+)\^([^^|]*)(?:\^[^|]*)?\|(.*)$")
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
class Look:
    """How text is shown: with ANSI bold, italics and colour on a terminal, or with the markers dropped (code
    keeps its backticks) when piped. Dates are in `tz`, None meaning this machine's own time zone."""

    ansi: bool = False
    tz: tzinfo | None = None
    now: Callable[[], datetime] | None = None

    def bold(self, text: str) -> str:
        return f"\033[1m{text}\033[22m" if self.ansi else text

    def italic(self, text: str) -> str:
        return f"\033[3m{text}\033[23m" if self.ansi else text

    def strike(self, text: str) -> str:
        return f"\033[9m{text}\033[29m" if self.ansi else text

    def code(self, text: str) -> str:
        return f"\033[36m{text}\033[39m" if self.ansi else f"`{text}`"


PLAIN = Look()


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str
    value: str


def _token(inner: str, look: Look) -> str:
    """One `<...>`: a link, mention or date."""
    if date := _DATE.match(inner):
        return render_date(int(date.group(1)), date.group(2), html.unescape(date.group(3)), tz=look.tz, now=look.now)
    target, _, label = inner.partition("|")
    target, label = html.unescape(target), html.unescape(label)
    if target.startswith(("http://", "https://", "mailto:")):
        return f"{label} ({target})" if label else target
    if target.startswith("@"):
        return target
    if target.startswith("#"):
        return target
    if target.startswith("!subteam^"):
        return label or "@" + target.removeprefix("!subteam^")
    if target.startswith("!"):
        return "@" + target[1:]
    return f"<{inner}>"


def mrkdwn(text: str, look: Look = PLAIN) -> str:
    """Slack markup for a terminal: `<url|label>` → `label (url)`, mentions as @ID, dates in the local time
    zone, *bold*, _italics_ and `code` in the terminal's own styles."""
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        raw = match.group(0)
        kept.append(look.code(html.unescape(raw[1:-1])) if raw.startswith("`") else _token(raw[1:-1], look))
        return f"\x00{len(kept) - 1}\x00"

    text = _KEPT_TOKEN.sub(keep, text)
    text = _BOLD.sub(lambda match: look.bold(match.group(1)), text)
    text = _ITALIC.sub(lambda match: look.italic(match.group(1)), text)
    text = _STRIKE.sub(lambda match: look.strike(match.group(1)), text)
    text = _emoji(text)
    return _KEPT.sub(lambda match: kept[int(match.group(1))], html.unescape(text))


def _emoji(text: str) -> str:
    return _EMOJI.sub(lambda match: _EMOJI_CHARS.get(match.group(1), match.group(0)), text)


def _text(obj: Any, look: Look) -> str:
    if isinstance(obj, dict):
        raw = str(obj.get("text", ""))
        # Slack parses no markup in plain_text (headers, button labels), but shows its emoji codes.
        return mrkdwn(raw, look) if obj.get("type", "mrkdwn") == "mrkdwn" else _emoji(raw)
    return mrkdwn(str(obj or ""), look)


def render(message: dict[str, Any], look: Look = PLAIN) -> tuple[list[str], list[Button]]:
    """Lines to print and the message's action buttons (URL buttons are shown as links instead)."""
    blocks = message.get("blocks") or []
    if not blocks:
        return [_text(message.get("text"), look)], []
    lines: list[str] = []
    buttons: list[Button] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(look.bold(f"== {_text(block.get('text'), look)} =="))
        elif kind == "section":
            if block.get("text"):
                lines.append(_text(block["text"], look))
            for field in block.get("fields") or []:
                # A field is `*Label*\nvalue`: the label reads as a label, not as bold text.
                label, _, value = str(field.get("text", "")).partition("\n")
                lines.append(f"  {mrkdwn(label.strip('*'), look)}: {mrkdwn(value, look)}")
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button" and not accessory.get("url"):
                label = _text(accessory.get("text"), look)
                buttons.append(Button(label, str(accessory.get("action_id")), str(accessory.get("value", ""))))
        elif kind == "context":
            lines.append("  " + " ".join(_text(element, look) for element in block.get("elements") or []))
        elif kind == "actions":
            for element in block.get("elements") or []:
                label = _text(element.get("text"), look)
                if element.get("url"):
                    lines.append(f"  {label}: {element['url']}")
                else:
                    buttons.append(Button(label, str(element.get("action_id")), str(element.get("value", ""))))
    return lines, buttons
