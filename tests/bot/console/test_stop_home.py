"""The console's `stop` and `home`: Stop on the last card, and the Home tab as the bot publishes it."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from bot.console.session import run
from bot.settings import Settings


def demo(script: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.lower() in Settings.model_fields:
            monkeypatch.delenv(name)
    out = io.StringIO()
    assert run(["--demo"], stdin=io.StringIO(script), out=out, sleep=lambda _seconds: None) == 0
    return out.getvalue()


def test_stop_taps_the_last_cards_stop_and_the_card_and_thread_say_who(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = demo("p7qr9qv\n1\nstop\nstop\n", tmp_path, monkeypatch)

    after = shown.split("> stop", 1)[1]
    assert "Slack asks: stop n4q95w5/d001p7q?" in after
    assert "Status: Created → Stopped" in after
    assert "Stopped by @U0DEMO0001" in after
    assert "in the card's thread" in after and "stopped `d001p7q`" in after
    assert "[no card with a Stop button yet]" in shown.split("> stop", 2)[2]


def test_home_prints_the_home_tab_the_bot_publishes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = demo("p7qr9qv\n1\nhome\n", tmp_path, monkeypatch)

    home = shown.split("> home", 1)[1]
    assert "[your Home tab, only you]" in home
    assert "You may recreate training jobs" in home
    assert "`p7qr9qv` → `d001p7q`" in home and "Being followed for you" in home
