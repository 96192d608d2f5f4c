"""Benchmark of the failure watch: Baseten requests per hour for 1, 10 and 50 watched projects, the bot's idle CPU
while watching, and the time from a failure to its alert.

Run from the project root:

    .venv/bin/python -m bench.watch [--idle-seconds 21] [--failures 5] [--interval 10] [--timeout 115]

(a) Requests per hour: a Watcher wired as the app wires it (the quick reader client, a SQLite store) against the
    fake Baseten (in-process transport) and the fake Slack, one simulated hour on a hand-moved clock that jumps by
    each pause the watcher asks for. 1, 10 and 50 projects, and `all` (one search without a project filter), at
    WATCH_INTERVAL=60 (the default) and 10 (the floor); quiet, and with one failure per project in the hour. The
    count is compared with the formula 3600 / interval x searches per check + one log read per alerted failure.
(b) Idle CPU: `python -m bot` in HTTP mode, watching 50 projects at `--interval`, its CPU time (user + system, from
    psutil) over `--idle-seconds` of wall time with no failure; and the same bot watching nothing, as a baseline.
(c) Failure to alert: with the bot of (b) still running, `--failures` jobs fail one after another at random moments
    of the interval; each is timed from the moment the fake Baseten shows it failed to the alert reaching the fake
    Slack. The worst case at any interval is one interval plus a check's requests (the searches before the failed
    job's project, its log read and the post), so the default's bound is printed from the measured round.

Nothing leaves 127.0.0.1; a watchdog ends the run after `--timeout` s. Readable lines, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psutil

from bench.harness.following import Clock, fakes_without_nagle, web_client
from bench.harness.process import BOT_COMMAND, ROOT, Watchdog, bot_env, free_port, healthy, kill, wait_until
from bench.harness.stats import percentile
from bot.baseten import BasetenClient
from bot.baseten.links import DashboardLinks
from bot.delivery import Delivery
from bot.store import SqliteAuditStore
from bot.watch.watcher import Watcher, WatchRules
from tests.fakes.baseten import API_KEY, FakeBaseten
from tests.fakes.slack import FakeSlack

HOUR = 3600
CHANNEL = "C0WATCH01"
SIZES = (1, 10, 50)
FAILED = "TRAINING_JOB_FAILED"


def projects(count: int) -> list[str]:
    return [f"proj{number:04d}" for number in range(count)]


def populated(count: int) -> FakeBaseten:
    baseten = FakeBaseten()
    for project in projects(count):
        baseten.add_job(project, f"{project}ok", project_name=project)
    return baseten


# --- (a) requests per hour ---------------------------------------------------------------------------------------


def simulated_hour(count: int, interval: float, *, every: bool, failing: bool, workdir: Path) -> dict[str, Any]:
    clock, baseten, slack = Clock(), populated(count), FakeSlack().start()
    start = clock.now
    store = SqliteAuditStore(workdir / f"hour-{count}-{interval:g}-{every}-{failing}.db")
    client = BasetenClient(
        API_KEY, "https://api.baseten.test", transport=baseten.transport(), attempts=2, max_rate_limit_wait=0
    )
    rules = WatchRules(CHANNEL, () if every else tuple(projects(count)), interval=interval)
    watcher = Watcher(client, store, Delivery(web_client(slack)), DashboardLinks(), rules, clock=clock)
    # One failure per project, spread over the hour.
    due = sorted((HOUR * (n + 0.5) / count, project) for n, project in enumerate(projects(count))) if failing else []
    try:
        elapsed = 0.0
        while elapsed < HOUR:
            while due and due[0][0] <= elapsed:
                _, project = due.pop(0)
                baseten.add_job(project, f"{project}f", status=FAILED, updated_at=clock.now.isoformat())
            elapsed += watcher.tick()
            clock.now = start + timedelta(seconds=elapsed)
        searches, logs = len(baseten.calls("search")), len(baseten.calls("logs"))
        alerts = sum("Training job" in call.params["text"] for call in slack.of("chat.postMessage"))
    finally:
        client.close()
        store.close()
        slack.stop()
    per_check = 1 if every else count
    formula = HOUR / interval * per_check + (alerts if failing else 0)
    return {
        "projects": "all" if every else count,
        "interval_s": interval,
        "failing": failing,
        "searches": searches,
        "log_reads": logs,
        "requests_per_hour": searches + logs,
        "formula": formula,
        "alerts": alerts,
    }


# --- (b) and (c): the bot as a process ---------------------------------------------------------------------------


def spawn(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(BOT_COMMAND, env=env, cwd=ROOT, stdout=sink, stderr=sink)


def cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


def idle_cpu(proc: subprocess.Popen[bytes], seconds: float) -> dict[str, float]:
    watched = psutil.Process(proc.pid)
    before, began = cpu_seconds(watched), time.monotonic()
    time.sleep(seconds)
    used, wall = cpu_seconds(watched) - before, time.monotonic() - began
    return {"cpu_s": round(used, 3), "wall_s": round(wall, 2), "cpu_pct": round(100 * used / wall, 3)}


def run_bot(
    args: argparse.Namespace, folder: Path, watchdog: Watchdog, *, watching: bool, failures: int
) -> dict[str, Any]:
    slack, baseten = FakeSlack().start(), FakeBaseten().start()
    count = 50
    for project in projects(count):
        baseten.add_job(project, f"{project}ok", project_name=project)
    proc: subprocess.Popen[bytes] | None = None
    try:
        port = free_port()
        extra = {"DATABASE_URL": f"sqlite:///{folder / f'bot-{watching}.db'}", "FOLLOW": "false"}
        if watching:
            extra |= {
                "WATCH_PROJECT_IDS": ",".join(projects(count)),
                "WATCH_CHANNEL_ID": CHANNEL,
                "WATCH_INTERVAL": f"{args.interval:g}",
            }
        proc = watchdog.proc = spawn(bot_env(slack, baseten, port, extra), folder / f"bot-{watching}.log")
        assert wait_until(lambda: healthy(port), 20), "the bot did not start"
        if watching:  # the first check records the start of the watch; measure after it
            assert wait_until(lambda: len(baseten.calls("search")) >= count, 20), "the watch never searched"
        searches_before = len(baseten.calls("search"))
        result: dict[str, Any] = {"idle": idle_cpu(proc, args.idle_seconds if watching else args.baseline_seconds)}
        result["idle"]["searches"] = len(baseten.calls("search")) - searches_before
        if watching and failures:
            result["latency"] = failure_to_alert(args, baseten, slack, count)
        return result
    finally:
        kill(proc)
        slack.stop()
        baseten.stop()


def failure_to_alert(args: argparse.Namespace, baseten: FakeBaseten, slack: FakeSlack, count: int) -> dict[str, Any]:
    rng = random.Random(14)
    seconds: list[float] = []
    for number in range(args.failures):
        time.sleep(rng.uniform(0, args.interval))  # a random moment of the interval
        project = rng.choice(projects(count))
        job_id = f"fail{number:04d}"
        before = len(slack.of("chat.postMessage"))
        baseten.add_logs(job_id, ["step 9", "Traceback (most recent call last):", "OOM"], end=datetime.now(UTC))
        baseten.add_job(project, job_id, status=FAILED, updated_at=datetime.now(UTC).isoformat())
        failed_at = time.monotonic()
        arrived = wait_until(partial(posted_more, slack, before), args.interval * 2 + 10)
        assert arrived, f"no alert for {job_id}"
        seconds.append(slack.of("chat.postMessage")[before].at - failed_at)
    return {
        "failures": len(seconds),
        "p50_s": round(percentile(seconds, 50) or 0, 2),
        "max_s": round(max(seconds), 2),
        "each_s": [round(value, 2) for value in seconds],
    }


def posted_more(slack: FakeSlack, before: int) -> bool:
    return len(slack.of("chat.postMessage")) > before


def round_time(baseten: FakeBaseten, count: int) -> float:
    """Wall seconds of one check of `count` projects over loopback HTTP, plus a log read: a check's own cost."""
    baseten.start()
    client = BasetenClient(API_KEY, baseten.url, attempts=2, max_rate_limit_wait=0)
    try:
        began = time.perf_counter()
        for project in projects(count):
            client.search_jobs(project_id=project, statuses=[FAILED])
        client.job_logs(projects(count)[0], f"{projects(count)[0]}ok")
        return time.perf_counter() - began
    finally:
        client.close()
        baseten.stop()


