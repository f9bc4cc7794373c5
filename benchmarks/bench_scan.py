"""The eligibility scan (免申即享) at scale: 100,000 firms (and 10,000 projects) × every rule of
both shipped rulesets (Changsha clauses 10–17, the national R&D super-deduction), each entity ×
rule given an outcome with its reason. Goal: under 10 s. Reports the median of repeats.

Run: ``python benchmarks/bench_scan.py [--firms N] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_incentives import entities  # noqa: E402

from clusteratlas.analyses.incentives import Ruleset  # noqa: E402
from clusteratlas.analyses.incentives.scan import scan  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    e = entities(args.firms, args.firms // 10)
    firms = e["entity"] == "firm"
    e["name"] = e["entity_id"]
    e.loc[firms, "assessed_on_accounts"] = rng.random(int(firms.sum())) < 0.9
    e.loc[firms, "division"] = rng.choice(["13", "26", "35", "36", "39", "51", "65"], int(firms.sum()))
    e.loc[firms, "manufacturing"] = e.loc[firms, "division"].isin(["13", "26", "35", "36", "39"])
    e["rd_expensed"] = e["rd_spend"]
    # a fifth of the R&D figures blank: the scan must say which firms it cannot judge
    e.loc[firms & (rng.random(len(e)) < 0.2), ["rd_spend", "rd_expensed"]] = np.nan
    rulesets = [Ruleset.load("changsha_2005"), Ruleset.load("rd_super_deduction")]
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        out = [scan(rs, e, 2023 if rs.metadata["id"] == "rd_super_deduction" else 2006) for rs in rulesets]
        times.append(time.perf_counter() - t0)
    rows = sum(len(s.outcomes) for s in out)
    counts = {k: int(sum((s.outcomes["outcome"] == k).sum() for s in out))
              for k in ("eligible", "not eligible", "undecidable")}
    print(f"{args.firms:,} firms + {args.firms // 10:,} projects × {sum(len(r.rules) for r in rulesets)} rules "
          f"of 2 rulesets: median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, "
          f"{args.repeat} runs); {rows:,} outcomes {counts}; goal 10 s")


if __name__ == "__main__":
    main()
