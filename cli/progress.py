"""The progress bar of long command-line runs."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """A one-line progress bar on stderr, only when stderr is a terminal and the run is long.

    Call it as the engine's ``progress(done, total)``."""

    def __init__(self, total: int, stream=sys.stderr):
        self.stream = stream
        self.enabled = total >= 200_000 and getattr(stream, "isatty", lambda: False)()
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / total)
        elapsed = time.perf_counter() - self.started
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} futures  {elapsed:.1f}s")
        self.stream.flush()
        if done >= total:
            self.stream.write("\r" + " " * 70 + "\r")
            self.stream.flush()
