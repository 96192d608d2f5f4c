"""The console's `say` and `shortcut`: a pasted job link unfurls, and the shortcut runs on the last message."""

from __future__ import annotations

from tests.bot.console.test_session import RunConsole, console

__all__ = ["console"]  # the fixture, used by name

LINK = "https://app.baseten.co/training/n4q95w5/logs/p7qr9qv"


def test_a_said_job_link_unfurls_and_its_recreate_button_leads_to_the_preview_and_the_card(
    console: RunConsole,
) -> None:
    out = console(f"say the run at {LINK} died\nrecreate\n1\n")

    unfurl = out.split(f"unfurling {LINK}]", 1)[1]
    assert "Job: `p7qr9qv` llama-8b-sft" in unfurl
    assert "Project: llama-finetune `n4q95w5`" in unfurl
    assert "[1] Recreate" in unfurl
    assert "== Recreate p7qr9qv? ==" in out
    assert "== Training job recreated:" in out


def test_a_link_to_another_site_is_not_unfurled(console: RunConsole) -> None:
    out = console("say see https://example.com/training/n4q95w5/logs/p7qr9qv\n")
    assert "unfurling" not in out


def test_the_shortcut_offers_each_job_of_the_last_message_and_says_when_there_is_none(console: RunConsole) -> None:
    out = console("shortcut\nsay compare job `r3unn1n` with `e5cpu01`\nshortcut\n2\nsay lunch?\nshortcut\n")

    assert "no message in the channel yet" in out
    assert "[1] Recreate r3unn1n  [2] Recreate e5cpu01" in out
    assert "== Recreate e5cpu01? ==" in out
    assert "I found no training job in that message" in out
