"""Settings from the environment: what a misconfigured deploy tells the operator, and what it never leaks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.settings import ConfigError, Mode, Settings, load_settings

BOT_TOKEN = "xoxb-1111-secret-bot-token"
API_KEY = "bt-secret-api-key-2222"
SIGNING = "signing-secret-3333"
APP_TOKEN = "xapp-1-secret-app-token-4444"
SECRETS = (BOT_TOKEN, API_KEY, SIGNING, APP_TOKEN)

_VARIABLES = [name.upper() for name in Settings.model_fields]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what each test sets is in the environment."""
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "slack_bot_token": BOT_TOKEN,
        "baseten_api_key": API_KEY,
        "slack_signing_secret": SIGNING,
    }
    values.update(overrides)
    return load_settings(**{key: value for key, value in values.items() if value is not None})


def config_error(**overrides: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        settings(**overrides)
    message = str(caught.value)
    assert "\n" not in message
    for secret in SECRETS:
        assert secret not in message
    return message


def test_minimal_valid_settings_run_in_http_mode() -> None:
    loaded = settings()
    assert loaded.mode is Mode.HTTP
    assert loaded.port == 3000
    assert loaded.log_level == "INFO"
    assert loaded.allowed_user_ids == []
    assert not loaded.allowlist_configured


@pytest.mark.parametrize("variable", ["SLACK_BOT_TOKEN", "BASETEN_API_KEY"])
def test_missing_required_secret_names_the_variable(variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("BASETEN_API_KEY", API_KEY)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING)
    monkeypatch.delenv(variable)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    assert str(caught.value).startswith(f"Configuration error: {variable} is missing: ")
    assert ("OAuth & Permissions" if variable == "SLACK_BOT_TOKEN" else "API keys") in str(caught.value)


def test_settings_read_from_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("BASETEN_API_KEY", API_KEY)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    monkeypatch.setenv("ALLOWED_USER_IDS", "U0AAA1111, W0BBB2222")
    monkeypatch.setenv("ALLOWED_USERGROUP_IDS", "S0ONCALL1 S0ONCALL2")
    monkeypatch.setenv("ALLOWED_CHANNEL_IDS", "C0OPS0001")
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    loaded = load_settings(_env_file=None)
    assert loaded.mode is Mode.SOCKET
    assert loaded.allowed_user_ids == ["U0AAA1111", "W0BBB2222"]
    assert loaded.allowed_usergroup_ids == ["S0ONCALL1", "S0ONCALL2"]
    assert loaded.allowed_channel_ids == ["C0OPS0001"]
    assert loaded.port == 8080
    assert loaded.log_level == "DEBUG"
    assert loaded.allowlist_configured


def test_bad_environment_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("BASETEN_API_KEY", API_KEY)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING)
    monkeypatch.setenv("ALLOWED_USER_IDS", "U0AAA1111,bob")
    with pytest.raises(ConfigError, match=r"^Configuration error: ALLOWED_USER_IDS 'bob' is not a Slack user ID "):
        load_settings(_env_file=None)


@pytest.mark.parametrize(
    "value", ["U0AAA1111,W0BBB2222", "U0AAA1111 W0BBB2222", " U0AAA1111 ,\tW0BBB2222, ", "U0AAA1111,,W0BBB2222"]
)
def test_user_lists_split_on_commas_or_spaces(value: str) -> None:
    assert settings(allowed_user_ids=value).allowed_user_ids == ["U0AAA1111", "W0BBB2222"]


def test_empty_allowlists_are_empty() -> None:
    loaded = settings(allowed_user_ids="", allowed_usergroup_ids=" ", allowed_channel_ids="")
    assert (loaded.allowed_user_ids, loaded.allowed_usergroup_ids, loaded.allowed_channel_ids) == ([], [], [])


