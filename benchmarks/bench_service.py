"""Load on the main read endpoints: 50 concurrent users on loopback, bounded in count and time.

Starts the service (``clusteratlas serve``, one process) on a demo store, then 50 asyncio clients each
make ``--requests`` GETs in turn over the main read endpoints; reports per-endpoint p50/p95/max
latency and errors. Run: ``python benchmarks/bench_service.py [--users 50 --requests 20]``
(it runs ``clusteratlas demo`` into a temporary folder first).
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ENDPOINTS = ["/api/regions", "/api/targets", "/api/analyses/overview", "/api/analyses/output-table",
             "/api/analyses/location-quotients", "/api/analyses/targets", "/api/analyses/lq-map",
             "/api/incentives/runs/1/totals"]  # the demo records incentive run 1


async def user(base: str, n: int, k: int, out: dict, errors: list, deadline: float):
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for i in range(n):
            if time.perf_counter() > deadline:
                return
            path = ENDPOINTS[(k + i) % len(ENDPOINTS)]
            t0 = time.perf_counter()
            r = await client.get(path)
            out.setdefault(path, []).append(time.perf_counter() - t0)
            if r.status_code != 200:
                errors.append((path, r.status_code))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=300)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(sys.executable).with_name("clusteratlas")
        subprocess.run([str(exe), "demo", "--out", tmp], check=True, capture_output=True)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        # the server in its own process, as in production, so the load generator does not
        # share its interpreter
        server = subprocess.Popen([str(exe), "serve", "--db", str(Path(tmp) / "sample.duckdb"),
                                   "--port", str(port)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                httpx.get(base + "/api/regions", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        out, errors = {}, []
        t0 = time.perf_counter()

        async def everyone():
            deadline = time.perf_counter() + args.seconds
            await asyncio.gather(*(user(base, args.requests, k, out, errors, deadline) for k in range(args.users)))

        asyncio.run(everyone())
        wall = time.perf_counter() - t0
        server.terminate()
        server.wait(timeout=30)
    total = sum(len(v) for v in out.values())
    print(f"{args.users} concurrent users, {total} requests in {wall:.1f} s ({total / wall:.1f} req/s), "
          f"{len(errors)} errors")
    for path, times in out.items():
        t = np.array(times) * 1000
        print(f"  {path:40s} n={len(t):4d} p50 {statistics.median(t):7.0f} ms  p95 {np.percentile(t, 95):7.0f} ms  max {t.max():7.0f} ms")
    allt = np.concatenate([np.array(v) for v in out.values()]) * 1000
    print(f"  all: p95 {np.percentile(allt, 95):.0f} ms")


if __name__ == "__main__":
    main()
