"""Progress on stderr: a bar on a terminal, a line every few seconds otherwise (CI logs)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

LINE_INTERVAL_SECONDS = 5.0
BAR_WIDTH = 24


class ProgressReporter:
    """Called as ``(phase, done, total)`` by the collector (``total`` 0: unknown yet)."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.region = ""
        self._clock = clock
        self._phase = ""
        self._last = 0.0
        self._lock = threading.Lock()

    def start_region(self, region: str) -> None:
        self.region = region
        self._phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        with self._lock:
            now = self._clock()
            if self.tty:
                self._bar(phase, done, total)
                return
            finished = total and done >= total
            if phase != self._phase or finished or now - self._last >= LINE_INTERVAL_SECONDS:
                if phase == self._phase and not finished and now - self._last < 0.5:
                    return
                count = f"{done}/{total}" if total else f"{done}"
                self.stream.write(f"audit {self.region}: {phase} {count}\n")
                self.stream.flush()
                self._phase = phase
                self._last = now

    def _bar(self, phase: str, done: int, total: int) -> None:
        if total:
            filled = int(BAR_WIDTH * min(done, total) / total)
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            text = f"audit {self.region}: {phase:<24} [{bar}] {done}/{total}"
        else:
            text = f"audit {self.region}: {phase:<24} {done}"
        self.stream.write("\r" + text.ljust(78))
        self.stream.flush()
        self._phase = phase

    def done(self) -> None:
        if self.tty and self._phase:
            self.stream.write("\r" + " " * 78 + "\r")
            self.stream.flush()

    def message(self, text: str) -> None:
        with self._lock:
            if self.tty and self._phase:
                self.stream.write("\r" + " " * 78 + "\r")
            self.stream.write(text + "\n")
            self.stream.flush()
