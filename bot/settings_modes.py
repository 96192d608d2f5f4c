"""The modes settings choose between: when a recreate asks to confirm, and how the bot reaches Slack."""

from __future__ import annotations

from enum import StrEnum


class ConfirmMode(StrEnum):
    ALWAYS = "always"
    ACTIVE = "active"
    """Only when the source job is still pending, deploying or running."""
    NEVER = "never"


class Mode(StrEnum):
    SOCKET = "socket"
    HTTP = "http"
