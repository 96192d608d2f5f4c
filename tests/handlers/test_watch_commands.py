"""`/recreate-job watch`, `mute` and `unmute` as signed slash commands through the real app."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import Collaborators
from bot.records import Outcome
from tests.conftest import ALLOWED_USER, Harness, ack_text
from tests.fakes.slack import Call
from tests.fakes.store import RecordingStore

HarnessFactory = Callable[..., Harness]
WATCH_CHANNEL = "C0WATCH01"
PROJECT = "n4q95w5"
OTHER = "k2m8x4p"


@pytest.fixture
def watching(harness_factory: HarnessFactory) -> Harness:
    return harness_factory(watch_project_ids=f"{PROJECT},{OTHER}", watch_channel_id=WATCH_CHANNEL)


def ack_all(response: object) -> str:
    """The ack's text and blocks as one string; asserts it is seen only by the caller."""
    body = json.loads(response.body)  # type: ignore[attr-defined]
    assert body.get("response_type", "ephemeral") == "ephemeral"
    return json.dumps(body, ensure_ascii=False)


def announced(harness: Harness) -> list[Call]:
    harness.drain()
    return [call for call in harness.slack.of("chat.postMessage") if call.params["channel"] == WATCH_CHANNEL]


def test_watch_shows_the_caller_what_is_watched_and_that_nothing_is_muted(watching: Harness) -> None:
    response, _ = watching.command("watch")
    shown = ack_all(response)
    assert f"`{PROJECT}`" in shown and f"`{OTHER}`" in shown
    assert "every 60 s" in shown and f"<#{WATCH_CHANNEL}>" in shown
    assert "Nothing is muted" in shown and "None yet" in shown
    assert announced(watching) == []


def test_mute_silences_the_project_is_audited_and_announced(watching: Harness) -> None:
    response, _ = watching.command("mute n4q95w5 2h")
    reply = ack_text(response)
    assert "muted until" in reply and "(2 h)" in reply and f"<#{WATCH_CHANNEL}>" in reply
    [mute] = watching.bot.store.mutes(datetime.now(UTC))
    assert mute.project_id == PROJECT and mute.muted_by == ALLOWED_USER
    assert timedelta(hours=2) - timedelta(seconds=5) < mute.until - datetime.now(UTC) <= timedelta(hours=2)
    [line] = announced(watching)
    assert f"<@{ALLOWED_USER}> muted alerts for `{PROJECT}` until" in line.params["text"]
    [record] = watching.bot.store.recent(5)
    assert (record.outcome, record.source_project_id, record.user_id) == (Outcome.MUTED, PROJECT, ALLOWED_USER)

    shown = ack_all(watching.command("watch")[0])
    assert f"`{PROJECT}` until" in shown and f"muted by <@{ALLOWED_USER}>" in shown
    history = ack_text(watching.command("history")[0])
    assert f"project `{PROJECT}` → _alerts muted_: until" in history


def test_the_watcher_does_not_alert_a_muted_project(watching: Harness) -> None:
    watcher = watching.bot.watcher
    assert watcher is not None
    watcher.tick()
    watching.command("mute n4q95w5 30m")
    failed_at = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    watching.baseten.add_job(PROJECT, "m0ted001", status="TRAINING_JOB_FAILED", updated_at=failed_at)
    watching.baseten.add_job(OTHER, "he4rd001", status="TRAINING_JOB_FAILED", updated_at=failed_at)
    watcher.tick()
    alerts = [call.params["text"] for call in announced(watching) if "Training job" in call.params["text"]]
    assert len(alerts) == 1 and "he4rd001" in alerts[0]


def test_phone_typing_and_a_pasted_project_link_are_understood(watching: Harness) -> None:
    watching.command("MUTE “https://app.baseten.co/training/n4q95w5/logs/p7qr9qv” 1H 30M")
    [mute] = watching.bot.store.mutes(datetime.now(UTC))
    assert mute.project_id == PROJECT
    assert timedelta(minutes=89) < mute.until - mute.muted_at <= timedelta(minutes=90)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("mute n4q95w5", "`mute` takes a project ID and how long"),
        ("mute n4q95w5 banana", "`mute` takes a project ID and how long"),
        ("mute n4q95w5 8d", "from 1 minute to 7 days"),
        ("mute n4q95w5 90", "could not read how long"),
        ("unmute", "`unmute` takes the project ID"),
    ],
)
def test_nonsense_gets_a_short_usage_and_mutes_nothing(watching: Harness, text: str, said: str) -> None:
    reply = ack_text(watching.command(text)[0])
    assert said in reply
    assert watching.bot.store.mutes(datetime.now(UTC)) == []
    assert announced(watching) == []


