"""Links to Baseten's dashboard pages."""

from __future__ import annotations

from dataclasses import dataclass

from bot.baseten.ids import is_hash_id


@dataclass(frozen=True)
class DashboardLinks:
    app_url: str = "https://app.baseten.co"

    def job(self, project_id: str, job_id: str) -> str:
        """The job's page (its logs), as Baseten's own CLI prints it."""
        if not (is_hash_id(project_id) and is_hash_id(job_id)):
            return self.training()
        return f"{self.app_url.rstrip('/')}/training/{project_id}/logs/{job_id}"

    def training(self) -> str:
        """The list of training projects; Baseten documents no page for a single project."""
        return f"{self.app_url.rstrip('/')}/training"
