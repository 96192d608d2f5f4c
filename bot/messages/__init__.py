"""Pure builders of the bot's Slack messages: typed inputs in, Block Kit out, no I/O."""

from bot.messages.message import Message

__all__ = ["Message"]
