"""Cluster measures at scale; medians over repeats, each measure in its own process so its peak
memory is its own.

- every regional measure on 3,000 regions × 1,000 industries × 10 years (30,000,000 tidy rows);
- Ellison–Glaeser and Maurel–Sédillot for all industries from 1,000,000 firms (1,000 industries,
  300 regions). Goal: under 0.2 s, and at least 100× faster than REAT's ``ellison.a`` looped over
  industries (about 0.017 s per industry of 1,000 firms on this machine kind, so about 17 s for
  1,000 industries: the figure given with the task, as R cannot be installed here).

Run: ``make bench`` or ``python benchmarks/bench_measures.py [--small]``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import time

import numpy as np
import pandas as pd

REAT_SECONDS_PER_INDUSTRY = 0.017


def regional(regions: int, industries: int, years: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = regions * industries * years
    y, r, i = np.unravel_index(np.arange(n), (years, regions, industries))
    return pd.DataFrame({"year": (2010 + y).astype(np.int32), "region": r.astype(np.int32),
                         "industry": i.astype(np.int32),
                         "value": rng.gamma(0.5, 200.0, n) * (rng.random(n) > 0.3),
                         "establishments": rng.integers(0, 40, n).astype(np.float64)})


def firms(n: int, industries: int, regions: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"industry": rng.integers(0, industries, n).astype(np.int32),
                         "region": rng.integers(0, regions, n).astype(np.int32),
                         "value": rng.lognormal(3.0, 1.2, n)})


def _run(job, queue):
    import clusteratlas.measures as M

    kind, name, kwargs, shape, repeats = job
    data = regional(*shape) if kind == "regional" else firms(*shape)
    fn = getattr(M, name)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn(data, **kwargs)
        times.append(time.perf_counter() - t0)
    queue.put((statistics.median(times), min(times), max(times), len(out),
               resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def measure(job):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_run, args=(job, q))
    p.start()
    result = q.get()
    p.join()
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", action="store_true", help="a tenth of the size, for a quick look")
    args = ap.parse_args()
    k = 10 if args.small else 1
    reg_shape = (3000 // k, 1000, 10)
    firm_shape = (1_000_000 // k, 1000, 300)
    Y = {"year": "year"}
    jobs = [
        ("firm", "ellison_glaeser", {}, firm_shape, 7),
        ("firm", "maurel_sedillot", {}, firm_shape, 7),
        ("regional", "location_quotient", Y, reg_shape, 3),
        ("regional", "hoover", Y, reg_shape, 3),
        ("regional", "krugman_concentration", Y, reg_shape, 3),
        ("regional", "krugman_specialization", Y, reg_shape, 3),
        ("regional", "herfindahl", Y, reg_shape, 3),
        ("regional", "gini_localization", Y, reg_shape, 3),
        ("regional", "gini_specialization", Y, reg_shape, 3),
        ("regional", "shift_share", {**Y, "method": "dynamic"}, reg_shape, 3),
        ("regional", "strong_clusters", {**Y,
                                         "establishments": "establishments"}, reg_shape, 3),
    ]
    print(f"{'measure':26s} {'input':>22s} {'median s':>9s} {'min':>7s} {'max':>7s} {'rows out':>11s} {'peak MB':>8s}")
    for job in jobs:
        kind, name, _, shape, repeats = job
        med, lo, hi, rows, peak = measure(job)
        label = f"{shape[0]:,}×{shape[1]:,}×{shape[2]}" if kind == "regional" else f"{shape[0]:,} firms"
        print(f"{name:26s} {label:>22s} {med:9.3f} {lo:7.3f} {hi:7.3f} {rows:11,d} {peak:8,.0f}")
        if kind == "firm":
            reat = REAT_SECONDS_PER_INDUSTRY * shape[1]
            print(f"{'':26s} vs REAT ellison.a looped over {shape[1]} industries ≈ {reat:.0f} s: "
                  f"{reat / med:,.0f}× faster (goal ≥ 100×, < 0.2 s)")


if __name__ == "__main__":
    main()
