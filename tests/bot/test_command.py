"""Parsing what people type after `/recreate-job`: IDs, links and what phones and Slack do to them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.baseten.ids import is_hash_id
from bot.command import CommandError, Help, Recreate, parse

JOB = Recreate(job_id="p7qr9qv")
PROJECT_JOB = Recreate(job_id="p7qr9qv", project_id="n4q95w5")
LINK = "https://app.baseten.co/training/n4q95w5/logs/p7qr9qv"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("p7qr9qv", JOB),
        ("n4q95w5 p7qr9qv", PROJECT_JOB),
        ("n4q95w5, p7qr9qv", PROJECT_JOB),
        ("n4q95w5/p7qr9qv", PROJECT_JOB),
        ("  p7qr9qv\n", JOB),
    ],
)
def test_ids_typed_directly(text: str, expected: Recreate) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (LINK, PROJECT_JOB),
        ("https://app.baseten.co/training/n4q95w5/metrics/p7qr9qv", PROJECT_JOB),
        ("https://app.baseten.co/training/n4q95w5/logs/p7qr9qv?tab=logs#end", PROJECT_JOB),
        ("https://app.baseten.co/training/jobs/p7qr9qv", JOB),
        ("app.baseten.co/training/n4q95w5/logs/p7qr9qv", PROJECT_JOB),
        ("https://app.staging.baseten.co/training/n4q95w5/logs/p7qr9qv", PROJECT_JOB),
        ("HTTPS://APP.BASETEN.CO/TRAINING/N4Q95W5/LOGS/P7QR9QV", PROJECT_JOB),
        ("https://api.baseten.co/v1/training_projects/n4q95w5/jobs/p7qr9qv", PROJECT_JOB),
    ],
)
def test_links_to_the_job_page(text: str, expected: Recreate) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        f"<{LINK}>",
        f"<{LINK}|the failed run>",
        f"<{LINK}?a=1&amp;tab=logs|label with spaces>",
        f"{LINK}?a=1&amp;b=2",
        f"<{LINK}>.",
    ],
)
def test_links_as_slack_sends_them(text: str) -> None:
    assert parse(text) == PROJECT_JOB


@pytest.mark.parametrize(
    "text",
    [
        "\u201cp7qr9qv\u201d",  # smart double quotes
        "\u2018p7qr9qv\u2019",  # smart single quotes
        "\u00abp7qr9qv\u00bb",
        "`p7qr9qv`",
        "```p7qr9qv```",
        "'p7qr9qv'",
        "p7qr9qv.",
        "p7qr9qv!?",
        "(p7qr9qv),",
        "p7\u200bqr9qv",  # zero-width space inside
        "\ufeffp7qr9qv\u2060",
        "P7QR9QV",
        "\uff30\uff17\uff51\uff52\uff19\uff51\uff56",  # full-width letters from some keyboards
    ],
)
def test_what_phones_and_editors_do_to_a_job_id(text: str) -> None:
    assert parse(text) == JOB


@pytest.mark.parametrize("space", ["\u00a0", "\u2007", "\u202f", "\u3000", "\t", "  "])
def test_odd_spaces_between_project_and_job(space: str) -> None:
    assert parse(f"n4q95w5{space}p7qr9qv") == PROJECT_JOB


def test_capitalised_project_and_job_ids_are_lowercased() -> None:
    assert parse("N4Q95W5 P7QR9QV") == PROJECT_JOB


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "?", "--help", "-h", "usage", "\u200b"])
def test_empty_or_help_asks_for_usage(text: str) -> None:
    assert parse(text) == Help()


def test_three_words_say_how_many_were_given() -> None:
    with pytest.raises(CommandError, match="3 words"):
        parse("n4q95w5 p7qr9qv extra")


@pytest.mark.parametrize(
    "text",
    [
        "../etc",
        "p7qr9qv/../x",
        "n4q95w5/p7qr9qv/extra",
        "/p7qr9qv",
        "p7qr9qv/",
        "abc",  # too short
        "a" * 33,  # too long
        "abc_def",
        "abc-def",
        "p7qr9qv%2f..",
        "n4q95w5 ../p7qr9qv",
        "<@U123|bob>",
    ],
)
def test_invalid_ids_are_refused(text: str) -> None:
    with pytest.raises(CommandError, match="is not a Baseten"):
        parse(text)


def test_error_names_the_bad_word_and_the_id_format() -> None:
    with pytest.raises(CommandError) as caught:
        parse("n4q95w5 job_1")
    assert "job_1" in str(caught.value)
    assert "job ID" in str(caught.value)
    assert "4 to 32 letters and digits" in str(caught.value)


def test_error_shortens_a_long_bad_word() -> None:
    with pytest.raises(CommandError) as caught:
        parse("x" * 500)
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize(
    "text",
    [
        "https://evil.example/training/n4q95w5/logs/p7qr9qv",
        "https://app.baseten.co.evil.example/training/jobs/p7qr9qv",
        "https://evilbaseten.co/training/jobs/p7qr9qv",
        "<https://evil.example/training/jobs/p7qr9qv|app.baseten.co/training/jobs/p7qr9qv>",
        "http://app.baseten.co\\@evil.example/training/jobs/p7qr9qv",
    ],
)
def test_links_to_other_hosts_are_refused(text: str) -> None:
    with pytest.raises(CommandError, match="not a Baseten link"):
        parse(text)


def test_extra_app_hosts_are_accepted_when_configured() -> None:
    link = "https://baseten.internal.example/training/n4q95w5/logs/p7qr9qv"
    with pytest.raises(CommandError):
        parse(link)
    assert parse(link, app_hosts=frozenset({"baseten.internal.example"})) == PROJECT_JOB


@pytest.mark.parametrize(
    "text",
    [
        "https://app.baseten.co/training",
        "https://app.baseten.co/training/n4q95w5",
        "https://app.baseten.co/training/n4q95w5/logs",
        "https://app.baseten.co/models/abcd123/overview",
        "https://app.baseten.co/",
    ],
)
def test_baseten_link_without_a_job_says_so(text: str) -> None:
    with pytest.raises(CommandError, match="does not point at a training job"):
        parse(text)


def test_path_traversal_inside_a_link_is_refused() -> None:
    with pytest.raises(CommandError):
        parse("https://app.baseten.co/training/n4q95w5/logs/../p7qr9qv")


@pytest.mark.parametrize(
    "text",
    ["https://[abc/training/jobs/p7qr9qv", "app.[x", "https://app.baseten.co]/training/jobs/p7qr9qv"],
)
def test_unreadable_link_is_a_command_error(text: str) -> None:
    with pytest.raises(CommandError):
        parse(text)


_PIECES = st.sampled_from(
    [
        *"abcP7/.:[]<>|&;@ `'\"%#?=-_\\",
        "\u00a0",
        "\u200b",
        "\u201c",
        "\u201d",
        "https://",
        "app.baseten.co",
        "evil.example",
        "training",
        "logs",
        "jobs",
        "p7qr9qv",
        "n4q95w5",
        "&amp;",
        "&lt;",
        "..",
        "\x00",
        "\u216b",
        "\ufb01",
    ]
)


@settings(max_examples=600, deadline=None)
@given(st.one_of(st.text(max_size=80), st.lists(_PIECES, max_size=14).map("".join)))
def test_any_text_parses_or_raises_command_error_only(text: str) -> None:
    """Whatever is typed, the user gets a usage hint or a readable error, never a crash."""
    try:
        result = parse(text)
    except CommandError as error:
        assert str(error)
        return
    if isinstance(result, Recreate):
        assert is_hash_id(result.job_id)
        assert result.project_id is None or is_hash_id(result.project_id)
