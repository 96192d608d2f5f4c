"""The job card the channel sees, and its outcome-unknown sibling: content, escaping and Block Kit limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.models.blocks import HeaderBlock, SectionBlock

from bot.baseten.models import TrainingJob
from bot.messages import Message
from bot.messages.card import job_card, outcome_unknown_card
from tests.fakes.baseten import A10G, CPU_ONLY, H100X8, FakeBaseten

REQUESTER = "U0ALLOWED1"
JOB_URL = "https://app.baseten.co/training/n4q95w5/logs/new0001"
HOSTILE = "<!channel> & <https://evil.example|docs>"


def make_job(**changes: Any) -> TrainingJob:
    data = FakeBaseten().add_job(job_id="new0001", status="TRAINING_JOB_CREATED")
    data.update(changes)
    return TrainingJob.model_validate(data)


def card(job: TrainingJob | None = None, **options: Any) -> Message:
    values: dict[str, Any] = {
        "source_job_id": "p7qr9qv",
        "requester_id": REQUESTER,
        "job_url": JOB_URL,
        "request_id": "req-42",
    }
    values.update(options)
    return job_card(job or make_job(), **values)


def mrkdwn(message: Message) -> str:
    """Every piece of text Slack will parse or show, as one string."""
    return json.dumps(message.block_dicts(), ensure_ascii=False) + "\n" + message.text


def fields(message: Message) -> dict[str, str]:
    section = next(block for block in message.blocks if isinstance(block, SectionBlock) and block.fields)
    shown = {}
    for field in section.fields or []:
        label, _, value = str(field.text).partition("\n")
        shown[label.strip("*")] = value
    return shown


def assert_valid_for_slack(message: Message) -> None:
    assert message.text
    assert len(message.text) <= 3000
    assert len(message.blocks) <= 50
    for block in message.blocks:
        block.validate_json()
        block.to_dict()
    for block in message.blocks:
        if isinstance(block, HeaderBlock):
            assert block.text is not None
            assert len(block.text.text) <= 150
        if isinstance(block, SectionBlock):
            assert len(block.fields or []) <= 10
            for field in block.fields or []:
                assert len(str(field.text)) <= 2000
            if block.text is not None:
                assert len(str(block.text.text)) <= 3000


def test_card_shows_what_was_started() -> None:
    shown = fields(card())
    assert shown["New job"] == "`new0001` gpt-oss-job"
    assert shown["Status"] == "Created"
    assert shown["Instance"] == "H100 x8"
    assert shown["GPUs"] == "8 × H100 (80 GiB each)"
    assert shown["CPU and memory"] == "206 vCPU · 1920 GiB memory"
    assert shown["Project"] == "llama-finetune `n4q95w5`"
    assert shown["Requested by"] == f"<@{REQUESTER}>"
    assert shown["Recreated from"] == "`p7qr9qv`"
    assert shown["Created"].startswith("<!date^")


def test_card_header_names_the_new_job() -> None:
    header = card().blocks[0]
    assert isinstance(header, HeaderBlock)
    assert header.text is not None
    assert header.text.text == "Training job recreated: new0001"


def test_card_button_opens_the_job_in_baseten() -> None:
    actions = [block for block in card().block_dicts() if block["type"] == "actions"]
    opens = actions[0]["elements"][0]
    assert (opens["text"]["text"], opens["url"]) == ("Open in Baseten", JOB_URL)


def test_card_footer_carries_the_request_id() -> None:
    footer = card().block_dicts()[-1]
    assert footer["type"] == "context"
    assert "`req-42`" in footer["elements"][0]["text"]


def test_fallback_text_says_who_recreated_what() -> None:
    text = card().text
    assert f"<@{REQUESTER}>" in text
    assert "p7qr9qv" in text
    assert "new0001" in text
    assert "Created" in text
    assert "8 × H100" in text
    assert JOB_URL in text


def test_multi_node_job_shows_nodes_and_total_gpus() -> None:
    message = card(make_job(node_count=2))
    assert fields(message)["GPUs"] == "2 nodes × 8 × H100 = 16 GPUs (80 GiB each)"
    assert "16 × H100" in message.text


def test_single_gpu_instance() -> None:
    shown = fields(card(make_job(instance_type=A10G)))
    assert shown["GPUs"] == "1 × A10G (24 GiB each)"
    assert shown["CPU and memory"] == "7.5 vCPU · 32 GiB memory"


def test_cpu_only_instance_says_so() -> None:
    message = card(make_job(instance_type=CPU_ONLY))
    assert fields(message)["GPUs"] == "None (CPU only)"
    assert fields(message)["CPU and memory"] == "4 vCPU · 16 GiB memory"
    assert "CPU only" in message.text
    assert "None ×" not in mrkdwn(message)


def test_unknown_gpu_memory_is_left_out() -> None:
    shown = fields(card(make_job(instance_type={**H100X8, "gpu_memory_limit_mib": None})))
    assert shown["GPUs"] == "8 × H100"


def test_unnamed_job_shows_its_id() -> None:
    assert fields(card(make_job(name=None)))["New job"] == "`new0001`"


def test_unknown_status_is_shown_as_sent() -> None:
    assert fields(card(make_job(current_status="TRAINING_JOB_HIBERNATING")))["Status"] == "TRAINING_JOB_HIBERNATING"


def test_hostile_names_cannot_ping_or_disguise_links() -> None:
    job = make_job(
        name=HOSTILE,
        current_status=HOSTILE,
        training_project={"id": "n4q95w5", "name": HOSTILE},
        instance_type={**H100X8, "name": HOSTILE, "gpu_type": HOSTILE},
    )
    message = card(job)
    everything = mrkdwn(message)
    assert "<!channel>" not in everything
    assert "<https://evil" not in everything
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|docs&gt;" in fields(message)["New job"]
    for label in ("Status", "Instance", "Project", "GPUs"):
        assert "&lt;!channel&gt;" in fields(message)[label]
    assert_valid_for_slack(message)


def test_note_is_shown_under_the_fields() -> None:
    message = card(note="Posted here because the channel refused it.")
    assert "Posted here because the channel refused it." in mrkdwn(message)
    assert_valid_for_slack(message)


@pytest.mark.parametrize(
    "job",
    [
        make_job(),
        make_job(name="x" * 500),
        make_job(name="&" * 3000, training_project={"id": "n4q95w5", "name": "<" * 3000}),
        make_job(id="j" * 32, instance_type={**H100X8, "name": "n" * 5000, "gpu_type": "g" * 3000}),
        make_job(instance_type=CPU_ONLY, node_count=64),
    ],
    ids=["plain", "long-name", "all-escapes", "huge-values", "cpu-many-nodes"],
)
def test_every_card_passes_block_kit_validation(job: TrainingJob) -> None:
    message = card(job, note="n" * 5000)
    assert_valid_for_slack(message)


def test_long_job_name_is_cut_without_breaking_escapes() -> None:
    shown = fields(card(make_job(name="&" * 500)))["New job"]
    assert shown.endswith("…")
    assert shown.removeprefix("`new0001` ").removesuffix("…").replace("&amp;", "") == ""


def outcome_unknown(**options: Any) -> Message:
    values: dict[str, Any] = {
        "project_id": "n4q95w5",
        "source_job_id": "p7qr9qv",
        "requester_id": REQUESTER,
        "check_url": "https://app.baseten.co/training",
        "request_id": "req-43",
        "detail": "Baseten did not answer in time.",
    }
    values.update(options)
    return outcome_unknown_card(**values)


def test_outcome_unknown_warns_not_to_rerun_blind() -> None:
    message = outcome_unknown()
    text = mrkdwn(message)
    assert "*may or may not*" in text
    assert "before trying again" in text
    assert "`p7qr9qv`" in text
    assert "`n4q95w5`" in text
    assert "Baseten did not answer in time." in text
    assert "`req-43`" in text
    assert "may or may not exist" in message.text
    assert "https://app.baseten.co/training" in message.text
    assert_valid_for_slack(message)


def test_outcome_unknown_escapes_the_detail() -> None:
    message = outcome_unknown(detail=HOSTILE * 100)
    text = mrkdwn(message)
    assert "<!channel>" not in text
    assert "<https://evil" not in text
    assert_valid_for_slack(message)
