"""Benchmark of recovery after a crash: a bot SIGKILLed between its recreate POST and the answer, then restarted.

Run from the project root:

    .venv/bin/python -m bench.recovery [--rounds 3] [--recover-after 20] [--restart-delay 2] [--timeout 300]

Each round starts `python -m bot` in HTTP mode on a fresh SQLite file, sends one signed /recreate-job, and kills
the process (SIGKILL) once the fake Baseten has the POST and has made the job, holding its answer back. After
`--restart-delay` seconds (a platform's restart) a new process starts on the same file. The figures per round:
the time from the new process's start to the lost job's card in the channel, the time from the kill, and the
Baseten requests the new process spent before the card, by kind. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench.harness.process import BOT_COMMAND, ROOT, Watchdog, bot_env, free_port, healthy, kill, wait_until
from bench.harness.stats import percentile
from tests.fakes.baseten import FakeBaseten
from tests.fakes.slack import FakeSlack
from tests.signing import command_body, signed_headers

HELD = 600.0


def spawn(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(BOT_COMMAND, env=env, cwd=ROOT, stdout=sink, stderr=sink)


def one_round(args: argparse.Namespace, folder: Path, watchdog: Watchdog) -> dict[str, Any]:
    slack, baseten = FakeSlack().start(), FakeBaseten().start()
    try:
        baseten.add_job()
        port = free_port()
        extra = {"DATABASE_URL": f"sqlite:///{folder / 'bot.db'}", "RECOVER_AFTER": str(args.recover_after)}
        env = bot_env(slack, baseten, port, extra)
        first = watchdog.proc = spawn(env, folder / "first.log")
        assert wait_until(lambda: healthy(port), 15), "the first bot did not start"
        baseten.delays["recreate"] = HELD
        body = command_body("p7qr9qv", response_url=slack.response_url("cmd"))
        headers = {name: str(value) for name, value in signed_headers(body).items()}
        httpx.post(f"http://127.0.0.1:{port}/slack/events", content=body.encode(), headers=headers)
        assert wait_until(lambda: len(baseten.calls("recreate")) == 1, 15), "the recreate never reached Baseten"
        kill(first)
        killed = time.monotonic()
        baseten.delays["recreate"] = 0
        time.sleep(args.restart_delay)
        seen_before = len(baseten.seen)
        restarted = time.monotonic()
        second = watchdog.proc = spawn(env, folder / "second.log")
        assert wait_until(lambda: bool(slack.of("chat.postMessage")), args.recover_after + 60), "no card after restart"
        reported = slack.of("chat.postMessage")[0].at
        spent = Counter(seen.method + " " + seen.path.split("/")[-1] for seen in baseten.seen[seen_before:])
        kill(second)
        return {
            "restart_to_card_s": round(reported - restarted, 2),
            "kill_to_card_s": round(reported - killed, 2),
            "baseten_requests": sum(spent.values()),
            "by_kind": dict(spent),
            "recreate_posts": len(baseten.calls("recreate")),
            "cards": len(slack.of("chat.postMessage")),
        }
    finally:
        slack.stop()
        baseten.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.recovery", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--recover-after", type=float, default=20.0, help="RECOVER_AFTER for both processes")
    parser.add_argument("--restart-delay", type=float, default=2.0, help="seconds between the kill and the restart")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    watchdog = Watchdog(args.timeout).start()
    rounds = []
    for number in range(args.rounds):
        with tempfile.TemporaryDirectory() as folder:
            result = one_round(args, Path(folder), watchdog)
        rounds.append(result)
        print(f"round {number + 1}: {json.dumps(result)}", flush=True)
    watchdog.cancel()
    times = [r["restart_to_card_s"] for r in rounds]
    print(
        f"RECOVER_AFTER={args.recover_after:g} s, restart {args.restart_delay:g} s after the kill: "
        f"restart -> card median {percentile(times, 50)} s, max {max(times)} s; "
        f"Baseten requests per recovery {sorted({r['baseten_requests'] for r in rounds})}; "
        f"recreate POSTs per round {sorted({r['recreate_posts'] for r in rounds})}; "
        f"cards {sorted({r['cards'] for r in rounds})}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
