"""A small closed-loop HTTP load generator (asyncio, standard library only).

``concurrency`` clients each send a request, wait for the whole answer, then send the next,
for ``seconds``; each client has its own path and cookie (one family each). Gunicorn's sync
workers close the connection after each answer, so each request opens a new connection, as
the benchmark's figures say.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass


@dataclass
class Measure:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p95(self) -> float:
        return self.percentile(0.95)


async def _fetch(host: str, port: int, path: str, cookie: str) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
    if cookie:
        request += f"Cookie: {cookie}\r\n"
    writer.write((request + "\r\n").encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    return int(data[9:12]) if data[:5] == b"HTTP/" else 0


async def _run(host, port, targets, concurrency, seconds, warmup, expect):
    latencies: list[float] = []
    errors = 0
    measuring = False

    async def client(index: int):
        nonlocal errors
        path, cookie = targets[index % len(targets)]
        while not stop.is_set():
            started = time.perf_counter()
            try:
                status = await _fetch(host, port, path, cookie)
            except OSError:
                status = 0
            if measuring:
                if status != expect:
                    errors += 1
                latencies.append(time.perf_counter() - started)

    stop = asyncio.Event()
    tasks = [asyncio.create_task(client(index)) for index in range(concurrency)]
    await asyncio.sleep(warmup)
    measuring, began = True, time.perf_counter()
    await asyncio.sleep(seconds)
    measuring = False
    elapsed = time.perf_counter() - began
    stop.set()
    await asyncio.gather(*tasks)
    return Measure(len(latencies), errors, elapsed, latencies)


def measure(
    *,
    host: str,
    port: int,
    targets: list[tuple[str, str]],
    concurrency: int,
    seconds: float,
    warmup: float = 1.0,
) -> Measure:
    """``targets``: (path, cookie) per client, reused round-robin when there are fewer."""
    return asyncio.run(_run(host, port, targets, concurrency, seconds, warmup, 200))
