"""Benchmark of following new jobs: Baseten requests per job per hour, and the follower thread's idle cost.

Run from the project root:

    .venv/bin/python -m bench.follow [--jobs 200] [--interval 30] [--idle-seconds 65] [--timeout 120]

(a) Requests per job per hour: `--jobs` jobs followed with FOLLOW_INTERVAL=`--interval` against the fake Baseten
    (in-process transport) and the fake Slack, one simulated hour on a hand-moved clock ticked every simulated
    second. Two scenarios: every status stays RUNNING; every job changes status every 10 minutes (staggered).
(b) Idle cost: a real Follower thread (`start()`) on the real clock, against the fake Baseten and Slack served
    over loopback HTTP, following `--jobs` unchanging jobs for `--idle-seconds` of wall time. This process's CPU
    time is sampled twice a second and split into poll rounds (a request to Baseten within a second) and the idle
    stretches between them; the follower thread's own CPU time is read from /proc via psutil, apart from the
    fakes' server threads that share the process. RSS is read at the start and the end.

Nothing leaves 127.0.0.1; the whole run is bounded by `--timeout` (a watchdog ends the process). The output is
readable lines, then every figure as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.harness.following import Clock, fakes_without_nagle, follow_all, job_ids, rules_like_the_app, web_client
from bench.harness.poll_rounds import Sample, Stamps, summarize
from bench.harness.process import Watchdog
from bench.harness.sampler import thread_cpu
from bench.harness.stats import MB
from bot.baseten import BasetenClient
from bot.baseten.links import DashboardLinks
from bot.baseten.models import JobStatus
from bot.delivery import Delivery
from bot.follow import Follower
from bot.store import SqliteAuditStore
from tests.fakes.baseten import API_KEY, FakeBaseten
from tests.fakes.http import LoopbackServer
from tests.fakes.slack import FakeSlack

HOUR = 3600
CHANGE_EVERY = 600
# Active statuses only, so a changing job is never finished by its change.
CYCLE = (JobStatus.PENDING, JobStatus.DEPLOYING, JobStatus.RUNNING, JobStatus.QUEUED)
SAMPLE_EVERY = 0.5
_PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


# --- (a) requests per job per hour ------------------------------------------------------------------------------


def simulated_hour(jobs: int, interval: float, cap: int, *, changing: bool, workdir: Path) -> dict[str, Any]:
    clock = Clock()
    baseten = FakeBaseten()
    slack = FakeSlack().start()
    store = SqliteAuditStore(workdir / f"simulated-{'changing' if changing else 'unchanged'}-{cap}.db")
    client = BasetenClient(
        API_KEY,
        "https://api.baseten.test",
        transport=baseten.transport(),
        attempts=2,
        max_rate_limit_wait=0,
        sleep=lambda _s: None,
    )
    slack_client = web_client(slack)
    follower = Follower(
        client,
        store,
        Delivery(slack_client),
        DashboardLinks(),
        rules_like_the_app(interval, cap),
        clock=clock,
        rng=random.Random(0),
    )
    ids = job_ids(jobs)
    try:
        follow_all(follower, baseten, ids, JobStatus.RUNNING)
        # Each changing job moves on every 10 minutes, the jobs staggered across those 10 minutes.
        offsets = {job_id: (number * CHANGE_EVERY) // jobs for number, job_id in enumerate(ids)}
        changes = 0
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        for second in range(1, HOUR + 1):
            clock.now += timedelta(seconds=1)
            if changing:
                for job_id, offset in offsets.items():
                    if second % CHANGE_EVERY == offset:
                        step = second // CHANGE_EVERY
                        baseten.jobs[job_id]["current_status"] = CYCLE[step % len(CYCLE)]
                        changes += 1
            follower.tick()
        cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started_wall
        gets = len(baseten.calls("get"))
        polled = {seen.path.rsplit("/", 1)[-1] for seen in baseten.calls("get")}
        return {
            "jobs": jobs,
            "cap": cap,
            "jobs_polled": len(polled),
            "status_changes": changes,
            "baseten_gets": gets,
            "gets_per_job_hour": gets / jobs,
            "gets_per_polled_job_hour": gets / max(1, len(polled)),
            "slack_replies": len(slack.of("chat.postMessage")),
            "slack_updates": len(slack.of("chat.update")),
            "ticks": HOUR,
            "cpu_s": cpu,
            "wall_s": wall,
        }
    finally:
        follower.stop(timeout=5)
        client.close()
        store.close()
        slack.stop()


# --- (b) idle cost of the real thread ---------------------------------------------------------------------------


def idle_cost(jobs: int, interval: float, seconds: float, workdir: Path) -> dict[str, Any]:
    process = psutil.Process()
    baseten = FakeBaseten()
    stamps = Stamps()
    server = LoopbackServer(stamps.route(baseten.route)).start()
    slack = FakeSlack().start()
    store = SqliteAuditStore(workdir / "idle.db")
    client = BasetenClient(
        API_KEY, server.url, attempts=2, max_rate_limit_wait=0, timeout=httpx.Timeout(10.0, read=30.0)
    )
    slack_client = web_client(slack)
    follower = Follower(client, store, Delivery(slack_client), DashboardLinks(), rules_like_the_app(interval, jobs))
    try:
        follow_all(follower, baseten, job_ids(jobs), JobStatus.RUNNING)
        rss_start = process.memory_info().rss
        samples: list[Sample] = []
        follower.start()
        native_id = next((t.native_id for t in threading.enumerate() if t.name == "follower"), None)
        began = time.monotonic()
        rss_peak = rss_start
        while True:
            now = time.monotonic()
            samples.append(Sample(now, time.process_time(), time.thread_time(), thread_cpu(native_id), stamps.count()))
            rss_peak = max(rss_peak, process.memory_info().rss)
            if now - began >= seconds:
                break
            time.sleep(SAMPLE_EVERY)
        rss_end = process.memory_info().rss
    finally:
        stopping = time.monotonic()
        follower.stop(timeout=10)
        stopped_in = time.monotonic() - stopping
        client.close()
        store.close()
        server.stop()
        slack.stop()

    return {
        **summarize(samples, stamps.times),
        "jobs": jobs,
        "interval_s": interval,
        "rss_start_mb": rss_start / MB,
        "rss_end_mb": rss_end / MB,
        "rss_peak_mb": rss_peak / MB,
        "stop_s": stopped_in,
    }


# --- running ---------------------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.follow", description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--interval", type=float, default=30.0, help="FOLLOW_INTERVAL, seconds")
    parser.add_argument("--idle-seconds", type=float, default=65.0, help="wall time of part (b)")
    parser.add_argument("--timeout", type=float, default=120.0, help="hard timeout of part (b), seconds")
    parser.add_argument("--simulated-timeout", type=float, default=300.0, help="hard timeout of part (a), seconds")
    parser.add_argument("--raw-fakes", action="store_true", help="keep Nagle on the fakes' sockets")
    parser.add_argument("--skip-simulated", action="store_true")
    parser.add_argument("--skip-idle", action="store_true")
    args = parser.parse_args(argv)
    if not args.raw_fakes:
        fakes_without_nagle()
    for name in _PROXY_ENV:  # loopback only: no client may route the fakes' traffic through a proxy
        os.environ.pop(name, None)

    figures: dict[str, Any] = {"jobs": args.jobs, "interval_s": args.interval}
    with tempfile.TemporaryDirectory(prefix="bench-follow-") as tmp:
        workdir = Path(tmp)
        if not args.skip_simulated:
            # Part (a) is simulated time, no waiting; its budget is separate from (b)'s.
            timer = Watchdog(args.simulated_timeout, "bench.follow part (a)").start()
            print(f"(a) {args.jobs} jobs, FOLLOW_INTERVAL={args.interval:g} s, one simulated hour ticked every second")
            scenarios = {
                "unchanged": {"changing": False, "cap": args.jobs},
                "changing_every_10min": {"changing": True, "cap": args.jobs},
                "unchanged_default_cap_100": {"changing": False, "cap": 100},
            }
            for name, scenario in scenarios.items():
                result = simulated_hour(
                    args.jobs, args.interval, scenario["cap"], changing=scenario["changing"], workdir=workdir
                )
                figures[f"a_{name}"] = result
                print(
                    f"    {name:28s} GETs/job/hour {result['gets_per_job_hour']:6.2f}"
                    f"  (per polled job {result['gets_per_polled_job_hour']:.2f}, {result['jobs_polled']} polled,"
                    f" cap {result['cap']})  Slack replies {result['slack_replies']}, card updates"
                    f" {result['slack_updates']}  [{result['cpu_s']:.1f} s CPU for {result['ticks']} ticks]",
                    flush=True,
                )
            naive = HOUR / args.interval
            figures["a_fixed_interval_gets_per_job_hour"] = naive
            print(f"    for comparison, a fixed {args.interval:g} s poll: {naive:.0f} GETs/job/hour")
            timer.cancel()
        if not args.skip_idle:
            if args.idle_seconds + 20 > args.timeout:
                print("--idle-seconds must leave 20 s of --timeout for setup and teardown", file=sys.stderr)
                return 2
            print(
                f"(b) real follower thread, {args.jobs} unchanging jobs over loopback HTTP, "
                f"{args.idle_seconds:g} s wall time",
                flush=True,
            )
            timer = Watchdog(args.timeout, "bench.follow part (b)").start()
            result = idle_cost(args.jobs, args.interval, args.idle_seconds, workdir)
            timer.cancel()
            figures["b_idle"] = result
            print(
                f"    poll rounds {result['poll_rounds']} ({result['requests']} requests; per round "
                f"{result['requests_per_round']}, lasting {[round(d, 2) for d in result['round_duration_s']]} s)"
            )
            print(
                f"    idle CPU: follower thread {fmt(result['idle_cpu_pct_follower_thread'], 3)} %, "
                f"whole process {fmt(result['idle_cpu_pct_process'], 3)} % "
                f"(excl. sampler {fmt(result['idle_cpu_pct_excl_sampler'], 3)} %; the fakes' servers share it) "
                f"over {result['idle_wall_s']:.1f} s idle"
            )
            print(
                f"    CPU per poll round: follower thread {fmt(result['cpu_s_per_round_follower_thread'], 3)} s, "
                f"whole process {fmt(result['cpu_s_per_round_process'], 3)} s "
                f"(excl. sampler {fmt(result['cpu_s_per_round_excl_sampler'], 3)} s)"
            )
            print(
                f"    total CPU: process {result['cpu_s_total_process']:.2f} s "
                f"({fmt(result['cpu_pct_total_process'])} % of {result['wall_s']:.1f} s), "
                f"follower thread {result['cpu_s_total_follower_thread']:.2f} s"
            )
            print(
                f"    RSS: start {result['rss_start_mb']:.1f} MB, end {result['rss_end_mb']:.1f} MB, "
                f"peak {result['rss_peak_mb']:.1f} MB; stop() took {result['stop_s']:.2f} s"
            )
    print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
