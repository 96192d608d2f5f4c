"""Reading a process's resident memory, threads, open files and CPU time while a benchmark runs."""

from __future__ import annotations

import threading
from pathlib import Path

import psutil

RSS_POLL_S = 0.020


class RssSampler:
    """Reads a process's resident memory, thread count and open file descriptors every RSS_POLL_S on a thread."""

    def __init__(self, pid: int) -> None:
        self._process = psutil.Process(pid)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.samples = 0
        self.last = 0
        self.peak = 0
        self.peak_threads = 0
        self.threads = 0
        self.fds = 0
        self.peak_fds = 0
        self._window_peak = 0
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(1.0)

    def cpu_ms(self) -> float | None:
        """CPU time (user + system) the process has used so far, in ms; None once it has exited."""
        try:
            times = self._process.cpu_times()
        except psutil.Error:
            return None
        return float(times.user + times.system) * 1000

    def window(self) -> int:
        """Peak RSS since the previous call (or the start), in bytes; starts a new window."""
        with self._lock:
            peak, self._window_peak = self._window_peak, self.last
            return max(peak, self.last)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                with self._process.oneshot():
                    rss = int(self._process.memory_info().rss)
                    threads = int(self._process.num_threads())
                    fds = int(self._process.num_fds())
            except psutil.Error:
                return  # the process has exited
            with self._lock:
                self.samples += 1
                self.last = rss
                self.peak = max(self.peak, rss)
                self._window_peak = max(self._window_peak, rss)
                self.peak_threads = max(self.peak_threads, threads)
                self.threads, self.fds = threads, fds
                self.peak_fds = max(self.peak_fds, fds)
            self._stop.wait(RSS_POLL_S)


def thread_cpu(native_id: int | None) -> float:
    """CPU seconds of one thread of this process: the scheduler's nanosecond count where Linux offers it, else
    psutil's user + system time (clock ticks, 10 ms)."""
    if native_id is None:
        return 0.0
    try:
        return int(Path(f"/proc/self/task/{native_id}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        pass
    for thread in psutil.Process().threads():
        if thread.id == native_id:
            return float(thread.user_time + thread.system_time)
    return 0.0
