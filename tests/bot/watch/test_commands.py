"""Parsing `watch`, `mute` and `unmute` as people type them on phones."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.command import CommandError, parse
from bot.watch.commands import MuteProject, UnmuteProject, WatchStatus, duration_of

TWO_HOURS = MuteProject("n4q95w5", timedelta(hours=2))


@pytest.mark.parametrize(
    "text",
    [
        "mute n4q95w5 2h",
        "Mute N4Q95W5 2H",
        "mute 2h n4q95w5",
        "mute n4q95w5 2 h",
        "mute n4q95w5 for 2 hours",
        "mute n4q95w5 120min",
        "mute n4q95w5 1h 60m",
        "mute “n4q95w5” ‘2h’",
        "mute https://app.baseten.co/training/n4q95w5/logs/p7qr9qv 2h",
        "mute <https://app.baseten.co/training/n4q95w5|llama-finetune> 2h",
        "mute https://api.baseten.co/v1/training_projects/n4q95w5/jobs 2h",
    ],
)
def test_a_mute_is_understood_however_it_is_typed(text: str) -> None:
    assert parse(text) == TWO_HOURS


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("mute", "takes a project ID and how long"),
        ("mute n4q95w5", "takes a project ID and how long"),
        ("mute n4q95w5 k2m8x4p 2h", "takes a project ID and how long"),
        ("mute n4q95w5 30s", "takes a project ID and how long"),
        ("mute n4q95w5 0m", "from 1 minute to 7 days"),
        ("mute n4q95w5 169h", "from 1 minute to 7 days"),
        ("mute n4q95w5 2", "could not read how long"),
        ("mute https://example.com/training/n4q95w5 2h", "not a Baseten link"),
        ("mute https://app.baseten.co/training/jobs/p7qr9qv 2h", "names no training project"),
        ("unmute n4q95w5 k2m8x4p", "`unmute` takes the project ID"),
        ("watch everything", "`watch` takes nothing more"),
    ],
)
def test_nonsense_is_refused_with_what_to_type(text: str, said: str) -> None:
    with pytest.raises(CommandError, match=said):
        parse(text)


def test_watch_and_unmute() -> None:
    assert parse("watch") == parse("WATCH status") == WatchStatus()
    assert parse("unmute “N4Q95W5”") == UnmuteProject("n4q95w5")


def test_seven_days_is_the_longest_mute() -> None:
    assert parse("mute n4q95w5 7d") == MuteProject("n4q95w5", timedelta(days=7))
    assert duration_of("1d6h") == timedelta(hours=30)
    assert duration_of("2w") is None and duration_of("h") is None
