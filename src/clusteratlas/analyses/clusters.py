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

from dataclasses import dataclass

import pandas as pd

from clusteratlas.analyses.disclosure import breakdown_reasons
from clusteratlas.analyses.overview import OUTSIDE_PARKS
from clusteratlas.classify import GBT4754
from clusteratlas.io.store import Store
from clusteratlas.measures import (
    dartboard_test,
    location_quotient,
    maurel_sedillot,
    shift_share,
    strong_clusters,
)

REGIONAL_VALUES = ("output", "employment", "value_added", "establishments")


def regional_values(store: Store, value: str = "output", regions=None) -> pd.DataFrame:
    """Tidy (region, industry = division, year, month_to, value) for every period in the store.

    Aggregate rows win; a region × period without aggregate rows is filled from its above-scale
    firms (``establishments`` counts those firms)."""
    if value not in REGIONAL_VALUES:
        raise ValueError(f"value must be one of {REGIONAL_VALUES}")
    agg = store.sql(f"SELECT region_id AS region, industry_code, year, month_to, {value} AS value "
                    f"FROM region_industry_years WHERE {value} IS NOT NULL")
    firm_expr = "count(*)" if value == "establishments" else f"sum(fy.{value})"
    firms = store.sql(f"SELECT f.region_id AS region, f.industry_code, fy.year, fy.month_to, "
                      f"{firm_expr} AS value FROM firm_years fy JOIN firms f USING (firm_id) "
                      f"WHERE fy.above_scale AND fy.{'output' if value == 'establishments' else value} "
                      f"IS NOT NULL GROUP BY ALL")
    covered = set(zip(agg.region, agg.year, agg.month_to))
    firms = firms[[k not in covered for k in zip(firms.region, firms.year, firms.month_to)]]
    out = pd.concat([agg, firms], ignore_index=True)
    out["industry"] = out.pop("industry_code").map(GBT4754.division_of)
    out = out.groupby(["region", "industry", "year", "month_to"], as_index=False)["value"].sum()
    if regions is not None:
        out = out[out.region.isin(list(regions))]
    return out.rename(columns={"value": value})


def regional_disclosure(store: Store, regions, year: int, month_to: int, value: str = "output",
                        min_firms: int = 3, dominance: float = 0.8,
                        grouping: dict[str, str] | None = None) -> pd.DataFrame:
    """(region, industry, reason) for the regional values of one period that ``regional_values``
    builds from firm data and that may not be published (primary or complementary suppression
    within the region, whose total is published). Aggregate statistics are published already.
    ``grouping``: division → group (an input-output sector) when the values are published by
    group; ``industry`` then holds the group, and divisions outside every group are left out."""
    if value not in REGIONAL_VALUES:
        raise ValueError(f"value must be one of {REGIONAL_VALUES}")
    column = "output" if value == "establishments" else value
    covered = set(store.sql("SELECT DISTINCT region_id FROM region_industry_years WHERE year = ? "
                            f"AND month_to = ? AND {value} IS NOT NULL", [year, month_to]).region_id)
    firms = store.sql(f"SELECT f.region_id AS region, f.industry_code, fy.{column} AS value "
                      "FROM firm_years fy JOIN firms f USING (firm_id) WHERE fy.above_scale AND "
                      f"fy.{column} IS NOT NULL AND fy.year = ? AND fy.month_to = ?", [year, month_to])
    firms = firms[firms.region.isin([r for r in regions if r not in covered])]
    firms["industry"] = firms.pop("industry_code").map(GBT4754.division_of)
    if grouping is not None:
        firms["industry"] = firms["industry"].map(grouping)
        firms = firms.dropna(subset=["industry"])
    out = [breakdown_reasons(f, "industry", "value", min_firms, dominance).rename("reason")
           .reset_index().assign(region=r) for r, f in firms.groupby("region")]
    if not out:
        return pd.DataFrame(columns=["region", "industry", "reason"])
    out = pd.concat(out, ignore_index=True)
    return out.loc[out.reason != "", ["region", "industry", "reason"]].reset_index(drop=True)


def lq_map(store: Store, region_id: str, year: int, month_to: int, industry: str | None = None,
           value: str = "output") -> pd.DataFrame:
    """LQ of one industry (a GB/T division; default the region's largest) in the region and
    each comparison region, with names and boundaries for a choropleth: region, name, name_en,
    industry, value, lq, boundary, boundary_source, focus (the study region)."""
    regions = comparison_regions(store, region_id)
    vals = regional_values(store, value, regions)
    cur = vals[(vals.year == year) & (vals.month_to == month_to)]
    if cur.empty or region_id not in set(cur.region):
        raise ValueError(f"no {value} for region {region_id} in {year} (months 1–{month_to})")
    lq = location_quotient(cur, value=value)
    if industry is None:
        mine = lq[lq.region == region_id]
        industry = str(mine.loc[mine[value].idxmax(), "industry"])
    elif industry not in set(lq.industry):
        raise KeyError(f"industry {industry!r} has no {value} in these regions in {year}")
    one = lq[lq.industry == industry].set_index("region")
    r = store.sql("SELECT region_id AS region, name, name_en, boundary, boundary_source FROM regions")
    r = r[r.region.isin(regions)].copy()
    r["industry"] = industry
    r["value"] = r.region.map(one[value]).fillna(0.0)
    r["lq"] = r.region.map(one["lq"]).where(r.region.isin(set(cur.region)))
    r["focus"] = r.region == region_id
    return r[["region", "name", "name_en", "industry", "value", "lq", "boundary", "boundary_source",
              "focus"]].reset_index(drop=True)


