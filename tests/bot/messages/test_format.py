"""mrkdwn helpers: untrusted text cannot ping or disguise links, cutting keeps escapes whole, units read well."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.messages.format import code, cut, escape, gib, safe, slack_date, vcpu

_ENTITY = re.compile(r"&(amp|lt|gt);")


def test_escape_neutralises_mentions_and_links() -> None:
    assert escape("<!channel> & <https://evil|docs>") == "&lt;!channel&gt; &amp; &lt;https://evil|docs&gt;"


def test_escape_leaves_everything_else_alone() -> None:
    assert escape("llama 3.1 'fine-tune' \"v2\" *bold* `x` é 😀") == "llama 3.1 'fine-tune' \"v2\" *bold* `x` é 😀"


def test_escape_of_already_escaped_text_escapes_again() -> None:
    assert escape("&amp;") == "&amp;amp;"


def test_cut_keeps_short_text() -> None:
    assert cut("abc", 3) == "abc"


def test_cut_adds_an_ellipsis_within_the_limit() -> None:
    assert cut("abcdef", 4) == "abc…"


@pytest.mark.parametrize("limit", [3, 4, 5, 6, 7])
def test_cut_never_splits_an_escape(limit: int) -> None:
    result = cut("ab&amp;cdefgh", limit)
    assert len(result) <= limit
    assert _ENTITY.sub("", result).count("&") == 0


def test_code_escapes_too() -> None:
    assert code("<!here>") == "`&lt;!here&gt;`"


def test_safe_escapes_before_cutting() -> None:
    result = safe("<" * 100, 10)
    assert result == "&lt;&lt;…"


@given(st.text(alphabet=st.sampled_from("ab&<> é"), max_size=60), st.integers(min_value=1, max_value=80))
def test_safe_is_within_limit_and_every_ampersand_is_a_whole_escape(text: str, limit: int) -> None:
    result = safe(text, limit)
    assert len(result) <= limit
    assert "<" not in result
    assert ">" not in result
    assert "&" not in _ENTITY.sub("", result)
    if len(escape(text)) <= limit:
        assert result == escape(text)


@pytest.mark.parametrize(
    ("mib", "shown"),
    [
        (81_920, "80 GiB"),
        (24_576, "24 GiB"),
        (1_966_080, "1920 GiB"),
        (1536, "1.5 GiB"),
        (1024, "1 GiB"),
        (512, "0.5 GiB"),
    ],
)
def test_gib_from_mib(mib: int, shown: str) -> None:
    assert gib(mib) == shown


@pytest.mark.parametrize(
    ("millicpu", "shown"), [(206_000, "206 vCPU"), (7_500, "7.5 vCPU"), (4_000, "4 vCPU"), (250, "0.25 vCPU")]
)
def test_vcpu_from_millicpu(millicpu: int, shown: str) -> None:
    assert vcpu(millicpu) == shown


def test_slack_date_shows_local_time_with_utc_fallback() -> None:
    moment = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    assert (
        slack_date(moment) == f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|2026-11-26 09:30 UTC>"
    )


def test_slack_date_converts_other_zones_and_treats_naive_as_utc() -> None:
    aware = datetime(2026, 11, 26, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    naive = datetime(2026, 11, 26, 9, 30)
    assert slack_date(aware) == slack_date(naive) == slack_date(datetime(2026, 11, 26, 9, 30, tzinfo=UTC))
