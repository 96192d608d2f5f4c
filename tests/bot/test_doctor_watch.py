"""`python -m bot doctor` and the failure watch: its channel must take a message, each watched project must exist."""

from __future__ import annotations

from tests.bot.test_doctor import Doctor, healthy, only_failure, run_doctor
from tests.fakes.baseten import FakeBaseten
from tests.fakes.slack import FakeSlack

__all__ = ["healthy", "run_doctor"]  # fixtures
WATCH_CHANNEL = "C0WATCH01"


def test_nothing_watched_means_no_watch_lines(run_doctor: Doctor) -> None:
    report = run_doctor()
    assert not any(line[5:].startswith("watch") for line in report.lines), report.text


def test_a_healthy_watch_posts_a_test_line_and_finds_each_project(run_doctor: Doctor, slack: FakeSlack) -> None:
    report = run_doctor(watch_project_ids="n4q95w5 k2m8x4p", watch_channel_id=WATCH_CHANNEL)
    assert report.status == 0, report.text
    assert report.line("watch channel") == f"ok   watch channel: posted a test line in {WATCH_CHANNEL}; alerts go there"
    assert "2 found: n4q95w5 (llama-finetune), k2m8x4p (whisper-distill)" in report.line("watched projects")
    assert WATCH_CHANNEL in [call.params["channel"] for call in slack.of("chat.postMessage")]


def test_a_watch_channel_the_bot_cannot_post_in(run_doctor: Doctor, slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", "channel_not_found")  # the first post is the watch channel's
    line = only_failure(run_doctor(watch_project_ids="n4q95w5", watch_channel_id=WATCH_CHANNEL), "watch channel")
    assert "channel_not_found" in line and f"invite the bot to {WATCH_CHANNEL}" in line and "WATCH_CHANNEL_ID" in line


def test_each_watched_project_that_does_not_exist_is_named_with_the_fix(run_doctor: Doctor) -> None:
    report = run_doctor(watch_project_ids="n4q95w5 zz9zz9z yy8yy8y", watch_channel_id=WATCH_CHANNEL)
    assert report.status == 1
    assert len(report.failed) == 2, report.text
    for missing in ("zz9zz9z", "yy8yy8y"):
        line = report.line(f"watched project {missing}")
        assert line.startswith("FAIL") and "not among the 2 training projects" in line and "WATCH_PROJECT_IDS" in line
    assert "1 found: n4q95w5" in report.line("watched projects")


def test_watching_every_project_counts_what_the_key_sees(run_doctor: Doctor) -> None:
    report = run_doctor(watch_project_ids="all", watch_channel_id=WATCH_CHANNEL)
    assert report.line("watched projects") == "ok   watched projects: all 2 training projects the API key sees"


def test_projects_that_cannot_be_listed_are_not_reported_missing(run_doctor: Doctor, baseten: FakeBaseten) -> None:
    baseten.fail("projects", 200, {"ok": True})  # the Baseten check's read: not Baseten's API
    baseten.fail("projects", 503, {"message": "down"})
    report = run_doctor(watch_project_ids="n4q95w5", watch_channel_id=WATCH_CHANNEL)
    line = report.line("watched projects")
    assert line.startswith("FAIL") and "could not be listed" in line
    assert not any(line.startswith("FAIL watched project ") for line in report.lines)
