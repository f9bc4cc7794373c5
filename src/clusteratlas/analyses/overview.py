"""The region and park overview of a statistical period (the 上半年经济运行 tables).

Totals are over firms above designated size (规模以上) in each period, as Chinese industrial
statistics report them; growth is year on year over the same year-to-date period
(1–6月 on 1–6月), ``(current / previous − 1) × 100``. Money in CNY, land in mu.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.classify import GBT4754

OUTSIDE_PARKS = "—"  # the park id used for firms outside every park
SUMS = ("output", "value_added", "revenue", "tax_paid", "exports", "employment",
        "fixed_asset_investment", "energy_tce", "land_mu", "rd_spend")


@dataclass(frozen=True)
class Overview:
    region_id: str
    year: int
    month_to: int
    totals: pd.DataFrame  # indicator, value, previous, growth_pct
    by_industry: pd.DataFrame  # division, name_zh, name_en, firms, output, share_pct, growth_pct, …
    by_park: pd.DataFrame  # park_id, name, firms, output, share_pct, growth_pct, per-mu values
    firm_counts: pd.DataFrame  # all firms and above-scale firms by park


def growth_pct(current: pd.Series | float, previous: pd.Series | float):
    """Year-on-year growth in percent; NaN where the previous value is missing or zero."""
    prev = np.where(pd.isna(previous) | (np.asarray(previous, dtype=float) == 0), np.nan, previous)
    return (np.asarray(current, dtype=float) / prev - 1.0) * 100.0


def disclosure_flags(firms: pd.Series, top_share: pd.Series, min_firms: int = 3,
                     max_share: float = 0.8) -> pd.Series:
    """Why a cell may not be published: fewer than ``min_firms`` firms, or one firm holding at
    least ``max_share`` of it (the threshold and dominance rules); '' where it may."""
    few = firms < min_firms
    dominant = top_share >= max_share
    return pd.Series(np.select([few, dominant], [f"<{min_firms} firms", "one firm ≥"
                                                 f"{max_share:.0%}"], ""), index=firms.index)


def _period(fy: pd.DataFrame, year: int, month_to: int) -> pd.DataFrame:
    return fy[(fy["year"] == year) & (fy["month_to"] == month_to) & fy["above_scale"].fillna(False)]


def _grouped(cur: pd.DataFrame, prev: pd.DataFrame, by: str) -> pd.DataFrame:
    g = cur.groupby(by, dropna=False)
    out = g[[c for c in SUMS if c in cur]].sum(min_count=1).reindex(columns=list(SUMS))
    out["firms"] = g.size()
    out["top_firm_share"] = g["output"].max() / out["output"]
    out["output_previous"] = prev.groupby(by, dropna=False)["output"].sum(min_count=1)
    out["growth_pct"] = growth_pct(out["output"], out["output_previous"])
    out["share_pct"] = out["output"] / out["output"].sum() * 100.0
    out["disclosure"] = disclosure_flags(out["firms"], out["top_firm_share"])
    return out


def overview(firms: pd.DataFrame, firm_years: pd.DataFrame, parks: pd.DataFrame,
             region_id: str, year: int, month_to: int) -> Overview:
    """Totals, industries and parks of ``region_id`` for one period, with growth on the same
    period of the previous year. ``firms``/``firm_years``/``parks`` are the store's tables."""
    f = firms[firms["region_id"] == region_id]
    fy = firm_years.merge(f[["firm_id", "industry_code", "park_id"]], on="firm_id")
    fy["division"] = fy["industry_code"].map(GBT4754.division_of)
    fy["park_id"] = fy["park_id"].fillna(OUTSIDE_PARKS)
    cur, prev = _period(fy, year, month_to), _period(fy, year - 1, month_to)
    if cur.empty:
        rows = fy[(fy["year"] == year) & (fy["month_to"] == month_to)]
        if len(rows) and rows["above_scale"].isna().all():
            # a missing flag is unknown, never "not above-scale": say so rather than report 0
            raise ValueError(
                f"the {len(rows)} firm rows of region {region_id} for {year} (months 1–{month_to}) "
                "carry no above-scale flag: add a 是否规上 column, or title the sheet 规模以上…, "
                f"and import again (这 {len(rows)} 行企业数据没有“是否规上”标志：请增加该列，或在表名"
                "中写明“规模以上”后重新导入)")
        raise ValueError(f"no above-scale firm data for region {region_id} in {year} "
                         f"(months 1–{month_to})")

    rows = []
    for ind in (*(c for c in SUMS if c in cur), "firms"):
        value = len(cur) if ind == "firms" else cur[ind].sum(min_count=1)
        before = len(prev) if ind == "firms" else prev[ind].sum(min_count=1)
        rows.append((ind, value, before))
    in_parks = cur.loc[cur["park_id"] != OUTSIDE_PARKS, "output"].sum()
    rows.append(("output_in_parks", in_parks,
                 prev.loc[prev["park_id"] != OUTSIDE_PARKS, "output"].sum(min_count=1)))
    totals = pd.DataFrame(rows, columns=["indicator", "value", "previous"])
    totals["growth_pct"] = growth_pct(totals["value"], totals["previous"])
    share = pd.DataFrame([("park_share_of_output_pct", in_parks / cur["output"].sum() * 100,
                           np.nan, np.nan)], columns=totals.columns)
    totals = pd.concat([totals, share], ignore_index=True)

    ind = _grouped(cur, prev, "division").reset_index()
    ind["name_zh"] = ind["division"].map(lambda d: GBT4754.label(d, "zh") if isinstance(d, str) else "")
    ind["name_en"] = ind["division"].map(lambda d: GBT4754.label(d, "en") if isinstance(d, str) else "")
    ind["output_per_mu"] = ind["output"] / ind["land_mu"]
    ind = ind.sort_values("output", ascending=False, ignore_index=True)

    park = _grouped(cur, prev, "park_id").reset_index()
    names = dict(zip(parks["park_id"], parks["name"]))
    areas = dict(zip(parks["park_id"], parks["area_mu"]))
    park["name"] = park["park_id"].map(lambda p: names.get(p, "园区外 outside parks"))
    park["area_mu"] = park["park_id"].map(areas)
    park["output_per_mu"] = park["output"] / park["land_mu"]
    park["tax_per_mu"] = park["tax_paid"] / park["land_mu"]
    park["land_use_pct"] = park["land_mu"] / park["area_mu"] * 100.0
    park = park.sort_values(["park_id"], key=lambda s: s.eq(OUTSIDE_PARKS), ignore_index=True)

    all_firms = f.assign(park_id=f["park_id"].fillna(OUTSIDE_PARKS)).groupby("park_id").size()
    counts = pd.DataFrame({"firms": all_firms,
                           "above_scale_firms": cur.groupby("park_id").size()}).fillna(0)
    counts = counts.astype(int).rename_axis("park_id").reset_index()
    return Overview(region_id, year, month_to, totals, ind, park, counts)


def latest_period(firm_years: pd.DataFrame, firm_ids) -> tuple[int, int]:
    """The most recent (year, month_to) with data for these firms."""
    fy = firm_years[firm_years["firm_id"].isin(firm_ids)]
    if fy.empty:
        raise ValueError("no firm-year data for the region")
    year = int(fy["year"].max())
    return year, int(fy.loc[fy["year"] == year, "month_to"].max())
