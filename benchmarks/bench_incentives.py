"""Incentive evaluation at scale: 100,000 firms (and 10,000 projects) × every rule of the
Changsha ruleset, all inputs present. Goal: under 5 s. Reports the median of repeats.

Run: ``python benchmarks/bench_incentives.py [--firms N] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from clusteratlas.analyses.incentives import Ruleset, run


def entities(n_firms: int, n_projects: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    b = lambda p, n: rng.random(n) < p  # noqa: E731
    f = pd.DataFrame({
        "entity_id": [f"F{i}" for i in range(n_firms)], "entity": "firm",
        "registered_in_changsha": b(0.9, n_firms), "three_industries": b(0.5, n_firms),
        "host_firm": b(0.05, n_firms), "supporting_firm": b(0.6, n_firms),
        "project_fits_policy": b(0.9, n_firms), "county_level": b(0.4, n_firms),
        "new_project_investment": rng.uniform(0, 5e7, n_firms),
        "equipment_investment": rng.uniform(0, 3e7, n_firms),
        "production_year": rng.integers(2000, 2007, n_firms),
        "fai_per_mu": rng.uniform(5e5, 3e6, n_firms), "output_per_mu": rng.uniform(5e5, 4e6, n_firms),
        "local_vat_income_tax": rng.uniform(0, 1e7, n_firms),
        "workshop_fai": rng.uniform(0, 3e8, n_firms), "construction_fees_due": rng.uniform(0, 2e6, n_firms),
        "merger_deed_tax_due": np.where(b(0.01, n_firms), 5e5, 0.0), "merger_target_related": b(0.01, n_firms),
        "local_purchases": rng.uniform(0, 2e8, n_firms), "local_purchases_previous": rng.uniform(0, 2e8, n_firms),
        "top_three_years": b(0.01, n_firms), "new_famous_brand": b(0.005, n_firms),
        "new_products_national": rng.integers(0, 2, n_firms), "new_products_provincial": rng.integers(0, 2, n_firms),
        "new_products_municipal": rng.integers(0, 3, n_firms),
        "new_national_tech_centre": b(0.01, n_firms), "new_provincial_tech_centre": b(0.02, n_firms),
        "rd_spend": rng.uniform(0, 2e7, n_firms), "rd_spend_previous": rng.uniform(1, 2e7, n_firms),
        "income_tax_due": rng.uniform(0, 1e7, n_firms),
    })
    p = pd.DataFrame({
        "entity_id": [f"P{i}" for i in range(n_projects)], "entity": "project",
        "industrial": b(0.7, n_projects), "new_in_zone": b(0.6, n_projects), "priority_project": b(0.5, n_projects),
        "investment_usd": rng.uniform(0, 8e7, n_projects), "annual_tax": rng.uniform(0, 3e7, n_projects),
        "land_premium_paid": rng.uniform(0, 1e8, n_projects), "operating_years": rng.integers(1, 30, n_projects),
        "local_jobs": rng.integers(0, 3000, n_projects), "tax_year_after": rng.uniform(0, 3e7, n_projects),
        "exports_usd": rng.uniform(0, 3e7, n_projects), "admin_fees_due": rng.uniform(0, 1e6, n_projects),
        "operating_fees_due": rng.uniform(0, 1e6, n_projects),
    })
    return pd.concat([f, p], ignore_index=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rs = Ruleset.load("changsha_2005")
    e = entities(args.firms, args.firms // 10)
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res = run(rs, e, 2006)
        times.append(time.perf_counter() - t0)
    print(f"{args.firms:,} firms + {args.firms // 10:,} projects × {len(rs.rules)} rules: median "
          f"{statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, "
          f"{args.repeat} runs); {len(res.lines):,} award lines; goal 5 s")


if __name__ == "__main__":
    main()
