"""A small keep-alive HTTP/1.1 load generator on asyncio (loopback only).

It sends prepared request bytes over C connections for a fixed time and records each
request's latency and status. It is the same client for the tier and for the bare-Flask
ceiling, so its own cost cancels out of the ratio the benchmark reports.
"""
import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    seconds: float = 0.0
    latencies: list = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0
    next_index: int = 0  # requests handed out so far (in order): where a following phase starts

    def add(self, other):
        """Fold a later phase against the same server into this result."""
        self.seconds += other.seconds
        self.latencies.extend(other.latencies)
        self.statuses.update(other.statuses)
        self.errors += other.errors

    @property
    def requests(self):
        return sum(self.statuses.values())

    @property
    def rate(self):
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p):
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def build_request(host, path, body, token):
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _read_response(reader):
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split(b" ", 2)[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _worker(host, port, requests, deadline, result):
    """Send the next unsent request, one at a time on one connection; retry it after an error."""
    reader = writer = None
    index = None
    while time.perf_counter() < deadline:
        if index is None:  # requests are handed out in order, so a phase uses a contiguous prefix
            if result.next_index >= len(requests):
                break
            index, result.next_index = result.next_index, result.next_index + 1
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            t0 = time.perf_counter()
            writer.write(requests[index])
            status = await _read_response(reader)
            result.latencies.append(time.perf_counter() - t0)
            result.statuses[status] += 1
            index = None
        except (ConnectionError, OSError, asyncio.IncompleteReadError, ValueError):
            result.errors += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


def run_load(host, port, requests, seconds, concurrency):
    """Drive ``requests`` (a list of bytes, each used once) for up to ``seconds``."""
    result = LoadResult()

    async def main():
        deadline = time.perf_counter() + seconds
        t0 = time.perf_counter()
        await asyncio.gather(*(_worker(host, port, requests, deadline, result) for _ in range(concurrency)))
        result.seconds = time.perf_counter() - t0

    asyncio.run(main())
    return result
