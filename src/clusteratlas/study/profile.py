"""A firm's profile (企业画像): everything the store says about one firm, for those who may see it
— who it is and where, its figures by year with growth, its 亩均 grade with each item and what
follows from it, its tier in the "323" ladder, its awards and claims, what it buys and sells (and
how much of its buying is local), its projects, its warnings and its requests to the desk."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.analyses.tiers import TIERS_323
from clusteratlas.classify import GBT4754
from clusteratlas.io import records
from clusteratlas.study.diagnosis import Diagnosis, NotComputable

FIGURES = ("output", "value_added", "revenue", "tax_paid", "employment", "energy_tce", "land_mu")
TIER_ZH = {"over_1e9": "产值10亿元以上", "over_1e8": "产值亿元以上", "over_5e7": "产值5000万元以上"}
TIER_EN = {"over_1e9": "output over CNY 1bn", "over_1e8": "output over CNY 100m", "over_5e7": "output over CNY 50m"}


@dataclass(frozen=True)
class FirmProfile:
    firm: dict  # identity: ids, names, class, park, region, site, founded, parent, leading
    years: pd.DataFrame  # year × FIGURES, and *_growth_pct on the year before (full years)
    grade: dict | None  # latest graded full year: year, method, score, grades, consequences
    grade_items: pd.DataFrame  # item name, value, unit, score, weight (of that year)
    tier: str | None  # the highest "323" tier its latest full-year output reaches
    awards: pd.DataFrame  # its lines of the newest recorded incentive run
    claims: pd.DataFrame  # its claims and their states
    purchases: pd.DataFrame  # what it bought, from whom, local or not (latest year recorded)
    sales: pd.DataFrame  # what it sold to firms of the store
    local_share_pct: float  # of its recorded purchases, bought in its region (latest year)
    projects: pd.DataFrame
    alerts: pd.DataFrame
    requests: pd.DataFrame


def firm_profile(store, d: Diagnosis, firm_id: str) -> FirmProfile:
    """The profile of ``firm_id``; KeyError when the store has no such firm. Access is the
    caller's to check (``policy.access.User.may_see_firm``)."""
    t = d.study.tables
    firms = t["firms"].set_index("firm_id")
    if firm_id not in firms.index:
        raise KeyError(f"no firm {firm_id!r}")
    f = firms.loc[firm_id]
    parks = t["parks"].set_index("park_id")["name"]
    regions = t["regions"].set_index("region_id")["name"]
    code = f["industry_code"] if isinstance(f["industry_code"], str) else None
    division = GBT4754.division_of(code) if code else None
    firm = {"firm_id": firm_id, "name": f["name"], "industry_code": code, "division": division,
            "industry_zh": GBT4754.label(division) if division else None,
            "industry_en": GBT4754.label(division, "en") if division else None,
            "park_id": f["park_id"] if isinstance(f["park_id"], str) else None,
            "park": parks.get(f["park_id"]) if isinstance(f["park_id"], str) else None,
            "region_id": f["region_id"], "region": regions.get(f["region_id"], f["region_id"]),
            "lon": f["lon"], "lat": f["lat"], "founded_year": f["founded_year"],
            "parent": firms["name"].get(f["parent_firm_id"]) if isinstance(f["parent_firm_id"], str) else None,
            "is_leading": bool(f["is_leading"]) if pd.notna(f["is_leading"]) else False}
    fy = t["firm_years"]
    full = fy[(fy["firm_id"] == firm_id) & (fy["month_to"] == 12)].sort_values("year")
    years = full[["year", *FIGURES]].reset_index(drop=True)
    for c in FIGURES:
        previous = years[c].shift()
        years[f"{c}_growth_pct"] = ((years[c] - previous) / previous * 100).where(previous > 0)
    grade, items = _grade(d, firm_id)
    latest = years.dropna(subset=["output"]).tail(1)
    tier = None
    if len(latest):
        reached = [k for k, v in TIERS_323.items() if float(latest["output"].iloc[0]) >= v]
        tier = reached[0] if reached else None
    purchases, local_share = _purchases(t["supply_links"], fy, firms, firm_id, f["region_id"])
    sales = t["supply_links"][t["supply_links"]["supplier_id"] == firm_id].assign(
        buyer=lambda x: x["buyer_id"].map(firms["name"]))
    projects = t["projects"][t["projects"]["firm_id"] == firm_id]
    return FirmProfile(firm, years, grade, items, tier, _awards(store, firm_id), _claims(store, firm_id),
                       purchases, sales, local_share, projects.reset_index(drop=True),
                       _alerts(store, firm_id), _requests(store, firm_id))


