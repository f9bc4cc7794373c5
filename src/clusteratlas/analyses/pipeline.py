"""The investment-attraction pipeline (招商引资): funnel, conversion, time in stage, funds.

Stages run lead → negotiating → signed → started → in production; a dropped project left the
funnel. A project "reached" a stage when its stage is that one or a later one, or when it has
the date of that stage. Conversion from one stage to the next is the share of projects that
reached the first and also reached the next. The period filter keeps projects signed in it
(how Chinese statistics count 引进项目).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.faces.terms import chinese

STAGES = ("lead", "negotiating", "signed", "started", "in_production")
STAGE_ZH = chinese("project_stage")
_DATE = {"signed": "signed_date", "started": "start_date", "in_production": "production_date"}


def reached(projects: pd.DataFrame) -> pd.DataFrame:
    """Boolean frame: which stage each project reached."""
    order = {s: i for i, s in enumerate(STAGES)}
    rank = projects["stage"].map(order)
    out = pd.DataFrame(index=projects.index)
    for s in STAGES:
        r = rank >= order[s]
        if s in _DATE:
            r = r | projects[_DATE[s]].notna()
        out[s] = r.fillna(False).astype(bool)
    out["lead"] = True  # every project in the table was at least a lead
    return out


@dataclass(frozen=True)
class PipelineSummary:
    funnel: pd.DataFrame  # stage, projects, contracted, funds_in_place, conversion_pct
    by: dict[str, pd.DataFrame]  # industry / park / source: projects, funds, in-place ratio
    time_in_stage: pd.DataFrame  # from, to, projects, median_days
    figures: dict  # the seed-style headline numbers
    text_zh: str
    text_en: str


def pipeline_summary(projects: pd.DataFrame, start=None, end=None,
                     industrial_sections=("B", "C", "D")) -> PipelineSummary:
    """Summarise the pipeline of projects signed between ``start`` and ``end`` (dates; all when
    None). Industrial projects are those whose code falls in GB/T 4754 sections B–D (mining,
    manufacturing, utilities), the statistical meaning of 工业."""
    from clusteratlas.classify import GBT4754

    p = projects.copy()
    for c in ("lead_date", "signed_date", "start_date", "production_date"):
        p[c] = pd.to_datetime(p[c])
    if start is not None:
        p = p[p["signed_date"] >= pd.Timestamp(start)]
    if end is not None:
        p = p[p["signed_date"] <= pd.Timestamp(end)]
    r = reached(p)
    rows, prev = [], None
    for s in STAGES:
        sel = p[r[s]]
        conv = (r[s] & r[prev]).sum() / r[prev].sum() * 100 if prev and r[prev].sum() else np.nan
        rows.append({"stage": s, "stage_zh": STAGE_ZH[s], "projects": int(r[s].sum()),
                     "contracted_investment": sel["contracted_investment"].sum(),
                     "funds_in_place": sel["funds_in_place"].sum(), "conversion_pct": conv})
        prev = s
    funnel = pd.DataFrame(rows)
    funnel.loc[len(funnel)] = {"stage": "dropped", "stage_zh": STAGE_ZH["dropped"],
                               "projects": int((p["stage"] == "dropped").sum()),
                               "contracted_investment": p.loc[p["stage"] == "dropped", "contracted_investment"].sum(),
                               "funds_in_place": p.loc[p["stage"] == "dropped", "funds_in_place"].sum(),
                               "conversion_pct": np.nan}

    section = p["industry_code"].map(lambda c: GBT4754.section_of(c) if isinstance(c, str) else None)
    industrial = section.isin(industrial_sections)
    by = {}
    for key, col in (("industry", p["industry_code"].map(
            lambda c: GBT4754.division_of(c) if isinstance(c, str) else None)),
                     ("park", p["park_id"]), ("source", p["source_region"])):
        g = p.assign(_k=col.fillna("—")).groupby("_k")
        t = pd.DataFrame({"projects": g.size(), "contracted_investment": g["contracted_investment"].sum(),
                          "funds_in_place": g["funds_in_place"].sum()})
        t["in_place_pct"] = t["funds_in_place"] / t["contracted_investment"] * 100
        by[key] = t.rename_axis(key).reset_index().sort_values("funds_in_place", ascending=False,
                                                                ignore_index=True)
    spans = []
    for a, b in (("signed_date", "start_date"), ("start_date", "production_date"),
                 ("lead_date", "signed_date")):
        both = p[a].notna() & p[b].notna()
        days = (p.loc[both, b] - p.loc[both, a]).dt.days
        spans.append({"from": a.removesuffix("_date"), "to": b.removesuffix("_date"),
                      "projects": int(both.sum()),
                      "median_days": float(days.median()) if both.any() else np.nan})
    in_park = p["park_id"].notna()
    started = r["started"] & (p["start_date"].isna() | (p["start_date"] >= p["signed_date"].min()))
    figures = {
        "projects": len(p), "funds_in_place": p["funds_in_place"].sum(),
        "contracted_investment": p["contracted_investment"].sum(),
        "industrial_projects": int(industrial.sum()),
        "industrial_funds_in_place": p.loc[industrial, "funds_in_place"].sum(),
        "park_projects": int(in_park.sum()), "park_projects_started": int((in_park & started).sum()),
    }
    f = figures
    text_zh = (f"引进项目{f['projects']}个，招商引资到位资金{f['funds_in_place'] / 1e8:.1f}亿元，"
               f"其中工业项目{f['industrial_projects']}个，到位资金{f['industrial_funds_in_place'] / 1e8:.1f}亿元；"
               f"入园项目{f['park_projects']}个，其中新开工项目{f['park_projects_started']}个。")
    text_en = (f"{f['projects']} projects attracted with CNY {f['funds_in_place'] / 1e8:.1f} hundred "
               f"million of funds in place, of which {f['industrial_projects']} industrial projects "
               f"with CNY {f['industrial_funds_in_place'] / 1e8:.1f} hundred million; "
               f"{f['park_projects']} projects in parks, {f['park_projects_started']} of them started.")
    return PipelineSummary(funnel, by, pd.DataFrame(spans), figures, text_zh, text_en)


def commitment_check(projects: pd.DataFrame, firm_years: pd.DataFrame, year: int,
                     tolerance: float = 0.0) -> pd.DataFrame:
    """Projects in production that became a firm, their commitments against the firm's figures
    in ``year`` (full year): investment intensity = contracted investment / land (CNY per mu)
    against the firm's cumulative fixed-asset investment / land; tax per mu against the
    committed tax per mu. ``met`` when actual ≥ committed × (1 − tolerance)."""
    p = projects[(projects["stage"] == "in_production") & projects["firm_id"].notna()].copy()
    fy = firm_years[firm_years["month_to"] == 12]
    invest = fy[fy["year"] <= year].groupby("firm_id")["fixed_asset_investment"].sum(min_count=1)
    cur = fy[fy["year"] == year].set_index("firm_id")
    p["committed_investment_per_mu"] = p["contracted_investment"] / p["land_mu"]
    land = p["firm_id"].map(cur["land_mu"]).fillna(p["land_mu"])
    p["actual_investment_per_mu"] = p["firm_id"].map(invest) / land
    p["actual_tax_per_mu"] = p["firm_id"].map(cur["tax_paid"]) / land
    for what in ("investment", "tax"):
        committed = p[f"committed_{what}_per_mu"]
        actual = p[f"actual_{what}_per_mu"]
        p[f"{what}_status"] = np.select(
            [committed.isna(), actual.isna(), actual >= committed * (1 - tolerance)],
            ["no commitment", "no data", "met"], "short")
    return p[["project_id", "name", "firm_id", "land_mu", "committed_investment_per_mu",
              "actual_investment_per_mu", "investment_status", "committed_tax_per_mu",
              "actual_tax_per_mu", "tax_status"]].reset_index(drop=True)
