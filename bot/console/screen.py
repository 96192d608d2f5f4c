"""The console's terminal: styled when it is one, and messages from background work never left after `> `."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from bot.console.render import Look

PROMPT = "> "


def _line_buffer() -> str:
    """What the user has typed at the prompt so far, when readline edits the line."""
    try:
        import readline  # noqa: PLC0415 - not on every platform; only a terminal needs it
    except ImportError:
        return ""
    return readline.get_line_buffer()


def look_for(out: TextIO) -> Look:
    """ANSI styles on a terminal that has them, unless NO_COLOR is set (no-color.org); plain text otherwise."""
    ansi = out.isatty() and os.environ.get("TERM") != "dumb" and not os.environ.get("NO_COLOR")
    return Look(ansi=ansi)


class Screen:
    """Prints whole messages under a lock. One that arrives while the prompt waits for input (a followed job's
    update, say) clears the prompt line, prints, then shows the prompt again with what was typed so far."""

    def __init__(
        self,
        out: TextIO,
        *,
        look: Look,
        clear_line: bool,
        typed: Callable[[], str] = _line_buffer,
    ) -> None:
        self.out = out
        self.look = look
        self._clear_line = clear_line
        self._typed = typed
        self._lock = threading.Lock()
        self._prompting = False

    @contextmanager
    def prompting(self) -> Iterator[None]:
        """While the prompt is on screen, waiting for a line."""
        with self._lock:
            self._prompting = True
        try:
            yield
        finally:
            with self._lock:
                self._prompting = False

    def ask(self, read: Callable[[str], str] = input) -> str | None:
        """One line typed at the prompt, or None at the end of input."""
        with self.prompting():
            try:
                return read(PROMPT)
            except EOFError:
                return None

    def show(self, lines: list[str]) -> None:
        with self._lock:
            if self._prompting:
                self.out.write("\r\033[K" if self._clear_line else "\n")
            for line in lines:
                self.out.write(f"{line}\n")
            if self._prompting:
                self.out.write(PROMPT + self._typed())
            self.out.flush()
