"""The unfurl card and the shortcut's messages: content, escaping, fallbacks and Block Kit limits."""

from __future__ import annotations

import json

from bot.command import Recreate
from bot.messages.links import MAX_PICKS, job_unfurl, no_job_in_message, pick_job
from tests.bot.messages.test_card import HOSTILE, make_job, mrkdwn

JOB_URL = "https://app.baseten.co/training/n4q95w5/logs/new0001"


def test_the_unfurl_shows_the_job_with_recreate_and_open_in_baseten() -> None:
    card = job_unfurl(make_job(), job_url=JOB_URL, value="n4q95w5/new0001")

    shown = mrkdwn(card)
    for part in ("new0001", "gpt-oss-job", "llama-finetune", "n4q95w5", "Created", "H100 x8", "8 × H100"):
        assert part in shown
    buttons = [e for b in card.block_dicts() if b["type"] == "actions" for e in b["elements"]]
    assert [(b.get("action_id"), b.get("value"), b.get("url")) for b in buttons] == [
        ("recreate_job_from_link", "n4q95w5/new0001", None),
        ("open_job", None, JOB_URL),
    ]
    assert "new0001" in card.text and "llama-finetune" in card.text


def test_the_unfurl_escapes_a_hostile_job_and_project_name() -> None:
    job = make_job(name=HOSTILE, training_project={"id": "n4q95w5", "name": HOSTILE})
    shown = mrkdwn(job_unfurl(job, job_url=JOB_URL, value="n4q95w5/new0001"))
    assert "<!channel>" not in shown and "<https://evil" not in shown
    assert "&lt;!channel&gt; &amp;" in shown


def test_the_picker_has_one_button_per_job_up_to_its_limit_and_a_fallback_naming_them() -> None:
    refs = [Recreate(job_id=f"a{n:03d}bcd", project_id="n4q95w5" if n == 0 else None) for n in range(12)]
    message = pick_job(refs, [f"v{n}" for n in range(12)])

    accessories = [b["accessory"] for b in message.block_dicts() if "accessory" in b]
    assert len(accessories) == MAX_PICKS
    first = accessories[0]
    assert (first["action_id"], first["value"]) == ("recreate_job_pick", "v0")
    assert first["text"]["text"] == "Recreate a000bcd"
    assert "a000bcd" in message.text and "a009bcd" in message.text
    assert "n4q95w5" in json.dumps(message.block_dicts())


def test_no_job_says_what_counts_and_how_to_go_on() -> None:
    text = no_job_in_message().text
    assert "found no training job" in text and "/recreate-job <job_id>" in text
