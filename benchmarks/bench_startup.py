"""How long a user waits before anything happens: ``clusteratlas --help``, the service's first
answer and first dashboard page, and a first binned K-density with the numba kernels compiled
afresh against cached. Medians over repeats, each in a fresh process.

Run: ``python benchmarks/bench_startup.py [--repeat 5]`` (``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
EXE = str(BIN / "clusteratlas")
KERNEL = ("import time, numpy as np, pandas as pd; t = time.perf_counter(); "
          "from clusteratlas.measures import kdensity; "
          "rng = np.random.default_rng(0); d = pd.DataFrame({'x': rng.uniform(0, 50, 3000), "
          "'y': rng.uniform(0, 50, 3000), 'industry': rng.choice(['a', 'b'], 3000)}); "
          "kdensity(d, of='a', x='x', y='y', mode='binned'); print(time.perf_counter() - t)")


def timed(cmd) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


def first_answers(db: Path) -> tuple[float, float, float]:
    """(s to the first API answer, s to the first dashboard page, s to the same page again)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    t = time.perf_counter()
    proc = subprocess.Popen([EXE, "serve", "--db", str(db), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                httpx.get(base + "/api/regions", timeout=5).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        api = time.perf_counter() - t
        t1 = time.perf_counter()
        httpx.get(base + "/clusters", timeout=600).raise_for_status()  # the diagnosis: 999 simulations
        page = time.perf_counter() - t1
        t2 = time.perf_counter()
        httpx.get(base + "/clusters", timeout=600).raise_for_status()
        again = time.perf_counter() - t2
    finally:
        proc.terminate()
        proc.wait()
    return api, page, again


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"{'what':58s} {'median s':>9s} {'min':>7s} {'max':>7s}")

    def row(label, values):
        print(f"{label:58s} {statistics.median(values):9.2f} {min(values):7.2f} {max(values):7.2f}")

    row("clusteratlas --help", [timed([EXE, "--help"]) for _ in range(args.repeat)])
    row("clusteratlas import --help", [timed([EXE, "import", "--help"]) for _ in range(args.repeat)])
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([EXE, "demo", "--out", f"{tmp}/demo"], check=True, capture_output=True)
        runs = []
        for k in range(max(2, args.repeat // 2)):
            db = Path(tmp) / f"s{k}.duckdb"
            shutil.copy(f"{tmp}/demo/sample.duckdb", db)
            shutil.copytree(f"{tmp}/demo/sample.duckdb.files", f"{db}.files")
            runs.append(first_answers(db))
    row("serve: first API answer (process start, imports, store)", [r[0] for r in runs])
    row("serve: first cluster page (the diagnosis, 999 simulations)", [r[1] for r in runs])
    row("serve: the same page again (the diagnosis kept)", [r[2] for r in runs])
    cache = Path(__import__("clusteratlas.measures.kdensity", fromlist=["x"]).__file__).parent / "__pycache__"
    cold = []
    for _ in range(2):
        for f in cache.glob("kdensity.*.nb*"):
            f.unlink()
        cold.append(float(subprocess.run([sys.executable, "-c", KERNEL], check=True, capture_output=True,
                                         text=True).stdout))
    warm = [float(subprocess.run([sys.executable, "-c", KERNEL], check=True, capture_output=True,
                                 text=True).stdout) for _ in range(args.repeat)]
    row("first binned K-density, kernels compiled afresh", cold)
    row("first binned K-density, kernels from numba's cache", warm)


if __name__ == "__main__":
    main()
