"""Duranton–Overman K-density against R's dbmss on the same point patterns (uniform in a
1000 × 1000 window, one point in ten of the reference type, as ``make_reference.R`` draws them).

dbmss times are read from ``../shared/reference/dbmss/bench_dbmss*.txt`` (dbmss 2.11, measured
with the reference outputs; R cannot be installed here). Ours are medians of ``--repeat`` runs
after one warm-up call (numba compiles the binned kernels on first use, about 2 s, reported apart).

Run: ``make bench`` or ``python benchmarks/bench_kdensity.py [--small]``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from clusteratlas.measures.kdensity import kdensity

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "dbmss"


def dbmss_times() -> dict[str, float]:
    times = {}
    for path in sorted(SHARED.glob("bench_dbmss*.txt")):
        for line in path.read_text().splitlines():
            m = re.match(r"(.+?)\s+([\d.]+) s$", line)
            if m:
                times[m.group(1).strip()] = float(m.group(2))
    return times


def points(n: int, seed: int = 42) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.uniform(0, 1000, n), "y": rng.uniform(0, 1000, n),
                         "type": np.where(np.arange(n) < n // 10, "Ref", "Other"),
                         "w": np.round(rng.exponential(20, n)) + 1})


CASES = [  # label, n, kwargs, dbmss label
    ("Kd n=10000 exact", 10_000, dict(mode="exact"), "Kdhat n=10000 exact (Approximate=0)"),
    ("Kd n=10000 weighted exact", 10_000, dict(mode="exact", weight="w"), "Kdhat n=10000 weighted exact"),
    ("KdEnvelope n=10000, 100 sims, exact", 10_000, dict(mode="exact", n_sim=100, seed=0),
     "KdEnvelope n=10000, 100 sims, RandomLocation, exact"),
    ("KdEnvelope n=10000, 99 sims, binned", 10_000, dict(mode="binned", n_sim=99, seed=0),
     "KdEnvelope n=10000, 100 sims, RandomLocation, exact"),
    ("Kd n=100000 (ref 10000) binned", 100_000, dict(mode="binned"), "Kdhat n=100000 (ref=10000) exact"),
    ("KdEnvelope n=50000, 20 sims, binned", 50_000, dict(mode="binned", n_sim=20, seed=0),
     "KdEnvelope n=50000, 20 sims, Approximate=1"),
    ("KdEnvelope n=100000, 20 sims, binned", 100_000, dict(mode="binned", n_sim=20, seed=0),
     "KdEnvelope n=100000, 20 sims, Approximate=1"),
    ("KdEnvelope n=100000, 99 sims, binned", 100_000, dict(mode="binned", n_sim=99, seed=0),
     "KdEnvelope n=100000, 20 sims, Approximate=1"),
]
# dbmss was timed with 20 simulations at n = 100,000: for 99, its Kd plus 99/20 of the rest
SIMS_IN_REFERENCE = {"KdEnvelope n=100000, 20 sims, binned", "KdEnvelope n=100000, 99 sims, binned"}


def _case(label, n, kwargs, repeat, queue):
    window = dict(max_range="third_window", window=(0, 1000, 0, 1000), x="x", y="y")
    data = points(n)
    kdensity(points(2000), industry="type", of="Ref", **window, **{**kwargs, "n_sim": 0})  # compile, warm up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        kdensity(data, industry="type", of="Ref", **window, **kwargs)
        times.append(time.perf_counter() - t)
    queue.put((times, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="only the n=10000 cases")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ref = dbmss_times()
    t0 = time.perf_counter()
    kdensity(points(2000), industry="type", of="Ref", mode="binned", max_range="third_window", x="x", y="y")
    print(f"numba compile + first binned call: {time.perf_counter() - t0:.2f} s")
    print(f"{'case':40s} {'ours: median (min–max)':>24s} {'peak RSS':>9s} {'dbmss':>9s} {'speed-up':>9s}")
    ctx = mp.get_context("spawn")
    for label, n, kwargs, ref_label in CASES:
        if args.small and n > 10_000:
            continue
        queue = ctx.Queue()
        proc = ctx.Process(target=_case, args=(label, n, kwargs, args.repeat, queue))
        proc.start()
        times, rss = queue.get()
        proc.join()
        med = statistics.median(times)
        r = ref.get(ref_label)
        note = ""
        if r and label in SIMS_IN_REFERENCE:  # scale dbmss's 20-simulation time, plus its Kd
            base = ref["Kdhat n=100000 (ref=10000) Approximate=1"]
            r = base + (r - base) * kwargs["n_sim"] / 20
            note = " (dbmss scaled from 20 sims)" if kwargs["n_sim"] != 20 else ""
        ratio = f"{r / med:8.1f}×" if r else "      n/a"
        spread = f"{med:6.2f} s ({min(times):.2f}–{max(times):.2f})"
        print(f"{label:40s} {spread:>24s} {rss:6.0f} MB {r or float('nan'):7.1f} s {ratio}{note}")


if __name__ == "__main__":
    main()
