"""The chain line: a failed job the bot made, and how many failures in a row its recreates have had."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.records import AttemptRecord, Outcome, Verdict
from bot.watch.chain import Chain, chain_lines, ordinal, walk
from tests.bot.baseten.test_models import job as spec_job

T0 = datetime(2026, 12, 2, 2, 10, tzinfo=UTC)


def made(source: str, new: str, user: str = "UANA") -> AttemptRecord:
    return AttemptRecord(
        request_id=f"req-{new}",
        user_id=user,
        channel_id="C0WATCH01",
        team_id=None,
        command_text=source,
        decision=Verdict.ALLOWED,
        outcome=Outcome.CREATED,
        source_job_id=source,
        new_job_id=new,
    )


TRAIL = {r.new_job_id: r for r in (made("abc1234", "bcd2345"), made("bcd2345", "cde3456", "UBOB"))}


def test_a_job_the_bot_did_not_make_has_no_chain() -> None:
    assert walk("zzz9999", T0, TRAIL.get, {}) is None


def test_three_failures_in_a_row_are_counted_since_the_first() -> None:
    failures = {"abc1234": T0, "bcd2345": T0 + timedelta(minutes=30)}
    chain = walk("cde3456", T0 + timedelta(hours=1), TRAIL.get, failures)
    assert chain is not None
    assert (chain.made_by.user_id, chain.made_by.source_job_id) == ("UBOB", "bcd2345")
    assert (chain.failures, chain.since) == (3, T0)


def test_a_source_that_did_not_fail_ends_the_row() -> None:
    chain = walk("cde3456", T0 + timedelta(hours=1), TRAIL.get, {"abc1234": T0})
    assert chain is not None and chain.failures == 1


def test_a_loop_in_the_trail_ends_the_walk() -> None:
    trail = {"a": made("b", "a"), "b": made("a", "b")}
    chain = walk("a", T0, trail.get, {"a": T0, "b": T0})
    assert chain is not None and chain.failures == 2


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "111th"
    ]  # fmt: skip


def test_the_lines_name_who_made_it_from_what_and_the_row() -> None:
    job = spec_job(id="cde3456", name="llama-8b-sft", current_status="TRAINING_JOB_FAILED")
    lines = chain_lines(job, Chain(made("abc1234", job.id, "UBOB"), 3, T0))
    assert lines[0] == "Made by recreate-job: <@UBOB> recreated it from `abc1234`"
    assert lines[1].startswith(f"3rd failure in a row of {job.name} since <!date^")
    assert "02:10 UTC" in lines[1]
    assert chain_lines(job, Chain(made("abc1234", job.id), 1, T0)) == [lines[0].replace("UBOB", "UANA")]
