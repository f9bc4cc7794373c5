"""What a PostgreSQL store costs the analyses: reading a whole table into the frame they compute
on, against the same read from a DuckDB file, and against reading PostgreSQL row by row.

A firm-years table of ``--rows`` rows (every column filled, as a city's statistics bureau keeps
it) is written into a DuckDB store and into a PostgreSQL store on a throwaway cluster; then
``store.table("firm_years")`` is timed on each, interleaved, ``--repeat`` times, beside a plain
psycopg ``fetchall`` into a frame (the row-by-row path the store does not take). Reports
min/median/max, rows per second and the ratios; checks that the two stores' frames are equal.
Run: ``python benchmarks/bench_store_read.py [--rows 1000000 --repeat 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.pg: the throwaway cluster

from clusteratlas.io import Store  # noqa: E402
from clusteratlas.io.schema import TABLES  # noqa: E402


def firm_years(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` firm-year rows: 10 periods a firm, every column of the table filled."""
    rng = np.random.default_rng(seed)
    firms = n // 10 + 1
    frame = pd.DataFrame({"firm_id": [f"91421003{i:010d}" for i in np.repeat(np.arange(firms), 10)[:n]],
                          "year": 2010 + np.tile(np.arange(10), firms)[:n], "month_to": 12})
    for c in TABLES["firm_years"].columns:
        if c.name in frame:
            continue
        frame[c.name] = rng.random(n) < 0.6 if c.dtype == "bool" else rng.lognormal(10, 2, n).round(2)
    return frame.assign(dataset_id=1)


def write(store: Store, frame: pd.DataFrame) -> None:
    cols = ", ".join(frame.columns)
    with store.transaction(), store.staged("_rows", frame, like="firm_years"):
        store.con.execute(f"INSERT INTO firm_years ({cols}) SELECT {cols} FROM _rows")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from tests.pg import Cluster

    frame = firm_years(args.rows)
    cluster = Cluster()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            duck, pg = Store(Path(tmp) / "read.duckdb"), Store(cluster.create("read"), files_dir=tmp)
            t0 = time.perf_counter()
            write(duck, frame)
            t1 = time.perf_counter()
            write(pg, frame)
            t2 = time.perf_counter()
            print(f"{args.rows:,} firm-year rows × {frame.shape[1]} columns written: DuckDB {t1 - t0:.1f} s, "
                  f"PostgreSQL {t2 - t1:.1f} s (COPY)")
            times = {"DuckDB file": [], "PostgreSQL (COPY → Arrow)": [], "PostgreSQL row by row": []}
            for _ in range(args.repeat):
                t = time.perf_counter()
                a = duck.table("firm_years")
                times["DuckDB file"].append(time.perf_counter() - t)
                t = time.perf_counter()
                b = pg.table("firm_years")
                times["PostgreSQL (COPY → Arrow)"].append(time.perf_counter() - t)
                t = time.perf_counter()
                cur = pg.con.raw.execute("SELECT * FROM firm_years")
                rows = pd.DataFrame.from_records(cur.fetchall(), columns=[d.name for d in cur.description])
                times["PostgreSQL row by row"].append(time.perf_counter() - t)
            key = ["firm_id", "year", "month_to"]
            pd.testing.assert_frame_equal(a.sort_values(key, ignore_index=True), b.sort_values(key, ignore_index=True))
            assert len(rows) == args.rows
            duck.close()
            pg.close()
    finally:
        cluster.stop()
    base = statistics.median(times["DuckDB file"])
    for name, t in times.items():
        m = statistics.median(t)
        print(f"  {name:28s} {m:6.2f} s ({min(t):.2f}–{max(t):.2f}), {args.rows / m / 1e6:5.2f} M rows/s, "
              f"{m / base:5.1f}× the DuckDB read")
    copy, naive = (statistics.median(times[k]) for k in ("PostgreSQL (COPY → Arrow)", "PostgreSQL row by row"))
    print(f"the store's PostgreSQL read is {naive / copy:.1f}× faster than row by row; frames equal to the DuckDB read")


if __name__ == "__main__":
    main()
