"""A Slack message as the bot sends it: Block Kit blocks plus the plain-text fallback."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import Block, SectionBlock

from bot.messages.format import cut


@dataclass(frozen=True)
class Message:
    text: str
    """Fallback for notifications and screen readers; always set."""

    blocks: list[Block] = field(default_factory=list)

    @classmethod
    def plain(cls, mrkdwn: str) -> Message:
        """A one-section message whose fallback is the same text."""
        body = cut(mrkdwn, 3000)
        return cls(text=body, blocks=[SectionBlock(text=body)])

    def block_dicts(self) -> list[dict[str, Any]]:
        return [block.to_dict() for block in self.blocks]
