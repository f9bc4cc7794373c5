"""The library's analyses as endpoints: each parses, calls the library (cached by dataset
version), withholds what the caller may not see, and formats."""

from __future__ import annotations

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse

from clusteratlas.analyses.disclosure import DOMINANCE, MIN_FIRMS, suppress
from clusteratlas.analyses.overview import OUTSIDE_PARKS, overview
from clusteratlas.api import published, security
from clusteratlas.api.deps import Service, period_of, region_of, require, service, store, user
from clusteratlas.api.formats import Division, Format, Period, RegionId, frame_response, records
from clusteratlas.api.security import User
from clusteratlas.classify import GBT4754
from clusteratlas.io.store import Store

router = APIRouter()


def withheld(svc: Service, s: Store, u: User, regions, y: int, m: int):
    """``published.withheld_values``, cached with the store's dataset version."""
    return svc.cached(s, ("withheld", tuple(regions), y, m, u.sees_raw_aggregates),
                      lambda: published.withheld_values(s, u, regions, y, m))


def _overview(svc: Service, s: Store, region_id: str, y: int, m: int, public: bool):
    """The overview and its summary, as computed or as published (cached for each)."""
    def compute():
        from clusteratlas.analyses.summary import economic_summary

        ov = overview(s.table("firms"), s.table("firm_years"), s.table("parks"), region_id, y, m)
        if public:
            ov = published.public_overview(s, ov)
        t = s.table("targets")
        keys = sorted({str(k) for k in t.loc[t["scope"] == "industry", "scope_id"]})
        names = s.table("regions").set_index("region_id")["name"]
        return ov, economic_summary(ov, names.get(region_id, region_id), keys)

    return svc.cached(s, ("overview", region_id, y, m, public), compute)


@router.get("/api/analyses/overview", tags=["analyses"],
            summary="Totals, industries and parks of a period (disclosure-controlled for most roles)")
def analysis_overview(region_id: RegionId = None, period: Period = None,
                      u: User = Depends(user), s: Store = Depends(store),
                      svc: Service = Depends(service)):
    region_id = region_of(s, region_id)
    y, m = period_of(svc, s, region_id, period)

    try:
        ov, summary = _overview(svc, s, region_id, y, m, public=not u.sees_raw_aggregates)
    except ValueError as e:
        raise HTTPException(404, str(e))
    ind, park = ov.by_industry, ov.by_park
    cols = ["division", "name_zh", "name_en", "firms", "output", "share_pct", "growth_pct", "disclosure"]
    pcols = ["park_id", "name", "firms", "output", "share_pct", "growth_pct", "disclosure"]
    return {"region_id": region_id, "year": y, "month_to": m,
            "totals": records(ov.totals), "summary_zh": summary.text_zh, "summary_en": summary.text_en,
            "by_industry": records(ind[[c for c in cols if c in ind]]),
            "by_park": records(park[[c for c in pcols if c in park]])}


@router.get("/api/analyses/output-table", tags=["analyses"],
            summary="Output by industry × park with primary and complementary suppression for roles without firm rights")
