"""Complexity at scale: 3,000 regions × 1,000 industries × 5 years, ClusterAtlas against
py-ecomplexity (PyPI ``ecomplexity``, run here with its log-supermodularity check off, which is
otherwise the slowest part of it). Checks the two agree, then reports medians and the ratio.
Goal: at least 20× faster with equal results.

Run: ``python benchmarks/bench_complexity.py [--regions N --industries N --years N --repeat N]``.
Both sides use numpy's BLAS; on machines where OPENBLAS_CORETYPE pins an old kernel, run it as
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_complexity.py`` to
measure the kernel numpy would pick (the closing note says which was used).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import pandas as pd

from clusteratlas.measures import complexity


def data(regions: int, industries: int, years: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = regions * industries
    frames = []
    for y in range(years):
        frames.append(pd.DataFrame({
            "year": 2010 + y, "loc": np.repeat(np.arange(regions), industries),
            "prod": np.tile(np.arange(industries), regions),
            "val": rng.lognormal(2.0, 2.0, n) * (rng.random(n) > 0.4)}))
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--regions", type=int, default=3000)
    ap.add_argument("--industries", type=int, default=1000)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    d = data(args.regions, args.industries, args.years)
    from ecomplexity import ecomplexity

    ours_t, ref_t = [], []
    ours = None
    for _ in range(args.repeat):
        del ours  # each run starts without the previous 15-million-row result in memory
        t0 = time.perf_counter()
        ours = complexity(d, region="loc", industry="prod", value="val", year="year")
        ours_t.append(time.perf_counter() - t0)
    for _ in range(max(1, args.repeat - 2)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            ref = ecomplexity(d, {"time": "year", "loc": "loc", "prod": "prod", "val": "val"},
                              verbose=False, check_logsupermodularity=False)
            ref_t.append(time.perf_counter() - t0)
    m = ours.merge(ref, on=["year", "loc", "prod"], suffixes=("", "_ref"))
    worst = max(np.nanmax(np.abs(m[c] - m[c + "_ref"])) for c in
                ["eci", "pci", "density", "coi", "cog", "rca"])
    a, b = statistics.median(ours_t), statistics.median(ref_t)
    print(f"{args.regions:,} regions × {args.industries:,} industries × {args.years} years: "
          f"ClusterAtlas median {a:.2f} s ({len(ours_t)} runs), py-ecomplexity median {b:.2f} s "
          f"({len(ref_t)} runs): {b / a:.1f}× faster; largest difference {worst:.1e}")


if __name__ == "__main__":
    main()
