"""Progress towards targets (目标任务): where each stands, the growth it needs, and a traffic light.

For a level target V for year T with an actual A_t in year t (full-year data):
- growth so far: the year-on-year growth of the latest year-to-date period when there is one,
  else the CAGR over the full years with data, (A_t / A_0)^(1/(t − t0)) − 1;
- required growth: (V / A_t)^(1/(T − t)) − 1;
- projection at the current growth: A_t (1 + g)^(T − t);
- on track when the projection reaches the target, at risk when it reaches ``risk`` (90 %) of
  it, off track otherwise.
A target for the current year measured on year-to-date data is judged by its pace: the share of
the target reached against the share of the year elapsed (month_to / 12); the projection is the
year-to-date value scaled to twelve months. Growth targets compare the actual year-on-year
growth on the same period; growth-gap targets compare it with the reference entity's.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from clusteratlas.classify import GBT4754

ON, RISK, OFF, NO_DATA = "on track", "at risk", "off track", "no data"
_COUNT = re.compile(r"^firms_([a-z_]+)_over_([0-9.e+]+)$")


def _column_names() -> dict[str, tuple[str, str]]:
    """firm_years column → (Chinese name, English name), from the schema's own descriptions
    ("gross industrial output (工业总产值)")."""
    from clusteratlas.io.schema import TABLES

    out = {}
    for c in TABLES["firm_years"].columns:
        m = re.search(r"^(.*?)\s*\(([^)]*[\u4e00-\u9fff][^)]*)\)", c.doc)
        if m:
            out[c.name] = (m.group(2).split("、")[0], m.group(1).strip())
    return out


def _amount_zh(v: float) -> str:
    return f"{v / 1e8:g}亿元" if v >= 1e8 else f"{v / 1e4:g}万元"


def indicator_label(indicator: str, lang: str = "zh") -> str:
    """A target's indicator in words: "output" → 工业总产值; "firms_output_over_1e8" → 工业总产值超过
    1亿元的企业数 / firms with gross industrial output over CNY 100m."""
    names = _column_names()
    m = _COUNT.match(str(indicator))
    if m and m.group(1) in names:
        zh, en = names[m.group(1)]
        v = float(m.group(2))
        return f"{zh}超过{_amount_zh(v)}的企业数" if lang == "zh" else f"firms with {en} over CNY {v / 1e6:g}m"
    if indicator in names:
        return names[indicator][0 if lang == "zh" else 1]
    return str(indicator)


def cagr(start: float, end: float, years: float) -> float:
    """Compound annual growth rate (end/start)^(1/years) − 1; NaN when undefined."""
    if years <= 0 or not start or start <= 0 or end is None or end < 0:
        return np.nan
    return (end / start) ** (1.0 / years) - 1.0


def required_growth(actual: float, target: float, years: float) -> float:
    """Annual growth needed to go from ``actual`` to ``target`` in ``years``."""
    return cagr(actual, target, years)


def light(projection: float, target: float, risk: float = 0.9) -> str:
    if projection is None or np.isnan(projection) or np.isnan(target):
        return NO_DATA
    if projection >= target:
        return ON
    return RISK if projection >= risk * target else OFF


def _series(firms: pd.DataFrame, fy: pd.DataFrame, target: pd.Series, month_to: int) -> pd.Series:
    """The actual values of a target's indicator by year, for the period length month_to."""
    d = fy[fy["month_to"] == month_to].merge(firms, on="firm_id")
    if target["scope"] == "region":
        d = d[d["region_id"] == target["scope_id"]]
    elif target["scope"] == "park":
        d = d[d["park_id"] == target["scope_id"]]
    elif target["scope"] == "industry":
        d = d[d["industry_code"].astype(str).str.startswith(str(target["scope_id"]))]
    elif target["scope"] == "firm":
        d = d[d["firm_id"] == target["scope_id"]]
    ind = target["indicator"]
    if ind.startswith("firms_") and "_over_" in ind:
        column, threshold = ind[len("firms_"):].rsplit("_over_", 1)
        if column not in d:
            raise ValueError(f"target {target['target_id']}: no firm_years column {column!r} "
                             f"(write firms_<column>_over_<CNY>, e.g. firms_output_over_1e8)")
        factor = 12.0 / month_to
        return d.groupby("year").apply(lambda g: float((g[column] * factor >= float(threshold)).sum()),
                                       include_groups=False)
    if ind not in d:
        raise ValueError(f"target {target['target_id']}: unknown indicator {ind!r}")
    if target["scope"] != "firm":
        d = d[d["above_scale"].fillna(False).astype(bool)]
    return d.groupby("year")[ind].sum(min_count=1)


