"""Message builders are pure: importing them loads no store backend and no HTTP client."""

from __future__ import annotations

import subprocess
import sys


def test_message_builders_load_neither_a_store_backend_nor_the_baseten_client() -> None:
    code = (
        "import sys; import bot.messages.card, bot.messages.preview, bot.messages.audit, bot.messages.replies, "
        "bot.messages.follow, bot.settings; "
        "print(sorted(m for m in ('bot.store.sqlite', 'httpx', 'bot.baseten.client') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert loaded.strip() == "[]"
