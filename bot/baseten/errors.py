"""The Baseten client's error family. Handlers catch these, never httpx's."""

from __future__ import annotations


class BasetenError(Exception):
    """Root of every failure talking to Baseten."""

    def __init__(self, message: str, *, status: int | None = None, body: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body


class CallFailed(BasetenError):
    """Baseten surely did not act on the request: safe to try again later."""


class KeyRejected(CallFailed):
    """401/403: the API key is wrong, revoked, or lacks access to this project."""


class NotFound(CallFailed):
    """404: no such project or job."""


class Rejected(CallFailed):
    """Another 4xx: Baseten refused the request and said why in `message`."""


class RateLimited(CallFailed):
    """429 that outlasted the client's bounded wait."""

    def __init__(self, message: str, *, retry_after: float, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class Unreachable(CallFailed):
    """The connection never opened, so nothing was sent."""


class UnexpectedAnswer(BasetenError):
    """A 2xx this bot cannot read: fields missing, or an ID of a shape it never puts in a URL."""


class ServerError(BasetenError):
    """A 5xx on a read, after retries: Baseten is having trouble."""


class NoAnswer(BasetenError):
    """A read timed out or the connection dropped, after retries."""


class OutcomeUnknown(BasetenError):
    """The request may have been acted on (read timeout, dropped connection, 5xx after sending).

    For a recreate this means a job may or may not exist: never re-send blindly.
    """

    def __init__(self, message: str, *, reason: str, status: int | None = None, body: str | None = None) -> None:
        super().__init__(message, status=status, body=body)
        self.reason = reason
