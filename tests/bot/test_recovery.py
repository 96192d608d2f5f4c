"""Bot processes killed mid-recreate: a new process, or a live replica, finishes the attempt and never resends it."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.bot.test_main import Running, base_env, free_port
from tests.fakes.baseten import FakeBaseten
from tests.fakes.slack import Call, FakeSlack
from tests.handlers.test_confirmation import button_value
from tests.signing import action_body, signed_headers

RECOVER_AFTER = 2
HELD = 60.0
"""Seconds Baseten holds an answer back: the process is killed long before it would arrive."""

Start = Callable[[str], Running]


@pytest.fixture
def start(slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path) -> Iterator[Start]:
    """Start a bot process (one of several replicas) on a shared SQLite file."""
    started: list[Running] = []
    database = f"sqlite:///{tmp_path / 'shared.db'}"

    def launch(name: str, **extra: str) -> Running:
        port = free_port()
        output = tmp_path / f"{name}.log"
        env = base_env(slack, baseten, PORT=str(port), DATABASE_URL=database, RECOVER_AFTER=str(RECOVER_AFTER), **extra)
        with output.open("w") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot"], env=env, cwd=tmp_path, stdout=sink, stderr=subprocess.STDOUT, text=True
            )
        bot = Running(process, f"http://127.0.0.1:{port}", output)
        started.append(bot)
        bot.wait_for_health(200)
        return bot

    yield launch
    for bot in started:
        bot.http.close()
        if bot.process.poll() is None:
            bot.process.kill()
            bot.process.wait(timeout=5)


def kill(bot: Running) -> None:
    bot.process.send_signal(signal.SIGKILL)
    bot.process.wait(timeout=5)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def shown(call: Call) -> str:
    return json.dumps(call.params, ensure_ascii=False)


def stored(tmp_path: Path) -> list[dict[str, object]]:
    with sqlite3.connect(tmp_path / "shared.db") as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM attempts ORDER BY created_at")]


def click(bot: Running, action_id: str, value: str, slack: FakeSlack, name: str) -> httpx.Response:
    body = action_body(action_id, value, response_url=slack.response_url(name))
    return bot.http.post("/slack/events", content=body.encode(), headers=signed_headers(body))


def test_a_recreate_whose_process_was_killed_before_the_answer_is_reported_by_the_next_process(
    start: Start, slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path
) -> None:
    first = start("first")
    baseten.delays["recreate"] = HELD
    assert "Recreating" in first.command("p7qr9qv", "cmd1", slack).json()["text"]
    wait_until(lambda: len(baseten.calls("recreate")) == 1, 10, "the recreate to reach Baseten")
    kill(first)
    baseten.delays["recreate"] = 0
    (made,) = baseten.created()
    assert slack.of("chat.postMessage") == []

    second = start("second")
    (card,) = slack.wait_for_count("chat.postMessage", timeout=RECOVER_AFTER + 15)

    assert "Training job recreated" in shown(card) and made["id"] in card.params["text"]
    assert card.params["channel"] == "CCHANNEL01"
    assert len(baseten.calls("recreate")) == 1
    history = second.command("history", "cmd2", slack).json()
    assert made["id"] in json.dumps(history)
    (row,) = stored(tmp_path)
    assert row["outcome"] == "created" and row["new_job_id"] == made["id"]
    assert not any("nothing was created" in shown(call).lower() for call in slack.calls)
    assert "taking it over" in second.log(), second.log()


def test_a_recreate_killed_before_it_was_sent_tells_the_requester_nothing_was_created_with_retry(
    start: Start, slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path
) -> None:
    first = start("first")
    baseten.delays["search"] = HELD  # killed while looking the job up: the recreate never went out
    first.command("p7qr9qv", "cmd1", slack)
    wait_until(lambda: len(baseten.calls("search")) == 1, 10, "the look-up to reach Baseten")
    kill(first)
    baseten.delays["search"] = 0

    second = start("second")
    slack.wait_for(lambda calls: any("recreate_job_retry" in shown(c) for c in calls), timeout=RECOVER_AFTER + 15)
    (offer,) = [call for call in slack.of("response_url") if "recreate_job_retry" in shown(call)]
    assert offer.path.endswith("/cmd1")
    assert "nothing was created" in shown(offer).lower()
    assert baseten.calls("recreate") == []

    click(second, "recreate_job_retry", button_value(offer, "recreate_job_retry"), slack, "retry1")
    (card,) = slack.wait_for_count("chat.postMessage", timeout=10)
    (made,) = baseten.created()
    assert made["id"] in card.params["text"]
    outcomes = sorted(str(row["outcome"]) for row in stored(tmp_path))
    assert outcomes == ["created", "failed"]


def test_a_confirmed_click_whose_process_died_before_sending_is_recovered_the_same_way(
    start: Start, slack: FakeSlack, baseten: FakeBaseten
) -> None:
    first = start("first", CONFIRM="always")
    first.command("p7qr9qv", "cmd1", slack)
    preview = slack.wait_for_count("response_url", timeout=10)[-1]
    baseten.delays["get"] = HELD  # the click looks the job up again before sending
    click(first, "recreate_job_confirm", button_value(preview, "recreate_job_confirm"), slack, "click1")
    wait_until(lambda: len(baseten.calls("get")) == 1, 10, "the confirmed look-up to reach Baseten")
    kill(first)
    baseten.delays["get"] = 0

    start("second", CONFIRM="always")
    slack.wait_for(lambda calls: any("recreate_job_retry" in shown(c) for c in calls), timeout=RECOVER_AFTER + 15)
    assert baseten.calls("recreate") == []
    assert slack.of("chat.postMessage") == []


def test_a_live_replica_never_takes_over_a_slow_recreate_but_takes_over_once_its_process_dies(
    start: Start, slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path
) -> None:
    first = start("first")
    second = start("second")
    baseten.delays["recreate"] = RECOVER_AFTER * 3.0  # the answer outlasts the lease several times over

    first.command("p7qr9qv", "cmd1", slack)
    (card,) = slack.wait_for_count("chat.postMessage", timeout=RECOVER_AFTER * 3 + 10)
    (made,) = baseten.created()
    assert made["id"] in card.params["text"] and "Confirmed after an error" not in shown(card)
    time.sleep(RECOVER_AFTER)  # a sweep or two more on the replica
    assert "taking over" not in second.log()
    assert len(baseten.calls("recreate")) == 1

    baseten.add_job(job_id="q1sibling", name="sibling-run")
    baseten.delays["recreate"] = HELD
    first.command("q1sibling", "cmd2", slack)
    wait_until(lambda: len(baseten.calls("recreate")) == 2, 10, "the second recreate to reach Baseten")
    kill(first)
    baseten.delays["recreate"] = 0

    cards = slack.wait_for_count("chat.postMessage", 2, timeout=RECOVER_AFTER + 15)
    sibling = next(job for job in baseten.created() if job["recreated_from"] == "q1sibling")
    assert sibling["id"] in cards[1].params["text"]
    assert "taking it over" in second.log(), second.log()
    assert len(baseten.calls("recreate")) == 2
    assert sorted(str(row["new_job_id"]) for row in stored(tmp_path)) == sorted(j["id"] for j in baseten.created())
