"""Signed slash commands through the real app, against loopback fakes of Slack and Baseten."""

from __future__ import annotations

from tests.conftest import ALLOWED_USER, Harness, ack_text


def test_job_id_alone_is_looked_up_recreated_and_posted_in_the_channel(harness: Harness) -> None:
    response, _ = harness.command("p7qr9qv")

    assert response.status == 200
    assert "Recreating `p7qr9qv`" in ack_text(response)
    posts = harness.slack.wait_for_count("chat.postMessage")
    card = posts[0].params
    assert card["channel"] == "CCHANNEL01"
    new_job = harness.baseten.created()[0]
    assert new_job["recreated_from"] == "p7qr9qv"
    assert new_job["id"] in card["text"]
    blocks = str(card["blocks"])
    assert f"<@{ALLOWED_USER}>" in blocks
    assert "8 × H100 (80 GiB each)" in blocks
    assert f"/training/n4q95w5/logs/{new_job['id']}" in blocks
    assert [seen.path for seen in harness.baseten.seen] == [
        "/v1/training_jobs/search",
        "/v1/training_projects/n4q95w5/jobs/p7qr9qv/recreate",
    ]
