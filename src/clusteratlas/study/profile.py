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
from clusteratlas.policy.access import User
from clusteratlas.study.diagnosis import Diagnosis, NotComputable

FIGURES = ("output", "value_added", "revenue", "tax_paid", "employment", "energy_tce", "land_mu")


@dataclass(frozen=True)
class FirmProfile:
    firm: dict  # identity: ids, names, class, park, region, site, founded, parent, leading
    years: pd.DataFrame  # a row a period (year, month_to: 12 a full year, else year to date) ×
    # FIGURES, and *_growth_pct on the same period of the year before (同比)
    grade: dict | None  # latest graded full year: year, method, score, grades, consequences
    grade_items: pd.DataFrame  # item name, value, unit, score, weight (of that year)
    tier: str | None  # the highest "323" tier its latest full-year output reaches (faces.terms "tier")
    awards: pd.DataFrame  # its lines of the newest recorded incentive run
    claims: pd.DataFrame  # its claims and their states
    purchases: pd.DataFrame  # what it bought, from whom, local or not (latest year recorded)
    sales: pd.DataFrame  # what it sold to firms of the store
    local_share_pct: float  # of its recorded purchases, bought in its region (latest year)
    projects: pd.DataFrame
    alerts: pd.DataFrame
    requests: pd.DataFrame


def profile_for(service, store, user: User, firm_id: str) -> FirmProfile:
    """The profile of ``firm_id`` for ``user``, on the study of the firm's own region; KeyError
    (the same for a firm that does not exist and one the user may not see: the answer must not
    tell which) unless ``user.may_see_firm``."""
    row = store.sql("SELECT firm_id, region_id, park_id FROM firms WHERE firm_id = ?", [str(firm_id)[:64]])
    if row.empty or not user.may_see_firm(row.iloc[0].to_dict()):
        raise KeyError("no firm of this id that you may see")
    return firm_profile(store, service.diagnosis(store, row["region_id"].iloc[0]), firm_id)


def rule_titles(store) -> dict[str, tuple[str, str]]:
    """rule id → (title_zh, title_en) over the rulesets of the recorded runs and claims."""
    from clusteratlas.study.records import load_ruleset

    names = set(records.recorded_runs(store)["ruleset"])
    names |= set(store.sql("SELECT DISTINCT ruleset FROM claim_events")["ruleset"])
    out = {}
    for name in names:
        try:
            rs = load_ruleset(name, store)
        except (KeyError, ValueError):
            continue  # a run of a ruleset since removed: its ids are shown as they are
        out.update({r.id: (r.title_zh, r.title_en) for r in rs.rules})
    return out


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
    years = _periods(fy[fy["firm_id"] == firm_id])
    grade, items = _grade(d, firm_id)
    latest = years[years["month_to"] == 12].dropna(subset=["output"]).tail(1)
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


def _periods(rows: pd.DataFrame) -> pd.DataFrame:
    """The firm's full years and, after the last, the year to date it reported; growth of each
    figure on the same months of the year before (同比), where that was reported and positive."""
    rows = rows[["year", "month_to", *FIGURES]].sort_values(["year", "month_to"])
    full = rows[rows["month_to"] == 12]
    last_full = full["year"].max() if len(full) else -1
    partial = rows[(rows["month_to"] < 12) & (rows["year"] > last_full)]
    shown = pd.concat([full, partial.tail(1)]).reset_index(drop=True)
    before = rows.assign(year=rows["year"] + 1).set_index(["year", "month_to"])
    key = pd.MultiIndex.from_frame(shown[["year", "month_to"]])
    for c in FIGURES:
        previous = before[c].reindex(key).to_numpy(dtype=float)
        now = shown[c].to_numpy(dtype=float)
        shown[f"{c}_growth_pct"] = np.where(previous > 0, (now - previous) / np.where(previous > 0, previous, 1) * 100, np.nan)
    return shown


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
    grade = {"year": year, "method": le.method.title_zh, "method_en": le.method.title_en,
             "indicators": le.method.indicators, "score": float(r["score"]), "rank": int(r["rank"]),
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
