"""The progress bar of the long ops commands (seed_demo, send_credentials, reenrolment_remind).

It is drawn on stderr, redrawn in place, so stdout keeps the one-line summary that can be
piped or logged.
"""

from __future__ import annotations

import time


class ProgressBar:
    """``[#########.....................] 9000/20000 families  45 %  12.3 s``"""

    def __init__(self, total: int, *, stream, unit: str = "", width: int = 30):
        self.total = total
        self.stream = stream
        self.unit = unit
        self.width = width
        self.started = time.monotonic()

    def update(self, done: int) -> None:
        filled = self.width * done // self.total if self.total else self.width
        percent = 100 * done // self.total if self.total else 100
        elapsed = time.monotonic() - self.started
        bar = "#" * filled + "." * (self.width - filled)
        unit = f" {self.unit}" if self.unit else ""
        self.stream.write(f"\r[{bar}] {done}/{self.total}{unit}  {percent:3d} %  {elapsed:5.1f} s")
        self.stream.flush()

    def finish(self) -> None:
        if self.total:
            self.stream.write("\n")
            self.stream.flush()
