"""Settings read once at startup from the environment and `.env`."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.setting_errors import NO_SIGNING_CREDENTIAL, describe_errors
from bot.store import DEFAULT_DATABASE_URL, check_database_url

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,}$")
_PROJECT_ID = re.compile(r"^[a-z0-9]{4,32}$")


class ConfigError(Exception):
    """Settings are missing or malformed: one line for each, naming the variable and saying how to fix it."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems if problems is not None else [message.removeprefix("Configuration error: ")]


class ConfirmMode(StrEnum):
    ALWAYS = "always"
    ACTIVE = "active"
    """Only when the source job is still pending, deploying or running."""
    NEVER = "never"


class Mode(StrEnum):
    SOCKET = "socket"
    HTTP = "http"


def _split_ids(value: Any) -> Any:
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,]+", value) if part]
    return value


def _check_ids(values: list[str], pattern: re.Pattern[str], kind: str, shape: str) -> list[str]:
    bad = [value for value in values if not pattern.match(value)]
    if len(bad) == 1:
        raise ValueError(f"{bad[0]!r} is not a Slack {kind} ID ({shape})")
    if bad:
        listed = ", ".join(repr(value) for value in bad[:3]) + (", ..." if len(bad) > 3 else "")
        raise ValueError(f"{listed} are not Slack {kind} IDs ({shape})")
    return values


IdList = Annotated[list[str], NoDecode]


_SECRETS = ("slack_bot_token", "slack_app_token", "slack_signing_secret", "baseten_api_key")
_OPTIONAL_SECRETS = frozenset({"slack_app_token", "slack_signing_secret"})


