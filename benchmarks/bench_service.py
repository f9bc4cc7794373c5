"""Load on the main public read endpoints: 50 concurrent users on loopback, on each store
backend in one run — the demo store in DuckDB served by one worker, and the same store copied
into PostgreSQL (`clusteratlas db copy`, a throwaway cluster) served by two.

Each server runs in its own process (``clusteratlas serve``), as in production. First, each
endpoint's uncached first answer (the diagnosis computed once per release) is timed alone; then
``--runs`` passes per server, interleaved. A pass is ``wrk`` (Debian's, written in C: the load
generator must not be the bottleneck on a 2-core machine) with 50 connections for ``--seconds``,
cycling over the endpoints; without wrk, 50 asyncio clients (httpx) making ``--requests`` GETs
each. Reports throughput and p95 per pass (median and min–max over the passes). Run:
``python benchmarks/bench_service.py [--users 50 --seconds 10 --runs 3 --backends duckdb,postgresql]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.pg: the throwaway cluster

ENDPOINTS = ["/api/regions", "/api/targets", "/api/analyses/overview", "/api/analyses/output-table",
             "/api/analyses/location-quotients", "/api/analyses/targets", "/api/analyses/lq-map",
             "/api/incentives/runs/1/totals"]  # the demo records incentive run 1


async def user(base: str, n: int, k: int, out: dict, errors: list, deadline: float):
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        for i in range(n):
            if time.perf_counter() > deadline:
                return
            path = ENDPOINTS[(k + i) % len(ENDPOINTS)]
            t0 = time.perf_counter()
            r = await client.get(path)
            out.setdefault(path, []).append(time.perf_counter() - t0)
            if r.status_code != 200:
                errors.append((path, r.status_code))


def load(base: str, users: int, requests: int, seconds: float) -> dict:
    """One pass: ``users`` clients at once; throughput, p95 and the per-endpoint times."""
    out, errors = {}, []
    t0 = time.perf_counter()

    async def everyone():
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(user(base, requests, k, out, errors, deadline) for k in range(users)))

    asyncio.run(everyone())
    wall = time.perf_counter() - t0
    allt = np.concatenate([np.array(v) for v in out.values()]) * 1000
    return {"rps": len(allt) / wall, "p95": float(np.percentile(allt, 95)), "n": len(allt),
            "errors": errors, "by_path": out}


WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%.6f %%.3f %%d\\n", summary.requests, summary.duration / 1e6,
                         latency:percentile(95) / 1000, e.status + e.connect + e.read + e.write + e.timeout))
end
"""


