"""Logging to stdout, with every known secret scrubbed from every line."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

# Slack tokens look like these whether or not they are ours; a log line never needs one.
_TOKEN_SHAPES = re.compile(r"\b(xox[abpre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)")


class RedactSecrets(logging.Filter):
    """Replaces secret values (and anything shaped like a Slack token) in the formatted message."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return _TOKEN_SHAPES.sub("[redacted]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.scrub(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def configure(level: str, secrets: Iterable[str]) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Audit lines are bare JSON objects, one per line, so a log platform can index their fields.
    audit_handler = logging.StreamHandler(sys.stdout)
    audit_handler.setFormatter(logging.Formatter("%(message)s"))
    audit_handler.addFilter(RedactSecrets(secrets))
    audit = logging.getLogger("recreate_job.audit")
    audit.handlers[:] = [audit_handler]
    audit.setLevel(logging.INFO)
    audit.propagate = False
    # waitress logs every queued task at WARNING under load; that is expected behaviour, not a problem.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