def loopback_host(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or localhost: traffic that never leaves this machine."""
    if not host:
        return False
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _https_unless_loopback(value: AnyHttpUrl) -> AnyHttpUrl:
    """Plain http is readable and changeable on the way: only for this machine (test fakes, a local proxy)."""
    if value.scheme == "http" and not loopback_host(value.host):
        raise ValueError(
            f"{str(value)!r} is plain http:// to another machine: use https://, "
            "or http:// only for 127.0.0.1, ::1 or localhost"
        )
    return value


def checked_bot_token(value: SecretStr) -> SecretStr:
    if not value.get_secret_value().startswith("xoxb-"):
        raise ValueError("must be a bot token starting with xoxb-")
    return value


class Settings(BaseSettings):
    """Every setting the bot reads; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr
    slack_app_token: SecretStr | None = None
    # Validated even when unset, after SLACK_APP_TOKEN: HTTP mode needs it, and it is reported with the rest.
    slack_signing_secret: SecretStr | None = Field(default=None, validate_default=True)
    slack_api_url: AnyHttpUrl = AnyHttpUrl("https://slack.com/api/")
    slack_team_id: str | None = None
    slack_enterprise_id: str | None = None

    baseten_api_key: SecretStr
    baseten_api_url: AnyHttpUrl = AnyHttpUrl("https://api.baseten.co")
    baseten_app_url: AnyHttpUrl = AnyHttpUrl("https://app.baseten.co")

    allowed_user_ids: IdList = Field(default_factory=list)
    allowed_usergroup_ids: IdList = Field(default_factory=list)
    allowed_channel_ids: IdList = Field(default_factory=list)
    # Job links are unfurled in channels shared with another organization (Slack Connect) only when true.
    unfurl_shared_channels: bool = False

    database_url: str = DEFAULT_DATABASE_URL
    audit_channel_id: str | None = None

    confirm: ConfirmMode = ConfirmMode.ALWAYS
    # A preview's buttons answer through the command's response_url, which Slack keeps for 30 minutes.
    confirm_ttl: int = Field(default=600, ge=30, le=1800)
    recreate_cooldown: int = Field(default=600, ge=0, le=7 * 86400)
    # The GPU budget per rolling hour; None (set as `off`) is no limit.
    recreate_limit_per_user: int | None = Field(default=10, ge=1, le=10000)
    gpu_limit_per_hour: int | None = Field(default=None, ge=1, le=1_000_000)
    audit_retention_days: int = Field(default=400, ge=1, le=36500)

    follow: bool = True
    follow_for: int = Field(default=86400, ge=60, le=30 * 86400)
    follow_interval: int = Field(default=30, ge=5, le=3600)
    follow_max: int = Field(default=100, ge=1, le=10000)

    # The failure watch (README "Failure watch"): project IDs, or `all`; the channel is validated after them.
    watch_project_ids: IdList = Field(default_factory=list)
    watch_channel_id: str | None = Field(default=None, validate_default=True)
    watch_interval: int = Field(default=60, ge=10, le=3600)

    port: int = Field(default=3000, ge=1, le=65535)
    log_level: str = "INFO"
    shutdown_grace_seconds: float = Field(default=25.0, gt=0, le=600)
    # A recreate whose process stopped renewing its lease this long ago is taken over by another (or a restart).
    recover_after: float = Field(default=20.0, ge=2, le=600)
    health_file: str | None = None

    @field_validator("allowed_user_ids", "allowed_usergroup_ids", "allowed_channel_ids", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return _split_ids(value)

    @field_validator("allowed_user_ids")
    @classmethod
    def _users(cls, value: list[str]) -> list[str]:
        return _check_ids(value, _USER_ID, "user", "U... or W...")

    @field_validator("allowed_usergroup_ids")
    @classmethod
    def _groups(cls, value: list[str]) -> list[str]:
        return _check_ids(value, _GROUP_ID, "user group", "S...")

    @field_validator("allowed_channel_ids")
    @classmethod
    def _channels(cls, value: list[str]) -> list[str]:
        return _check_ids(value, _CHANNEL_ID, "channel", "C..., G... or D...")

    @field_validator("slack_team_id", mode="before")
    @classmethod
    def _team(cls, value: Any) -> Any:
        if value in ("", None):
            return None
        if not isinstance(value, str) or not _TEAM_ID.match(value):
            raise ValueError(f"{value!r} is not a Slack workspace ID (T...)")
        return value

    @field_validator("slack_enterprise_id", mode="before")
    @classmethod
    def _enterprise(cls, value: Any) -> Any:
        if value in ("", None):
            return None
        if not isinstance(value, str) or not re.match(r"^E[A-Z0-9]{2,}$", value):
            raise ValueError(f"{value!r} is not a Slack Enterprise Grid organization ID (E...)")
        return value

    @field_validator("recreate_limit_per_user", "gpu_limit_per_hour", mode="before")
    @classmethod
    def _off(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str) and value.strip().lower() == "off":
            return None
        if value == "":
            return cls.model_fields[str(info.field_name)].default
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        return check_database_url(value)

    @field_validator("audit_channel_id", mode="before")
    @classmethod
    def _audit_channel(cls, value: Any) -> Any:
        if value in ("", None):
            return None
        if not isinstance(value, str) or not _CHANNEL_ID.match(value):
            raise ValueError(f"{value!r} is not a Slack channel ID (C... or G...)")
        return value

    @field_validator("watch_project_ids", mode="before")
    @classmethod
    def _watched(cls, value: Any) -> Any:
        ids = _split_ids(value)
        if not isinstance(ids, list):
            return ids
        if [part.lower() for part in ids] == ["all"]:
            return ["all"]
        bad = [part for part in ids if not _PROJECT_ID.match(part)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a Baseten project ID (e.g. n4q95w5); or set it to all")
        return ids

    @field_validator("watch_channel_id", mode="before")
    @classmethod
    def _watch_channel(cls, value: Any, info: ValidationInfo) -> Any:
        if value in ("", None):
            if info.data.get("watch_project_ids"):
                raise ValueError("is missing: the failure watch (WATCH_PROJECT_IDS) needs a channel ID (C...) to alert")
            return None
        if not isinstance(value, str) or not _CHANNEL_ID.match(value):
            raise ValueError(f"{value!r} is not a Slack channel ID (C... or G...)")
        return value

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

    @field_validator("slack_api_url")
    @classmethod
    def _slack_api(cls, value: AnyHttpUrl) -> AnyHttpUrl:
        # The SDK joins method names onto it: without the final slash, `.../api` + `auth.test` is `.../auth.test`.
        _https_unless_loopback(value)
        return value if str(value).endswith("/") else AnyHttpUrl(f"{value}/")

    @field_validator("baseten_api_url")
    @classmethod
    def _baseten_api(cls, value: AnyHttpUrl) -> AnyHttpUrl:
        _https_unless_loopback(value)
        if (value.path or "").rstrip("/").endswith("/v1"):
            raise ValueError(
                f"{str(value)!r} ends in /v1, which the bot adds to every call itself: "
                f"use {value.scheme}://{value.host}{'' if value.port in (80, 443) else f':{value.port}'}"
            )
        return value

    @field_validator("confirm", mode="before")
    @classmethod
    def _confirm(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr) -> SecretStr:
        return checked_bot_token(value)

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("baseten_api_key")
    @classmethod
    def _api_key(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("slack_signing_secret")
    @classmethod
    def _mode_needs_its_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # An invalid SLACK_APP_TOKEN is missing from info.data, and is reported on its own.
        if value is None and "slack_app_token" in info.data and info.data["slack_app_token"] is None:
            raise PydanticCustomError(NO_SIGNING_CREDENTIAL, "HTTP mode needs it; set SLACK_APP_TOKEN for Socket Mode")
        return value

    @property
    def mode(self) -> Mode:
        return Mode.SOCKET if self.slack_app_token is not None else Mode.HTTP

    @property
    def watch_all(self) -> bool:
        return self.watch_project_ids == ["all"]

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
