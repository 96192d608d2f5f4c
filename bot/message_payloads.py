"""Typed views of the payloads about posted messages: a link_shared event, and a message shortcut."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.requester import Requester
from bot.slack_payloads import Tapper, _Id

# Where Slack keeps a message's words, links and alert fields; anything else in a message is layout.
_TEXT_KEYS = ("text", "fallback", "pretext", "title", "title_link", "from_url", "original_url", "url")
_RICH_RUNS = frozenset({"rich_text_section", "rich_text_preformatted", "rich_text_quote"})
_MAX_PIECES = 500
_MAX_DEPTH = 12


class _Link(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    url: str
    domain: str = ""


class _LinkEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    channel: str
    user: str
    message_ts: str
    links: list[_Link]
    source: str = "conversations_history"
    unfurl_id: str | None = None


class LinkShared(BaseModel):
    """The Events API envelope of a `link_shared` event: links posted in a conversation, by whom."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    team_id: str | None = None
    enterprise_id: str | None = None
    is_ext_shared_channel: bool | None = None
    """Slack Connect: shared with another organization. None when Slack did not say (then ask conversations.info)."""
    event: _LinkEvent

    @property
    def posted(self) -> bool:
        """In a conversation; not a link still being typed in the composer, whose conversation is not known yet."""
        return self.event.source != "composer"


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    ts: str | None = None
    text: str = ""
    blocks: list[Any] = Field(default_factory=list)
    attachments: list[Any] = Field(default_factory=list)


class MessageShortcut(Tapper):
    """A `message_action` payload: the tapper, where, and every piece of text the message holds."""

    callback_id: str = ""
    channel: _Id
    message: _Message

    @property
    def requester(self) -> Requester:
        return Requester(self.user_id, self.channel.id, self.team_id, self.response_url)

    def pieces(self) -> list[str]:
        """The message's text, its blocks' and its attachments' (where alerts keep their fields), one per piece."""
        found = [self.message.text] if self.message.text else []
        found += text_pieces(self.message.blocks) + text_pieces(self.message.attachments)
        return found[:_MAX_PIECES]


def text_pieces(node: Any, depth: int = 0) -> list[str]:
    """Texts and links anywhere in Block Kit or attachment JSON; a rich-text run is one piece, `code` kept as such."""
    if depth > _MAX_DEPTH:
        return []
    if isinstance(node, list):
        return [piece for item in node for piece in text_pieces(item, depth + 1)]
    if not isinstance(node, dict):
        return []
    if node.get("type") in _RICH_RUNS:
        return ["".join(_run(element) for element in node.get("elements") or [] if isinstance(element, dict))]
    if isinstance(node.get("title"), str) and isinstance(node.get("value"), str):
        return [f"{node['title']}: {node['value']}"]  # an attachment field
    found = [node[key] for key in _TEXT_KEYS if isinstance(node.get(key), str)]
    for value in node.values():
        if isinstance(value, dict | list):
            found += text_pieces(value, depth + 1)
    return found


def _run(element: dict[str, Any]) -> str:
    kind = element.get("type")
    if kind == "link":
        return f" <{element.get('url', '')}> "
    text = element.get("text")
    if kind != "text" or not isinstance(text, str):
        return " "
    style = element.get("style")
    return f"`{text}`" if isinstance(style, dict) and style.get("code") else text
