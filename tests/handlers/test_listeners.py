"""The listeners are plain functions: called directly, with a recording ack, as Slack's samples test theirs."""

from __future__ import annotations

from typing import Any, cast

from bot.intake import Intake
from bot.messages import Message
from bot.slack_payloads import ResponseUrls, SlashCommand
from handlers.recreate_command import CommandDeps, on_command


class RecordingAck:
    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []

    def __call__(self, **answer: Any) -> None:
        self.answers.append(answer)


class ScriptedIntake:
    command_name = "/recreate-job"

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.seen: list[SlashCommand] = []

    def command(self, payload: SlashCommand, request_id: str) -> Message:
        self.seen.append(payload)
        if self.error is not None:
            raise self.error
        return Message.plain(f"working on {payload.text}")


def deps(intake: ScriptedIntake) -> CommandDeps:
    return CommandDeps(cast(Intake, intake), ResponseUrls("https://slack.com/api/"))


def test_a_command_is_parsed_once_and_acked_with_the_intakes_answer() -> None:
    ack, intake = RecordingAck(), ScriptedIntake()
    on_command(ack, {"user_id": "UALLOWED01", "channel_id": "CCHANNEL01", "text": "p7qr9qv"}, deps=deps(intake))  # type: ignore[arg-type]
    assert [answer["text"] for answer in ack.answers] == ["working on p7qr9qv"]
    assert intake.seen[0].requester.user_id == "UALLOWED01"


def test_a_payload_without_a_user_is_acked_politely_and_never_reaches_the_intake() -> None:
    ack, intake = RecordingAck(), ScriptedIntake()
    on_command(ack, {"channel_id": "CCHANNEL01", "text": "p7qr9qv"}, deps=deps(intake))  # type: ignore[arg-type]
    assert "Something went wrong on my side" in ack.answers[0]["text"]
    assert intake.seen == []


def test_a_bug_behind_the_command_is_still_acked_politely() -> None:
    ack = RecordingAck()
    on_command(ack, {"user_id": "U1", "channel_id": "C1", "text": "x"}, deps=deps(ScriptedIntake(RuntimeError("bug"))))  # type: ignore[arg-type]
    assert len(ack.answers) == 1 and "Something went wrong on my side" in ack.answers[0]["text"]
