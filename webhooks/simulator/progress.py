"""A plain-text progress bar on stderr (no dependency): redrawn in place at most 10 times a second."""
import sys
import threading
import time


class Progress:
    def __init__(self, total, label="", stream=None, width=30):
        self.total, self.label, self.width = max(total, 1), label, width
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self._drawn_at = 0.0
        self._lock = threading.Lock()
        self._tty = getattr(self.stream, "isatty", lambda: False)()

    def __call__(self, done):
        now = time.monotonic()
        if done < self.total and now - self._drawn_at < (0.1 if self._tty else 2.0):
            return
        with self._lock:
            self._drawn_at = now
            self._draw(done, now)

    def _draw(self, done, now):
        share = min(done / self.total, 1.0)
        filled = int(share * self.width)
        rate = done / max(now - self.started, 1e-6)
        line = (f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
                f"{done}/{self.total} {share:4.0%} {rate:,.0f}/s")
        # on a terminal redraw the line; in a log (CI, a pipe) print a line every 2 s
        self.stream.write(("\r" + line) if self._tty else line + "\n")
        self.stream.flush()

    def close(self):
        if self._tty:
            self.stream.write("\n")
            self.stream.flush()
