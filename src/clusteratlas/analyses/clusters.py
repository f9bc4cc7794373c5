"""Where the study region's industries concentrate, and whether it is more than chance.

Composes the cluster measures for one region of the store and its comparison regions (the
other regions under the same parent — a district's prefecture): location quotients and their
growth, strong clusters across the comparison regions, a shift-share of the region's change,
and, inside the region, Ellison–Glaeser and Maurel–Sédillot indices of each industry across
its parks with dartboard p-values.

Regional figures come from ``region_industry_years`` (aggregate statistics) and, for regions
without such rows in a period, from the sum of their above-scale firms' ``firm_years``:
Chinese county statistics cover firms above designated size (规模以上), so the two agree in
coverage. Industries are GB/T 4754-2017 divisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from clusteratlas.analyses.overview import OUTSIDE_PARKS
from clusteratlas.classify import GBT4754
from clusteratlas.faces import N_, Said
from clusteratlas.measures import (
    ellison_glaeser,
    location_quotient,
    maurel_sedillot,
    shift_share,
    strong_clusters,
)

REGIONAL_VALUES = ("output", "employment", "value_added", "establishments")


def regional_values(aggregates: pd.DataFrame, firms: pd.DataFrame, firm_years: pd.DataFrame,
                    value: str = "output", regions=None) -> pd.DataFrame:
    """Tidy (region, industry = division, year, month_to, value) for every period.

    ``aggregates``: the store's ``region_industry_years``; ``firms``, ``firm_years``: its firm
    tables. Aggregate rows win; a region × period without aggregate rows is filled from its
    above-scale firms (``establishments`` counts those firms)."""
    if value not in REGIONAL_VALUES:
        raise ValueError(f"value must be one of {REGIONAL_VALUES}")
    agg = aggregates.loc[aggregates[value].notna(), ["region_id", "industry_code", "year", "month_to", value]]
    agg = agg.set_axis(["region", "industry_code", "year", "month_to", "value"], axis=1)
    column = "output" if value == "establishments" else value
    fy = firm_years[firm_years["above_scale"].fillna(False).astype(bool) & firm_years[column].notna()]
    fy = fy.merge(firms[["firm_id", "region_id", "industry_code"]], on="firm_id")
    keys = ["region_id", "industry_code", "year", "month_to"]
    g = fy.groupby(keys)
    from_firms = (g.size() if value == "establishments" else g[value].sum()).rename("value").reset_index()
    from_firms = from_firms.rename(columns={"region_id": "region"})
    covered = set(zip(agg.region, agg.year, agg.month_to))
    from_firms = from_firms[[k not in covered for k in zip(from_firms.region, from_firms.year,
                                                          from_firms.month_to)]]
    out = pd.concat([agg, from_firms], ignore_index=True)
    out["industry"] = out.pop("industry_code").map(GBT4754.division_of)
    out = out.groupby(["region", "industry", "year", "month_to"], as_index=False)["value"].sum()
    if regions is not None:
        out = out[out.region.isin(list(regions))].reset_index(drop=True)
    out["value"] = out["value"].astype(float)
    return out.rename(columns={"value": value})


def in_period(values: pd.DataFrame, year: int, month_to: int) -> pd.DataFrame:
    return values[(values.year == year) & (values.month_to == month_to)]


def lq_map(values: pd.DataFrame, regions: pd.DataFrame, region_id: str, year: int, month_to: int,
           industry: str | None = None, value: str = "output") -> pd.DataFrame:
    """LQ of one industry (a GB/T division; default the region's largest) in the region and
    each comparison region, with names and boundaries for a choropleth: region, name, name_en,
    industry, value, lq, boundary, boundary_source, focus (the study region). ``values``: the
    comparison regions' ``regional_values``; ``regions``: the store's regions table."""
    cur = in_period(values, year, month_to)
    if cur.empty or region_id not in set(cur.region):
        raise ValueError(f"no {value} for region {region_id} in {year} (months 1–{month_to})")
    if cur.region.nunique() < 2:
        raise ValueError(no_comparison(region_id))
    lq = location_quotient(cur, value=value)
    if industry is None:
        mine = lq[lq.region == region_id]
        industry = str(mine.loc[mine[value].idxmax(), "industry"])
    elif industry not in set(lq.industry):
        raise KeyError(f"industry {industry!r} has no {value} in these regions in {year}")
    one = lq[lq.industry == industry].set_index("region")
    r = regions.rename(columns={"region_id": "region"})
    r = r[r.region.isin(set(values.region) | {region_id})][
        ["region", "name", "name_en", "boundary", "boundary_source"]].copy()
    r["industry"] = industry
    r["value"] = r.region.map(one[value]).fillna(0.0)
    r["lq"] = r.region.map(one["lq"]).where(r.region.isin(set(cur.region)))
    r["focus"] = r.region == region_id
    return r[["region", "name", "name_en", "industry", "value", "lq", "boundary", "boundary_source",
              "focus"]].sort_values("region").reset_index(drop=True)


def comparison_regions(regions: pd.DataFrame, region_id: str) -> list[str]:
    """The region and its siblings under the same parent (a district and the rest of its city),
    from the store's regions table."""
    r = regions.set_index("region_id")
    if region_id not in r.index:
        raise KeyError(f"no region {region_id!r} in the store")
    parent = r.at[region_id, "parent_id"]
    if pd.isna(parent):
        return [region_id]
    return sorted(r.index[r["parent_id"] == parent])


def no_comparison(region_id: str) -> str:
    """Why location quotients cannot be computed from a store holding one region's data."""
    return Said(N_("No comparison regions: the store holds data of region {region} only, so no location "
                   "quotient, strong cluster or shift-share can be computed. Import the other counties of the "
                   "same prefecture, or the prefecture's or province's totals by industry (the regional "
                   "figures by industry table)."), region=region_id)


def reference_region(regions: pd.DataFrame, aggregates: pd.DataFrame, region_id: str) -> str | None:
    """The nearest enclosing region (parent, grandparent, …) with aggregate statistics by
    industry: the reference economy when the store has no sibling regions."""
    r = regions.set_index("region_id")
    have = set(aggregates["region_id"])
    seen = {region_id}
    code = r.at[region_id, "parent_id"] if region_id in r.index else None
    while isinstance(code, str) and code not in seen:
        if code in have:
            return code
        seen.add(code)
        code = r.at[code, "parent_id"] if code in r.index else None
    return None


@dataclass(frozen=True)
class ClusterDiagnostics:
    region_id: str
    year: int
    month_to: int
    value: str
    lq: pd.DataFrame  # the region's divisions: value, lq, lq previous, growth, share
    strong: pd.DataFrame  # strong clusters across the comparison regions (U.S. rule)
    shift: pd.DataFrame  # shift-share of the region's change, by division
    agglomeration: pd.DataFrame  # EG and MS across the region's parks, with dartboard p-values
    comparison: list[str]
    n_sim: int = 0
    seed: int | None = None
    reference: str | None = None  # the enclosing region the LQ is against, without siblings
    reasons: dict = field(default_factory=dict)  # part (lq, strong, shift) → why it is empty


def cluster_diagnostics(values: pd.DataFrame, establishments: pd.DataFrame, park_firms: pd.DataFrame,
                        region_id: str, year: int, month_to: int, value: str = "output",
                        n_sim: int = 999, seed: int | None = 2006,
                        reference: pd.DataFrame | None = None) -> ClusterDiagnostics:
    """All cluster measures of one region for one period (see the module text). ``values`` and
    ``establishments``: ``regional_values`` of the comparison regions (value and
    establishments); ``park_firms``: the region's firms in the period (``park_agglomeration``);
    ``reference``: ``regional_values`` of an enclosing region, the LQ's reference where the
    store has no sibling regions (``reference_region``). Parts that cannot be computed are
    empty, with the reason in ``reasons`` — never an LQ of one region against itself."""
    regions = sorted(set(values.region))
    cur, prev = in_period(values, year, month_to), in_period(values, year - 1, month_to)
    if cur.empty or region_id not in set(cur.region):
        raise ValueError(f"no {value} for region {region_id} in {year} (months 1–{month_to})")
    reasons: dict[str, str] = {}
    siblings = cur.region.nunique() >= 2
    ref_cur = ref_prev = None
    if not siblings and reference is not None:
        ref_cur = in_period(reference, year, month_to)[["industry", value]]
        ref_prev = in_period(reference, year - 1, month_to)[["industry", value]]
        ref_cur = ref_cur if not ref_cur.empty else None
    if not siblings and ref_cur is None:
        # one region against itself gives LQ = 1 for every industry: say so, show nothing
        reasons = {part: no_comparison(region_id) for part in ("lq", "strong", "shift")}
        mine = pd.DataFrame()
    else:
        def lq_of(frame, ref):
            try:
                out = location_quotient(frame, value=value, reference=ref)
            except ValueError as e:  # the reference lacks an industry of the region
                raise ValueError(f"the reference region's totals cannot serve as the comparison: {e}") from e
            return out[out.region == region_id].drop(columns="region")

        mine = lq_of(cur if siblings else cur[cur.region == region_id], ref_cur)
        if not prev.empty and region_id in set(prev.region) and (siblings or ref_prev is not None
                                                                 and not ref_prev.empty):
            try:
                lq_prev = lq_of(prev if siblings else prev[prev.region == region_id],
                                None if siblings else ref_prev).set_index("industry")
                mine["lq_previous"] = mine["industry"].map(lq_prev["lq"])
                mine["growth_pct"] = (mine[value] / mine["industry"].map(lq_prev[value]) - 1) * 100
            except ValueError:
                reasons["lq_previous"] = Said(N_("The reference region has no totals for last year's industries."))
        mine["share_pct"] = mine[value] / mine[value].sum() * 100
        mine["name_zh"] = mine["industry"].map(lambda d: GBT4754.label(d, "zh"))
        mine["name_en"] = mine["industry"].map(lambda d: GBT4754.label(d, "en"))
        mine = mine[mine[value] > 0].sort_values("lq", ascending=False, ignore_index=True)

    strong = pd.DataFrame()
    if cur.region.nunique() >= 3:
        est = in_period(establishments, year, month_to)
        both = cur.merge(est, on=["region", "industry", "year", "month_to"], how="left").fillna(
            {"establishments": 0})
        strong = strong_clusters(both, value=value, establishments="establishments")
        strong = strong[strong.strong].copy()
        strong["name_zh"] = strong["industry"].map(lambda d: GBT4754.label(d, "zh"))
    else:
        reasons.setdefault("strong", Said(N_("Strong clusters rank a region among its comparison regions: at least "
                                             "3 with data are needed, the store has {n}."), n=cur.region.nunique()))

    shift = pd.DataFrame()
    if not siblings:
        reasons.setdefault("shift", Said(N_("The shift-share needs the comparison regions' change as its "
                                            "reference: import their data.")))
    elif not prev.empty:
        panel = pd.concat([prev, cur])
        shift = shift_share(panel, value=value, year="year", method="esteban_marquillas")
        shift = shift[shift.region == region_id].drop(columns="region")
        shift = shift[(shift.start_value > 0) | (shift.end_value > 0)].reset_index(drop=True)
        shift["name_zh"] = shift["industry"].map(lambda d: GBT4754.label(d, "zh"))

    agglomeration = park_agglomeration(park_firms, n_sim, seed)
    return ClusterDiagnostics(region_id, year, month_to, value, mine, strong.reset_index(drop=True),
                              shift, agglomeration, regions, n_sim, seed,
                              None if siblings or ref_cur is None else str(reference.region.iloc[0]),
                              reasons)


def park_firms(firms: pd.DataFrame, firm_years: pd.DataFrame, region_id: str, year: int,
               month_to: int) -> pd.DataFrame:
    """The region's firms with employment in the period: firm_id, industry (division), park
    (``OUTSIDE_PARKS`` for firms outside every park), employment."""
    f = firms[firms["region_id"] == region_id][["firm_id", "industry_code", "park_id"]]
    fy = firm_years[(firm_years["year"] == year) & (firm_years["month_to"] == month_to)
                    & (firm_years["employment"].fillna(0) > 0)][["firm_id", "employment"]]
    d = fy.merge(f, on="firm_id")
    return pd.DataFrame({"firm_id": d["firm_id"], "industry": d["industry_code"].map(GBT4754.division_of),
                         "park": d["park_id"].fillna(OUTSIDE_PARKS), "employment": d["employment"]})


def park_agglomeration(firms: pd.DataFrame, n_sim: int = 999, seed: int | None = 2006) -> pd.DataFrame:
    """EG and MS of each division across the region's parks (and 'outside parks'), on
    employment, with dartboard p-values of both (one seed, ``n_sim`` throws each)."""
    if firms.empty or firms.park.nunique() < 2:
        return pd.DataFrame()
    roles = dict(region="park", value="employment", n_sim=n_sim, seed=seed)
    eg = ellison_glaeser(firms, **roles)
    ms = maurel_sedillot(firms, **roles).set_index("industry")
    eg["gamma_ms"] = eg["industry"].map(ms["gamma"])
    if n_sim:
        eg["gamma_ms_p"] = eg["industry"].map(ms["gamma_p"])
    eg["name_zh"] = eg["industry"].map(lambda d: GBT4754.label(d, "zh"))
    return eg[eg.n_firms >= 2].sort_values("gamma", ascending=False, ignore_index=True)
