"""A straightforward Bolt bot, the yardstick for bench.baseline: ack, look the job up, recreate it, post a card.

None of recreate-job's checks: no allowlist, no preview, no audit trail, no duplicate guards, no follow-up. It reads
the same environment as `python -m bot` (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL, BASETEN_API_KEY,
BASETEN_API_URL, PORT) and serves Bolt's WSGI adapter with waitress, answering GET /healthz as the bot does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import waitress
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, HeaderBlock, SectionBlock

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def build() -> Wsgi:
    env = os.environ
    client = WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env.get("SLACK_API_URL", "https://slack.com/api/"))
    app = App(client=client, signing_secret=env["SLACK_SIGNING_SECRET"], name="plain-bot")
    baseten = httpx.Client(
        base_url=env.get("BASETEN_API_URL", "https://api.baseten.co"),
        headers={"Authorization": f"Api-Key {env['BASETEN_API_KEY']}"},
        timeout=30.0,
    )

    @app.command("/recreate-job")
    def recreate(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        job_id = command["text"].strip()
        ack(f"Recreating {job_id}…")
        found = baseten.post("/v1/training_jobs/search", json={"job_id": job_id}).json()["training_jobs"]
        project_id = found[0]["training_project_id"]
        new = baseten.post(f"/v1/training_projects/{project_id}/jobs/{job_id}/recreate").json()["training_job"]
        link = f"https://app.baseten.co/training/{project_id}/logs/{new['id']}"
        client.chat_postMessage(
            channel=command["channel_id"],
            text=f"Training job recreated: {new['id']}",
            blocks=[
                HeaderBlock(text=f"Training job recreated: {new['id']}"),
                SectionBlock(text=f"*Status:* {new['current_status']}\n*Requested by:* <@{command['user_id']}>"),
                ActionsBlock(elements=[ButtonElement(text="Open in Baseten", url=link)]),
            ],
        )

    handler = SlackRequestHandler(app)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return handler(environ, start_response)

    return wsgi


if __name__ == "__main__":
    waitress.serve(build(), host="127.0.0.1", port=int(os.environ["PORT"]), threads=8, _quiet=True)
