"""Driving the bot in Socket Mode: `slash_commands` envelopes down a loopback WebSocket, acks timed as read."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from bench.harness.bench import BotBench, Shot
from bench.harness.process import CHANNEL_ID, USER_ID, Watchdog, bot_env, wait_until
from bench.harness.stats import ms
from tests.fakes.socket_mode import Ack, FakeSocketMode
from tests.signing import command_fields

APP_TOKEN = "xapp-1-A0APP00001-1234567890-bench0socket0mode"


class SocketBench(BotBench):
    """The bot as `python -m bot` with SLACK_APP_TOKEN set; FakeSlack's apps.connections.open points it at
    FakeSocketMode. An ack's latency is from just before its envelope was written until its frame was read."""

    def __init__(self, args: argparse.Namespace, watchdog: Watchdog) -> None:
        super().__init__(args, watchdog)
        self.socket = FakeSocketMode()
        self.results["mode"] = "socket"

    def fields(self, index: int, name: str, text: str | None = None) -> dict[str, str]:
        """`/recreate-job <job>` (or `text`) as an envelope's payload; its response_url is `/response/<name>`."""
        response_url = self.slack.response_url(name)
        return command_fields(
            self.job(index) if text is None else text, user_id=USER_ID, channel_id=CHANNEL_ID, response_url=response_url
        )

    def start_fakes(self) -> None:
        self.socket.start()
        self.slack.socket_url = self.socket.url
        super().start_fakes()

    def stop_fakes(self) -> None:
        self.socket.stop()
        super().stop_fakes()

    def _until(self, done: Callable[[], bool], limit: float) -> bool:
        """Poll `done()` until true, the bot exits, `limit` s pass, or the budget runs out."""
        proc = self.proc
        assert proc is not None
        return wait_until(lambda: done() or proc.poll() is not None, self.deadline.left(limit)) and done()

    def start_bot(self, workdir: Path, log: IO[bytes]) -> None:
        """Spawn `python -m bot`; time it to the hello on its WebSocket, then to its first acked envelope."""
        env = bot_env(self.slack, self.baseten, None, dict(self.args.bot_env), app_token=APP_TOKEN)
        spawned = self.spawn(workdir, log, env)
        assert self.proc is not None
        if not self._until(lambda: self.socket.connections_made >= 1, 30.0):
            raise RuntimeError(f"the bot never opened its Socket Mode connection (exit code {self.proc.poll()})")
        self.results["startup_hello_ms"] = round((time.monotonic() - spawned) * 1000, 1)
        envelope = self.socket.send_slash_command(self.fields(0, "ready", "help"))
        if not self._until(lambda: self.socket.ack_for(envelope) is not None, 30.0):
            raise RuntimeError(f"the bot never acked a help envelope (exit code {self.proc.poll()})")
        ack = self.socket.ack_for(envelope)
        assert ack is not None
        self.results["startup_ms"] = round((ack.at - spawned) * 1000, 1)
        self.results["ready_ack_ms"] = ms((ack.at - self.socket.sent[envelope]) * 1000)
        self.results["apps_connections_open_calls"] = len(self.slack.of("apps.connections.open"))
        self.note_idle()

    def _acks(self, envelope_ids: list[str], timeout: float) -> dict[str, Ack]:
        wanted = set(envelope_ids)
        self._until(lambda: sum(a.envelope_id in wanted for a in list(self.socket.acks)) >= len(wanted), timeout)
        return {a.envelope_id: a for a in list(self.socket.acks) if a.envelope_id in wanted}

    def _shots(self, envelope_ids: list[str], timeout: float) -> list[Shot]:
        acks = self._acks(envelope_ids, timeout)
        shots = []
        for envelope in envelope_ids:
            ack = acks.get(envelope)
            if ack is None:
                shots.append(Shot(error="no ack"))
                continue
            text = str((ack.payload or {}).get("text", ""))
            latency = (ack.at - self.socket.sent[envelope]) * 1000
            shots.append(Shot(status=200, ack_ms=latency, working="Recreating" in text, text=text[:70]))
        return shots

    def fire(self, count: int, prefix: str) -> tuple[list[Shot], float, float]:
        """`count` envelopes in one write."""
        envelope_ids = self.socket.send_slash_commands([self.fields(i, f"{prefix}{i}") for i in range(count)])
        started = self.socket.sent[envelope_ids[0]]
        shots = self._shots(envelope_ids, 30.0)
        acked = [started + shot.ack_ms / 1000 for shot in shots if shot.ack_ms is not None]
        return shots, started, max(acked, default=time.monotonic())

    def send_one(self, index: int, name: str) -> tuple[float, Shot]:
        [envelope] = self.socket.send_slash_commands([self.fields(index, name)])
        return self.socket.sent[envelope], self._shots([envelope], 10.0)[0]

    def while_stopping(self, signalled: float) -> None:
        disconnected = self._until(lambda: self.socket.open_connections == 0, 30.0)
        self.results["sigterm_disconnect_s"] = round(time.monotonic() - signalled, 3) if disconnected else None
