"""Hostile traffic against the real bot process: stalled connections, oversized bodies, malformed HTTP.

Run from the project root:

    .venv/bin/python -m bench.hostile [--stalled 500] [--arrivals 50] [--seconds 30] [--timeout 240]

bench.burst's driver starts the bot (`python -m bot`, HTTP mode) against the loopback fakes. Then, in turn:
- stall: `--stalled` connections that each send part of a request and stop (some send nothing more, some trickle
  a byte a second) are kept open, each one the server closes replaced at once, and `--arrivals` more are opened
  every second on top. Meanwhile a signed /recreate-job goes out every half second; each must be acked within
  Slack's 3 s. The figures: ack latency, how long the server let a stalled connection live, and the bot's
  memory, threads and file descriptors.
- oversize: bodies of 64 MiB (by Content-Length, and chunked without end), with a signed command among them.
- malformed: requests that break HTTP in one way each; every one should get a 4xx and no traceback.
Nothing leaves 127.0.0.1. The output is a table, then the same figures as one JSON line.
"""

from __future__ import annotations

import argparse
import http.client
import resource
import selectors
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import IO, Any

from bench.burst import HOST, MB, SLACK_ACK_LIMIT_S, Bench, _fmt, _key_value, _ms, percentile, run, send

PROBE_EVERY_S = 0.5
TRICKLE_EVERY_S = 1.0
HALF_HEADERS = b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/x-www-form-urlencoded\r\n"
HALF_BODY = HALF_HEADERS + b"Content-Length: 4000\r\n\r\ncommand=%2Frecreate-job&text="
BIG = 64 * MB