def comparison_regions(store: Store, region_id: str) -> list[str]:
    """The region and its siblings under the same parent (a district and the rest of its city)."""
    r = store.table("regions").set_index("region_id")
    if region_id not in r.index:
        raise KeyError(f"no region {region_id!r} in the store")
    parent = r.at[region_id, "parent_id"]
    if pd.isna(parent):
        return [region_id]
    return sorted(r.index[r["parent_id"] == parent])


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


def cluster_diagnostics(store: Store, region_id: str, year: int, month_to: int,
                        value: str = "output", n_sim: int = 999, seed: int = 2006) -> ClusterDiagnostics:
    """All cluster measures of one region for one period (see the module text)."""
    regions = comparison_regions(store, region_id)
    vals = regional_values(store, value, regions)
    cur = vals[(vals.year == year) & (vals.month_to == month_to)]
    prev = vals[(vals.year == year - 1) & (vals.month_to == month_to)]
    if cur.empty or region_id not in set(cur.region):
        raise ValueError(f"no {value} for region {region_id} in {year} (months 1–{month_to})")

    lq = location_quotient(cur, value=value)
    mine = lq[lq.region == region_id].drop(columns="region")
    if not prev.empty:
        lq_prev = location_quotient(prev, value=value)
        lq_prev = lq_prev[lq_prev.region == region_id].set_index("industry")
        mine["lq_previous"] = mine["industry"].map(lq_prev["lq"])
        mine["growth_pct"] = (mine[value] / mine["industry"].map(lq_prev[value]) - 1) * 100
    mine["share_pct"] = mine[value] / mine[value].sum() * 100
    mine["name_zh"] = mine["industry"].map(lambda d: GBT4754.label(d, "zh"))
    mine["name_en"] = mine["industry"].map(lambda d: GBT4754.label(d, "en"))
    mine = mine[mine[value] > 0].sort_values("lq", ascending=False, ignore_index=True)

    est = regional_values(store, "establishments", regions)
    est = est[(est.year == year) & (est.month_to == month_to)]
    both = cur.merge(est, on=["region", "industry", "year", "month_to"], how="left").fillna(
        {"establishments": 0})
    strong = strong_clusters(both, employment=value, establishments="establishments")
    strong = strong[strong.strong].copy()
    strong["name_zh"] = strong["industry"].map(lambda d: GBT4754.label(d, "zh"))

    shift = pd.DataFrame()
    if not prev.empty:
        panel = pd.concat([prev, cur])
        shift = shift_share(panel, value=value, year="year", method="esteban_marquillas")
        shift = shift[shift.region == region_id].drop(columns="region")
        shift = shift[(shift.start_value > 0) | (shift.end_value > 0)].reset_index(drop=True)
        shift["name_zh"] = shift["industry"].map(lambda d: GBT4754.label(d, "zh"))

    agglomeration = _park_agglomeration(store, region_id, year, month_to, n_sim, seed)
    return ClusterDiagnostics(region_id, year, month_to, value, mine, strong.reset_index(drop=True),
                              shift, agglomeration, regions)


def _park_agglomeration(store, region_id, year, month_to, n_sim, seed) -> pd.DataFrame:
    """EG/MS of each division across the region's parks (and 'outside parks'), on employment."""
    firms = store.sql(
        "SELECT f.firm_id, f.industry_code, coalesce(f.park_id, ?) AS park, fy.employment "
        "FROM firm_years fy JOIN firms f USING (firm_id) WHERE f.region_id = ? AND fy.year = ? "
        "AND fy.month_to = ? AND fy.employment > 0", [OUTSIDE_PARKS, region_id, year, month_to])
    if firms.empty or firms.park.nunique() < 2:
        return pd.DataFrame()
    firms["industry"] = firms["industry_code"].map(GBT4754.division_of)
    eg = dartboard_test(firms, region="park", size="employment", n_sim=n_sim, seed=seed)
    ms = maurel_sedillot(firms, region="park", size="employment").set_index("industry")
    eg["H"] = eg["industry"].map(ms["H"])
    eg["name_zh"] = eg["industry"].map(lambda d: GBT4754.label(d, "zh"))
    eg = eg[eg.n_firms >= 2].sort_values("gamma", ascending=False, ignore_index=True)
    return eg
