"""How long each start-up failure takes to end `python -m bot`, and what it prints.

Run from the project root:

    .venv/bin/python -m bench.startup_failures [--runs 5]

Each scenario starts the real bot process against loopback fakes of Slack, Baseten and Socket Mode (nothing
leaves 127.0.0.1), with one thing wrong, and times spawn → exit. The promise is an exit status of 2 within 10 s,
with a few lines and no traceback; the limits are shown next to the figures, never asserted.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from bench.harness.process import BOT_COMMAND, bot_env, free_port
from tests.fakes.baseten import FakeBaseten
from tests.fakes.slack import FakeSlack

APP_TOKEN = "xapp-1-A0APP00001-1234567890-bench0startup"
LIMIT_S = 10.0


class Fakes:
    def __init__(self) -> None:
        self.slack = FakeSlack().start()
        self.baseten = FakeBaseten().start()
        self.baseten.add_job()
        self.holder: socket.socket | None = None
        """A socket holding the port the bot is told to use."""

    def stop(self) -> None:
        if self.holder is not None:
            self.holder.close()
        self.slack.stop()
        self.baseten.stop()

    def env(self, socket_mode: bool = False, **extra: str) -> dict[str, str]:
        return bot_env(self.slack, self.baseten, None, extra, app_token=APP_TOKEN if socket_mode else None)


def _settings(fakes: Fakes) -> dict[str, str]:
    return fakes.env(ALLOWED_USER_IDS="@alice", CONFIRM="sometimes", CONFIRM_TTL="10m", ALLOWED_CHANNEL_IDS="ops")


def _port_in_use(fakes: Fakes) -> dict[str, str]:
    fakes.holder = socket.create_server(("0.0.0.0", 0))  # noqa: S104
    return fakes.env(PORT=str(fakes.holder.getsockname()[1]))


def _bot_token(fakes: Fakes) -> dict[str, str]:
    fakes.slack.auth = {"ok": False, "error": "invalid_auth"}
    return fakes.env()


def _silent_slack(fakes: Fakes) -> dict[str, str]:
    fakes.slack.slow("auth.test", seconds=30, times=3)
    return fakes.env()


def _app_token(fakes: Fakes) -> dict[str, str]:
    fakes.slack.fail("apps.connections.open", "invalid_auth")
    return fakes.env(socket_mode=True)


def _no_socket(fakes: Fakes) -> dict[str, str]:
    fakes.slack.socket_url = f"ws://127.0.0.1:{free_port()}/link/?ticket=t"
    return fakes.env(socket_mode=True)


SCENARIOS: dict[str, Callable[[Fakes], dict[str, str]]] = {
    "4 settings wrong at once": _settings,
    "BASETEN_API_URL ending in /v1": lambda fakes: fakes.env(BASETEN_API_URL=f"{fakes.baseten.url}/v1"),
    "bot token rejected (invalid_auth)": _bot_token,
    "Slack unreachable (connection refused)": lambda fakes: fakes.env(
        SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/"
    ),
    "Slack never answers": _silent_slack,
    "port already in use": _port_in_use,
    "app token rejected (invalid_auth)": _app_token,
    "Socket Mode WebSocket never opens": _no_socket,
}


def run_once(scenario: Callable[[Fakes], dict[str, str]]) -> tuple[float, int, int, bool]:
    fakes = Fakes()
    try:
        env = scenario(fakes)
        with tempfile.TemporaryDirectory() as cwd:
            started = time.perf_counter()
            result = subprocess.run(
                BOT_COMMAND, env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
            )
            elapsed = time.perf_counter() - started
        output = result.stdout + result.stderr
        return elapsed, result.returncode, len(output.strip().splitlines()), "Traceback" in output
    finally:
        fakes.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.startup_failures",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--runs", type=int, default=5, help="runs of each scenario (default 5)")
    args = parser.parse_args(argv)
    results = {}
    print(f"{'scenario':<40} {'spawn → exit (s)':>18} {'exit':>5} {'lines':>6} {'traceback':>10}   limit")
    for name, scenario in SCENARIOS.items():
        runs = [run_once(scenario) for _ in range(args.runs)]
        times = sorted(run[0] for run in runs)
        codes = sorted({run[1] for run in runs})
        lines = max(run[2] for run in runs)
        traceback = any(run[3] for run in runs)
        spread = f"{times[0]:.2f}–{times[-1]:.2f}"
        print(
            f"{name:<40} {spread:>18} {','.join(map(str, codes)):>5} {lines:>6} {'yes' if traceback else 'no':>10}"
            f"   exit 2 within {LIMIT_S:g} s"
        )
        results[name] = {"seconds": times, "exit": codes, "lines": lines, "traceback": traceback}
    print(json.dumps({"bench": "startup_failures", "runs": args.runs, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
