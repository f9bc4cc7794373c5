"""The binned K-density's pair kernel in pairs per CPU-second, beside this machine's peak for the
same per-pair arithmetic.

The kernel (``measures.kdensity._pair_histogram``) takes every pair of a set of points, its
distance and its bin, and counts it (and adds its weight). The peak is a micro-benchmark of the
arithmetic alone — the same distance and bin index per pair, summed instead of counted, in a
loop the compiler vectorises — so the ratio says how much of the machine the counting leaves.
CPU-seconds are the process's CPU time (all threads). Medians (min–max) of ``--repeat``
interleaved runs. Run: ``python benchmarks/bench_pair_kernel.py [--points 20000 --repeat 5]``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numba
import numpy as np

from clusteratlas.measures.kdensity import _pair_histogram


@numba.njit(parallel=True, cache=True)
def arithmetic_peak(x, y, per_step, nbins):  # pragma: no cover - compiled
    """The per-pair arithmetic of the kernel — distance, bin index, clamp — summed, not counted."""
    n = x.shape[0]
    total = np.zeros(n, dtype=np.int64)
    for i in numba.prange(n):
        xi, yi, acc = x[i], y[i], 0
        for j in range(i + 1, n):
            k = int(math.sqrt((xi - x[j]) ** 2 + (yi - y[j]) ** 2) * per_step + 0.5)
            acc += min(k, nbins)
        total[i] = acc
    return total.sum()


def timed(f) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    w, c = time.perf_counter(), time.process_time()
    f()
    return time.perf_counter() - w, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    x, y, w = rng.uniform(0, 1000, args.points), rng.uniform(0, 1000, args.points), np.ones(args.points)
    pairs = args.points * (args.points - 1) / 2
    step, nbins = (1000 * math.sqrt(2) / 3) / 1024, 2048
    kernel = lambda: _pair_histogram(x, y, w, x, y, w, True, step, nbins, False)  # noqa: E731
    peak = lambda: arithmetic_peak(x, y, 1.0 / step, nbins)  # noqa: E731
    kernel(), peak()  # compiled (or loaded from numba's cache) before timing
    runs = {"kernel": [], "peak": []}
    for _ in range(args.repeat):
        runs["kernel"].append(timed(kernel))
        runs["peak"].append(timed(peak))
    print(f"{pairs:,.0f} pairs ({args.points:,} points), {numba.get_num_threads()} threads, "
          f"{args.repeat} interleaved runs")
    rate = {}
    for name, label in (("kernel", "pair kernel (count per bin)"), ("peak", "arithmetic alone (peak)")):
        per_cpu = [pairs / c for _, c in runs[name]]
        rate[name] = statistics.median(per_cpu)
        walls = [wall for wall, _ in runs[name]]
        print(f"  {label:30s} {rate[name] / 1e8:6.2f} (min {min(per_cpu) / 1e8:.2f}, max {max(per_cpu) / 1e8:.2f})"
              f" × 10^8 pairs per CPU-second; wall {statistics.median(walls):.3f} s")
    print(f"the kernel runs at {rate['kernel'] / rate['peak']:.0%} of the arithmetic's peak; goal ≥ 5 × 10^8 "
          f"pairs per CPU-second: {'met' if rate['kernel'] >= 5e8 else 'not met'}")


if __name__ == "__main__":
    main()