# --- running -----------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.watch", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--idle-seconds", type=float, default=21.0, help="wall time of the idle measure, watching (two checks)"
    )
    parser.add_argument("--baseline-seconds", type=float, default=8.0, help="wall time of the idle baseline")
    parser.add_argument("--failures", type=int, default=5, help="failures timed in part (c)")
    parser.add_argument("--interval", type=float, default=10.0, help="WATCH_INTERVAL of parts (b) and (c)")
    parser.add_argument("--timeout", type=float, default=115.0, help="hard limit for the whole run, seconds")
    args = parser.parse_args(argv)
    fakes_without_nagle()
    watchdog = Watchdog(args.timeout, "bench.watch").start()
    figures: dict[str, Any] = {"cpus": psutil.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        folder = Path(tmp)
        print("(a) Baseten requests in one simulated hour (measured / formula)")
        hours = []
        for interval in (60.0, 10.0):
            for size in (*SIZES, 0):
                for failing in (False, True):
                    hours.append(simulated_hour(size or 50, interval, every=size == 0, failing=failing, workdir=folder))
        figures["a_hours"] = hours
        for row in hours:
            what = f"{row['projects']} projects" if row["projects"] != "all" else "all (50 projects)"
            load = "1 failure/project" if row["failing"] else "quiet"
            print(
                f"    WATCH_INTERVAL={row['interval_s']:>3g} s  {what:<18} {load:<18} "
                f"{row['requests_per_hour']:>6} / {row['formula']:>6.0f}  "
                f"({row['searches']} searches, {row['log_reads']} log reads, {row['alerts']} alerts)"
            )
        check = round_time(populated(50), 50)
        figures["check_of_50_projects_s"] = round(check, 3)
        print(f"    one check of 50 projects over loopback HTTP, with a log read: {check * 1000:.0f} ms")
        print("(b) idle CPU of `python -m bot` (HTTP mode, nothing followed)", flush=True)
        baseline = run_bot(args, folder, watchdog, watching=False, failures=0)
        watching = run_bot(args, folder, watchdog, watching=True, failures=args.failures)
        figures["b_idle_not_watching"], figures["b_idle_watching_50"] = baseline["idle"], watching["idle"]
        for name, idle in (
            ("watching nothing", baseline["idle"]),
            (f"50 projects every {args.interval:g} s", watching["idle"]),
        ):
            print(
                f"    {name:<26} {idle['cpu_pct']:.2f} % CPU ({idle['cpu_s']:.2f} s over {idle['wall_s']:.0f} s, "
                f"{idle['searches']} searches)"
            )
        latency = watching.get("latency")
        if latency:
            figures["c_failure_to_alert"] = latency
            bound = 60 + check
            figures["c_default_bound_s"] = round(bound, 2)
            print(
                f"(c) failure to alert at WATCH_INTERVAL={args.interval:g} s, 50 projects: "
                f"p50 {latency['p50_s']:.2f} s, max {latency['max_s']:.2f} s over {latency['failures']} failures "
                f"(bound {args.interval + check:.1f} s)"
            )
            print(f"    at the default WATCH_INTERVAL=60 s: at most 60 s + one check ({check:.2f} s) = {bound:.1f} s")
    watchdog.cancel()
    print(json.dumps(figures, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
