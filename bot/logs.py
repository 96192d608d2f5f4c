"""Logging to stdout, with every known secret scrubbed from every line."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO
from urllib.parse import quote, quote_plus

# Slack tokens look like these whether or not they are ours; a log line never needs one.
_TOKEN_SHAPES = re.compile(r"\b(xox[abpre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)")


def _forms(secret: str) -> set[str]:
    """The secret as it may appear in a line: as is, escaped by repr() or JSON (an error quoting a header,
    `'key\\n'`), as UTF-8 bytes' repr, or URL-encoded (in a query string or a path)."""
    forms = {
        secret,
        repr(secret)[1:-1],
        repr(secret.encode())[2:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
    }
    # Upper- and lower-case escapes (%2f, \u00E9) are both valid.
    return forms | {form.lower() for form in forms if "%" in form} | {f.upper() for f in forms if "\\u" in f}


class RedactSecrets(logging.Filter):
    """Replaces secret values, in every form they may be quoted in, and anything shaped like a Slack token."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Scrub these too: the console learns its secrets only after its logging is set up."""
        known = set(self._secrets)
        for secret in secrets:
            if len(secret) >= 6:
                known |= {form for form in _forms(secret) if len(form) >= 6}
        # Longest first, so a form that contains another is replaced whole.
        self._secrets = sorted(known, key=len, reverse=True)

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


def configure_console(stream: TextIO = sys.stderr) -> RedactSecrets:
    """The console's logging: warnings and errors on stderr, scrubbed of the secrets later given to `add`."""
    scrubber = RedactSecrets()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(scrubber)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    return scrubber


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
