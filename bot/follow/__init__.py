"""Following new jobs: poll Baseten gently, keep the card's status current, reply in its thread on changes."""

from bot.follow.follower import Follower
from bot.follow.rules import FollowRules

__all__ = ["FollowRules", "Follower"]
