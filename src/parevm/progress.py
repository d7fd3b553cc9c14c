"""A progress bar on stderr: redrawn in place on a terminal, a line per tenth otherwise."""

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total = max(total, 1)
        self.label = label
        self.done = 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self._next_line = 0.1

    def advance(self, note: str = "") -> None:
        self.done += 1
        fraction = self.done / self.total
        if self.tty:
            filled = int(30 * fraction)
            bar = "#" * filled + "." * (30 - filled)
            self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total} {note[:40]:<40}")
            self.stream.flush()
        elif fraction >= self._next_line or self.done == self.total:
            elapsed = time.monotonic() - self.started
            self.stream.write(f"{self.label}: {self.done}/{self.total} ({elapsed:.0f} s)\n")
            self.stream.flush()
            while self._next_line <= fraction:
                self._next_line += 0.1

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