@pytest.mark.parametrize(
    ("overrides", "variable", "says"),
    [
        ({"slack_bot_token": "xoxp-1111-secret-bot-token"}, "SLACK_BOT_TOKEN", "xoxb-"),
        ({"slack_app_token": "xoxb-1-secret-app-token-4444"}, "SLACK_APP_TOKEN", "xapp-"),
        ({"baseten_api_key": "   "}, "BASETEN_API_KEY", "empty"),
        ({"allowed_user_ids": "U0AAA1111 bob"}, "ALLOWED_USER_IDS", "'bob'"),
        ({"allowed_user_ids": "C0OPS0001"}, "ALLOWED_USER_IDS", "user ID"),
        ({"allowed_usergroup_ids": "U0AAA1111"}, "ALLOWED_USERGROUP_IDS", "user group ID"),
        ({"allowed_channel_ids": "#ml-oncall"}, "ALLOWED_CHANNEL_IDS", "channel ID"),
        ({"slack_team_id": "acme"}, "SLACK_TEAM_ID", "workspace ID"),
        ({"port": "http"}, "PORT", "'http' is not a port number"),
        ({"port": 0}, "PORT", "from 1 to 65535"),
        ({"port": 70000}, "PORT", "from 1 to 65535"),
        ({"log_level": "loud"}, "LOG_LEVEL", "DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ({"baseten_api_url": "not a url"}, "BASETEN_API_URL", "URL"),
    ],
)
def test_malformed_setting_is_named_in_one_line(overrides: dict[str, Any], variable: str, says: str) -> None:
    message = config_error(**overrides)
    assert message.startswith(f"Configuration error: {variable} ")
    assert says in message


def test_log_level_is_case_and_space_insensitive() -> None:
    assert settings(log_level=" warning ").log_level == "WARNING"


def test_http_mode_without_signing_secret_names_it() -> None:
    message = config_error(slack_signing_secret="")
    assert "SLACK_SIGNING_SECRET" in message
    assert "SLACK_APP_TOKEN" in message  # and says how to use Socket Mode instead


def test_app_token_selects_socket_mode_without_signing_secret() -> None:
    loaded = settings(slack_signing_secret="", slack_app_token=APP_TOKEN)
    assert loaded.mode is Mode.SOCKET


def test_blank_app_token_means_http_mode() -> None:
    assert settings(slack_app_token="").mode is Mode.HTTP


def test_secrets_never_appear_in_repr_or_str() -> None:
    loaded = settings(slack_app_token=APP_TOKEN)
    for shown in (repr(loaded), str(loaded), str(loaded.model_dump())):
        for secret in SECRETS:
            assert secret not in shown


def test_secrets_lists_every_configured_secret_for_log_scrubbing() -> None:
    assert set(settings(slack_app_token=APP_TOKEN).secrets()) == set(SECRETS)
    assert set(settings().secrets()) == {BOT_TOKEN, API_KEY, SIGNING}


# --- what each message tells the admin to do ---------------------------------------------------------------------


def test_every_bad_setting_is_named_in_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("BASETEN_API_KEY", API_KEY)
    monkeypatch.setenv("ALLOWED_USER_IDS", "@alice")
    monkeypatch.setenv("ALLOWED_CHANNEL_IDS", "#ml-oncall")
    monkeypatch.setenv("CONFIRM", "sometimes")
    monkeypatch.setenv("CONFIRM_TTL", "10m")

    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)

    lines = str(caught.value).splitlines()
    assert lines[0] == "Configuration error: 5 settings need fixing:"
    named = [line.split()[0] for line in lines[1:]]
    assert named == ["SLACK_SIGNING_SECRET", "ALLOWED_USER_IDS", "ALLOWED_CHANNEL_IDS", "CONFIRM", "CONFIRM_TTL"]
    assert caught.value.problems == [line.strip() for line in lines[1:]]
    for secret in SECRETS:
        assert secret not in str(caught.value)


def test_a_missing_signing_secret_is_reported_beside_other_mistakes() -> None:
    with pytest.raises(ConfigError) as caught:
        settings(slack_signing_secret="", port="http")
    assert [problem.split()[0] for problem in caught.value.problems] == ["SLACK_SIGNING_SECRET", "PORT"]


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"allowed_user_ids": "@alice"}, "open the person's profile, click ⋮ (More) and choose Copy member ID"),
        ({"allowed_channel_ids": "ml-oncall"}, "the Channel ID is at the bottom"),
        ({"audit_channel_id": "#audit"}, "the Channel ID is at the bottom"),
        ({"allowed_usergroup_ids": "@oncall"}, "`python -m bot usergroups` lists them"),
        ({"slack_team_id": "acme"}, "app.slack.com/client/T"),
        ({"confirm": "sometimes"}, "CONFIRM 'sometimes' is not one of always, active, never"),
        (
            {"confirm_ttl": "10m"},
            "CONFIRM_TTL '10m' is not a number of seconds: set it to seconds from 30 to 1800, e.g. 600",
        ),
        ({"confirm_ttl": 5}, "set it to seconds from 30 to 1800, e.g. 600"),
        ({"shutdown_grace_seconds": 0}, "above 0, up to 600"),
        ({"follow": "maybe"}, "FOLLOW 'maybe' is not true or false"),
    ],
)
def test_a_bad_setting_says_how_to_fix_it(overrides: dict[str, Any], says: str) -> None:
    assert says in config_error(**overrides)


