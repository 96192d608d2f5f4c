"""A Slack message: blocks plus a fallback text that is always there."""

from __future__ import annotations

from bot.messages import Message


def test_plain_message_has_the_same_text_as_fallback_and_section() -> None:
    message = Message.plain("*hello*")
    assert message.text == "*hello*"
    assert message.block_dicts() == [{"type": "section", "text": {"type": "mrkdwn", "text": "*hello*"}}]


def test_plain_message_is_cut_to_the_section_limit() -> None:
    message = Message.plain("x" * 4000)
    assert len(message.text) == 3000
    assert message.text.endswith("…")
    for block in message.blocks:
        block.validate_json()
