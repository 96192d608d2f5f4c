"""The recreate pipeline. Every entry point builds a RecreateRequest and hands it to RecreateService."""

from bot.recreate.request import Ended, RecreateRequest, Rules, new_request_id
from bot.recreate.service import RecreateService

__all__ = ["Ended", "RecreateRequest", "RecreateService", "Rules", "new_request_id"]