def output_table(region_id: RegionId = None, period: Period = None,
                 preview: bool = Query(False, description="roles with firm rights: see the table as "
                                                           "published under the rules below"),
                 min_firms: int = Query(MIN_FIRMS, ge=1), dominance: float = Query(DOMINANCE, gt=0, le=1),
                 format: Format = None, u: User = Depends(user), s: Store = Depends(store),
                 svc: Service = Depends(service)):
    """Roles without firm rights always get the service's rules (3 firms, 80 %): a caller who
    could loosen them would undo them, and one who could pick other settings could combine two
    suppression patterns. Roles with firm rights see the raw table, or with ``preview`` the
    table as it would be published under ``min_firms`` and ``dominance``."""
    if not u.sees_raw_aggregates and (min_firms, dominance) != (MIN_FIRMS, DOMINANCE):
        raise HTTPException(403, f"the disclosure rules are the service's ({MIN_FIRMS} firms, "
                                 f"{DOMINANCE:.0%}); only roles with firm rights may preview others")
    region_id = region_of(s, region_id)
    y, m = period_of(svc, s, region_id, period)
    def aggregate():
        d = s.sql("SELECT f.industry_code, coalesce(f.park_id, ?) AS park, fy.output FROM firm_years fy "
                  "JOIN firms f USING (firm_id) WHERE f.region_id = ? AND fy.year = ? AND fy.month_to = ? "
                  "AND fy.above_scale AND fy.output IS NOT NULL", [OUTSIDE_PARKS, region_id, y, m])
        d["division"] = d["industry_code"].map(GBT4754.division_of)
        g = d.groupby(["division", "park"])["output"]
        return (g.sum().unstack(fill_value=0.0), g.size().unstack(fill_value=0),
                (g.max() / g.sum()).unstack(fill_value=0.0))

    values, counts, top = svc.cached(s, ("output-table", region_id, y, m), aggregate)
    if u.sees_raw_aggregates and not preview:
        shown, why = values, pd.DataFrame("", index=values.index, columns=values.columns)
        rows, cols = values.sum(axis=1), values.sum(axis=0)
    else:
        sup = svc.cached(s, ("suppressed", region_id, y, m, min_firms, dominance),
                         lambda: suppress(values, counts, top, min_firms, dominance))
        shown, why, rows, cols = sup.table, sup.reasons, sup.row_totals, sup.column_totals
    cells = []
    for div in values.index:
        for park in values.columns:
            cells.append({"division": div, "park": park, "firms": int(counts.at[div, park]),
                          "output": None if pd.isna(shown.at[div, park]) else float(shown.at[div, park]),
                          "suppressed": why.at[div, park] or None})
    if format in ("csv", "xlsx"):  # the cells as one table
        return frame_response(pd.DataFrame(cells), format, f"output_table_{region_id}_{y}_{m}")
    return {"region_id": region_id, "year": y, "month_to": m, "cells": cells,
            "row_totals": {k: None if pd.isna(v) else float(v) for k, v in rows.items()},
            "column_totals": {k: None if pd.isna(v) else float(v) for k, v in cols.items()}}


@router.get("/api/analyses/location-quotients", tags=["analyses"], summary="LQs of a region against its siblings")
def lq(region_id: RegionId = None, period: Period = None, format: Format = None,
       u: User = Depends(user), s: Store = Depends(store), svc: Service = Depends(service)):
    """For roles without firm rights, an LQ built from fewer than 3 firms or one dominant
    firm (and its complementary partner) is withheld: with the published totals, an LQ gives
    the value back."""
    from clusteratlas.analyses.clusters import comparison_regions, regional_values
    from clusteratlas.measures import location_quotient

    region_id = region_of(s, region_id)
    y, m = period_of(svc, s, region_id, period)
    regions = comparison_regions(s, region_id)
    def compute():
        v = regional_values(s, "output", regions)
        v = v[(v.year == y) & (v.month_to == m)]
        out = location_quotient(v, value="output")
        return out[out.region == region_id][["industry", "lq", "lq_symmetric"]]

    out = published.withhold(svc.cached(s, ("lq", region_id, y, m), compute),
                            withheld(svc, s, u, [region_id], y, m),
                            ["lq", "lq_symmetric"], region=region_id)
    return frame_response(out, format, f"location_quotients_{region_id}_{y}_{m}")


@router.get("/api/analyses/lq-map", tags=["analyses"],
            summary="LQ of one industry across the comparison regions, as GeoJSON for a choropleth")
