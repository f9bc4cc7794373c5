"""The facts early-warning rules read (预警事实表): one table per subject, one row per thing a rule
may warn about, with numbers for its ``when`` expression and words for its message. Built from
frames; what a table cannot be built from is an empty table, never invented rows.

Subjects:
- ``firm_period``: each firm of the region in the period and the same months a year earlier —
  output, tax paid and electricity, now and before, and their change (%); YTD on YTD when the
  period is 1–N月.
- ``firm_grade``: each graded firm's 亩均 grade in the latest full year and the year before
  (``grade_d`` and ``grade_d_previous``: 1 for grade D).
- ``supply``: what a leading firm buys from a single supplier, or only from outside the region.
- ``project``: the region's projects with their stage, days since signing as of a date, whether
  they have started, and the share of the contracted investment in place.
- ``target``: every target's progress (``off_track``, ``at_risk``: 1 or 0).
- ``leader_rate``: each leading firm's local supporting rate in its latest full year and the
  year before, and the change in points.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from clusteratlas.analyses.targets import indicator_label
from clusteratlas.io.periods import label
from clusteratlas.measures.network import single_source_risks

SUBJECTS = ("firm_period", "firm_grade", "supply", "project", "target", "leader_rate")
# the columns of each subject a rule may name (numbers for `when`, anything for messages), and
# the scope an alert about one of its rows has
SCOPE = {"firm_period": "firm", "firm_grade": "firm", "supply": "firm", "project": "park",
         "target": "region", "leader_rate": "firm"}
STARTED = {"started", "in_production"}


def _change_pct(now: pd.Series, before: pd.Series) -> pd.Series:
    return ((now - before) / before * 100).where(before > 0)


def firm_periods(firms: pd.DataFrame, firm_years: pd.DataFrame, region_id: str, year: int,
                 month_to: int) -> pd.DataFrame:
    """Each firm's figures in the period and in the same months of the year before."""
    mine = firms[firms["region_id"] == region_id].set_index("firm_id")
    fy = firm_years[firm_years["month_to"] == month_to].set_index(["firm_id", "year"])
    now = fy.xs(year, level="year", drop_level=True) if year in fy.index.get_level_values("year") else None
    before = fy.xs(year - 1, level="year", drop_level=True) if year - 1 in fy.index.get_level_values("year") else None
    cols = ["firm_id", "name", "park_id", "region_id", "is_leading", "period"]
    figures = ("output", "tax_paid", "electricity_kwh")
    if now is None or before is None:
        return pd.DataFrame(columns=cols + [f"{f}{s}" for f in figures
                                            for s in ("", "_previous", "_change_pct", "_wan", "_previous_wan")])
    both = now.index.intersection(before.index).intersection(mine.index)
    out = pd.DataFrame(index=both)
    for f in figures:
        out[f] = now.loc[both, f].astype(float)
        out[f"{f}_previous"] = before.loc[both, f].astype(float)
        out[f"{f}_change_pct"] = _change_pct(out[f], out[f"{f}_previous"])
        # in the units a message shows: 万元, 万千瓦时
        out[f"{f}_wan"], out[f"{f}_previous_wan"] = out[f] / 1e4, out[f"{f}_previous"] / 1e4
    out = out.join(mine[["name", "park_id", "region_id", "is_leading"]])
    out["is_leading"] = out["is_leading"].fillna(False).astype(bool).astype(int)
    out["period"] = label(year, month_to)
    return out.rename_axis("firm_id").reset_index()[cols + [c for c in out.columns if c not in cols]]


def firm_grades(graded_now: pd.DataFrame, graded_before: pd.DataFrame, firms: pd.DataFrame,
                year: int) -> pd.DataFrame:
    """Each firm graded in both years with its grade then and now (``grade`` is the final one:
    an override counts)."""
    now = graded_now.set_index("firm_id")["grade"]
    before = graded_before.set_index("firm_id")["grade"]
    both = now.index.intersection(before.index)
    info = firms.set_index("firm_id")
    out = pd.DataFrame({"firm_id": both, "grade": now.loc[both].to_numpy(), "grade_previous": before.loc[both].to_numpy()})
    out["grade_d"] = (out["grade"] == "D").astype(int)
    out["grade_d_previous"] = (out["grade_previous"] == "D").astype(int)
    out["name"] = out["firm_id"].map(info["name"])
    out["park_id"] = out["firm_id"].map(info["park_id"])
    out["region_id"] = out["firm_id"].map(info["region_id"])
    out["year"], out["year_previous"] = year, year - 1
    return out


