"""Firms by output tier (the "323 project": 3 firms above CNY 1 billion, 20 above 100 million,
30 above 50 million) and the core firms' share of their industry (核心企业贡献率).

Tiers count firms whose output in the period reaches each threshold ("above" tiers are
cumulative, as the targets are stated). For a year-to-date period the thresholds, which are
annual, are compared with the output scaled to a year (× 12 / months) when ``annualise`` is
true — a projection, and labelled as one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clusteratlas.classify import GBT4754

TIERS_323 = {"over_1e9": 1e9, "over_1e8": 1e8, "over_5e7": 5e7}


def firm_tiers(firms: pd.DataFrame, firm_years: pd.DataFrame, year: int, month_to: int = 12,
               thresholds: dict[str, float] | None = None, by: str | None = None,
               annualise: bool = False, region_id: str | None = None) -> pd.DataFrame:
    """Number of firms at or above each output threshold (CNY), overall or ``by`` a firms
    column ('park_id', 'industry_code', or 'division'); one row per group."""
    thresholds = thresholds or TIERS_323
    f = firms if region_id is None else firms[firms["region_id"] == region_id]
    fy = firm_years[(firm_years["year"] == year) & (firm_years["month_to"] == month_to)]
    d = fy.merge(f, on="firm_id")
    out = d["output"] * (12.0 / month_to if annualise else 1.0)
    d = d.assign(_output=out, division=d["industry_code"].map(GBT4754.division_of))
    key = by or "_all"
    if by is None:
        d["_all"] = "all"
    rows = []
    for group, g in d.groupby(key, dropna=False):
        row = {key: group, "firms": len(g)}
        for name, t in thresholds.items():
            row[name] = int((g["_output"] >= t).sum())
        rows.append(row)
    result = pd.DataFrame(rows)
    result.insert(0, "annualised", annualise and month_to < 12)
    result.insert(0, "month_to", month_to)
    result.insert(0, "year", year)
    return result.drop(columns="_all", errors="ignore")


def core_firm_share(firms: pd.DataFrame, firm_years: pd.DataFrame, year: int, month_to: int = 12,
                    k: int = 3, region_id: str | None = None, leading_only: bool = False) -> pd.DataFrame:
    """Share of each division's output made by its top-``k`` firms (or by its firms flagged as
    leading, when ``leading_only``), in percent."""
    f = firms if region_id is None else firms[firms["region_id"] == region_id]
    fy = firm_years[(firm_years["year"] == year) & (firm_years["month_to"] == month_to)]
    d = fy.merge(f, on="firm_id")
    d["division"] = d["industry_code"].map(GBT4754.division_of)
    rows = []
    for div, g in d.groupby("division"):
        total = g["output"].sum()
        core = g[g["is_leading"].fillna(False).astype(bool)] if leading_only else g.nlargest(k, "output")
        rows.append({"division": div, "name_zh": GBT4754.label(div, "zh"), "firms": len(g),
                     "core_firms": len(core), "output": total,
                     "core_share_pct": core["output"].sum() / total * 100 if total > 0 else np.nan})
    return pd.DataFrame(rows).sort_values("output", ascending=False, ignore_index=True)
