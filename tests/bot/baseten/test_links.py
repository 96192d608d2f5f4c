"""Links to Baseten's dashboard: the job page, and a safe fallback when the IDs look wrong."""

from __future__ import annotations

import pytest

from bot.baseten.links import DashboardLinks


def test_job_link_is_the_logs_page() -> None:
    assert DashboardLinks().job("n4q95w5", "p7qr9qv") == "https://app.baseten.co/training/n4q95w5/logs/p7qr9qv"


def test_custom_app_url_with_trailing_slash() -> None:
    links = DashboardLinks("https://app.staging.baseten.co/")
    assert links.job("n4q95w5", "p7qr9qv") == "https://app.staging.baseten.co/training/n4q95w5/logs/p7qr9qv"
    assert links.training() == "https://app.staging.baseten.co/training"


@pytest.mark.parametrize(("project", "job"), [("../x", "p7qr9qv"), ("n4q95w5", "p7qr9qv?evil=1"), ("N4Q95W5", "")])
def test_suspicious_ids_link_to_the_training_list(project: str, job: str) -> None:
    assert DashboardLinks().job(project, job) == "https://app.baseten.co/training"
