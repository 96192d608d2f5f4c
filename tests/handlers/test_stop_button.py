"""Stop from the card through the real app: signed taps, the fake Baseten's stop endpoint, the card and its thread."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.app import Collaborators
from bot.baseten.models import JobStatus
from bot.records import STOP_ACTION, Outcome, Verdict
from tests.conftest import ALLOWED_USER, Harness, ack_text
from tests.fakes.http import Response
from tests.fakes.slack import Call

HarnessFactory = Callable[..., Harness]
CHANNEL = "CCHANNEL01"
STOP = "recreate_job_stop"
OTHER_USER = "UOTHER0001"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def buttons(call: Call) -> dict[str, dict[str, object]]:
    return {
        str(element.get("action_id")): element
        for block in call.params.get("blocks") or []
        if block.get("type") == "actions"
        for element in block.get("elements", [])
    }


def shown(call: Call) -> str:
    return json.dumps(call.params, ensure_ascii=False)


def recreated(harness: Harness) -> tuple[Call, str]:
    """Run the command to the posted card; returns the card and the new job's ID."""
    harness.command("p7qr9qv")
    [card] = harness.slack.wait_for_count("chat.postMessage")
    assert harness.bot.runner.wait_idle(10) == []
    [new_job] = harness.baseten.created()
    return card, str(new_job["id"])


def tap_stop(harness: Harness, card: Call, **fields: str) -> None:
    value = str(buttons(card)[STOP]["value"])
    assert harness.click(STOP, value, channel_id=CHANNEL, **fields).status == 200
    assert harness.bot.runner.wait_idle(10) == []


def replies(harness: Harness) -> list[str]:
    return [shown(call) for call in harness.slack.of("response_url")]


def stops(harness: Harness) -> list[object]:
    return [seen.body for seen in harness.baseten.calls("stop")]


def test_the_card_of_an_active_job_has_a_red_stop_button_behind_a_confirmation_naming_it(harness: Harness) -> None:
    card, new_job_id = recreated(harness)

    stop = buttons(card)[STOP]
    assert stop["style"] == "danger"
    assert stop["value"] == f"n4q95w5/{new_job_id}"
    confirm = json.dumps(stop["confirm"])
    assert new_job_id in confirm and "gpt-oss-job" in confirm