def single_sources(supply_links: pd.DataFrame, firms: pd.DataFrame, region_id: str) -> pd.DataFrame:
    """What the region's leading firms buy from one supplier only, or only from outside the
    region, in the latest year of their purchase records."""
    cols = ["firm_id", "name", "park_id", "region_id", "product", "supplier", "supplier_region_id", "amount",
            "single_supplier", "outside_only", "year"]
    lead = firms[(firms["region_id"] == region_id) & firms["is_leading"].fillna(False).astype(bool)]
    links = supply_links[supply_links["buyer_id"].isin(lead["firm_id"])]
    if links.empty:
        return pd.DataFrame(columns=cols)
    year = int(links["year"].max())
    links = links[links["year"] == year]
    risks = single_source_risks(links, firms, region_id)
    info = lead.set_index("firm_id")
    who = links.assign(supplier=links["supplier_id"].fillna(links["supplier_name"])).groupby(
        ["buyer_id", "product"]).agg(supplier=("supplier_name", "first"), supplier_region_id=("supplier_region_id", "first"))
    out = risks.join(who, on=["buyer_id", "product"]).rename(columns={"buyer_id": "firm_id"})
    out["single_supplier"] = (out["suppliers"] == 1).astype(int)
    out["outside_only"] = (~out["any_local"]).astype(int)
    out["name"] = out["firm_id"].map(info["name"])
    out["park_id"] = out["firm_id"].map(info["park_id"])
    out["region_id"] = region_id
    out["year"] = year
    out["amount_wan"] = out["amount"] / 1e4
    return out[cols + ["amount_wan"]]


def project_states(projects: pd.DataFrame, region_id: str, as_of: dt.date) -> pd.DataFrame:
    """The region's projects as of a date: days since signing, started (1/0), funds in place
    as a share of the contracted investment (%)."""
    p = projects[projects["region_id"] == region_id].copy()
    signed = pd.to_datetime(p["signed_date"])
    p["days_since_signed"] = (pd.Timestamp(as_of) - signed).dt.days.astype(float)
    p["signed"] = signed.notna().astype(int)
    p["started"] = (p["stage"].isin(STARTED) | pd.to_datetime(p["start_date"]).notna()).astype(int)
    p["dropped"] = (p["stage"] == "dropped").astype(int)
    p["funds_pct"] = (p["funds_in_place"] / p["contracted_investment"] * 100).where(p["contracted_investment"] > 0)
    p["contracted_wan"], p["funds_wan"] = p["contracted_investment"] / 1e4, p["funds_in_place"] / 1e4
    p["as_of"] = as_of.isoformat()
    p["signed_date"] = signed.dt.strftime("%Y-%m-%d")  # as a message shows it (missing stays missing)
    return p.reset_index(drop=True)


def target_states(progress: pd.DataFrame, names: dict | None = None) -> pd.DataFrame:
    """Every target's progress, with off_track and at_risk as 1 or 0, what it concerns by name
    (``names``: id → name of regions, parks and firms) and its figures as the target states them:
    money in 亿元, counts of firms, percentages."""
    p = progress.copy()
    if "status" not in p:
        p["status"] = pd.Series(dtype=str)
    p["off_track"] = (p["status"] == "off track").astype(int)
    p["at_risk"] = (p["status"] == "at risk").astype(int)
    for c in ("projection", "target", "scope_name", "unit", "kind", "indicator", "scope_id"):
        if c not in p:
            p[c] = np.nan
    p["scope_name"] = p["scope_name"].fillna(p["scope_id"].map(names or {})).fillna(p["scope_id"])
    p["indicator_zh"] = p["indicator"].map(lambda i: indicator_label(i, "zh"))
    p["indicator_en"] = p["indicator"].map(lambda i: indicator_label(i, "en"))
    money = p["unit"].eq("CNY")
    counted = p["kind"].eq("count")
    p["unit_zh"] = np.where(money, "亿元", np.where(counted, "家", np.where(p["kind"].astype(str).str.contains("pct"), "%", "")))
    p["unit_en"] = np.where(money, "CNY 100m", np.where(counted, "firms", np.where(p["kind"].astype(str).str.contains("pct"), "%", "")))
    for c in ("projection", "target"):
        p[f"{c}_shown"] = np.where(money, p[c] / 1e8, p[c])
    return p.reset_index(drop=True)


def leader_rates(rates: pd.DataFrame, firms: pd.DataFrame) -> pd.DataFrame:
    """Each leading firm's supporting rate in its latest year and the year before (``rates``:
    ``analyses.valuechain.local_supporting_rate``, full years)."""
    cols = ["firm_id", "name", "park_id", "year", "rate_pct", "rate_previous_pct", "change_points"]
    if rates.empty:
        return pd.DataFrame(columns=cols)
    r = rates.sort_values(["firm_id", "year"])
    r = r.assign(rate_previous_pct=r.groupby("firm_id")["rate_pct"].shift())
    last = r.groupby("firm_id").tail(1).copy()
    last["change_points"] = last["rate_pct"] - last["rate_previous_pct"]
    info = firms.set_index("firm_id")
    last["name"], last["park_id"] = last["firm_id"].map(info["name"]), last["firm_id"].map(info["park_id"])
    return last[cols].reset_index(drop=True)