def load_wrk(base: str, users: int, seconds: float, script: Path) -> dict:
    """One pass of wrk: ``users`` connections on 2 threads for ``seconds``."""
    done = subprocess.run(["wrk", "-t", "2", "-c", str(users), "-d", f"{seconds:g}s", "--timeout", "60s",
                           "-s", str(script), base], capture_output=True, text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
    n, wall, p95, errors = line.split()[1:]
    return {"rps": int(n) / float(wall), "p95": float(p95), "n": int(n), "errors": [("wrk", int(errors))] * (int(errors) > 0),
            "by_path": {}}


def first_answers(base: str) -> dict[str, float]:
    """Each endpoint's first, uncached answer, alone (seconds)."""
    out = {}
    with httpx.Client(base_url=base, timeout=300) as client:
        for path in ENDPOINTS:
            t0 = time.perf_counter()
            client.get(path).raise_for_status()
            out[path] = time.perf_counter() - t0
    return out


def start(exe: Path, db: str, workers: int, env: dict) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([str(exe), "serve", "--db", db, "--port", str(port), "--workers", str(workers)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        try:
            if httpx.get(base + "/api/regions", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"the server on {db} did not start")


def resident_mb(server: subprocess.Popen) -> list[float]:
    """Resident memory (MB) of the server process and of each worker it spawned."""
    pids = [server.pid]
    try:
        with open(f"/proc/{server.pid}/task/{server.pid}/children") as f:
            pids += [int(p) for p in f.read().split()]
    except OSError:
        return []
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"resource_tracker" in f.read():
                    continue
            with open(f"/proc/{pid}/status") as f:
                out.append(next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024)
        except (OSError, StopIteration):
            pass
    return out


def spread(values: list[float], fmt: str) -> str:
    return (f"{format(statistics.median(values), fmt)} ({format(min(values), fmt)}–"
            f"{format(max(values), fmt)})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=10, help="a wrk pass's length (the httpx pass's limit: 30×)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--backends", default="duckdb,postgresql")
    args = ap.parse_args()
    wanted = args.backends.split(",")
    exe = Path(sys.executable).with_name("clusteratlas")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([str(exe), "demo", "--out", tmp], check=True, capture_output=True)
        setups, cluster = [], None
        if "duckdb" in wanted:
            setups.append(("DuckDB, 1 worker", str(Path(tmp) / "sample.duckdb"), 1, dict(os.environ)))
        if "postgresql" in wanted:
            from tests.pg import Cluster

            cluster = Cluster()
            url = cluster.create("bench")
            env = {**os.environ, "CLUSTERATLAS_FILES": str(Path(tmp) / "pg.files")}
            subprocess.run([str(exe), "db", "copy", str(Path(tmp) / "sample.duckdb"), url], check=True,
                           capture_output=True, env=env)
            setups.append(("PostgreSQL, 2 workers", url, 2, env))
        servers = []
        try:
            for name, db, workers, env in setups:
                servers.append((name, *start(exe, db, workers, env)))
            wrk = shutil.which("wrk")
            script = Path(tmp) / "paths.lua"
            script.write_text(WRK_SCRIPT % ", ".join(f'"{p}"' for p in ENDPOINTS))
            how = (f"wrk, {args.users} connections × {args.seconds:g} s" if wrk else
                   f"{args.users} httpx clients × {args.requests} GETs (no wrk: apt-get install wrk)")
            print(f"{how} over {len(ENDPOINTS)} public read endpoints, {args.runs} interleaved passes per server")
            results = {name: [] for name, _, _ in servers}
            for name, _, base in servers:
                first = first_answers(base)
                print(f"  {name:22s} uncached first answers (s): "
                      + ", ".join(f"{p.rsplit('/', 1)[-1]} {t:.2f}" for p, t in first.items()))
                # every worker computes its own diagnosis once: a warm-up pass, not counted
                load(base, args.users, 2, args.seconds * 30)
            for _ in range(args.runs):
                for name, _, base in servers:
                    results[name].append(load_wrk(base, args.users, args.seconds, script) if wrk else
                                         load(base, args.users, args.requests, args.seconds * 30))
            for name, server, _ in servers:
                print(f"  {name:22s} resident memory after the passes (MB, each process): "
                      + ", ".join(f"{m:.0f}" for m in resident_mb(server)))
        finally:
            for _, server, _ in servers:
                server.terminate()
                server.wait(timeout=60)
            if cluster is not None:
                cluster.stop()
    for name, passes in results.items():
        errors = sum(len(p["errors"]) for p in passes)
        print(f"{name:24s} {spread([p['rps'] for p in passes], '.0f')} req/s, p95 "
              f"{spread([p['p95'] for p in passes], '.0f')} ms, {errors} errors in {sum(p['n'] for p in passes)} requests")
        joined: dict[str, list] = {}
        for p in passes:
            for path, times in p["by_path"].items():
                joined.setdefault(path, []).extend(times)
        for path, times in joined.items():
            t = np.array(times) * 1000
            print(f"    {path:40s} n={len(t):4d} p50 {statistics.median(t):6.0f} ms  p95 "
                  f"{np.percentile(t, 95):6.0f} ms  max {t.max():6.0f} ms")
    if len(results) == 2:
        (a, pa), (b, pb) = results.items()
        ratio = statistics.median(p["rps"] for p in pb) / statistics.median(p["rps"] for p in pa)
        print(f"throughput, {b} / {a}: {ratio:.2f}×")


if __name__ == "__main__":
    main()
