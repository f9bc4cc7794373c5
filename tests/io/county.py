"""A county bureau's own 2023 workbook, built the way such workbooks are kept.

公安县 (421022) keeps a firm list (企业名录: 名称, 统一社会信用代码, four-digit 行业代码, 所属园区 by
name, 经度/纬度, 用地面积) and a yearly sheet (2023年主要指标: a title with the period, 单位：万元,
a merged two-line header, a 合计 row at the foot), and a 园区 sheet naming its three parks.
Nothing in it is shaped for ClusterAtlas: no region column, no park ids, no above-scale flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl

from clusteratlas.io.uscc import check_char

COUNTY = "421022"  # 湖北省荆州市公安县
PARKS = [("公安县青吉工业园", "工业园区", 3200.0), ("公安县杨家厂工业园", "工业园区", 2600.0),
         ("公安县孟家溪工业小区", "工业小区", 900.0)]
# four-digit GB/T 4754-2017 classes of the county's firms: auto parts, machinery, textiles, food
CLASSES = ["3670", "3670", "3670", "3484", "3481", "1713", "1761", "1351", "1391", "2929",
           "3311", "3824"]


def credit_code(county: str, serial: int) -> str:
    """A well-formed unified social credit code (GB 32100-2015) registered in ``county``:
    9 (industry and commerce) 1 (enterprise), the division, a 9-character organisation code."""
    body = f"91{county}{serial:08d}X"[:17].replace("X", "M")
    return body + check_char(body)


@dataclass
class CountyFirm:
    name: str
    uscc: str
    industry: str
    park: str | None
    lon: float
    lat: float
    land_mu: float
    output: float  # 万元
    revenue: float  # 万元
    tax: float  # 万元
    employment: int


def county_firms(n: int = 200, seed: int = 7) -> list[CountyFirm]:
    rng = np.random.default_rng(seed)
    firms = []
    for k in range(n):
        slot = int(rng.integers(0, 4))
        park = PARKS[slot][0] if slot < 3 else None  # about a quarter outside every park
        output = float(np.round(rng.lognormal(8.5, 1.0), 1))  # 万元, about 5,000 median
        firms.append(CountyFirm(
            name=f"公安县{k + 1:03d}号实业有限公司", uscc=credit_code(COUNTY, 1000 + k),
            industry=CLASSES[k % len(CLASSES)], park=park,
            lon=round(112.10 + rng.uniform(0, 0.2), 5), lat=round(29.95 + rng.uniform(0, 0.2), 5),
            land_mu=float(np.round(rng.uniform(10, 200), 1)), output=output,
            revenue=float(np.round(output * rng.uniform(0.9, 1.1), 1)),
            tax=float(np.round(output * rng.uniform(0.01, 0.05), 1)),
            employment=int(rng.integers(20, 800))))
    return firms


def county_workbook(path: Path, firms: list[CountyFirm] | None = None, *, total_off: float = 0.0,
                    with_parks_sheet: bool = True) -> Path:
    """Write the workbook; ``total_off`` (万元) puts the 合计 row's output off its column sum."""
    firms = county_firms() if firms is None else firms
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "企业名录"
    ws.append(["公安县规模以上工业企业名录（2023年）"])
    ws.merge_cells("A1:H1")
    ws.append(["序号", "企业名称", "统一社会信用代码", "行业代码", "所属园区", "经度", "纬度",
               "用地面积（亩）"])
    for k, f in enumerate(firms, start=1):
        ws.append([k, f.name, f.uscc, f.industry, f.park or "", f.lon, f.lat, f.land_mu])
    ys = wb.create_sheet("2023年主要指标")
    ys.append(["2023年公安县规模以上工业企业主要经济指标"])
    ys.merge_cells("A1:G1")
    ys.append(["单位：万元"])
    ys.append(["序号", "企业名称", "统一社会信用代码", "工业总产值", None, "营业收入", "税金总额",
               "从业人员平均人数（人）"])
    ys.append([None, None, None, "本年", "同比增长（%）", None, None, None])
    for col in "ABCFGH":
        ys.merge_cells(f"{col}3:{col}4")
    ys.merge_cells("D3:E3")
    for k, f in enumerate(firms, start=1):
        ys.append([k, f.name, f.uscc, f.output, 8.5, f.revenue, f.tax, f.employment])
    ys.append([None, "合计", None, round(sum(f.output for f in firms), 1) + total_off, None,
               round(sum(f.revenue for f in firms), 1), round(sum(f.tax for f in firms), 1),
               sum(f.employment for f in firms)])
    if with_parks_sheet:
        ps = wb.create_sheet("园区")
        ps.append(["园区名称", "类型", "建成面积（亩）"])
        for name, kind, area in PARKS:
            ps.append([name, kind, area])
    wb.save(path)
    return path
