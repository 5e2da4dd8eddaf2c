"""Headless Chromium driven as a person would use it, over the DevTools protocol on a pipe.

No client library: started with ``--remote-debugging-pipe``, Chromium reads commands on its fd 3
and writes answers and events on its fd 4, each one JSON object ended by a NUL byte
(chromium/src/content/browser/devtools/devtools_pipe_handler.cc). One tab, attached with
``flatten`` so its commands carry a ``sessionId``; every wait has a deadline.
"""
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT = 60.0


class Browser:
    def __init__(self, width=412, height=915):
        exe = shutil.which("chromium")
        if exe is None:
            pytest.fail("Debian 'chromium' is not installed (bash .ci/run installs it)")
        self._profile = tempfile.TemporaryDirectory()
        commands_r, self._out = os.pipe()
        self._in, events_w = os.pipe()
        # Above 9, so moving them to 3 and 4 in the child never overwrites one with the other.
        commands_r, events_w = (_high(fd) for fd in (commands_r, events_w))
        # The shell puts our pipe ends at the fds Chromium expects, then becomes Chromium.
        script = f'exec "$0" "$@" 3<&{commands_r} 4>&{events_w} {commands_r}<&- {events_w}>&-'
        self.proc = subprocess.Popen(["bash", "-c", script, exe, *FLAGS, f"--user-data-dir={self._profile.name}",
                                      "--remote-debugging-pipe", "about:blank"],
                                     pass_fds=(commands_r, events_w), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(commands_r)
        os.close(events_w)
        self._buffer, self._events, self._id = b"", [], 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self._session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.tab("Page.enable")
        self.tab("Network.enable")
        self.tab("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=True)

    # -- what a person does ------------------------------------------------------------------------
    def goto(self, url):
        """Open ``url`` and wait until it (and whatever it redirected to) has loaded."""
        self._events.clear()
        self.tab("Page.navigate", url=url)
        self._wait("Page.loadEventFired")

    def submit(self, fields, button="button[type=submit]"):
        """Type into the form's inputs (name -> text), press its button, wait for the next page."""
        self._events.clear()
        for name, text in fields.items():
            self.evaluate(f"document.querySelector('[name={name}]').focus()")
            self.tab("Input.insertText", text=text)
        self.evaluate(f"document.querySelector({json.dumps(button)}).click()")
        self._wait("Page.loadEventFired")

    def url(self):
        return self.evaluate("location.href")

    def html(self):
        return self.evaluate("document.documentElement.outerHTML")

    def evaluate(self, expression):
        answer = self.tab("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in answer, answer["exceptionDetails"]
        return answer["result"].get("value")

    def cookies(self):
        return self.tab("Network.getCookies")["cookies"]

    def screenshot(self):
        """The whole page, as PNG bytes, at the window's width."""
        size = self.tab("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = self.tab("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)
        return base64.b64decode(shot["data"])

    def close(self):
        try:
            self.call("Browser.close")
        except (AssertionError, OSError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        os.close(self._out)
        os.close(self._in)
        self._profile.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- the protocol --------------------------------------------------------------------------------
    def tab(self, method, **params):
        return self.call(method, _session=self._session, **params)

    def call(self, method, _session=None, **params):
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if _session:
            message["sessionId"] = _session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            answer = self._next(deadline)
            if answer.get("id") == self._id:
                assert "error" not in answer, f"{method}: {answer['error']}"
                return answer["result"]
            self._events.append(answer)

    def _wait(self, event):
        deadline = time.monotonic() + TIMEOUT
        while True:
            for i, message in enumerate(self._events):
                if message.get("method") == event:
                    del self._events[: i + 1]
                    return message
            self._events.append(self._next(deadline))

    def _next(self, deadline):
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            assert left > 0 and self.proc.poll() is None, "Chromium did not answer in time"
            ready, _, _ = select.select([self._in], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(self._in, 1 << 20)
                assert chunk, "Chromium closed its end of the pipe"
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)


def _high(fd):
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved
