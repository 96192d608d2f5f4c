"""Block Kit as terminal text: what the console prints for each message the bot sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from bot.console.render import Button, Look, mrkdwn, render


def test_a_labelled_link_shows_its_label_then_its_url() -> None:
    assert mrkdwn("see <https://app.baseten.co/training/n4q95w5|the job>") == (
        "see the job (https://app.baseten.co/training/n4q95w5)"
    )


def test_a_bare_link_shows_its_url() -> None:
    assert mrkdwn("<https://app.baseten.co>") == "https://app.baseten.co"


def test_user_and_channel_mentions_show_their_ids() -> None:
    assert mrkdwn("<@U1> in <#C0CHAN0001|general> and <#C0CHAN0002>") == "@U1 in #C0CHAN0001 and #C0CHAN0002"


NOW = datetime(2023, 11, 14, 23, 0, tzinfo=UTC)
IN_UTC = Look(tz=UTC, now=lambda: NOW)


def test_a_date_shows_as_slack_shows_it_in_the_readers_time_zone() -> None:
    date = "<!date^1700000000^{date_short_pretty} {time}|2023-11-14 22:13 UTC>"  # 2023-11-14 22:13:20 UTC
    assert mrkdwn(f"at {date}.", IN_UTC) == "at Today 22:13."
    assert mrkdwn(date, Look(tz=timezone(timedelta(hours=3)), now=lambda: NOW)) == "Today 01:13"
    assert mrkdwn(date, Look(tz=UTC, now=lambda: NOW + timedelta(days=1))) == "Yesterday 22:13"
    assert mrkdwn(date, Look(tz=UTC, now=lambda: NOW + timedelta(days=9))) == "Nov 14, 2023 22:13"
    assert mrkdwn("<!date^1700000000^{date_num} {time_secs}|x>", IN_UTC) == "2023-11-14 22:13:20"


def test_a_date_format_we_do_not_know_shows_its_fallback_text() -> None:
    assert mrkdwn("<!date^1700000000^{date_unknown}|2023-11-14 22:13 UTC>", IN_UTC) == "2023-11-14 22:13 UTC"


def test_bold_italics_and_code_lose_their_markers_when_piped() -> None:
    text = "This starts a *new* job, _not_ a copy of `p7qr9qv`."
    assert mrkdwn(text) == "This starts a new job, not a copy of `p7qr9qv`."


def test_bold_italics_and_code_are_styled_on_a_terminal() -> None:
    text = "This starts a *new* job, _not_ a copy of `p7qr9qv`."
    assert mrkdwn(text, Look(ansi=True)) == (
        "This starts a \033[1mnew\033[22m job, \033[3mnot\033[23m a copy of \033[36mp7qr9qv\033[39m."
    )


def test_markers_inside_words_code_and_links_are_left_alone() -> None:
    text = "file_name_here 2*3*4 `*not bold*` <https://x.test/a_b_/c|docs_v2>"
    assert mrkdwn(text) == "file_name_here 2*3*4 `*not bold*` docs_v2 (https://x.test/a_b_/c)"


def test_entities_are_unescaped() -> None:
    assert mrkdwn("&lt;job_id&gt; &amp; more") == "<job_id> & more"


def test_escaped_brackets_are_not_read_as_links() -> None:
    assert mrkdwn("&lt;https://x.test|y&gt;") == "<https://x.test|y>"


def test_known_emoji_become_characters_and_unknown_ones_stay_as_typed() -> None:
    assert mrkdwn(":rocket: :not_an_emoji_we_know:") == "🚀 :not_an_emoji_we_know:"


def test_a_message_without_blocks_is_its_text() -> None:
    assert render({"text": "Hello <@U0DEMO0001>"}) == (["Hello @U0DEMO0001"], [])


def test_header_section_fields_and_context_are_lines() -> None:
    message: dict[str, Any] = {
        "text": "fallback, not shown when there are blocks",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Training job recreated: d001p7q"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "Started by <@U1>"}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*Status*\nRunning"},
                    {"type": "mrkdwn", "text": "*Open*\n<https://app.baseten.co/x|in Baseten>"},
                ],
            },
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "request"}, {"type": "mrkdwn", "text": "`abc`"}],
            },
        ],
    }

    lines, buttons = render(message)

    assert lines == [
        "== Training job recreated: d001p7q ==",
        "Started by @U1",
        "  Status: Running",
        "  Open: in Baseten (https://app.baseten.co/x)",
        "  request `abc`",
    ]
    assert buttons == []


def test_url_buttons_are_shown_as_links_and_action_buttons_are_returned_in_order() -> None:
    message = {
        "blocks": [
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open in Baseten"},
                        "url": "https://app.baseten.co/training/n4q95w5/logs/d001p7q",
                        "action_id": "open",
                    },
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Recreate"},
                        "action_id": "confirm_recreate",
                        "value": "preview-1",
                    },
                    {"type": "button", "text": {"type": "plain_text", "text": "Cancel"}, "action_id": "cancel"},
                ],
            }
        ]
    }

    lines, buttons = render(message)

    assert lines == ["  Open in Baseten: https://app.baseten.co/training/n4q95w5/logs/d001p7q"]
    assert buttons == [Button("Recreate", "confirm_recreate", "preview-1"), Button("Cancel", "cancel", "")]
