"""recreate-job: re-run Baseten training jobs from Slack."""