def lq_map_geojson(region_id: RegionId = None, period: Period = None, industry: Division = None,
                   u: User = Depends(user), s: Store = Depends(store),
                   svc: Service = Depends(service)):
    """A FeatureCollection: one feature per comparison region that has a boundary, with
    properties region_id, name, name_en, industry, lq, focus, suppressed and
    boundary_source. Values built from firm data follow the disclosure rules."""
    from clusteratlas.analyses.clusters import lq_map
    from clusteratlas.report.geojson import feature_collection

    region_id = region_of(s, region_id)
    y, m = period_of(svc, s, region_id, period)
    try:
        frame = svc.cached(s, ("lq-map", region_id, y, m, industry),
                           lambda: lq_map(s, region_id, y, m, industry))
    except ValueError as e:
        raise HTTPException(404, str(e))
    frame = published.withhold_lq_map(frame, withheld(svc, s, u, list(frame["region"]), y, m))
    fc = feature_collection(frame.drop(columns="value").rename(columns={"region": "region_id"}),
                            year=y, month_to=m, industry=str(frame["industry"].iloc[0]))
    return JSONResponse(fc, media_type="application/geo+json")


@router.get("/api/analyses/k-density", tags=["analyses"],
            summary="Duranton–Overman K-density of the region's largest industries")
def k_density(region_id: RegionId = None, period: Period = None,
              n_sim: int = Query(99, ge=19, le=999), footprints: bool = False,
              u: User = Depends(user), s: Store = Depends(store),
              svc: Service = Depends(service)):
    """Curves and bands are aggregates of ≥ 10 firms' pair distances (public); cluster
    footprints are drawn through firm sites, so only admins and the region's analysts get
    them, and the read is audited."""
    from clusteratlas.analyses.distance import distance_clusters

    region_id = region_of(s, region_id)
    y, m = period_of(svc, s, region_id, period)
    if footprints and not u.sees_firm_sites_in(region_id):
        raise HTTPException(403, f"role {u.role} may not see firm sites in {region_id}")
    try:
        dc = svc.cached(s, ("kdensity", region_id, y, m, n_sim),
                        lambda: distance_clusters(s, region_id, y, m, n_sim=n_sim))
    except ValueError as e:
        raise HTTPException(404, str(e))
    out = {"region_id": region_id, "year": y, "month_to": m, "n_sim": n_sim,
           "industries": records(dc.summary),
           "curves": {d: records(res.to_frame()) for d, res in dc.kd.items()}}
    if footprints:
        security.audit(s, u, "read", "firm_clusters", f"{region_id} {len(dc.clusters.firms)} firms")
        out["clusters"] = records(dc.clusters.clusters)
        out["overlap"] = records(dc.clusters.overlap)
        out["outside_parks"] = records(dc.clusters.outside_parks()[["firm_id", "name", "industry", "cluster"]])
    return JSONResponse(out)


@router.get("/api/analyses/opportunities", tags=["analyses"], summary="Industries to attract, with reasons")
def opportunities(region_id: RegionId = None, period: Period = None, format: Format = None,
                  strategy: str = Query("balanced", pattern="^(low_hanging|balanced|long_jumps)$"),
                  u: User = Depends(user), s: Store = Depends(store),
                  svc: Service = Depends(service)):
    from clusteratlas.analyses.clusters import comparison_regions, regional_values
    from clusteratlas.analyses.recommend import opportunities as rank

    region_id = region_of(s, region_id)
    y, m = period_of(svc, s, region_id, period)
    v = regional_values(s, "output", comparison_regions(s, region_id))
    v = v[(v.year == y) & (v.month_to == m)]
    try:
        table = rank(v, region_id, value="output", strategy=strategy).table
        table = published.withhold(table, withheld(svc, s, u, [region_id], y, m),
                                  ["output", "rca"], region=region_id)
        return frame_response(table, format, f"opportunities_{region_id}_{strategy}")
    except ValueError as e:
        raise HTTPException(404, str(e))


