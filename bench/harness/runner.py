"""Running one benchmark from the command line: its options, the bot's working folder and log, the report."""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness.bench import BotBench
from bench.harness.process import Watchdog, kill


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def parser(prog: str, doc: str | None, *, timeout: float | None) -> argparse.ArgumentParser:
    """A parser with the options every bot benchmark has: --bot-env KEY=VALUE and --timeout."""
    made = argparse.ArgumentParser(prog=f"python -m {prog}", description=(doc or "").splitlines()[0])
    made.add_argument(
        "--bot-env", type=_key_value, action="append", default=[], metavar="KEY=VALUE", help="extra bot setting"
    )
    default = "" if timeout is None else f" (default {timeout:g})"
    made.add_argument("--timeout", type=float, default=timeout, help=f"hard limit for the whole run, seconds{default}")
    return made


def bot_log(path: Path, limit: int = 10) -> tuple[list[str], int]:
    """The last lines the bot printed, without its one-JSON-object audit lines; and how many audit lines there were."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return [], 0
    other = [line for line in lines if not line.startswith("{")]
    return other[-limit:], len(lines) - len(other)


def run(
    args: argparse.Namespace,
    make: Callable[[argparse.Namespace, Watchdog], BotBench],
    *,
    prefix: str,
    render: Callable[[dict[str, Any]], str],
) -> int:
    """Start the fakes and the bot, run the scenario's `measure`, stop the bot; print `render`'s table and JSON."""
    watchdog = Watchdog(args.timeout).start()
    bench = make(args, watchdog)
    failed = False
    log_tail: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix=prefix) as workdir:
            log_path = Path(workdir) / "bot.log"
            try:
                with log_path.open("wb") as log:
                    bench.start_fakes()
                    bench.start_bot(Path(workdir), log)
                    bench.measure()
                    bench.stop_bot()
            except Exception as error:
                failed = True
                bench.results["error"] = f"{type(error).__name__}: {error}"
            finally:
                bench.finish()
                log_tail, bench.results["bot_audit_lines"] = bot_log(log_path)
    finally:
        kill(bench.proc)
        watchdog.cancel()
    bench.results["bot_log_tail"] = log_tail
    print(render(bench.results))
    if log_tail:
        print("bot output (last lines, audit JSON lines left out):")
        for line in log_tail:
            print(f"  {line}")
    print(json.dumps(bench.results, separators=(",", ":"), ensure_ascii=False))
    return 1 if failed else 0
