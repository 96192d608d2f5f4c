"""Settings read once at startup from the environment and `.env`.

`Settings` is composed of one group of fields per concern (bot/settings_services.py, bot/settings_policy.py); the
bases are listed last group first, because pydantic orders fields from the last base to the first, and that order
is the order validation runs in (a later field may read an earlier one) and errors are reported in.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict

from bot.setting_errors import describe_errors
from bot.settings_checks import IdList, checked_bot_token, loopback_host
from bot.settings_modes import ConfirmMode, Mode
from bot.settings_policy import AccessSettings, FollowSettings, RecordSettings, RecreateSettings, WatchSettings
from bot.settings_services import BasetenSettings, SlackSettings

__all__ = [
    "ConfigError",
    "ConfirmMode",
    "IdList",
    "Mode",
    "Settings",
    "checked_bot_token",
    "load_settings",
    "loopback_host",
]

_SECRETS = ("slack_bot_token", "slack_app_token", "slack_signing_secret", "baseten_api_key")
_OPTIONAL_SECRETS = frozenset({"slack_app_token", "slack_signing_secret"})


class ConfigError(Exception):
    """Settings are missing or malformed: one line for each, naming the variable and saying how to fix it."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems if problems is not None else [message.removeprefix("Configuration error: ")]


class Settings(
    WatchSettings,
    FollowSettings,
    RecreateSettings,
    RecordSettings,
    AccessSettings,
    BasetenSettings,
    SlackSettings,
):
    """Every setting the bot reads; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    port: int = Field(default=3000, ge=1, le=65535)
    log_level: str = "INFO"
    shutdown_grace_seconds: float = Field(default=25.0, gt=0, le=600)
    # A recreate whose process stopped renewing its lease this long ago is taken over by another (or a restart).
    recover_after: float = Field(default=20.0, ge=2, le=600)
    health_file: str | None = None

    @field_validator("slack_signing_secret", "slack_app_token", "health_file", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator(*_SECRETS, mode="before")
    @classmethod
    def _secret_as_typed(cls, value: Any, info: ValidationInfo) -> Any:
        """Secrets mounted from files often end in a newline: surrounding whitespace goes. One inside (or any
        other control character) is a copying mistake that would end up in an HTTP header: refused."""
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if not isinstance(value, str):
            return value
        value = value.strip()
        if not value and info.field_name in _OPTIONAL_SECRETS:
            return None
        if any(unicodedata.category(char) == "Cc" for char in value):
            raise ValueError("contains a control character (a line break, tab or NUL): copy it again on its own")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @property
    def mode(self) -> Mode:
        return Mode.SOCKET if self.slack_app_token is not None else Mode.HTTP

    @property
    def allowlist_configured(self) -> bool:
        return bool(self.allowed_user_ids or self.allowed_usergroup_ids)

    def secrets(self) -> list[str]:
        """The secret values, so logs can be scrubbed of them."""
        found = [self.slack_bot_token, self.baseten_api_key, self.slack_signing_secret, self.slack_app_token]
        return [s.get_secret_value() for s in found if s is not None and s.get_secret_value()]


def load_settings(**overrides: Any) -> Settings:
    """Build the settings or raise ConfigError naming every bad variable, one line each, with its fix."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        lines = describe_errors(error, Settings.model_fields)
        if len(lines) == 1:
            raise ConfigError(f"Configuration error: {lines[0]}", lines) from None
        listed = "\n".join(f"  {line}" for line in lines)
        raise ConfigError(f"Configuration error: {len(lines)} settings need fixing:\n{listed}", lines) from None
