"""The commands' progress bar (tqdm) on stderr, drawn only where someone watches it.

On a terminal it redraws in place. When stderr is a pipe or a file (CI, tests, a log) there is no
bar, only its last state as one line at the end, so the log says how far the run got; when the
command's output is JSON, nothing at all. Standard output is never touched.
"""
import sys
import threading
import time

from tqdm import tqdm

BAR_FORMAT = "{desc} [{bar:30}] {n_fmt}/{total_fmt} {percentage:3.0f}% {elapsed} {rate_fmt}"
STYLE = {"bar_format": BAR_FORMAT, "ascii": ".#"}


class Progress:
    """``progress(done[, total])``: how many of ``total`` are done, from any thread.

    ``total`` may arrive with the first call (an import knows its rows only once it reads them).
    """

    def __init__(self, label, total=None, quiet=False, stream=None):
        self.label, self.total, self.quiet = label, total, quiet
        self.stream = stream or sys.stderr
        self.done = None
        self._bar = None
        self._lock = threading.Lock()
        self._started = time.monotonic()

    def __call__(self, done, total=None):
        with self._lock:
            if self._bar is None:
                self.total = total if total is not None else self.total
                self._bar = tqdm(total=self.total, desc=self.label, file=self.stream,
                                 disable=True if self.quiet else None,  # None: tqdm's own isatty()
                                 mininterval=0.1, **STYLE)
            if not self._bar.disable:
                self._bar.update(done - self._bar.n)
            self.done = done

    def close(self):
        with self._lock:
            if self._bar is None:
                return  # nothing was counted (the command stopped before), so nothing to report
            if not self._bar.disable:
                self._bar.close()
            elif not self.quiet:
                line = tqdm.format_meter(self.done, self.total, time.monotonic() - self._started,
                                         prefix=self.label, **STYLE)
                self.stream.write(line + "\n")
                self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