# (name, raw bytes): each breaks HTTP, or Slack's rules, in one way.
MALFORMED: list[tuple[str, bytes]] = [
    ("not HTTP at all", b"HELLO THERE\r\n\r\n"),
    ("request line without a path", b"GET\r\n\r\n"),
    ("unknown HTTP version", b"GET / HTTP/9.9\r\nHost: bot\r\n\r\n"),
    ("header without a colon", b"POST /slack/events HTTP/1.1\r\nHost bot\r\n\r\n"),
    ("negative Content-Length", b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: -5\r\n\r\n"),
    ("Content-Length not a number", b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: lots\r\n\r\n"),
    (
        "two different Content-Lengths",
        b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: 3\r\nContent-Length: 9\r\n\r\nabc",
    ),
    (
        "Content-Length and chunked together",
        b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ),
    ("bad chunk size", b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n"),
    ("unknown transfer coding", b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: gzip\r\n\r\n"),
    ("64 KiB of headers", b"GET / HTTP/1.1\r\nHost: bot\r\nX-Pad: " + b"a" * 65536 + b"\r\n\r\n"),
    ("NUL in a header", b"GET / HTTP/1.1\r\nHost: b\x00ot\r\n\r\n"),
    ("a TLS ClientHello", bytes.fromhex("16030100a5010000a10303") + b"\x00" * 64),
    ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    ("40 KiB path", b"GET /" + b"a" * 40960 + b" HTTP/1.1\r\nHost: bot\r\n\r\n"),
    ("unsigned Slack command", HALF_HEADERS + b"Content-Length: 9\r\n\r\ncommand=x"),
]


# Well-formed but unsupported: RFC 9112 says 501 for a transfer coding the server does not know.
NOT_MALFORMED = {"unknown transfer coding": 501}


class HostileBench(Bench):
    """Bench whose "burst" is the three hostile phases, each run against the same bot process."""

    def start_bot(self, workdir: Path, log: IO[bytes]) -> None:
        self.log_path = Path(log.name)
        self.results.update({"stalled": self.args.stalled, "arrivals": self.args.arrivals})
        super().start_bot(workdir, log)

    def burst(self) -> None:
        self.stall()
        self.oversize()
        self.malformed()

    def sequential(self) -> None:
        """No sequential phase here."""

    # --- probes: real signed commands --------------------------------------------------------------------------

    def probe(self, index: int, results: list[tuple[int, float | None, str]]) -> None:
        """One signed command on its own connection; appends (status, ack ms or None, error)."""
        body, headers = self.signed_command(index, f"probe-{index}")
        conn = http.client.HTTPConnection(HOST, self.port, timeout=10.0)
        sent = time.monotonic()
        try:
            status, reply = send(conn, body, headers)
            results.append((status, (time.monotonic() - sent) * 1000, "" if b"Recreating" in reply else "no ack"))
        except (OSError, http.client.HTTPException) as error:
            results.append((0, None, repr(error)))
        finally:
            conn.close()

    def probes(self, first: int, seconds: float, stop: threading.Event) -> list[tuple[int, float | None, str]]:
        """A signed command every PROBE_EVERY_S for `seconds` (or until `stop`), each from its own thread."""
        results: list[tuple[int, float | None, str]] = []
        threads: list[threading.Thread] = []
        end = time.monotonic() + seconds
        index = first
        while time.monotonic() < end and not stop.is_set() and self.deadline.left() > 0:
            thread = threading.Thread(target=self.probe, args=(index, results), daemon=True)
            thread.start()
            threads.append(thread)
            index += 1
            stop.wait(PROBE_EVERY_S)
        for thread in threads:
            thread.join(self.deadline.left(12.0))
        return results

    def _probe_figures(self, prefix: str, results: list[tuple[int, float | None, str]]) -> None:
        acks = [ms for status, ms, error in results if status == 200 and ms is not None and not error]
        self.results.update(
            {
                f"{prefix}_probes": len(results),
                f"{prefix}_acked_within_3s": sum(1 for ms in acks if ms <= SLACK_ACK_LIMIT_S * 1000),
                f"{prefix}_ack_p50_ms": _ms(percentile(acks, 50)),
                f"{prefix}_ack_max_ms": _ms(max(acks, default=None)),
                f"{prefix}_probe_errors": dict(Counter(e or str(s) for s, _, e in results if e or s != 200)),
            }
        )

    # --- stalled connections -------------------------------------------------------------------------------

    def stall(self) -> None:
        stalls = Stalls(self.port, self.args.stalled, self.args.arrivals)
        stop = threading.Event()
        holder = threading.Thread(target=stalls.hold, args=(stop,), name="stalls", daemon=True)
        holder.start()
        time.sleep(min(2.0, self.args.seconds / 4))  # let them pile up first
        results = self.probes(0, self.args.seconds, stop)
        stop.set()
        holder.join(10.0)
        stalls.close_all()
        self._probe_figures("stall", results)
        lived = stalls.lifetimes
        self.results.update(
            {
                "stall_opened": stalls.opened,
                "stall_open_max": stalls.open_max,
                "stall_connect_errors": stalls.connect_errors,
                "stall_closed_by_bot": len(lived),
                "stall_lifetime_p50_s": round(percentile(lived, 50) or 0, 2) if lived else None,
                "stall_lifetime_max_s": round(max(lived), 2) if lived else None,
                "stall_older_than_10s_at_end": stalls.old_at_end,
            }
        )
        self._resources("stall")

    def _resources(self, prefix: str) -> None:
        if self.sampler is not None:
            self.results[f"{prefix}_rss_peak_mb"] = round(self.sampler.window() / MB, 1)
            self.results[f"{prefix}_fds_peak"] = self.sampler.peak_fds
            self.results[f"{prefix}_threads_peak"] = self.sampler.peak_threads

    # --- oversized bodies ----------------------------------------------------------------------------------

    def oversize(self) -> None:
        outcomes: list[tuple[str, int, float | None, int]] = []
        lock = threading.Lock()

        def upload(kind: str) -> None:
            result = upload_big(self.port, chunked=kind == "chunked")
            with lock:
                outcomes.append((kind, *result))

        uploads = [threading.Thread(target=upload, args=(kind,), daemon=True) for kind in ["length"] * 5 + ["chunked"]]
        for thread in uploads:
            thread.start()
        probes = self.probes(1_000, 2.0, threading.Event())
        for thread in uploads:
            thread.join(self.deadline.left(30.0))
        self._probe_figures("big", probes)
        for kind in ("length", "chunked"):
            mine = [o for o in outcomes if o[0] == kind]
            self.results[f"big_{kind}_statuses"] = dict(Counter(str(o[1]) for o in mine))
            self.results[f"big_{kind}_answer_max_ms"] = _ms(max((o[2] for o in mine if o[2]), default=None))
            self.results[f"big_{kind}_sent_max_mb"] = round(max((o[3] for o in mine), default=0) / MB, 2)
        self._resources("big")

    # --- malformed HTTP ------------------------------------------------------------------------------------

    def malformed(self) -> None:
        threads_before = self.sampler.threads if self.sampler is not None else None
        answers = {name: raw_exchange(self.port, raw) for name, raw in MALFORMED}
        time.sleep(0.3)
        probes = self.probes(2_000, 1.0, threading.Event())
        self._probe_figures("malformed", probes)
        log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        self.results.update(
            {
                "malformed_answers": {name: status for name, (status, _) in answers.items()},
                "malformed_unexpected": [
                    name
                    for name, (status, _) in answers.items()
                    if status != NOT_MALFORMED.get(name) and not 400 <= status < 500
                ],
                "malformed_answer_max_ms": _ms(max((ms for _, ms in answers.values() if ms is not None), default=None)),
                "malformed_threads_before_after": [
                    threads_before,
                    self.sampler.threads if self.sampler is not None else None,
                ],
                "bot_tracebacks": log.count("Traceback"),
            }
        )


class Stalls:
    """Connections that send part of a request and stop; replaced as the bot closes them, more added each second."""

    def __init__(self, port: int, target: int, arrivals: float) -> None:
        self.port = port
        self.target = target
        self.arrivals = arrivals
        self.selector = selectors.DefaultSelector()
        self.opened_at: dict[socket.socket, float] = {}
        self.trickling: set[socket.socket] = set()
        self.extra: set[socket.socket] = set()
        """The ones opened on top of `target`: not replaced when the bot closes them."""
        self.lifetimes: list[float] = []
        self.opened = self.open_max = self.connect_errors = self.old_at_end = self.extra_opened = 0

    def open_one(self, replace: bool) -> None:
        try:
            sock = socket.create_connection((HOST, self.port), timeout=2.0)
            # A third stop after half the headers, a third after half the body, a third trickle a byte a second.
            kind = self.opened % 3
            sock.sendall(HALF_BODY if kind == 1 else HALF_HEADERS)
        except OSError:
            self.connect_errors += 1
            return
        sock.setblocking(False)
        self.selector.register(sock, selectors.EVENT_READ)
        self.opened_at[sock] = time.monotonic()
        if kind == 2:
            self.trickling.add(sock)
        self.opened += 1
        if not replace:
            self.extra.add(sock)
            self.extra_opened += 1
        self.open_max = max(self.open_max, len(self.opened_at))

    def hold(self, stop: threading.Event) -> None:
        started = last_trickle = time.monotonic()
        while not stop.is_set():
            now = time.monotonic()
            while len(self.opened_at) - len(self.extra) < self.target and not stop.is_set():
                self.open_one(replace=True)
            while self.extra_opened < self.arrivals * (now - started) and not stop.is_set():
                self.open_one(replace=False)
            for key, _ in self.selector.select(timeout=0.05):
                self._closed_by_bot(key.fileobj)  # type: ignore[arg-type]
            if now - last_trickle >= TRICKLE_EVERY_S:
                last_trickle = now
                for sock in list(self.trickling):
                    try:
                        sock.send(b"X")
                    except OSError:
                        self._closed_by_bot(sock)

    def _closed_by_bot(self, sock: socket.socket) -> None:
        try:
            if sock.recv(4096):
                return  # an answer (a 408, say) before the close: wait for the close itself
        except BlockingIOError:
            return
        except OSError:
            pass
        self.lifetimes.append(time.monotonic() - self.opened_at.pop(sock))
        self.trickling.discard(sock)
        self.extra.discard(sock)
        self.selector.unregister(sock)
        sock.close()

    def close_all(self) -> None:
        now = time.monotonic()
        self.old_at_end = sum(1 for at in self.opened_at.values() if now - at > 10.0)
        for sock in list(self.opened_at):
            self.selector.unregister(sock)
            sock.close()
        self.opened_at.clear()
        self.selector.close()


def upload_big(port: int, *, chunked: bool) -> tuple[int, float | None, int]:
    """Start a 64 MiB upload and push its body until the bot answers or hangs up: (status, ms to answer, bytes)."""
    head = b"Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {BIG}\r\n".encode()
    chunk = b"a" * 65536
    piece = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk
    sent = 0
    began = time.monotonic()
    with socket.create_connection((HOST, port), timeout=10.0) as sock:
        sock.sendall(HALF_HEADERS + head + b"\r\n")
        sock.setblocking(False)
        answer = b""
        while sent < BIG + len(piece) and time.monotonic() - began < 20.0:
            try:
                answer += sock.recv(4096)
                if answer:
                    break
            except BlockingIOError:
                pass
            except OSError:
                break
            try:
                sent += sock.send(piece)
            except BlockingIOError:
                time.sleep(0.001)
            except OSError:
                break
    elapsed = (time.monotonic() - began) * 1000
    return status_of(answer), (elapsed if answer else None), sent


def raw_exchange(port: int, raw: bytes) -> tuple[int, float | None]:
    """Send `raw` and read the answer's first bytes within 3 s: (status, ms); status 0 when nothing came back."""
    began = time.monotonic()
    with socket.create_connection((HOST, port), timeout=3.0) as sock:
        try:
            sock.sendall(raw)
            answer = sock.recv(65536)
        except OSError:
            answer = b""
    return status_of(answer), ((time.monotonic() - began) * 1000 if answer else None)


def status_of(answer: bytes) -> int:
    parts = answer.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[0].startswith(b"HTTP/") and parts[1].isdigit() else 0


def table(r: dict[str, Any]) -> str:
    g = r.get
    rows = [
        ("start-up: spawn -> /healthz 200", _fmt(g("startup_ms"), " ms")),
        (f"stall: {g('stalled')} kept open + {g('arrivals')}/s more", f"{_fmt(g('stall_opened'))} opened in all"),
        (
            "stall: most open at once / connect errors",
            f"{_fmt(g('stall_open_max'))} / {_fmt(g('stall_connect_errors'))}",
        ),
        ("stall: signed commands acked within 3 s", f"{_fmt(g('stall_acked_within_3s'))} / {_fmt(g('stall_probes'))}"),
        ("stall: ack p50 / max", f"{_fmt(g('stall_ack_p50_ms'))} / {_fmt(g('stall_ack_max_ms'))} ms"),
        (
            "stall: closed by the bot after p50 / max",
            f"{_fmt(g('stall_lifetime_p50_s'))} / {_fmt(g('stall_lifetime_max_s'))} s "
            f"({_fmt(g('stall_closed_by_bot'))} closed; {_fmt(g('stall_older_than_10s_at_end'))} older than 10 s)",
        ),
        (
            "stall: bot RSS / fds / threads peak",
            f"{_fmt(g('stall_rss_peak_mb'))} MB / {_fmt(g('stall_fds_peak'))} / {_fmt(g('stall_threads_peak'))}",
        ),
        (
            "64 MiB by Content-Length x5: answers, slowest",
            f"{_fmt(g('big_length_statuses'))}, {_fmt(g('big_length_answer_max_ms'))} ms",
        ),
        ("  sent before the bot hung up, most", f"{_fmt(g('big_length_sent_max_mb'))} MiB (kernel buffers)"),
        (
            "64 MiB chunked: answer, slowest, sent",
            f"{_fmt(g('big_chunked_statuses'))}, {_fmt(g('big_chunked_answer_max_ms'))} ms, "
            f"{_fmt(g('big_chunked_sent_max_mb'))} MiB",
        ),
        ("oversize: signed commands acked within 3 s", f"{_fmt(g('big_acked_within_3s'))} / {_fmt(g('big_probes'))}"),
        ("malformed: answers not 4xx (501 for gzip coding)", _fmt(g("malformed_unexpected"))),
        ("malformed: slowest answer", _fmt(g("malformed_answer_max_ms"), " ms")),
        ("malformed: bot threads before / after", _fmt(g("malformed_threads_before_after"))),
        (
            "malformed: signed command acked after",
            f"{_fmt(g('malformed_acked_within_3s'))} / {_fmt(g('malformed_probes'))}",
        ),
        ("tracebacks in the bot's log", _fmt(g("bot_tracebacks"))),
        ("RSS peak overall", _fmt(g("rss_peak_mb"), " MB")),
        ("SIGTERM -> exit: code, time", f"{_fmt(g('exit_code'))}, {_fmt(g('sigterm_exit_s'))} s"),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"recreate-job hostile-traffic benchmark; {g('cpus')} CPUs, load {g('loadavg_1m_at_start')} at start"]
    lines += [f"{label:<{width}}  {value}" for label, value in rows]
    for name, status in (g("malformed_answers") or {}).items():
        lines.append(f"  malformed {name}: {status}")
    for key in ("stall_probe_errors", "big_probe_errors", "malformed_probe_errors"):
        if g(key):
            lines.append(f"{key}: {r[key]}")
    if g("error"):
        lines.append(f"RUN ERROR: {r['error']}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stalled", type=int, default=500, help="stalled connections kept open (default 500)")
    parser.add_argument("--arrivals", type=float, default=50.0, help="more stalled connections opened per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long signed commands are sent among them")
    parser.add_argument(
        "--bot-env", type=_key_value, action="append", default=[], metavar="KEY=VALUE", help="extra bot setting"
    )
    parser.add_argument("--timeout", type=float, default=240.0, help="hard limit for the whole run, seconds")
    args = parser.parse_args(argv)
    args.burst = args.sequential = 0
    args.baseten_delay = 0.0
    args.jobs = 2_100  # every probe its own job: 1_000+ and 2_000+ are the later phases' probes
    return args


def main(argv: list[str] | None = None) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:  # this process holds thousands of sockets
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return run(parse_args(argv), HostileBench, prefix="bench-hostile-", render=table)


if __name__ == "__main__":
    sys.exit(main())
