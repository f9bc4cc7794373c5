"""What roles without firm-level rights see: each published view of values built from firm data,
after primary and complementary suppression (``analyses.disclosure``), so that no withheld value
can be worked out from what is published — across the views, not only within one table. Roles
with firm rights over the region (``User.sees_raw_aggregates_of``) get the values as computed.

Every function takes frames (a study's) and results (a diagnosis's) and returns the view; none
reads the store."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from clusteratlas.analyses.disclosure import (
    COMPLEMENTARY,
    DOMINANCE,
    MIN_FIRMS,
    breakdown_reasons,
    suppress_breakdown,
)
from clusteratlas.analyses.overview import OUTSIDE_PARKS

WITHHELD_COLUMNS = ["region", "industry", "reason"]


def regional_withheld(firm_rows: pd.DataFrame, regions, covered=(), min_firms: int = MIN_FIRMS,
                      dominance: float = DOMINANCE, grouping: dict[str, str] | None = None) -> pd.DataFrame:
    """(region, industry, reason) of the regional values built from firm data that may not be
    published (primary or complementary suppression within each region, whose total is
    published). ``firm_rows``: one row per above-scale firm of the period with region,
    industry (division) and value; regions in ``covered`` have aggregate statistics, which are
    published already. ``grouping``: division → group (an input-output sector) when the values
    are published by group; divisions outside every group are left out."""
    rows = firm_rows[firm_rows["region"].isin([r for r in regions if r not in set(covered)])]
    if grouping is not None:
        rows = rows.assign(industry=rows["industry"].map(grouping)).dropna(subset=["industry"])
    out = [breakdown_reasons(f, "industry", "value", min_firms, dominance).rename("reason")
           .reset_index().assign(region=r) for r, f in rows.groupby("region")]
    if not out:
        return pd.DataFrame(columns=WITHHELD_COLUMNS)
    out = pd.concat(out, ignore_index=True)
    return out.loc[out.reason != "", WITHHELD_COLUMNS].reset_index(drop=True)


def withhold(frame: pd.DataFrame, withheld: pd.DataFrame, columns, region: str | None = None) -> pd.DataFrame:
    """``frame`` (with ``industry``, and ``region`` unless one ``region`` is given) with
    ``columns`` blanked where the value is withheld, and a ``suppressed`` column saying why.
    An LQ, RCA or share blanked with the value: each gives the value back with the totals."""
    out = frame.copy()
    keys = dict(zip(zip(withheld["region"], withheld["industry"]), withheld["reason"]))
    regions = out["region"] if region is None else [region] * len(out)
    out["suppressed"] = [keys.get((r, i), "") for r, i in zip(regions, out["industry"])]
    hide = out["suppressed"] != ""
    out.loc[hide, [c for c in columns if c in out]] = np.nan
    return out


def withhold_lq_map(frame: pd.DataFrame, withheld: pd.DataFrame) -> pd.DataFrame:
    """``withhold`` for an LQ map of one industry: every region's LQ divides by the industry's
    total over all the regions, so with one region's value withheld, any other region's LQ
    (its own value being published) would give that total, and the withheld value, back. All
    LQs of the industry are then withheld, the others as complementary."""
    out = withhold(frame, withheld, ["lq", "value"])
    if (out["suppressed"] != "").any():
        out.loc[out["suppressed"] == "", "suppressed"] = "complementary"
        out["lq"] = np.nan
    return out


def public_overview(ov, previous_rows: pd.DataFrame, release=None):
    """The overview (``analyses.overview.Overview``) as published: its industry and park parts
    under primary and complementary suppression (the parts sum to the published total), no
    growth on a part that was withheld last year (``previous_rows``: the region's above-scale
    firms of the same period a year earlier, with industry (division), park_id and value), and the output
    in parks withheld when the part outside the parks is (it is the total minus that output).

    ``release``: the period's suppressed output table (``analyses.disclosure.Suppressed``),
    whose industry and park totals are the overview's parts: the overview then publishes exactly
    the totals the table publishes, and the output in parks only where the table's suppression
    allowed it — one pattern for both views, so that neither can be differenced against the other."""
    ind, park, totals = ov.by_industry.copy(), ov.by_park.copy(), ov.totals.copy()
    for frame, key, shown in ((ind, "division", None if release is None else release.row_totals),
                              (park, "park_id", None if release is None else release.column_totals)):
        if shown is None:
            # the parts sum to the published total: a second part is hidden with each one
            why = suppress_breakdown(frame["output"].fillna(0.0), frame["firms"],
                                     frame["top_firm_share"].fillna(0.0))
            withheld = why.to_numpy() == COMPLEMENTARY
        else:
            withheld = frame[key].map(shown).isna().to_numpy() & (frame["firms"] > 0).to_numpy()
        frame["disclosure"] = np.where(withheld & (frame["disclosure"] == ""), COMPLEMENTARY,
                                       frame["disclosure"])
        hide = frame["disclosure"] != ""
        frame.loc[hide, ["output", "value_added", "tax_paid", "exports", "output_per_mu",
                         "share_pct", "growth_pct", "top_firm_share"]] = np.nan
    if not previous_rows.empty:  # growth on a part withheld last year gives last year's value
        for frame, key, by in ((ind, "division", "industry"), (park, "park_id", "park_id")):
            why = breakdown_reasons(previous_rows, by, "value")
            frame.loc[frame[key].isin(why.index[why != ""]), "growth_pct"] = np.nan
    outside = park[park["park_id"] == OUTSIDE_PARKS]
    in_parks_withheld = release is not None and release.extra_published and not release.extra_published[0]
    if in_parks_withheld or len(outside) and outside["output"].isna().any():
        parks_rows = totals["indicator"].isin(["output_in_parks", "park_share_of_output_pct"])
        totals.loc[parks_rows, ["value", "previous", "growth_pct"]] = np.nan
    return dataclasses.replace(ov, by_industry=ind, by_park=park, totals=totals)


def withhold_targets(progress: pd.DataFrame, public_ov) -> pd.DataFrame:
    """Target progress (``analyses.targets.target_progress``) as published: no firm-scope
    targets, and no actual figures (nor what is computed from them) of an industry or park whose
    part of the published total is withheld in ``public_ov`` (from ``public_overview``)."""
    t = progress[progress["scope"] != "firm"].copy()
    if public_ov is None or t.empty:
        return t
    ind, park = public_ov.by_industry, public_ov.by_park
    # an actual figure is one of the release's published lines, or it is not shown: a target
    # on a group (351), a class or another region would publish a sum the release never
    # checked (a part of a withheld division, or a handful of firms)
    shown = {("industry", d) for d in ind.loc[ind["disclosure"] == "", "division"]}
    shown |= {("park", p) for p in park.loc[park["disclosure"] == "", "park_id"]}
    shown.add(("region", str(public_ov.region_id)))
    counts = t["indicator"].astype(str).str.startswith("firms_")  # numbers of firms: not values
    rows = [not c and (scope, str(i)) not in shown
            for scope, i, c in zip(t["scope"], t["scope_id"], counts)]
    t.loc[rows, [c for c in ("actual", "share_of_target_pct", "pace", "projection", "growth_so_far_pct",
                             "required_growth_pct") if c in t]] = np.nan
    return t


def withhold_chain(graph, gaps: pd.DataFrame, by_sector: pd.DataFrame, by_division: pd.DataFrame,
                   grouping: dict[str, str]):
    """The value chain map and gap list as published: a sector's output and LQ are the region's
    firms' output summed by input-output sector, so sectors withheld under the region's total
    (``by_sector``: ``regional_withheld`` with the sector ``grouping``) are blanked with their
    local purchases and leakage (the regionalised table computes them from those outputs). A
    sector holding a division withheld on its own (``by_division``) goes too: the sector minus
    its published sibling divisions would give the division back. The clusters' purchases are
    the focal sector's output times coefficients, so a withheld focal sector blanks them all."""
    hidden = dict(zip(by_sector["industry"], by_sector["reason"]))
    for division in by_division["industry"]:
        if division in grouping:
            hidden.setdefault(grouping[division], COMPLEMENTARY)
    graph = graph.copy()
    for node, data in graph.nodes(data=True):
        if node in hidden:
            data.update(output=np.nan, lq=np.nan, suppressed=hidden[node])
    gaps = gaps.assign(suppressed=gaps["sector"].map(hidden).fillna("") if len(gaps) else "")
    if len(gaps):
        gaps.loc[gaps["suppressed"] != "", ["local_purchases", "leakage", "local_share_pct", "lq"]] = np.nan
        if graph.graph["focal"] in hidden:
            gaps[["purchases", "local_purchases", "leakage", "local_share_pct"]] = np.nan
    return graph, gaps


def withhold_opportunities(table: pd.DataFrame, withheld: pd.DataFrame, region: str) -> pd.DataFrame:
    """Opportunities as published: a candidate's output and RCA are the region's own values."""
    return withhold(table, withheld, ["output", "rca"], region=region)


def public_industry_space(space, any_withheld: bool):
    """The industry space as published: node sizes are industry totals over the comparison
    regions, which with the other regions' published values would give a withheld value back,
    so they are drawn equal whenever anything is withheld."""
    if not any_withheld:
        return space
    space = space.copy()
    for node in space.nodes:
        space.nodes[node]["value"] = 1.0
    return space
