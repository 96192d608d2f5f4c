"""The console's stand-in for Slack, over HTTP as the bot talks to it: what the terminal shows for each message."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.console.render import PLAIN
from bot.console.screen import Screen
from bot.console.standin import ConsoleSlack, changes


def card(status: str) -> dict[str, Any]:
    return {
        "channel": "C0CONSOLE1",
        "text": f"Training job recreated: d001p7q ({status})",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Training job recreated: d001p7q"}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*New job*\n`d001p7q` llama-8b-sft"},
                    {"type": "mrkdwn", "text": f"*Status*\n{status}"},
                    {"type": "mrkdwn", "text": "*GPUs*\n8 × H100 (80 GiB each)"},
                ],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "recreate-job · request `r1`"}]},
        ],
    }


class Terminal(io.StringIO):
    typed = ""


@pytest.fixture
def terminal() -> Terminal:
    return Terminal()


@pytest.fixture
def screen(terminal: Terminal) -> Screen:
    return Screen(terminal, look=PLAIN, clear_line=True, typed=lambda: terminal.typed)


@pytest.fixture
def slack(screen: Screen) -> Iterator[ConsoleSlack]:
    standin = ConsoleSlack(screen).start()
    yield standin
    standin.stop()


def call(slack: ConsoleSlack, method: str, body: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.post(f"{slack.url}/api/{method}", json=body, timeout=5).json()
    return answer


def test_a_status_change_prints_what_changed_not_the_whole_card(slack: ConsoleSlack, terminal: Terminal) -> None:
    ts = call(slack, "chat.postMessage", card("Created"))["ts"]
    posted = terminal.getvalue()
    assert "== Training job recreated: d001p7q ==" in posted
    assert "Status: Created" in posted

    call(slack, "chat.update", {**card("Running"), "ts": ts})

    update = terminal.getvalue().removeprefix(posted)
    assert update == "[#C0CONSOLE1, card updated]\n  Status: Created → Running\n\n"


def test_an_edit_that_changes_nothing_visible_prints_nothing(slack: ConsoleSlack, terminal: Terminal) -> None:
    ts = call(slack, "chat.postMessage", card("Running"))["ts"]
    posted = terminal.getvalue()

    call(slack, "chat.update", {**card("Running"), "ts": ts})

    assert terminal.getvalue() == posted


def test_a_message_that_arrives_at_the_prompt_does_not_land_after_it(
    slack: ConsoleSlack, screen: Screen, terminal: Terminal
) -> None:
    with screen.prompting():
        terminal.write("> p7q")  # the prompt, and what has been typed so far
        terminal.typed = "p7q"
        call(slack, "chat.postMessage", {"channel": "C0CONSOLE1", "text": "`d001p7q`: Running."})

    shown = terminal.getvalue()
    # The prompt line is cleared, the message printed from the margin, and the prompt shown again as it was.
    assert shown == "> p7q\r\033[K[#C0CONSOLE1]\n  `d001p7q`: Running.\n\n> p7q"


def test_without_line_clearing_the_message_starts_on_a_new_line(terminal: Terminal) -> None:
    screen = Screen(terminal, look=PLAIN, clear_line=False, typed=lambda: "")
    with screen.prompting():
        terminal.write("> ")
        screen.show(["[#C0CONSOLE1]", "  hello"])

    assert terminal.getvalue() == "> \n[#C0CONSOLE1]\n  hello\n> "


def test_changes_name_each_changed_field_with_its_old_and_new_value() -> None:
    before = ["== Training job recreated: d001p7q ==", "  Status: Created", "  GPUs: 8 × H100", "  request `r1`"]
    after = ["== Training job recreated: d001p7q ==", "  Status: Running", "  GPUs: 8 × H100", "  request `r1`"]

    assert changes(before, after) == ["Status: Created → Running"]
    assert changes(after, after) == []
    assert changes(before, [*after, "A new line"]) == ["Status: Created → Running", "A new line"]
