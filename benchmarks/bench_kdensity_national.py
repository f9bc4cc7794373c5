"""A national K-density run: every industry of a synthetic 1,000,000-firm dataset, with 99
simulations each, on the local engine and on a dask.distributed LocalCluster (2 workers), with
progress shown; the two tables must be equal.

The firms sit around 300 cities (Pareto-sized) in a 2,000 × 1,500 km plane (projected km, so the
binned mode applies); 500 industries of 200–5,000 firms; a fifth of them hold 60 % of their firms
on neighbouring sites (localised), the others are random draws from the sites left — not from
all sites, a difference that the test detects at ~2,000 firms, so some of them come out
localised too (measured 127 of 384); the run measures speed and the engines' agreement.

Run: ``python benchmarks/bench_kdensity_national.py [--firms 1000000] [--industries 500]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from clusteratlas.measures.kdensity import kdensity_all


def national(n_firms: int, n_industries: int, seed: int = 0) -> pd.DataFrame:
    """Sites first (all firms), then industries: a localised industry takes 60 % of its firms
    from the sites nearest to one seed site; the other firms are then dealt the remaining sites
    at random."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    cities = rng.uniform((0, 0), (2000, 1500), (300, 2))
    weight = rng.pareto(1.1, 300) + 1
    xy = cities[rng.choice(300, n_firms, p=weight / weight.sum())] + rng.normal(0, 15, (n_firms, 2))
    sizes = rng.integers(200, 5000, n_industries)
    sizes = np.maximum((sizes / sizes.sum() * n_firms).astype(int), 20)
    sizes[-1] += n_firms - sizes.sum()
    localised = rng.random(n_industries) < 0.2
    label = np.full(n_firms, -1)
    tree = cKDTree(xy)
    for i in np.flatnonzero(localised):
        need = int(0.6 * sizes[i])
        seed_site = rng.choice(np.flatnonzero(label < 0))
        _, near = tree.query(xy[seed_site], k=min(n_firms, 4 * need))
        near = near[label[near] < 0][:need]
        label[near] = i
    free = rng.permutation(np.flatnonzero(label < 0))
    rest = np.repeat(np.arange(n_industries), sizes - np.bincount(label[label >= 0], minlength=n_industries))
    label[free] = rest
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "industry": label.astype(str),
                         "truth_localised": localised[label]})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, default=1_000_000)
    parser.add_argument("--industries", type=int, default=500)
    parser.add_argument("--n-sim", type=int, default=99)
    parser.add_argument("--skip-local", action="store_true")
    args = parser.parse_args()
    data = national(args.firms, args.industries)
    kwargs = dict(x="x", y="y", mode="binned", n_sim=args.n_sim, seed=0, max_range=300.0)
    print(f"{len(data):,} firms, {data.industry.nunique()} industries, {args.n_sim} simulations each")

    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                      env={"NUMBA_NUM_THREADS": "1"}) as cluster, Client(cluster) as client:
        kdensity_all(data.head(50_000), industries=["0"], engine="dask", client=client,
                     **{**kwargs, "n_sim": 1})  # workers compile the kernels
        t = time.perf_counter()
        remote = kdensity_all(data, engine="dask", client=client, progress=True, **kwargs)
        t_dask = time.perf_counter() - t
    print(f"\ndask LocalCluster (2 workers × 1 thread): {t_dask:.1f} s")
    if not args.skip_local:
        t = time.perf_counter()
        local = kdensity_all(data, progress=True, **kwargs)
        t_local = time.perf_counter() - t
        print(f"local engine (numba, 2 threads): {t_local:.1f} s")
        pd.testing.assert_frame_equal(local, remote)
        print("per-industry results equal: yes")
    truth = data.groupby("industry")["truth_localised"].first()
    found = remote.set_index("industry")["localised"]
    print(f"localised found: {int(found.sum())} of {len(found)}; of the drawn-localised "
          f"{int(found[truth[found.index]].sum())}/{int(truth.sum())}, of the others "
          f"{int(found[~truth[found.index]].sum())}/{int((~truth).sum())}")


if __name__ == "__main__":
    main()