def test_several_bad_ids_in_one_list_are_all_named() -> None:
    message = config_error(allowed_user_ids="U0AAA1111 alice bob")
    assert "'alice', 'bob' are not Slack user IDs" in message


def test_a_bad_secret_is_named_but_never_echoed() -> None:
    message = config_error(slack_bot_token="xoxp-1111-secret-bot-token")
    assert "xoxp-1111" not in message
    assert "Bot User OAuth Token" in message


@pytest.mark.parametrize("url", ["https://api.baseten.co/v1", "https://api.baseten.co/v1/"])
def test_a_baseten_url_ending_in_v1_is_a_url_problem(url: str) -> None:
    message = config_error(baseten_api_url=url)
    assert message.startswith("Configuration error: BASETEN_API_URL ")
    assert "ends in /v1" in message
    assert "use https://api.baseten.co" in message
    assert "key" not in message.lower()


def test_a_slack_api_url_without_its_final_slash_still_reaches_the_api() -> None:
    assert str(settings(slack_api_url="http://127.0.0.1:9000/api").slack_api_url) == "http://127.0.0.1:9000/api/"


def test_every_setting_is_documented_in_env_example_and_the_readme() -> None:
    root = Path(__file__).resolve().parents[2]
    example = (root / ".env.example").read_text()
    readme = (root / "README.md").read_text()
    for name in _VARIABLES:
        assert f"{name}=" in example, f"{name} is missing from .env.example"
        assert f"| `{name}` |" in readme, f"{name} is missing from the README's table"


# --- plain http only on this machine -----------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["slack_api_url", "baseten_api_url"])
@pytest.mark.parametrize("url", ["http://slack-proxy.internal/api/", "http://10.0.0.5:8080", "http://127.0.0.1.nip.io"])
def test_plain_http_to_another_host_stops_start_up_naming_the_variable(variable: str, url: str) -> None:
    message = config_error(**{variable: url})
    assert message.startswith(f"Configuration error: {variable.upper()} ")
    assert "https://" in message


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9000/api/", "http://127.8.9.10:9000", "http://localhost:9000", "http://[::1]:9000"]
)
def test_plain_http_to_this_machine_is_accepted(url: str) -> None:
    assert str(settings(slack_api_url=url, baseten_api_url=url).baseten_api_url).startswith("http://")


# --- secrets as mounted from files --------------------------------------------------------------------------------

_SECRET_SETTINGS = {
    "slack_bot_token": BOT_TOKEN,
    "slack_app_token": APP_TOKEN,
    "slack_signing_secret": SIGNING,
    "baseten_api_key": API_KEY,
}


@pytest.mark.parametrize("variable", sorted(_SECRET_SETTINGS))
def test_surrounding_whitespace_is_stripped_from_every_secret(variable: str) -> None:
    loaded = settings(**{variable: f"  {_SECRET_SETTINGS[variable]}\r\n"})
    value = getattr(loaded, variable)
    assert value.get_secret_value() == _SECRET_SETTINGS[variable]
    assert _SECRET_SETTINGS[variable] in loaded.secrets()


@pytest.mark.parametrize("variable", sorted(_SECRET_SETTINGS))
@pytest.mark.parametrize("inside", ["\n", "\x00", "\t", "\x1b"])
def test_a_control_character_inside_a_secret_stops_start_up_naming_it(variable: str, inside: str) -> None:
    secret = _SECRET_SETTINGS[variable]
    message = config_error(**{variable: secret[:8] + inside + secret[8:]})
    assert message.startswith(f"Configuration error: {variable.upper()} ")
    assert "control character" in message
    assert secret[:8] not in message and secret[8:] not in message


def test_the_budget_defaults_to_ten_per_person_and_no_gpu_limit_and_off_turns_either_off() -> None:
    defaults = settings()
    assert (defaults.recreate_limit_per_user, defaults.gpu_limit_per_hour, defaults.audit_retention_days) == (
        10,
        None,
        400,
    )
    off = settings(recreate_limit_per_user="off", gpu_limit_per_hour="OFF")
    assert (off.recreate_limit_per_user, off.gpu_limit_per_hour) == (None, None)
    assert settings(gpu_limit_per_hour="64").gpu_limit_per_hour == 64


@pytest.mark.parametrize(
    ("name", "value"), [("RECREATE_LIMIT_PER_USER", "0"), ("GPU_LIMIT_PER_HOUR", "lots"), ("AUDIT_RETENTION_DAYS", "0")]
)
def test_a_bad_budget_or_retention_setting_stops_start_up_with_one_line_naming_it(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(**{name.lower(): value})
    assert len(raised.value.problems) == 1 and name in raised.value.problems[0]
