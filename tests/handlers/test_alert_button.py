"""The Recreate button on a failure alert, through the real app: once per alert, for allowed tappers only."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from urllib.parse import parse_qs, urlencode

from slack_bolt.request import BoltRequest

from bot.app import Collaborators
from bot.runner import Runner
from tests.conftest import ALLOWED_USER, Harness
from tests.fakes.slack import Call
from tests.handlers.test_confirmation import CANCEL, CONFIRM, Clock, button_value, shown, wait_for_reply
from tests.signing import action_body, signed_headers

RECREATE = "recreate_job_from_alert"
SECOND_USER = "UALLOWED02"
WATCH = "C0WATCH01"


def alerted(factory: Callable[..., Harness]) -> tuple[Harness, Call, str]:
    """A harness whose watch has alerted failed job f4i1ed1: the alert and its ts."""
    harness = factory(
        watch_project_ids="n4q95w5",
        watch_channel_id=WATCH,
        confirm="always",
        allowed_user_ids=f"{ALLOWED_USER},{SECOND_USER}",
    )
    watcher = harness.bot.watcher
    assert watcher is not None
    watcher.tick()
    failed_at = datetime.now(UTC) + timedelta(seconds=1)
    harness.baseten.add_job(
        "n4q95w5", "f4i1ed1", status="TRAINING_JOB_FAILED", error_message="OOM", updated_at=failed_at.isoformat()
    )
    watcher.tick()
    [alert] = [c for c in harness.slack.of("chat.postMessage") if "f4i1ed1" in c.params["text"]]
    [seen] = harness.bot.store.alerted_failures(1)
    assert seen.ts is not None
    return harness, alert, seen.ts


def tap(harness: Harness, alert: Call, user_id: str = ALLOWED_USER) -> None:
    harness.click(RECREATE, button_value(alert, RECREATE), channel_id=WATCH, user_id=user_id)


def test_the_alert_offers_recreate_beside_open_in_baseten(harness_factory: Callable[..., Harness]) -> None:
    _, alert, _ = alerted(harness_factory)
    assert button_value(alert, RECREATE) == "n4q95w5/f4i1ed1"
    assert "Open in Baseten" in shown(alert)


def test_a_tap_previews_then_one_job_is_made_the_alert_edited_and_the_card_threaded(
    harness_factory: Callable[..., Harness],
) -> None:
    harness, alert, ts = alerted(harness_factory)
    tap(harness, alert)
    preview = wait_for_reply(harness, CONFIRM)
    assert preview.params.get("response_type") == "ephemeral" and "Recreate f4i1ed1?" in shown(preview)
    assert harness.baseten.created() == []

    harness.click(CONFIRM, button_value(preview, CONFIRM), channel_id=WATCH)

    harness.slack.wait_for(lambda calls: any(c.kind == "chat.update" for c in calls))
    harness.drain()
    [made] = harness.baseten.created()
    [card] = [c for c in harness.slack.of("chat.postMessage") if c.params.get("thread_ts") == ts]
    assert card.params["channel"] == WATCH and made["id"] in card.params["text"]
    [edit] = harness.slack.of("chat.update")
    assert (edit.params["channel"], edit.params["ts"]) == (WATCH, ts)
    edited = shown(edit)
    assert f"Recreated by <@{ALLOWED_USER}>" in edited and made["id"] in edited
    assert RECREATE not in edited and "Open in Baseten" in edited
    followed = harness.bot.store.followed(made["id"])
    assert followed is not None


def test_a_second_tap_on_an_older_copy_is_told_who_made_which_job_and_nothing_is_sent(
    harness_factory: Callable[..., Harness],
) -> None:
    harness, alert, _ = alerted(harness_factory)
    tap(harness, alert)
    harness.click(CONFIRM, button_value(wait_for_reply(harness, CONFIRM), CONFIRM), channel_id=WATCH)
    harness.slack.wait_for(lambda calls: any(c.kind == "chat.update" for c in calls))
    [made] = harness.baseten.created()
    before = len(harness.baseten.seen)

    tap(harness, alert, SECOND_USER)

    told = wait_for_reply(harness, "already recreated")
    assert f"<@{ALLOWED_USER}>" in shown(told) and made["id"] in shown(told)
    assert told.params.get("response_type") == "ephemeral"
    harness.drain()
    assert len(harness.baseten.created()) == 1
    assert len(harness.baseten.seen) == before


def test_an_unlisted_tapper_is_refused_and_nothing_reaches_baseten(harness_factory: Callable[..., Harness]) -> None:
    harness, alert, _ = alerted(harness_factory)
    before = len(harness.baseten.seen)

    tap(harness, alert, "UOUTSIDER1")

    refused = wait_for_reply(harness, "Nothing was sent to Baseten")
    assert refused.params.get("response_type") == "ephemeral"
    harness.drain()
    assert harness.baseten.created() == [] and len(harness.baseten.seen) == before
    assert harness.bot.store.claim_alert_recreate("f4i1ed1", "probe", SECOND_USER, datetime.now(UTC)) is not None
    assert harness.bot.store.alert_recreate_of("probe") is not None  # the refusal left the alert free


def test_a_cancelled_preview_lets_the_next_person_recreate(harness_factory: Callable[..., Harness]) -> None:
    harness, alert, _ = alerted(harness_factory)
    tap(harness, alert)
    harness.click(CANCEL, button_value(wait_for_reply(harness, CANCEL), CANCEL), channel_id=WATCH)
    wait_for_reply(harness, "Cancelled")

    tap(harness, alert, SECOND_USER)

    harness.slack.wait_for(lambda calls: sum(c.kind == "response_url" and CONFIRM in shown(c) for c in calls) == 2)
    assert not any("already" in shown(c) for c in harness.slack.of("response_url"))
    harness.drain()
    assert harness.baseten.created() == []


def test_a_recreate_that_fails_again_says_where_it_came_from_and_counts_the_row(
    harness_factory: Callable[..., Harness],
) -> None:
    harness, alert, _ = alerted(harness_factory)
    tap(harness, alert)
    harness.click(CONFIRM, button_value(wait_for_reply(harness, CONFIRM), CONFIRM), channel_id=WATCH)
    harness.slack.wait_for(lambda calls: any(c.kind == "chat.update" for c in calls))
    harness.drain()
    [made] = harness.baseten.created()
    made["current_status"] = "TRAINING_JOB_FAILED"
    made["updated_at"] = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()

    watcher = harness.bot.watcher
    assert watcher is not None
    watcher.tick()

    [again] = [c for c in harness.slack.of("chat.postMessage") if f"Training job {made['id']}" in c.params["text"]]
    assert f"Made by recreate-job: <@{ALLOWED_USER}> recreated it from `f4i1ed1`" in shown(again)
    assert "2nd failure in a row of" in shown(again)


def test_a_preview_left_unanswered_past_its_expiry_frees_the_alert(harness_factory: Callable[..., Harness]) -> None:
    clock = Clock()
    factory = partial(harness_factory, Collaborators(sleep=lambda _s: None, clock=clock))
    harness, alert, _ = alerted(factory)
    tap(harness, alert)
    wait_for_reply(harness, CONFIRM)
    tap(harness, alert, SECOND_USER)
    wait_for_reply(harness, "already recreating")

    clock.now += timedelta(seconds=601)
    tap(harness, alert, SECOND_USER)

    harness.slack.wait_for(lambda calls: sum(c.kind == "response_url" and CONFIRM in shown(c) for c in calls) == 2)
    harness.drain()
    assert harness.baseten.created() == []


def test_a_tap_on_the_home_tab_starts_nothing_holds_no_claim_and_says_what_to_type(
    harness_factory: Callable[..., Harness],
) -> None:
    harness, alert, _ = alerted(harness_factory)
    # A button on the Home tab: Slack sends no channel and no response_url with it.
    form = parse_qs(action_body(RECREATE, button_value(alert, RECREATE), channel_id=WATCH, user_id=SECOND_USER))
    payload = json.loads(form["payload"][0])
    del payload["channel"], payload["response_url"]
    payload["container"] = {"type": "view", "view_id": "V0HOME0001"}
    body = urlencode({"payload": json.dumps(payload)})
    harness.bot.app.dispatch(BoltRequest(body=body, headers=signed_headers(body)))
    harness.slack.wait_for(lambda calls: any("nothing was done" in shown(c) for c in calls))

    [told] = [c for c in harness.slack.calls if "nothing was done" in shown(c)]
    assert told.params.get("user") == SECOND_USER or told.params.get("channel") == SECOND_USER
    assert "/recreate-job n4q95w5/f4i1ed1" in shown(told)
    assert harness.baseten.created() == []

    tap(harness, alert)  # the alert itself is still free for the next person
    assert "Recreate f4i1ed1?" in shown(wait_for_reply(harness, CONFIRM))


def test_a_tap_takes_one_place_on_the_runner_so_the_last_free_place_still_brings_the_preview(
    harness_factory: Callable[..., Harness],
) -> None:
    one_place = Collaborators(sleep=lambda _s: None, runner=Runner(workers=1, max_queued=0))
    harness, alert, _ = alerted(partial(harness_factory, one_place))

    tap(harness, alert)

    assert "Recreate f4i1ed1?" in shown(wait_for_reply(harness, CONFIRM))
    assert not any("too many recreates" in shown(c) for c in harness.slack.of("response_url"))
