"""Text helpers for mrkdwn: escaping untrusted values, cutting to Block Kit limits, units and dates."""

from __future__ import annotations

from datetime import UTC, datetime

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(value: object) -> str:
    """Escape exactly Slack's control characters, so untrusted text cannot ping or disguise links."""
    return str(value).translate(_ESCAPES)


def cut(text: str, limit: int) -> str:
    """Shorten to `limit` characters with an ellipsis, never splitting an escape like `&amp;`."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    return head + "…"


def safe(value: object, limit: int) -> str:
    """Escape untrusted text and cut it to `limit`."""
    return cut(escape(value), limit)


def code(value: object) -> str:
    """An ID in inline code; IDs are validated, but escape anyway in case one came from elsewhere."""
    return f"`{escape(value)}`"


def gib(mib: int) -> str:
    value = mib / 1024
    return f"{value:.0f} GiB" if value >= 10 or value.is_integer() else f"{value:.1f} GiB"


def vcpu(millicpu: int) -> str:
    value = millicpu / 1000
    return f"{value:g} vCPU"


def slack_date(moment: datetime) -> str:
    """A date Slack shows in each reader's own time zone, with an ISO fallback."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    fallback = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"
