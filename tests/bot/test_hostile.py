"""`python -m bot` in HTTP mode against hostile clients: stalled connections, oversized bodies, malformed HTTP.

Each test starts the real bot process on a loopback port and sends a signed /recreate-job in the middle of the
attack: Slack shows the user a timeout if the ack takes more than 3 s.
"""

from __future__ import annotations

import resource
import selectors
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from bot.http_server import REQUEST_DEADLINE_SECONDS
from tests.bot.test_main import Running, base_env, free_port
from tests.fakes.baseten import FakeBaseten
from tests.fakes.slack import FakeSlack
from tests.signing import command_body, signed_headers

SLACK_ACK_LIMIT = 3.0
HALF_HEADERS = b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/x-www-form-urlencoded\r\n"
HALF_BODY = HALF_HEADERS + b"Content-Length: 4000\r\n\r\ncommand=%2Frecreate-job&text="


@pytest.fixture
def bot(slack: FakeSlack, baseten: FakeBaseten, tmp_path: Path) -> Iterator[Running]:
    port = free_port()
    output = tmp_path / "bot.log"
    with output.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            env=base_env(slack, baseten, PORT=str(port)),
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    running = Running(process, f"http://127.0.0.1:{port}", output)
    try:
        running.wait_for_health(200)
        yield running
    finally:
        running.http.close()
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture
def sockets_allowed() -> None:
    """This test process holds hundreds of sockets at once."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2048 <= hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (2048, hard))
    elif soft < 2048:
        pytest.skip(f"the open-files limit ({hard}) is too low for this test")


def port_of(bot: Running) -> int:
    return int(bot.url.rsplit(":", 1)[1])


def acked_in_time(bot: Running, slack: FakeSlack, job: str = "p7qr9qv") -> float:
    """Send a signed /recreate-job; assert it is acked with "Recreating" within Slack's 3 s; returns the seconds."""
    body = command_body(job, response_url=slack.response_url(f"probe-{job}"))
    # A new connection, as from Slack: one kept alive since an earlier request would skip the server's accept.
    with httpx.Client(base_url=bot.url, timeout=10) as fresh:
        sent = time.monotonic()
        response = fresh.post("/slack/events", content=body.encode(), headers=signed_headers(body))
        took = time.monotonic() - sent
    assert response.status_code == 200, bot.log()
    assert "Recreating" in response.json()["text"]
    assert took < SLACK_ACK_LIMIT, f"acked after {took:.2f} s"
    return took


def stall(port: int, count: int) -> list[socket.socket]:
    """`count` connections that send part of a request and stop: half the headers, or all and half the body."""
    opened = []
    for i in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(HALF_BODY if i % 2 else HALF_HEADERS)
        opened.append(sock)
    return opened


def closed_by_the_bot_within(opened: list[socket.socket], seconds: float) -> int:
    """Wait up to `seconds` for the bot to close the stalled connections; returns how many it closed."""
    with selectors.DefaultSelector() as selector:
        for sock in opened:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        closed = 0
        deadline = time.monotonic() + seconds
        while closed < len(opened) and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=max(0.0, min(0.5, deadline - time.monotonic()))):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                if not data:  # end of stream: the bot hung up
                    selector.unregister(sock)
                    closed += 1
    return closed


def test_500_stalled_connections_and_more_arriving_do_not_delay_a_signed_command(
    bot: Running, slack: FakeSlack, baseten: FakeBaseten, sockets_allowed: None
) -> None:
    port = port_of(bot)
    stalled = stall(port, 500)
    more: list[socket.socket] = []
    arriving = threading.Thread(target=lambda: more.extend(stall(port, 200)), daemon=True)
    try:
        arriving.start()
        acked_in_time(bot, slack)
        arriving.join(10)
        assert len(more) == 200

        # Slack sends requests whole: the bot hangs up on these soon after its deadline.
        closed = closed_by_the_bot_within(stalled + more, REQUEST_DEADLINE_SECONDS + 4)
        assert closed == 700
    finally:
        for sock in stalled + more:
            sock.close()
    assert slack.wait_for_count("chat.postMessage")
    assert len(baseten.created()) == 1
    baseten.add_job(job_id="q9w8e7r")
    acked_in_time(bot, slack, "q9w8e7r")  # and still answering once they are gone
    assert "Traceback" not in bot.log()


def test_a_request_that_trickles_in_a_byte_at_a_time_is_cut_off_at_the_deadline(bot: Running) -> None:
    with socket.create_connection(("127.0.0.1", port_of(bot)), timeout=0.5) as sock:
        sock.sendall(b"POST /slack/events HTTP/1.1\r\n")
        began = time.monotonic()
        hung_up = False
        for _ in range(int(REQUEST_DEADLINE_SECONDS * 4) + 10):  # a byte every 0.5 s: never idle, never done
            try:
                sock.sendall(b"X")
                if sock.recv(4096) == b"":
                    hung_up = True
                    break
            except TimeoutError:
                continue
            except OSError:
                hung_up = True
                break
        lasted = time.monotonic() - began

    assert hung_up
    assert lasted < REQUEST_DEADLINE_SECONDS + 3


def test_a_64_mib_body_is_refused_with_413_before_it_is_read(
    bot: Running, slack: FakeSlack, baseten: FakeBaseten
) -> None:
    port = port_of(bot)
    uploads = []
    for _ in range(5):
        sock = socket.create_connection(("127.0.0.1", port), timeout=3)
        sock.sendall(HALF_HEADERS + f"Content-Length: {64 * 1024 * 1024}\r\n\r\n".encode())
        uploads.append(sock)
    try:
        acked_in_time(bot, slack)
        for sock in uploads:
            # Not a byte of the body was sent: the answer comes from the Content-Length alone.
            answer = sock.recv(4096)
            assert answer.startswith(b"HTTP/1.1 413"), answer[:80]
            assert sock.recv(4096) == b""  # and the bot hung up
    finally:
        for sock in uploads:
            sock.close()
    assert slack.wait_for_count("chat.postMessage")
    assert len(baseten.created()) == 1
    assert "Traceback" not in bot.log()


MALFORMED = [
    b"HELLO THERE\r\n\r\n",
    b"GET\r\n\r\n",
    b"POST /slack/events HTTP/1.1\r\nHost bot\r\n\r\n",
    b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: -5\r\n\r\n",
    b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: lots\r\n\r\n",
    b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: 3\r\nContent-Length: 9\r\n\r\nabc",
    b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
    b"GET / HTTP/1.1\r\nHost: bot\r\nX-Pad: " + b"a" * 65536 + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: b\x00ot\r\n\r\n",
    bytes.fromhex("16030100a5010000a10303") + b"\x00" * 64,  # TLS sent to the plain HTTP port
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    HALF_HEADERS + b"Content-Length: 9\r\n\r\ncommand=x",  # unsigned
]


def test_malformed_http_gets_a_4xx_at_once_and_leaves_no_traceback_or_stuck_thread(
    bot: Running, slack: FakeSlack
) -> None:
    process = psutil.Process(bot.process.pid)
    threads_before = process.num_threads()
    statuses = []
    for raw in MALFORMED:
        with socket.create_connection(("127.0.0.1", port_of(bot)), timeout=2) as sock:
            sock.sendall(raw)
            statuses.append(sock.recv(4096).split(b"\r\n", 1)[0])

    assert all(line.startswith(b"HTTP/1.1 4") or line.startswith(b"HTTP/1.0 4") for line in statuses), statuses
    acked_in_time(bot, slack)
    assert process.num_threads() == threads_before
    assert "Traceback" not in bot.log()
