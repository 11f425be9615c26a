"""A progress bar for commands that work through many centres (provisioning, backups)."""

from __future__ import annotations

import sys
import time


class Progress:
    """``k/N``, centres a second and the time left, redrawn in place on stderr."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.started = time.perf_counter()
        self.tty = sys.stderr.isatty()
        self.last_line = 0.0

    def step(self) -> None:
        self.to(self.done + 1)

    def to(self, done: int) -> None:
        """``done`` of the total are done (work counted elsewhere, e.g. by other processes)."""
        if done <= self.done:
            return
        self.done = min(done, self.total)
        now = time.perf_counter()
        # Redrawn in place on a terminal; a line every 5 s (and the last) in a log.
        if not self.tty and now - self.last_line < 5 and self.done < self.total:
            return
        self.last_line = now
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed else 0.0
        left = (self.total - self.done) / rate if rate else 0.0
        width = 30
        filled = round(width * self.done / self.total) if self.total else width
        bar = "#" * filled + "." * (width - filled)
        line = (
            f"[{bar}] {self.done}/{self.total} {rate:.2f} ośr./s "
            f"ETA {int(left // 60)}:{int(left % 60):02d}"
        )
        sys.stderr.write(("\r" + line) if self.tty else (line + "\n"))
        sys.stderr.flush()

    def close(self) -> None:
        if self.tty and self.done:
            sys.stderr.write("\n")
            sys.stderr.flush()
