"""The loopback HTTP server the fakes run on lives in the bot (the console uses it too)."""

from bot.console.loopback import LoopbackServer, Request, Response, Route

__all__ = ["LoopbackServer", "Request", "Response", "Route"]
