"""Supplier matching at scale: 1,000 needs against 50,000 supplier profiles (Chinese product
texts, GB/T codes, sites, capacities, certifications). Goal: under 10 s. Reports the median.

Run: ``python benchmarks/bench_matching.py [--needs N --suppliers N --repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from clusteratlas.analyses.matching import match, tokenize

WORDS = ["高压", "管汇", "锻件", "法兰", "阀门", "铸件", "液压", "元件", "数控", "加工", "热处理", "喷涂",
         "纸箱", "瓦楞", "彩印", "包装", "棉纱", "坯布", "印染", "混凝土", "管桩", "墙材", "电子", "软件",
         "轴承", "齿轮", "密封件", "钢结构", "电机", "线缆", "塑料件", "模具"]
CODES = ["3512", "3514", "3311", "3411", "2231", "2221", "1711", "1713", "3021", "3031", "3990", "6513"]


def data(n_needs: int, n_sup: int, seed: int = 0):
    rng = np.random.default_rng(seed)

    def text(k):
        return ["".join(rng.choice(WORDS, 2)) + ";" + "".join(rng.choice(WORDS, 2)) for _ in range(k)]

    sup = pd.DataFrame({"supplier_id": [f"S{i}" for i in range(n_sup)], "name": [f"供应商{i}" for i in range(n_sup)],
                        "products": text(n_sup), "processes": rng.choice(["锻造", "铸造", "机加工", "印刷"], n_sup),
                        "categories": rng.choice(CODES, n_sup),
                        "certifications": rng.choice(["ISO9001", "ISO9001;API Q1", ""], n_sup),
                        "capacity_value": rng.uniform(1e6, 1e8, n_sup),
                        "lon": rng.uniform(108, 116, n_sup), "lat": rng.uniform(28, 33, n_sup)})
    needs = pd.DataFrame({"need_id": [f"N{i}" for i in range(n_needs)], "buyer_id": [f"B{i % 50}" for i in range(n_needs)],
                          "product": ["".join(rng.choice(WORDS, 2)) for _ in range(n_needs)],
                          "process": rng.choice(["锻造", "铸造", "机加工"], n_needs),
                          "specification": text(n_needs), "category": rng.choice(CODES, n_needs),
                          "certifications": rng.choice(["ISO9001", ""], n_needs),
                          "annual_value": rng.uniform(1e6, 5e7, n_needs), "delivery_radius_km": 200.0,
                          "lon": rng.uniform(110, 114, n_needs), "lat": rng.uniform(29, 32, n_needs)})
    return needs, sup


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--needs", type=int, default=1000)
    ap.add_argument("--suppliers", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    needs, sup = data(args.needs, args.suppliers)
    tokenize("预热词典")  # load jieba's dictionary once, outside the timing
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        out = match(needs, sup, top_k=10)
        times.append(time.perf_counter() - t0)
    print(f"{args.needs:,} needs × {args.suppliers:,} suppliers, top 10: median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}, {args.repeat} runs); {len(out):,} candidates; goal 10 s")


if __name__ == "__main__":
    main()
