"""WATCH_* settings: what is watched, where alerts go, how often; one line naming a bad variable."""

from __future__ import annotations

from tests.bot.test_settings import clean_environment, config_error, settings

__all__ = ["clean_environment"]


def test_nothing_is_watched_by_default() -> None:
    made = settings()
    assert made.watch_project_ids == [] and made.watch_channel_id is None and made.watch_interval == 60


def test_projects_are_comma_or_space_separated() -> None:
    made = settings(watch_project_ids="n4q95w5, m3k2x9z  a1b2c3d", watch_channel_id="C0WATCH01")
    assert made.watch_project_ids == ["n4q95w5", "m3k2x9z", "a1b2c3d"] and not made.watch_all


def test_all_watches_every_project() -> None:
    assert settings(watch_project_ids="ALL", watch_channel_id="C0WATCH01").watch_all


def test_a_watch_without_a_channel_stops_start_up_with_one_line() -> None:
    message = config_error(watch_project_ids="n4q95w5")
    assert "WATCH_CHANNEL_ID is missing" in message and "WATCH_PROJECT_IDS" in message


def test_a_bad_project_id_or_channel_is_named() -> None:
    assert "WATCH_PROJECT_IDS 'Not/An/Id' is not a Baseten project ID" in config_error(
        watch_project_ids="Not/An/Id", watch_channel_id="C0WATCH01"
    )
    assert "WATCH_CHANNEL_ID 'general' is not a Slack channel ID" in config_error(
        watch_project_ids="n4q95w5", watch_channel_id="general"
    )


def test_the_interval_has_a_floor_of_ten_seconds() -> None:
    assert "WATCH_INTERVAL" in config_error(watch_project_ids="all", watch_channel_id="C0WATCH01", watch_interval=5)
    assert settings(watch_interval=10).watch_interval == 10
