"""What serving in HTTP mode loads: start-up time is spent only on what HTTP mode uses."""

from __future__ import annotations

import subprocess
import sys


def _loaded(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603


def test_http_mode_loads_neither_the_websocket_client_nor_the_postgresql_driver() -> None:
    code = (
        "import sys; import bot.main, bot.server; "
        "heavy = ('slack_sdk.socket_mode.builtin', 'bot.socket_server', 'psycopg'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    assert _loaded(code) == "[]"


def test_pydantic_does_not_scan_installed_packages_for_plugins() -> None:
    # Looking for plugins reads every installed package's metadata: tens of milliseconds of each start-up.
    code = (
        "import bot.main, bot.baseten.models as m; from pydantic.plugin import _loader; "
        "m.TrainingJob.model_json_schema(); print(_loader._plugins)"
    )
    assert _loaded(code) == "None"  # never looked for
