"""Import 1,000,000 firm-year rows from CSV, against DuckDB loading the same file (the floor).

Run: ``make bench`` (or ``python benchmarks/bench_import.py --rows 1000000 --repeat 3``).
Writes a CSV of 50,000 firms × 20 years with Chinese headers and 万元 units, imports the firms
and then the firm years into a fresh store each repeat — every validation rule applied — and,
interleaved, has DuckDB read the same file into a table of a fresh database
(``CREATE TABLE … AS SELECT * FROM read_csv(…)``), and into the store's own ``firm_years``
table, whose primary key every import maintains (``INSERT … SELECT`` from ``read_csv``, the
columns named and the 万元 converted by hand: no check at all). Prints the median, min and
max seconds of each, the ratios (goal: the import within 3× the first floor), rows per second
and the peak memory.
"""

from __future__ import annotations

import argparse
import csv
import resource
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

from clusteratlas.io import Store, import_files


def write_inputs(folder: Path, rows: int, years: int = 20) -> tuple[Path, Path, Path]:
    rs = np.random.RandomState(1)
    n_firms = rows // years
    regions = folder / "regions.csv"
    regions.write_text("行政区划代码,地区名称,最小经度,最小纬度,最大经度,最大纬度\n"
                       "421003,荆州区,111.9,30.2,112.4,30.7\n", encoding="utf-8")
    firms = folder / "firms.csv"
    codes = ["3512", "2221", "1711", "1311", "3021", "35", "22"]
    with firms.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["企业代码", "企业名称", "行业代码", "所在地区", "经度", "纬度"])
        lon, lat = rs.uniform(112.0, 112.3, n_firms), rs.uniform(30.25, 30.6, n_firms)
        for i in range(n_firms):
            w.writerow([f"F{i:07d}", f"企业{i}", codes[i % len(codes)], "421003",
                        f"{lon[i]:.5f}", f"{lat[i]:.5f}"])
    fy = folder / "firm_years.csv"
    with fy.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["企业代码", "年份", "工业总产值(万元)", "工业增加值(万元)", "营业收入(万元)",
                    "从业人员(人)", "税收(万元)", "综合能耗(吨标准煤)", "用地面积(亩)",
                    "固定资产投资(万元)", "本地采购额(万元)", "采购总额(万元)"])
        out = rs.lognormal(7, 1.2, rows)
        for k in range(rows):
            i, y = divmod(k, years)
            o = out[k]
            w.writerow([f"F{i:07d}", 2001 + y, f"{o:.1f}", f"{o * 0.3:.1f}", f"{o * 0.95:.1f}",
                        int(o / 20) + 5, f"{o * 0.04:.1f}", f"{o * 0.2:.1f}", f"{o / 60 + 5:.1f}",
                        f"{o * 0.1:.1f}", f"{o * 0.1:.1f}", f"{o * 0.5:.1f}"])
    return regions, firms, fy


# the benchmark file's columns into the store's table by hand: 万元 × 10,000, no validation
KEYED_INSERT = (
    "INSERT INTO firm_years (firm_id, year, month_to, output, value_added, revenue, employment, tax_paid, "
    "energy_tce, land_mu, fixed_asset_investment, local_purchases, total_purchases, dataset_id) "
    "SELECT c1, c2::INTEGER, 12, c3::DOUBLE * 1e4, c4::DOUBLE * 1e4, c5::DOUBLE * 1e4, c6::DOUBLE, "
    "c7::DOUBLE * 1e4, c8::DOUBLE, c9::DOUBLE, c10::DOUBLE * 1e4, c11::DOUBLE * 1e4, c12::DOUBLE * 1e4, 1 "
    "FROM read_csv('{file}', header = true, all_varchar = true, "
    "names = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'c10', 'c11', 'c12'])")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        regions, firms, fy = write_inputs(folder, args.rows)
        size_mb = fy.stat().st_size / 1e6
        times, floor, keyed_floor = [], [], []
        for r in range(args.repeat):
            db = folder / f"bench{r}.duckdb"
            with Store(db) as store:
                import_files(store, [regions, firms])
                t0 = time.perf_counter()
                rep = import_files(store, [fy])
                times.append(time.perf_counter() - t0)
                assert rep.rows["firm_years"] == args.rows
            con = duckdb.connect(str(folder / f"floor{r}.duckdb"))
            t0 = time.perf_counter()
            con.execute(f"CREATE TABLE firm_years AS SELECT * FROM read_csv('{fy}')")
            floor.append(time.perf_counter() - t0)
            assert con.execute("SELECT count(*) FROM firm_years").fetchall()[0][0] == args.rows
            con.close()
            with Store(folder / f"keyed{r}.duckdb") as keyed:
                t0 = time.perf_counter()
                keyed.con.execute(KEYED_INSERT.format(file=fy))
                keyed_floor.append(time.perf_counter() - t0)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        med, fmed = statistics.median(times), statistics.median(floor)
        print(f"{args.rows:,} firm-year rows ({size_mb:.0f} MB CSV), {args.repeat} interleaved runs:")
        print(f"  clusteratlas import   {med:6.2f} s (min {min(times):.2f}, max {max(times):.2f}); "
              f"{args.rows / med:,.0f} rows/s; peak RSS {peak_mb:,.0f} MB")
        kmed = statistics.median(keyed_floor)
        print(f"  DuckDB read_csv       {fmed:6.2f} s (min {min(floor):.2f}, max {max(floor):.2f})")
        print(f"  DuckDB read_csv into the keyed firm_years table {kmed:6.2f} s (min {min(keyed_floor):.2f}, "
              f"max {max(keyed_floor):.2f})")
        print(f"  ratio {med / fmed:.1f}× the floor (goal ≤ 3×); {med / kmed:.1f}× DuckDB's load into the same keyed table")


if __name__ == "__main__":
    main()