@router.get("/api/analyses/targets", tags=["analyses"], summary="Progress towards every target")
def target_status(period: Period = None, format: Format = None, u: User = Depends(user), s: Store = Depends(store),
                  svc: Service = Depends(service)):
    from clusteratlas.analyses.targets import target_progress

    region_id = region_of(s, None)
    y, m = period_of(svc, s, region_id, period)
    t = svc.cached(s, ("targets", y, m), lambda: target_progress(
        s.table("targets"), s.table("firms"), s.table("firm_years"), y, m))
    if not u.sees_raw_aggregates:  # firm-scope targets and withheld parts' figures
        try:
            ov, _ = _overview(svc, s, region_id, y, m, public=True)
        except ValueError:  # no firm data in the period: nothing to withhold from
            ov = None
        t = published.withhold_targets(t, ov)
    return frame_response(t, format, f"targets_{y}_{m}")


@router.get("/api/analyses/pipeline", tags=["analyses"], summary="The project funnel and headline")
def pipeline(start: str | None = None, end: str | None = None,
             u: User = Depends(require("admin", "analyst", "park_manager")), s: Store = Depends(store)):
    from clusteratlas.analyses.pipeline import pipeline_summary

    p = pipeline_summary(s.table("projects"), start, end)
    return {"funnel": records(p.funnel), "text_zh": p.text_zh, "text_en": p.text_en,
            "figures": {k: float(v) for k, v in p.figures.items()}}


@router.get("/api/analyses/land-efficiency", tags=["analyses"], summary="Per-mu grades (firm-level; audited)")
def grades(year: int, method: str = "zhejiang_above_scale",
           u: User = Depends(require("admin", "analyst", "park_manager")), s: Store = Depends(store)):
    from clusteratlas.analyses.land_efficiency import land_efficiency

    try:
        res = land_efficiency(s.table("firms"), s.table("firm_years"), year, 12, method,
                              region_id=u.region_id if u.role == "analyst" else None,
                              overrides=s.table("grade_overrides"))
    except ValueError as e:
        raise HTTPException(404, str(e))
    f = res.firms
    if u.role == "park_manager":
        f = f[f["park_id"] == u.park_id]
    security.audit(s, u, "read", "land_efficiency", f"{len(f)} firms")
    return {"method": res.method.title_zh, "firms": records(f.drop(columns=[c for c in f.columns if c.endswith("_value")])),
            "parks": records(res.parks)}


@router.get("/api/analyses/value-chain", tags=["analyses"],
            summary="The chain map of a division and the gaps (on the newest input-output table)")
def chain(division: Division = None, u: User = Depends(user), s: Store = Depends(store),
          svc: Service = Depends(service)):
    from clusteratlas.analyses.clusters import regional_values
    from clusteratlas.analyses.valuechain import chain_gaps, regional_presence, value_chain

    table = svc.io_table(s)
    if table is None:
        raise HTTPException(404, "no input-output table: upload one (POST /api/io-tables)")
    region_id = region_of(s, None)
    v = regional_values(s, "output", [region_id])
    v = v[v.month_to == 12]
    if v.empty:
        raise HTTPException(404, "no full-year output for the region")
    year = int(v.year.max())
    presence = svc.cached(s, ("presence", region_id, year), lambda: regional_presence(s, region_id, year))
    focal = division or str(presence["output"].idxmax())
    g, gaps = published.withhold_chain(s, u, region_id, year, table,
                                      value_chain(table, focal, presence),
                                      chain_gaps(table, presence["output"], [focal], presence))
    def plain(x):
        return None if isinstance(x, float) and np.isnan(x) else x

    edges = [{"from": a, "to": b, **d} for a, b, d in g.edges(data=True)]
    nodes = [{"sector": n, **{k: plain(x) for k, x in d.items()}} for n, d in g.nodes(data=True)]
    return {"focal": g.graph["focal"], "year": year, "nodes": nodes, "edges": edges,
            "gaps": records(gaps)}
