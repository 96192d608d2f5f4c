"""The settings that reach the two services: Slack's tokens, workspace and API; Baseten's key and addresses."""

from __future__ import annotations

import re
from typing import Any

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings

from bot.setting_errors import NO_SIGNING_CREDENTIAL
from bot.settings_checks import TEAM_ID, checked_bot_token, https_unless_loopback


class SlackSettings(BaseSettings):
    slack_bot_token: SecretStr
    slack_app_token: SecretStr | None = None
    # Validated even when unset, after SLACK_APP_TOKEN: HTTP mode needs it, and it is reported with the rest.
    slack_signing_secret: SecretStr | None = Field(default=None, validate_default=True)
    slack_api_url: AnyHttpUrl = AnyHttpUrl("https://slack.com/api/")
    slack_team_id: str | None = None
    slack_enterprise_id: str | None = None

    @field_validator("slack_team_id", mode="before")
    @classmethod
    def _team(cls, value: Any) -> Any:
        if value in ("", None):
            return None
        if not isinstance(value, str) or not TEAM_ID.match(value):
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

    @field_validator("slack_api_url")
    @classmethod
    def _slack_api(cls, value: AnyHttpUrl) -> AnyHttpUrl:
        # The SDK joins method names onto it: without the final slash, `.../api` + `auth.test` is `.../auth.test`.
        https_unless_loopback(value)
        return value if str(value).endswith("/") else AnyHttpUrl(f"{value}/")

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

    @field_validator("slack_signing_secret")
    @classmethod
    def _mode_needs_its_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # An invalid SLACK_APP_TOKEN is missing from info.data, and is reported on its own.
        if value is None and "slack_app_token" in info.data and info.data["slack_app_token"] is None:
            raise PydanticCustomError(NO_SIGNING_CREDENTIAL, "HTTP mode needs it; set SLACK_APP_TOKEN for Socket Mode")
        return value


class BasetenSettings(BaseSettings):
    baseten_api_key: SecretStr
    baseten_api_url: AnyHttpUrl = AnyHttpUrl("https://api.baseten.co")
    baseten_app_url: AnyHttpUrl = AnyHttpUrl("https://app.baseten.co")

    @field_validator("baseten_api_url")
    @classmethod
    def _baseten_api(cls, value: AnyHttpUrl) -> AnyHttpUrl:
        https_unless_loopback(value)
        if (value.path or "").rstrip("/").endswith("/v1"):
            raise ValueError(
                f"{str(value)!r} ends in /v1, which the bot adds to every call itself: "
                f"use {value.scheme}://{value.host}{'' if value.port in (80, 443) else f':{value.port}'}"
            )
        return value

    @field_validator("baseten_api_key")
    @classmethod
    def _api_key(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be empty")
        return value