def _grade(d: Diagnosis, firm_id: str):
    """The firm's 亩均 grade in the latest full year it was graded, with each item."""
    try:
        year = d.study.latest_full_year()
        le = d.land_efficiency(year)
    except (ValueError, NotComputable):
        return None, pd.DataFrame()
    hit = le.firms[le.firms["firm_id"] == firm_id]
    if hit.empty:
        return None, pd.DataFrame()
    r = hit.iloc[0]
    consequences = {c: r.get(c) for c in le.method.consequences.get("columns", [])}
    grade = {"year": year, "method": le.method.title_zh, "score": float(r["score"]), "rank": int(r["rank"]),
             "of": len(le.firms), "computed_grade": r["computed_grade"], "grade": r["grade"],
             "override_grade": r["override_grade"] if isinstance(r["override_grade"], str) else None,
             "override_reason": r["override_reason"] if isinstance(r["override_reason"], str) else None,
             "consequences": consequences}
    items = pd.DataFrame([{"item": i["key"], "name_zh": i["name_zh"], "value": r.get(i["key"]), "unit": i["unit"],
                           "weight": i["weight"], "score": r.get(f"{i['key']}_score"),
                           "missing": bool(r.get(f"{i['key']}_missing"))} for i in le.method.indicators])
    return grade, items


def _purchases(links, firm_years, firms, firm_id, region_id):
    """What the firm bought in the latest year recorded, and the share bought locally — the local
    supporting rate's definition: over all it bought (its reported purchases, or its recorded
    ones where those are more)."""
    bought = links[links["buyer_id"] == firm_id]
    if bought.empty:
        return bought.assign(local=pd.Series(dtype=bool)), np.nan
    year = bought["year"].max()
    bought = bought[bought["year"] == year].copy()
    where = bought["supplier_id"].map(firms["region_id"]).fillna(bought["supplier_region_id"])
    bought["local"] = where == region_id
    reported = firm_years[(firm_years["firm_id"] == firm_id) & (firm_years["year"] == year)
                          & (firm_years["month_to"] == 12)]["total_purchases"]
    total = max(float(bought["amount"].sum()), float(reported.iloc[0]) if len(reported) and pd.notna(reported.iloc[0]) else 0.0)
    share = float(bought.loc[bought["local"], "amount"].sum() / total * 100) if total else np.nan
    return bought.sort_values("amount", ascending=False).reset_index(drop=True), share


def _awards(store, firm_id):
    runs = records.recorded_runs(store)
    if runs.empty:
        return pd.DataFrame()
    lines = records.recorded_lines(store, int(runs["run_id"].iloc[0]))
    return lines[lines["entity_id"].astype(str) == firm_id].reset_index(drop=True)


def _claims(store, firm_id):
    from clusteratlas.study.claims import claims

    c = claims(store)
    return c[c["entity_id"].astype(str) == firm_id].reset_index(drop=True)


def _alerts(store, firm_id):
    from clusteratlas.study.alerts import alerts

    a = alerts(store)
    return a[a["firm_id"] == firm_id].reset_index(drop=True)


def _requests(store, firm_id):
    from clusteratlas.study.desk import requests

    r = requests(store)
    return r[r["firm_id"] == firm_id].reset_index(drop=True)