def target_progress(targets: pd.DataFrame, firms: pd.DataFrame, firm_years: pd.DataFrame,
                    year: int, month_to: int = 12, risk: float = 0.9) -> pd.DataFrame:
    """One row per target: latest actual, growth so far, required growth, projection, status."""
    rows = []
    for _, t in targets.iterrows():
        row = {"target_id": t["target_id"], "scope": t["scope"], "scope_id": t["scope_id"],
               "indicator": t["indicator"], "kind": t["kind"], "target_year": int(t["year"]),
               "target": float(t["value"]), "unit": t["unit"], "source": t.get("source")}
        try:
            full = _series(firms, firm_years, t, 12)
            ytd = _series(firms, firm_years, t, month_to) if month_to < 12 else full
        except ValueError as e:
            rows.append({**row, "status": NO_DATA, "note": str(e)})
            continue
        if t["scope"] == "industry":
            try:
                row["scope_name"] = GBT4754.label(str(t["scope_id"]))
            except KeyError:
                pass
        if t["kind"] in ("level", "count"):
            row.update(_level(t, full, ytd, year, month_to, risk))
        elif t["kind"] == "growth_pct":
            g = _growth(ytd, year)
            row.update(actual=g, projection=g, status=light(g, float(t["value"]), 1.0))
        else:  # growth_gap_pct: points above the reference entity's growth
            ref = t.copy()
            ref["scope"], ref["scope_id"] = "region", t.get("reference_id")
            gap = _growth(ytd, year) - _growth(_series(firms, firm_years, ref, month_to), year)
            row.update(actual=gap, projection=gap, status=light(gap, float(t["value"]), 1.0))
        rows.append(row)
    return pd.DataFrame(rows)


def _growth(series: pd.Series, year: int) -> float:
    if year not in series.index or year - 1 not in series.index:
        return np.nan
    return (series[year] / series[year - 1] - 1.0) * 100.0


def _level(t, full: pd.Series, ytd: pd.Series, year: int, month_to: int, risk: float) -> dict:
    target, T = float(t["value"]), int(t["year"])
    if T == year and month_to < 12 and year in ytd.index:
        actual = float(ytd[year])
        projection = actual * 12.0 / month_to if t["kind"] == "level" else actual
        pace = (actual / target) / (month_to / 12.0) if target else np.nan
        return {"actual": actual, "actual_period": f"{year}年1-{month_to}月",
                "share_of_target_pct": actual / target * 100 if target else np.nan,
                "pace": pace, "projection": projection,
                "status": light(projection, target, risk)}
    past = full[full.index <= year].dropna()
    if past.empty:
        return {"status": NO_DATA}
    latest_year = int(past.index.max())
    actual = float(past[latest_year])
    first = int(past.index.min())
    if month_to < 12 and {year, year - 1} <= set(ytd.index) and ytd[year - 1] > 0:
        g, basis = ytd[year] / ytd[year - 1] - 1.0, f"year on year, 1-{month_to}月 {year}"
    elif latest_year > first:
        g, basis = cagr(float(past[first]), actual, latest_year - first), f"CAGR {first}-{latest_year}"
    else:
        g, basis = np.nan, "one year of data"
    years_left = T - latest_year
    if np.isnan(g):  # nothing to extrapolate: judge the target on the level reached
        g, basis = 0.0, basis + "; no growth assumed"
    projection = actual * (1 + g) ** years_left
    return {"actual": actual, "actual_period": f"{latest_year}年",
            "share_of_target_pct": actual / target * 100 if target else np.nan,
            "growth_so_far_pct": g * 100 if not np.isnan(g) else np.nan, "growth_basis": basis,
            "required_growth_pct": required_growth(actual, target, years_left) * 100
            if years_left > 0 else np.nan,
            "projection": projection, "status": light(projection, target, risk)}
