"""Driving the bot in HTTP mode: signed commands to /slack/events, one at a time or released together."""

from __future__ import annotations

import http.client
import json
import threading
import time
from pathlib import Path
from typing import IO

from bench.harness.bench import BotBench, Shot
from bench.harness.process import CHANNEL_ID, HEALTH_PATH, HOST, USER_ID, bot_env, free_port, healthy
from tests.signing import SIGNING_SECRET, command_body, signed_headers

EVENTS_PATH = "/slack/events"
HEALTH_POLL_S = 0.005


def signed(body: str) -> tuple[bytes, dict[str, str]]:
    """A request body and its Slack signature headers, as http.client sends them."""
    headers = signed_headers(body, secret=SIGNING_SECRET)
    return body.encode(), {key: value if isinstance(value, str) else ", ".join(value) for key, value in headers.items()}


def send(conn: http.client.HTTPConnection, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    conn.request("POST", EVENTS_PATH, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def ack_text(body: bytes) -> str:
    """The start of the text of an ack's JSON body (what Slack shows the user), or of the raw body."""
    try:
        return str(json.loads(body).get("text", ""))[:70]
    except (ValueError, AttributeError):
        return body[:70].decode(errors="replace")


def post(port: int, body: bytes, headers: dict[str, str], timeout: float = 10.0) -> tuple[float, Shot]:
    """POST one request on a connection of its own: when it was sent, and what came back."""
    shot = Shot()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    sent = time.monotonic()
    try:
        shot.status, reply = send(conn, body, headers)
        shot.ack_ms = (time.monotonic() - sent) * 1000
        shot.working = b"Recreating" in reply
        shot.text = ack_text(reply)
    except (OSError, http.client.HTTPException) as error:
        shot.error = repr(error)
    finally:
        conn.close()
    return sent, shot


class HttpBench(BotBench):
    """The bot as `python -m bot` in HTTP mode on a free port; ready once GET /healthz answers 200."""

    port = 0

    def signed_command(self, index: int, name: str) -> tuple[bytes, dict[str, str]]:
        """A signed `/recreate-job <job>` whose response_url is its own path (`/response/<name>`) on FakeSlack."""
        response_url = self.slack.response_url(name)
        return signed(command_body(self.job(index), user_id=USER_ID, channel_id=CHANNEL_ID, response_url=response_url))

    def start_bot(self, workdir: Path, log: IO[bytes]) -> None:
        """Spawn `python -m bot` and time it until GET /healthz answers 200."""
        self.port = free_port()
        spawned = self.spawn(workdir, log, bot_env(self.slack, self.baseten, self.port, dict(self.args.bot_env)))
        assert self.proc is not None
        startup_ms = None
        while self.deadline.left(30.0 - (time.monotonic() - spawned)) > 0 and self.proc.poll() is None:
            if healthy(self.port):
                startup_ms = (time.monotonic() - spawned) * 1000
                break
            time.sleep(HEALTH_POLL_S)
        if startup_ms is None:
            raise RuntimeError(f"the bot never answered {HEALTH_PATH} (exit code {self.proc.poll()})")
        self.results["startup_ms"] = round(startup_ms, 1)
        self.note_idle()

    def send_one(self, index: int, name: str) -> tuple[float, Shot]:
        return post(self.port, *self.signed_command(index, name))

    def fire(self, count: int, prefix: str) -> tuple[list[Shot], float, float]:
        """`count` threads, each with its own open connection, release at one barrier and POST a command."""
        shots = [Shot() for _ in range(count)]
        started = [0.0]
        barrier = threading.Barrier(count, action=lambda: started.__setitem__(0, time.monotonic()))
        requests = [self.signed_command(i, f"{prefix}{i}") for i in range(count)]

        def one(i: int) -> None:
            shot = shots[i]
            conn = http.client.HTTPConnection(HOST, self.port, timeout=30.0)
            try:
                try:
                    began = time.monotonic()
                    conn.connect()
                    shot.connect_ms = (time.monotonic() - began) * 1000
                except OSError as error:
                    shot.error = f"connect: {error!r}"
                barrier.wait(timeout=30.0)
                if shot.error:
                    return
                sent = time.monotonic()
                shot.status, body = send(conn, *requests[i])
                shot.ack_ms = (time.monotonic() - sent) * 1000
                shot.working = b"Recreating" in body
                shot.text = ack_text(body)
            except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as error:
                shot.error = repr(error)
            finally:
                conn.close()

        threads = [threading.Thread(target=one, args=(i,), name=f"{prefix}{i}", daemon=True) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(self.deadline.left(60.0))
        return shots, started[0], time.monotonic()
