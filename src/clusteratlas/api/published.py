"""What roles without firm-level rights see: each published view of values built from firm data,
after primary and complementary suppression (``analyses.disclosure``), so that no withheld value
can be worked out from what is published — across the views, not only within one table. Roles
with firm rights (``User.sees_raw_aggregates``) get the values as computed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from clusteratlas.analyses.clusters import regional_disclosure
from clusteratlas.analyses.disclosure import COMPLEMENTARY, breakdown_reasons, suppress_breakdown
from clusteratlas.analyses.overview import OUTSIDE_PARKS
from clusteratlas.analyses.valuechain import division_to_sector
from clusteratlas.api.security import User
from clusteratlas.classify import GBT4754


def withheld_values(store, user: User, regions, year: int, month_to: int):
    """(region, industry, reason) of the regional values built from firm data that ``user``
    may not see (primary and complementary suppression); none for roles with firm rights."""
    if user.sees_raw_aggregates:
        return pd.DataFrame(columns=["region", "industry", "reason"])
    return regional_disclosure(store, list(regions), year, month_to)


def withhold(frame, withheld, columns, region: str | None = None):
    """``frame`` (with ``industry``, and ``region`` unless one ``region`` is given) with
    ``columns`` blanked where the value is withheld, and a ``suppressed`` column saying why.
    An LQ, RCA or share blanked with the value: each gives the value back with the totals."""
    out = frame.copy()
    keys = dict(zip(zip(withheld["region"], withheld["industry"]), withheld["reason"]))
    regions = out["region"] if region is None else [region] * len(out)
    why = [keys.get((r, i), "") for r, i in zip(regions, out["industry"])]
    out["suppressed"] = why
    hide = out["suppressed"] != ""
    out.loc[hide, [c for c in columns if c in out]] = np.nan
    return out


def withhold_lq_map(frame, withheld):
    """``withhold`` for an LQ map of one industry: every region's LQ divides by the industry's
    total over all the regions, so with one region's value withheld, any other region's LQ
    (its own value being published) would give that total, and the withheld value, back. All
    LQs of the industry are then withheld, the others as complementary."""
    out = withhold(frame, withheld, ["lq", "value"])
    if (out["suppressed"] != "").any():
        out.loc[out["suppressed"] == "", "suppressed"] = "complementary"
        out["lq"] = np.nan
    return out


def public_overview(s, ov):
    """The overview (``analyses.overview.Overview``) as published to roles without firm rights:
    its industry and park parts under primary and complementary suppression (the parts sum to
    the published total), no growth on a part that was withheld last year, and the output in
    parks withheld when the part outside the parks is (it is the total minus that output)."""
    ind, park, totals = ov.by_industry.copy(), ov.by_park.copy(), ov.totals.copy()
    for frame in (ind, park):
        # the parts sum to the published total: a second part is hidden with each one
        why = suppress_breakdown(frame["output"].fillna(0.0), frame["firms"],
                                 frame["top_firm_share"].fillna(0.0))
        frame["disclosure"] = np.where(why.to_numpy() == COMPLEMENTARY, COMPLEMENTARY,
                                       frame["disclosure"])
        hide = frame["disclosure"] != ""
        frame.loc[hide, ["output", "value_added", "tax_paid", "exports", "output_per_mu",
                         "share_pct", "growth_pct", "top_firm_share"]] = np.nan
    # growth on a part withheld last year would give last year's value back
    before = s.sql("SELECT f.industry_code, coalesce(f.park_id, ?) AS park_id, fy.output "
                   "FROM firm_years fy JOIN firms f USING (firm_id) WHERE f.region_id = ? "
                   "AND fy.year = ? AND fy.month_to = ? AND fy.above_scale AND fy.output "
                   "IS NOT NULL", [OUTSIDE_PARKS, ov.region_id, ov.year - 1, ov.month_to])
    if not before.empty:
        before["division"] = before["industry_code"].map(GBT4754.division_of)
        for frame, key in ((ind, "division"), (park, "park_id")):
            why = breakdown_reasons(before, key, "output")
            frame.loc[frame[key].isin(why.index[why != ""]), "growth_pct"] = np.nan
    outside = park[park["park_id"] == OUTSIDE_PARKS]
    if len(outside) and outside["output"].isna().any():
        parks_rows = totals["indicator"].isin(["output_in_parks", "park_share_of_output_pct"])
        totals.loc[parks_rows, ["value", "previous", "growth_pct"]] = np.nan
    return dataclasses.replace(ov, by_industry=ind, by_park=park, totals=totals)


def withhold_targets(progress, public_ov):
    """Target progress (``analyses.targets.target_progress``) as published: no firm-scope targets,
    and no actual figures (nor what is computed from them) of an industry or park whose part of
    the published total is withheld in ``public_ov`` (from ``public_overview``)."""
    t = progress[progress["scope"] != "firm"].copy()
    if public_ov is None:
        return t
    ind, park = public_ov.by_industry, public_ov.by_park
    hidden = {("industry", d) for d in ind.loc[ind["disclosure"] != "", "division"]}
    hidden |= {("park", p) for p in park.loc[park["disclosure"] != "", "park_id"]}
    rows = [(scope, str(i)) in hidden for scope, i in zip(t["scope"], t["scope_id"])]
    t.loc[rows, ["actual", "share_of_target_pct", "pace", "projection", "growth_so_far_pct",
                 "required_growth_pct"]] = np.nan
    return t



def withhold_chain(store, user: User, region: str, year: int, table, graph, gaps):
    """The value chain map and gap list as ``user`` may see them: a sector's output and LQ are
    the region's firms' output summed by input-output sector, so sectors withheld under the
    region's published total are blanked, with their local purchases and leakage (which the
    regionalised table computes from those outputs); the clusters' purchases are the focal
    sector's output times coefficients, so a withheld focal sector blanks them all."""
    if user.sees_raw_aggregates:
        return graph, gaps.assign(suppressed="")
    grouping = division_to_sector(table.sectors)
    w = regional_disclosure(store, [region], year, 12, grouping=grouping)
    hidden = dict(zip(w["industry"], w["reason"]))
    # divisions are published too (the overview): a sector's total would give a withheld
    # division back as the total minus its published siblings, so it goes with it
    for division in regional_disclosure(store, [region], year, 12)["industry"]:
        if division in grouping:
            hidden.setdefault(grouping[division], COMPLEMENTARY)
    graph = graph.copy()
    for node, data in graph.nodes(data=True):
        if node in hidden:
            data.update(output=np.nan, lq=np.nan, suppressed=hidden[node])
    gaps = gaps.assign(suppressed=gaps["sector"].map(hidden).fillna("")) if len(gaps) else gaps
    if len(gaps):
        gaps.loc[gaps["suppressed"] != "", ["local_purchases", "leakage", "local_share_pct", "lq"]] = np.nan
        if graph.graph["focal"] in hidden:
            gaps[["purchases", "local_purchases", "leakage", "local_share_pct"]] = np.nan
    return graph, gaps
