from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.store.sqlite_time import from_micros, to_micros


def test_a_time_comes_back_exactly_and_in_utc() -> None:
    moment = datetime(2026, 12, 2, 3, 12, 45, 123456, tzinfo=UTC)
    assert from_micros(to_micros(moment)) == moment
    assert from_micros(to_micros(moment)).tzinfo == UTC


def test_order_of_the_numbers_is_time_order_across_offsets() -> None:
    # 03:00 at +02:00 is 01:00 UTC, earlier than 02:00 UTC, though its text sorts later.
    east = datetime(2026, 12, 2, 3, 0, tzinfo=timezone(timedelta(hours=2)))
    utc = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    assert to_micros(east) < to_micros(utc)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        to_micros(datetime(2026, 12, 2, 3, 0))
