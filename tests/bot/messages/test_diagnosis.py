"""The log lines in an alert: secrets masked, escaped, cut to Block Kit's limits, the newest kept."""

from __future__ import annotations

from bot.baseten.models import LogLine
from bot.messages.diagnosis import SECTION_LIMIT, Diagnosis, log_blocks, log_fallback, log_text, mask_secrets


def lines(*messages: str) -> Diagnosis:
    return Diagnosis(tuple(LogLine(timestamp=str(n), message=m) for n, m in enumerate(messages)))


def test_slack_tokens_are_masked() -> None:
    shown = mask_secrets("posting with xoxb-1234567890-abcdefGHIJ and xapp-1-A0B1C2-999")
    assert "xoxb-" not in shown and "xapp-" not in shown
    assert shown.count("[masked]") == 2


def test_authorization_headers_keep_their_scheme_and_lose_their_secret() -> None:
    shown = mask_secrets("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload / Api-Key abcd1234.secretsecret")
    assert shown == "Authorization: Bearer [masked] / Api-Key [masked]"


def test_a_baseten_api_key_on_its_own_is_masked() -> None:
    key = "AbCd1234." + "x" * 32
    assert mask_secrets(f"using key {key} for upload") == "using key [masked] for upload"


def test_named_secrets_in_config_dumps_are_masked() -> None:
    assert mask_secrets('{"api_key": "sk-live-123456789", "lr": 0.0001}') == '{"api_key": "[masked]", "lr": 0.0001}'
    assert mask_secrets("HF_TOKEN=hf_abcdefghijkl") == "HF_TOKEN=[masked]"


def test_ordinary_log_text_is_left_alone() -> None:
    text = "step 120/500 loss=1.234 lr=2e-05 tokens=4096 grad_norm: 0.93"
    assert mask_secrets(text) == text


def test_lines_are_shown_oldest_first_in_a_code_block() -> None:
    text = log_text(lines("loading model", "Traceback (most recent call last):", "RuntimeError: CUDA OOM"))
    assert text.startswith("Last 3 log lines:\n```\nloading model\n")
    assert text.endswith("RuntimeError: CUDA OOM\n```")


def test_slack_control_characters_are_escaped_and_backticks_cannot_close_the_block() -> None:
    text = log_text(lines("<!channel> hello & <https://evil|docs>", "``` done"))
    assert "<!channel>" not in text and "&lt;!channel&gt; hello &amp;" in text
    assert text.count("```") == 2


def test_when_the_lines_do_not_fit_the_oldest_give_way() -> None:
    many = lines(*[f"line {n:03d} " + "x" * 250 for n in range(30)])
    text = log_text(many)
    assert len(text) <= SECTION_LIMIT
    assert "line 029" in text and "line 000" not in text
    assert text.startswith(f"Last {text.count(chr(10)) - 2} log lines")


def test_one_huge_line_is_cut_and_does_not_hide_the_rest() -> None:
    text = log_text(lines("y" * 10_000, "the real error"))
    assert "the real error" in text and len(text) <= SECTION_LIMIT


def test_no_logs_and_unreadable_logs_say_so() -> None:
    assert "no log lines" in log_text(Diagnosis())
    assert "could not be read (Baseten answered 503)" in log_text(Diagnosis(unreadable="Baseten answered 503"))
    assert log_fallback(Diagnosis()) == "no log lines"


def test_the_blocks_are_valid_block_kit() -> None:
    block = log_blocks(lines("a", "b"))[0].to_dict()
    assert block["type"] == "section" and block["text"]["type"] == "mrkdwn"


def test_the_fallback_carries_the_last_line_masked() -> None:
    assert log_fallback(lines("ok", "failed with token=abcdefghij")) == "last log line: failed with token=[masked]"