def test_stop_by_an_allowed_user_sends_one_stop_updates_the_card_and_the_thread_and_following_stays_quiet(
    harness_factory: HarnessFactory,
) -> None:
    clock = Clock()
    harness = harness_factory(Collaborators(sleep=lambda _s: None, clock=clock))
    card, new_job_id = recreated(harness)
    [record] = harness.bot.store.recent(1)

    tap_stop(harness, card)

    assert stops(harness) == [{}]
    assert harness.baseten.jobs[new_job_id]["current_status"] == JobStatus.STOPPED
    [update] = harness.slack.of("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (CHANNEL, record.card_ts)
    assert f"Stopped by <@{ALLOWED_USER}> at <!date^" in shown(update)
    assert STOP not in buttons(update)
    thread = [c for c in harness.slack.of("chat.postMessage") if c.params.get("thread_ts") == record.card_ts]
    assert len(thread) == 1 and "stopped" in thread[0].params["text"] and new_job_id in thread[0].params["text"]
    [audit] = [r for r in harness.bot.store.recent(5) if r.action == STOP_ACTION]
    assert (audit.user_id, audit.outcome, audit.source_job_id) == (ALLOWED_USER, Outcome.STOPPED, new_job_id)

    # The follower sees STOPPED: the card stays stopped, and the thread is not told a second time.
    clock.now += timedelta(seconds=harness.bot.settings.follow_interval + 1)
    assert harness.bot.follower is not None
    harness.bot.follower.tick()
    followed = harness.bot.store.followed(new_job_id)
    assert followed is not None and followed.done and followed.status == JobStatus.STOPPED
    thread = [c for c in harness.slack.of("chat.postMessage") if c.params.get("thread_ts") == record.card_ts]
    assert len(thread) == 1
    last = harness.slack.of("chat.update")[-1]
    assert "Stopped by" in shown(last) and STOP not in buttons(last)

    # And history says who stopped what.
    response, _ = harness.command("history")
    assert f"stopped {new_job_id}" in ack_text(response).replace("`", "")


def test_a_double_tap_on_stop_sends_one_stop(harness: Harness) -> None:
    card, _ = recreated(harness)
    value = str(buttons(card)[STOP]["value"])
    start = threading.Barrier(3)

    def tap() -> None:
        start.wait()
        harness.click(STOP, value, channel_id=CHANNEL)

    threads = [threading.Thread(target=tap) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert harness.bot.runner.wait_idle(10) == []

    assert stops(harness) == [{}]
    assert sum("nothing more was sent" in reply for reply in replies(harness)) == 2


def test_a_stop_tap_by_an_unlisted_user_is_refused_and_nothing_is_sent(harness: Harness) -> None:
    card, new_job_id = recreated(harness)
    gets = len(harness.baseten.calls("get"))

    tap_stop(harness, card, user_id=OTHER_USER)

    [refusal] = [reply for reply in replies(harness) if "not allowed" in reply]
    assert "Nothing was sent to Baseten" in refusal
    assert stops(harness) == []
    assert len(harness.baseten.calls("get")) == gets
    assert harness.slack.of("chat.update") == []
    assert harness.baseten.jobs[new_job_id]["current_status"] != JobStatus.STOPPED
    [refused] = [r for r in harness.bot.store.involving(new_job_id, 5) if r.action == STOP_ACTION]
    assert (refused.decision, refused.outcome, refused.user_id) == (Verdict.REFUSED, Outcome.REFUSED, OTHER_USER)


def test_stop_on_a_job_that_already_finished_answers_already_finished_and_sends_nothing(harness: Harness) -> None:
    card, new_job_id = recreated(harness)
    harness.baseten.jobs[new_job_id]["current_status"] = JobStatus.COMPLETED

    tap_stop(harness, card)

    assert stops(harness) == []
    [answer] = [reply for reply in replies(harness) if "already finished" in reply]
    assert json.loads(answer).get("response_type") == "ephemeral"
    # The card catches up: it shows the job finished, without a Stop button.
    [update] = harness.slack.of("chat.update")
    assert "Completed" in shown(update) and STOP not in buttons(update)


def test_a_lost_stop_answer_is_looked_up_not_sent_again(harness: Harness) -> None:
    card, new_job_id = recreated(harness)
    harness.baseten.fail_after_acting("stop", Response(drop=True))

    tap_stop(harness, card)

    assert stops(harness) == [{}]
    kinds = [seen.path.rsplit("/", 1)[-1] for seen in harness.baseten.seen]
    assert kinds[-2:] == ["stop", new_job_id]  # the stop, then a GET of the job: no second stop
    [record] = [r for r in harness.bot.store.recent(5) if r.action == STOP_ACTION]
    assert record.outcome is Outcome.STOPPED and "lost" in (record.error or "")
    assert "Stopped by" in shown(harness.slack.of("chat.update")[-1])


def test_a_lost_stop_answer_whose_job_still_runs_is_reported_unknown_and_never_resent(harness: Harness) -> None:
    card, new_job_id = recreated(harness)
    harness.baseten.fail("stop", 200, drop=True)

    tap_stop(harness, card)

    assert stops(harness) == [{}]
    [told] = [reply for reply in replies(harness) if "did not answer the stop" in reply]
    assert "still shows *Created*" in told and "before tapping Stop again" in told
    [record] = [r for r in harness.bot.store.recent(5) if r.action == STOP_ACTION]
    assert record.outcome is Outcome.STOP_UNKNOWN
    assert harness.slack.of("chat.update") == []
    # Told, a person may decide to try again: the claim was let go, so their next tap is a new stop.
    tap_stop(harness, card)
    assert stops(harness) == [{}, {}]
    assert harness.baseten.jobs[new_job_id]["current_status"] == JobStatus.STOPPED


def test_a_stop_answered_while_the_job_winds_down_is_seen_ended_by_following_without_a_second_reply(
    harness_factory: HarnessFactory,
) -> None:
    clock = Clock()
    harness = harness_factory(Collaborators(sleep=lambda _s: None, clock=clock))
    card, new_job_id = recreated(harness)
    [record] = harness.bot.store.recent(1)
    winding_down = {**harness.baseten.jobs[new_job_id], "current_status": JobStatus.RUNNING}
    harness.baseten.fail_after_acting("stop", Response(200, {"training_job": winding_down}))

    tap_stop(harness, card)

    followed = harness.bot.store.followed(new_job_id)
    assert followed is not None and followed.status == JobStatus.RUNNING and not followed.done
    clock.now += timedelta(seconds=harness.bot.settings.follow_interval + 1)
    assert harness.bot.follower is not None
    harness.bot.follower.tick()

    followed = harness.bot.store.followed(new_job_id)
    assert followed is not None and followed.done and followed.status == JobStatus.STOPPED
    thread = [c for c in harness.slack.of("chat.postMessage") if c.params.get("thread_ts") == record.card_ts]
    assert len(thread) == 1, [c.params["text"] for c in thread]
    last = harness.slack.of("chat.update")[-1]
    assert "Stopped" in shown(last) and "Stopped by" in shown(last) and STOP not in buttons(last)


def in_thread(harness: Harness, card_ts: str | None) -> list[str]:
    return [str(c.params["text"]) for c in harness.slack.of("chat.postMessage") if c.params.get("thread_ts") == card_ts]


def polled_mid_stop(harness: Harness, clock: Clock, job_id: str, *, lookup_fails: bool) -> None:
    """As the stop reaches Baseten the job stops, and the follower polls it while the stop's claim is unconfirmed."""
    follower = harness.bot.follower
    assert follower is not None

    def meanwhile() -> None:
        harness.baseten.jobs[job_id]["current_status"] = JobStatus.STOPPED
        clock.now += timedelta(seconds=harness.bot.settings.follow_interval + 1)
        follower.tick()
        if lookup_fails:
            harness.baseten.fail("get", 404, {"message": "Training job not found"})

    harness.baseten.on_stop = meanwhile
    harness.baseten.fail("stop", 200, drop=True)


def test_a_stop_whose_outcome_stays_unknown_leaves_the_stopped_reply_to_following_which_posts_it_once(
    harness_factory: HarnessFactory,
) -> None:
    clock = Clock()
    harness = harness_factory(Collaborators(sleep=lambda _s: None, clock=clock))
    card, new_job_id = recreated(harness)
    [record] = harness.bot.store.recent(1)
    polled_mid_stop(harness, clock, new_job_id, lookup_fails=True)

    tap_stop(harness, card)

    assert stops(harness) == [{}]
    assert [reply for reply in replies(harness) if "did not answer the stop" in reply]
    [audit] = [r for r in harness.bot.store.recent(5) if r.action == STOP_ACTION]
    assert audit.outcome is Outcome.STOP_UNKNOWN
    # No confirmed stop by the bot will tell the thread, so following does, once, at its next poll.
    assert harness.bot.follower is not None
    for _ in range(4):
        clock.now += timedelta(seconds=harness.bot.settings.follow_interval + 1)
        harness.bot.follower.tick()
    thread = in_thread(harness, record.card_ts)
    assert len(thread) == 1 and "Stopped" in thread[0] and new_job_id in thread[0], thread
    followed = harness.bot.store.followed(new_job_id)
    assert followed is not None and followed.done and followed.status == JobStatus.STOPPED
    assert "Stopped" in shown(harness.slack.of("chat.update")[-1])


def test_following_that_sees_the_stop_land_before_it_is_confirmed_leaves_the_reply_to_the_stop(
    harness_factory: HarnessFactory,
) -> None:
    clock = Clock()
    harness = harness_factory(Collaborators(sleep=lambda _s: None, clock=clock))
    card, new_job_id = recreated(harness)
    [record] = harness.bot.store.recent(1)
    polled_mid_stop(harness, clock, new_job_id, lookup_fails=False)

    tap_stop(harness, card)

    [audit] = [r for r in harness.bot.store.recent(5) if r.action == STOP_ACTION]
    assert audit.outcome is Outcome.STOPPED  # the look-up after the lost answer showed the job ended
    assert harness.bot.follower is not None
    for _ in range(4):
        clock.now += timedelta(seconds=harness.bot.settings.follow_interval + 1)
        harness.bot.follower.tick()
    thread = in_thread(harness, record.card_ts)
    assert len(thread) == 1 and "stopped" in thread[0] and ALLOWED_USER in thread[0], thread
    followed = harness.bot.store.followed(new_job_id)
    assert followed is not None and followed.done and followed.status == JobStatus.STOPPED
    last = harness.slack.of("chat.update")[-1]
    assert "Stopped by" in shown(last) and STOP not in buttons(last)
