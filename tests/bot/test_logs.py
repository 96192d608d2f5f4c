"""The log scrubber: a secret never reaches a log line, however it was quoted on the way."""

from __future__ import annotations

import io
import json
import logging
from urllib.parse import quote, urlencode

import pytest

from bot import logs
from bot.logs import RedactSecrets

# A key with the characters that repr(), JSON and URL encoding each change.
SECRET = 'bt-key/with+plus="quoted"\\back=slash é'


@pytest.mark.parametrize(
    "line",
    [
        f"plain {SECRET}",
        f"repr {SECRET!r}",
        f"repr with a newline {(SECRET + chr(10))!r}",
        f"bytes {SECRET.encode()!r}",
        f"json {json.dumps({'key': SECRET})}",
        f"json ascii {json.dumps({'key': SECRET}, ensure_ascii=True)}",
        f"json unicode {json.dumps({'key': SECRET}, ensure_ascii=False)}",
        f"query ?{urlencode({'key': SECRET})}",
        f"path /{quote(SECRET, safe='')}/x",
        f"path /{quote(SECRET)}/x",
    ],
)
def test_a_secret_is_scrubbed_in_every_form_it_is_quoted_in(line: str) -> None:
    scrubbed = RedactSecrets([SECRET]).scrub(line)
    assert "[redacted]" in scrubbed
    for piece in ("with+plus", "with%2Bplus", "quoted", "back"):
        assert piece not in scrubbed, scrubbed


def test_the_consoles_log_lines_go_through_the_scrubber() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        scrubber = logs.configure_console(stream)
        scrubber.add([SECRET])
        logging.getLogger("bot.somewhere").warning("Baseten said: %r", SECRET + "\n")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    assert "Baseten said: '[redacted]" in stream.getvalue()
    assert "quoted" not in stream.getvalue()
