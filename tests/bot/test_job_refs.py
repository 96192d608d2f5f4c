"""Finding jobs in what people post: links in both forms, IDs only where a message says they are jobs."""

from __future__ import annotations

import pytest

from bot.job_refs import JobRef, decode, encode, job_link, jobs_in
from bot.message_payloads import text_pieces

HOSTS = frozenset({"app.baseten.co"})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://app.baseten.co/training/n4q95w5/logs/p7qr9qv", JobRef("p7qr9qv", "n4q95w5")),
        ("https://app.baseten.co/training/jobs/p7qr9qv", JobRef("p7qr9qv")),
        ("https://app.baseten.co/training/n4q95w5/metrics/p7qr9qv?tab=gpu", JobRef("p7qr9qv", "n4q95w5")),
        ("https://app.baseten.co/models/abc1234/overview", None),
        ("https://example.com/training/n4q95w5/logs/p7qr9qv", None),
        ("p7qr9qv", None),
    ],
)
def test_a_link_names_its_job_and_only_a_job_link_does(url: str, expected: JobRef | None) -> None:
    assert job_link(url, HOSTS) == expected


@pytest.mark.parametrize(
    ("pieces", "jobs"),
    [
        (["job p7qr9qv failed on h100 nodes"], ["p7qr9qv"]),
        (["the job failed again"], []),
        (["p7qr9qv"], ["p7qr9qv"]),
        (["see <https://app.baseten.co/training/jobs/abc1234|the run>."], ["abc1234"]),
        (["*Project*\nllama-finetune `n4q95w5`", "recreate-job · request `3f9c1a7e52b0`"], []),
        (["*Recreated from*\n`p7qr9qv`"], ["p7qr9qv"]),
        (["Job ID: x9y8z7w and project n4q95w5"], ["x9y8z7w"]),
        (["Jobs: `a1b2c3d`, `e4f5g6h`"], ["a1b2c3d", "e4f5g6h"]),
        (["deployed 2026 models", "version 1234"], []),
    ],
)
def test_a_bare_id_counts_only_where_the_message_says_it_is_a_job(pieces: list[str], jobs: list[str]) -> None:
    assert [ref.job_id for ref in jobs_in(pieces, HOSTS)] == jobs


def test_a_job_named_twice_is_offered_once_with_the_project_its_link_gives() -> None:
    refs = jobs_in(["job `p7qr9qv`", "https://app.baseten.co/training/n4q95w5/logs/p7qr9qv"], HOSTS)
    assert refs == [JobRef("p7qr9qv", "n4q95w5")]


def test_at_most_ten_jobs_are_offered() -> None:
    assert len(jobs_in([" ".join(f"job `a{n:03d}bcd`" for n in range(30))], HOSTS)) == 10


def test_a_button_value_round_trips_and_anything_else_is_refused() -> None:
    for ref in (JobRef("p7qr9qv", "n4q95w5"), JobRef("p7qr9qv")):
        assert decode(encode(ref)) == ref
    for junk in ("history", "help", "", "../etc", "a b c", "x" * 200):
        assert decode(junk) is None


def test_rich_text_runs_are_read_as_one_piece_with_code_kept_and_attachment_fields_with_their_titles() -> None:
    blocks = [
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "job "},
                        {"type": "text", "text": "p7qr9qv", "style": {"code": True}},
                        {"type": "link", "url": "https://app.baseten.co/training/jobs/x8kq2mz"},
                    ],
                }
            ],
        }
    ]
    attachments = [{"fallback": "alert", "fields": [{"title": "Job", "value": "w8fa1l5", "short": True}]}]

    pieces = text_pieces(blocks) + text_pieces(attachments)

    assert pieces == ["job `p7qr9qv` <https://app.baseten.co/training/jobs/x8kq2mz> ", "alert", "Job: w8fa1l5"]
    assert [ref.job_id for ref in jobs_in(pieces, HOSTS)] == ["x8kq2mz", "p7qr9qv", "w8fa1l5"]
