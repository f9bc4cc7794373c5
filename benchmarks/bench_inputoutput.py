"""Input-output at scale.

1. Leontief inverse and output multipliers of a dense 7,987-sector table (EXIOBASE's size;
   random but productive: column sums of A below 0.8), ClusterAtlas against pymrio
   (``calc_L`` and column sums; both on numpy's LAPACK). Goal: no slower than pymrio.
2. Output multipliers and backward/forward linkages of a dense 4,000-sector table, which need
   no inverse (one LU factorisation, two solves), against pymrio's ``calc_L`` plus column and
   row sums; interleaved runs, min/median/max of each, the ratio, and the largest relative
   difference. Goal: ≥ 3× faster, equal to 1e-12.
3. Total output multipliers (column sums of L) of a sparse 50,000-sector table (about 20
   inputs per sector) through a sparse iterative solve, never forming L; checked against the
   Neumann series.

Run: ``python benchmarks/bench_inputoutput.py [--dense N] [--sparse N] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import numpy as np
import scipy.sparse as sp

from clusteratlas.measures.inputoutput import (
    leontief_factors,
    leontief_inverse,
    linkages,
    multipliers,
    total_requirements_sums,
)


def dense_table(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    A = rng.random((n, n)) ** 4  # many small coefficients, a few large, like a real table
    return A / A.sum(axis=0, keepdims=True) * rng.uniform(0.3, 0.8, n)


def sparse_table(n: int, per_column: int = 20, seed: int = 0) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, n, n * per_column)
    cols = np.repeat(np.arange(n), per_column)
    vals = rng.random(n * per_column)
    A = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
    col = np.asarray(A.sum(axis=0)).ravel()
    return (A @ sp.diags(rng.uniform(0.3, 0.8, n) / col)).tocsr()


def timed(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        out = None
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def linkage_benchmark(n: int, repeat: int, pymrio) -> None:
    """Multipliers and linkages without an inverse against pymrio's inverse and sums."""
    A = dense_table(n, seed=1)

    def ours():
        f = leontief_factors(A)  # one factorisation for both
        m = multipliers(f)["output"].to_numpy()
        lk = linkages(f)
        return m, lk["backward"].to_numpy(), lk["forward"].to_numpy()

    def theirs():
        L = np.asarray(pymrio.calc_L(A))
        col, row = L.sum(axis=0), L.sum(axis=1)
        return col, n * col / col.sum(), n * row / col.sum()

    t_ours, t_theirs = [], []
    for _ in range(repeat):  # interleaved, so both sides see the same machine state
        t0 = time.perf_counter()
        a = ours()
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        b = theirs()
        t_theirs.append(time.perf_counter() - t0)
    diff = max(float(np.max(np.abs(x - y) / np.abs(y))) for x, y in zip(a, b))
    ratio = statistics.median(t_theirs) / statistics.median(t_ours)
    print(f"dense {n:,} sectors, output multipliers + backward/forward linkages: ClusterAtlas (solves) "
          f"{min(t_ours):.2f}/{statistics.median(t_ours):.2f}/{max(t_ours):.2f} s, pymrio calc_L + sums "
          f"{min(t_theirs):.2f}/{statistics.median(t_theirs):.2f}/{max(t_theirs):.2f} s (min/median/max, "
          f"{repeat} interleaved runs): {ratio:.2f}× faster (goal ≥ 3×); largest relative difference {diff:.1e}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dense", type=int, default=7987)
    ap.add_argument("--sparse", type=int, default=50_000)
    ap.add_argument("--linkage", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import pymrio

    A = dense_table(args.dense)
    ours_t, L = timed(lambda: leontief_inverse(A), args.repeat)
    ours_m = L.sum(axis=0)
    del L
    theirs_t, L2 = timed(lambda: pymrio.calc_L(A), args.repeat)
    diff = np.abs(L2.sum(axis=0) - ours_m).max()
    del L2
    print(f"dense {args.dense:,} sectors: ClusterAtlas L + multipliers median {ours_t:.1f} s, "
          f"pymrio calc_L median {theirs_t:.1f} s ({args.repeat} runs each): ratio "
          f"{theirs_t / ours_t:.2f} (≥ 1 means no slower); multipliers differ by {diff:.1e}")
    linkage_benchmark(args.linkage, args.repeat, pymrio)
    S = sparse_table(args.sparse)
    sp_t, m = timed(lambda: total_requirements_sums(S), args.repeat)
    # check: i' L = i' (I + A + A² + …) summed until it converges
    ref, term = np.ones(args.sparse), np.ones(args.sparse)
    for _ in range(200):
        term = S.T @ term
        ref += term
        if np.abs(term).max() < 1e-14:
            break
    print(f"sparse {args.sparse:,} sectors ({S.nnz:,} coefficients): output multipliers by "
          f"iterative solve median {sp_t:.2f} s; max difference to the Neumann series "
          f"{np.abs(m - ref).max():.1e}; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
