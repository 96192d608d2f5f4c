"""What following tells Slack: replies in the card's thread (or wherever the card went), and the card redrawn."""

from __future__ import annotations

from bot.baseten import TrainingJob
from bot.baseten.links import DashboardLinks
from bot.delivery import Delivery
from bot.messages import Message
from bot.messages.card import job_card
from bot.records import Followed
from bot.stop.record import StopClaim


class News:
    def __init__(self, delivery: Delivery, links: DashboardLinks) -> None:
        self._delivery = delivery
        self._links = links

    def tell(self, followed: Followed, message: Message) -> None:
        # A card that went through response_url has no thread: the news then goes where a card would.
        thread = (followed.card_channel_id, followed.card_ts) if followed.card_channel_id and followed.card_ts else None
        self._delivery.follow_up(
            message,
            thread=thread,
            channel_id=followed.channel_id,
            user_id=followed.requester_id,
            response_url=followed.response_url,
            what=f"news of job {followed.job_id}",
        )

    def redraw(self, followed: Followed, job: TrainingJob, stop: StopClaim | None) -> None:
        """The card as the job is now; a card with no known place (sent through response_url) is left as it is."""
        if not (followed.card_channel_id and followed.card_ts):
            return
        card = job_card(
            job,
            source_job_id=followed.source_job_id,
            requester_id=followed.requester_id,
            job_url=self._links.job(job.training_project_id, job.id),
            request_id=followed.request_id,
            stopped=(stop.user_id, stop.requested_at) if stop is not None and stop.stopped else None,
        )
        self._delivery.update(followed.card_channel_id, followed.card_ts, card)