def test_only_allowed_people_may_mute_and_the_refusal_is_audited(harness_factory: HarnessFactory) -> None:
    store = RecordingStore()
    parts = Collaborators(sleep=lambda _s: None, store=store)
    watching = harness_factory(parts, watch_project_ids=PROJECT, watch_channel_id=WATCH_CHANNEL)
    reply = ack_text(watching.command("mute n4q95w5 2h", user_id="UNOTALLOW1")[0])
    assert "not allowed" in reply and "Nothing was sent to Baseten" not in reply
    assert "not allowed" in ack_text(watching.command("unmute n4q95w5", user_id="UNOTALLOW1")[0])
    assert store.mutes(datetime.now(UTC)) == []
    assert announced(watching) == []
    refused = store.final()
    assert [(r.outcome, r.user_id, r.command_text) for r in refused] == [
        (Outcome.REFUSED, "UNOTALLOW1", "mute n4q95w5 2h"),
        (Outcome.REFUSED, "UNOTALLOW1", "unmute n4q95w5"),
    ]


def test_unmute_ends_the_mute_is_audited_and_announced(watching: Harness) -> None:
    watching.command("mute n4q95w5 2h")
    reply = ack_text(watching.command("unmute n4q95w5")[0])
    assert "back on" in reply and f"<@{ALLOWED_USER}>" in reply
    assert watching.bot.store.mutes(datetime.now(UTC)) == []
    lines = [call.params["text"] for call in announced(watching)]
    assert lines[-1].startswith(f":loud_sound: <@{ALLOWED_USER}> unmuted alerts for `{PROJECT}`")
    assert [record.outcome for record in watching.bot.store.recent(5)] == [Outcome.UNMUTED, Outcome.MUTED]
    assert "is not muted" in ack_text(watching.command("unmute n4q95w5")[0])
    assert len(announced(watching)) == 2


def test_a_project_that_is_not_watched_cannot_be_muted(watching: Harness) -> None:
    reply = ack_text(watching.command("mute zz9zz9z 2h")[0])
    assert "`zz9zz9z` is not watched" in reply and f"`{PROJECT}`" in reply
    assert watching.bot.store.mutes(datetime.now(UTC)) == []


def test_watching_every_project_lets_any_project_be_muted(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(watch_project_ids="all", watch_channel_id=WATCH_CHANNEL)
    assert "every training project" in ack_all(harness.command("watch")[0])
    harness.command("mute zz9zz9z 1d")
    assert [mute.project_id for mute in harness.bot.store.mutes(datetime.now(UTC))] == ["zz9zz9z"]


def test_without_a_watch_the_commands_say_it_is_off(harness: Harness) -> None:
    assert "failure watch is off" in ack_text(harness.command("watch")[0])
    assert "failure watch is off" in ack_text(harness.command("mute n4q95w5 2h")[0])
    assert harness.bot.store.mutes(datetime.now(UTC)) == []


def test_the_last_alerted_failures_are_listed(watching: Harness) -> None:
    watcher = watching.bot.watcher
    assert watcher is not None
    watcher.tick()
    failed_at = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    watching.baseten.add_job(OTHER, "he4rd001", status="TRAINING_JOB_FAILED", updated_at=failed_at)
    watcher.tick()
    shown = ack_all(watching.command("watch")[0])
    assert "`he4rd001` in `k2m8x4p`: Failed" in shown and f"/training/{OTHER}/logs/he4rd001" in shown


def test_a_mute_gets_its_line_in_the_audit_channel(harness_factory: HarnessFactory) -> None:
    harness = harness_factory(watch_project_ids=PROJECT, watch_channel_id=WATCH_CHANNEL, audit_channel_id="C0AUDIT001")
    harness.command("mute n4q95w5 2h")
    harness.drain()
    [line] = [call for call in harness.slack.of("chat.postMessage") if call.params["channel"] == "C0AUDIT001"]
    text = line.params["text"]
    assert text.startswith(f":mute: <@{ALLOWED_USER}> in <#CCHANNEL01>: project `{PROJECT}` → _alerts muted_: until ")
