"""The diagnosis as endpoints: each parses, takes the service's diagnosis of the study as the
caller may see it (``for_viewer``: withheld where the caller has no firm rights), and formats."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query
from fastapi.responses import JSONResponse

from clusteratlas.analyses.disclosure import DOMINANCE, MIN_FIRMS
from clusteratlas.api.deps import audit, diagnosis_for, require, service, store, user
from clusteratlas.api.formats import Division, Format, Peers, Period, RegionId, frame_response, records
from clusteratlas.io.store import Store
from clusteratlas.policy.access import PIPELINE_READERS, User
from clusteratlas.study.diagnosis import NotComputable
from clusteratlas.study.service import StudyService

router = APIRouter()


def _section(compute):
    """A section's value; 404 with the reason when the data cannot give it."""
    try:
        return compute()
    except NotComputable as e:
        raise HTTPException(404, str(e))


def _plain(x):
    return None if isinstance(x, float) and np.isnan(x) else x


@router.get("/api/analyses/overview", tags=["analyses"],
            summary="Totals, industries and parks of a period (disclosure-controlled for most roles)")
def analysis_overview(region_id: RegionId = None, period: Period = None, u: User = Depends(user),
                      s: Store = Depends(store), svc: StudyService = Depends(service)):
    d = diagnosis_for(svc, s, u, region_id, period)
    ov, summary = _section(d.overview), _section(d.summary)
    ind, park = ov.by_industry, ov.by_park
    cols = ["division", "name_zh", "name_en", "firms", "output", "share_pct", "growth_pct", "disclosure"]
    pcols = ["park_id", "name", "firms", "output", "share_pct", "growth_pct", "disclosure"]
    return {"region_id": d.study.region, "year": d.study.year, "month_to": d.study.month_to,
            "totals": records(ov.totals), "summary_zh": summary.text_zh, "summary_en": summary.text_en,
            "by_industry": records(ind[[c for c in cols if c in ind]]),
            "by_park": records(park[[c for c in pcols if c in park]]), "provenance": d.provenance()}


@router.get("/api/analyses/output-table", tags=["analyses"],
            summary="Output by industry × park with primary and complementary suppression for roles without firm rights")
def output_table(region_id: RegionId = None, period: Period = None,
                 preview: bool = Query(False, description="roles with firm rights: see the table as "
                                                           "published under the rules below"),
                 min_firms: int = Query(MIN_FIRMS, ge=1), dominance: float = Query(DOMINANCE, gt=0, le=1),
                 format: Format = None, u: User = Depends(user), s: Store = Depends(store),
                 svc: StudyService = Depends(service)):
    """Roles without firm rights always get the service's rules (3 firms, 80 %): a caller who
    could loosen them would undo them, and one who could pick other settings could combine two
    suppression patterns. Roles with firm rights see the raw table, or with ``preview`` the
    table as it would be published under ``min_firms`` and ``dominance``."""
    d = diagnosis_for(svc, s, u, region_id, period)
    try:
        if d.published or preview:
            sup = d.suppressed_output_table(min_firms, dominance)
            values, counts, _ = d.raw.output_table() if d.published else d.output_table()
            shown, why, rows, cols = sup.table, sup.reasons, sup.row_totals, sup.column_totals
        else:
            values, counts, _ = d.output_table()
            shown, why = values, pd.DataFrame("", index=values.index, columns=values.columns)
            rows, cols = values.sum(axis=1), values.sum(axis=0)
    except PermissionError as e:
        raise HTTPException(403, f"{e}; only roles with firm rights may preview others")
    cells = [{"division": div, "park": park, "firms": int(counts.at[div, park]),
              "output": None if pd.isna(shown.at[div, park]) else float(shown.at[div, park]),
              "suppressed": why.at[div, park] or None}
             for div in values.index for park in values.columns]
    y, m = d.study.period
    if format in ("csv", "xlsx"):  # the cells as one table
        return frame_response(pd.DataFrame(cells), format, f"output_table_{d.study.region}_{y}_{m}")
    return {"region_id": d.study.region, "year": y, "month_to": m, "cells": cells,
            "row_totals": {k: None if pd.isna(v) else float(v) for k, v in rows.items()},
            "column_totals": {k: None if pd.isna(v) else float(v) for k, v in cols.items()}}


@router.get("/api/analyses/location-quotients", tags=["analyses"], summary="LQs of a region against its siblings")
def lq(region_id: RegionId = None, period: Period = None, format: Format = None, peers: Peers = [],
       u: User = Depends(user), s: Store = Depends(store), svc: StudyService = Depends(service)):
    """For roles without firm rights, an LQ built from fewer than 3 firms or one dominant
    firm (and its complementary partner) is withheld: with the published totals, an LQ gives
    the value back."""
    d = diagnosis_for(svc, s, u, region_id, period, peers)
    out = _section(d.location_quotients)
    out = out.drop(columns="output").assign(suppressed=out.get("suppressed", ""))
    return frame_response(out, format, f"location_quotients_{d.study.region}_{d.study.year}_{d.study.month_to}")


@router.get("/api/analyses/lq-map", tags=["analyses"],
            summary="LQ of one industry across the comparison regions, as GeoJSON for a choropleth")
def lq_map_geojson(region_id: RegionId = None, period: Period = None, industry: Division = None,
                   peers: Peers = [], u: User = Depends(user), s: Store = Depends(store),
                   svc: StudyService = Depends(service)):
    """A FeatureCollection: one feature per comparison region that has a boundary, with
    properties region_id, name, name_en, industry, lq, focus, suppressed and
    boundary_source. Values built from firm data follow the disclosure rules."""
    from clusteratlas.report.geojson import feature_collection

    d = diagnosis_for(svc, s, u, region_id, period, peers)
    try:
        frame = d.lq_map(industry)
    except ValueError as e:
        raise HTTPException(404, str(e))
    if "suppressed" not in frame:
        frame = frame.assign(suppressed="")
    fc = feature_collection(frame.drop(columns="value").rename(columns={"region": "region_id"}),
                            year=d.study.year, month_to=d.study.month_to, industry=str(frame["industry"].iloc[0]))
    return JSONResponse(fc, media_type="application/geo+json")


@router.get("/api/analyses/k-density", tags=["analyses"],
            summary="Duranton–Overman K-density of the region's largest industries")
def k_density(region_id: RegionId = None, period: Period = None,
              n_sim: int | None = Query(None, ge=19, le=999, description="simulations; default: the "
                                        "service's (the same the dashboard and the report use)"),
              footprints: bool = False, u: User = Depends(user), s: Store = Depends(store),
              svc: StudyService = Depends(service)):
    """Curves and bands are aggregates of ≥ 10 firms' pair distances (public); cluster
    footprints are drawn through firm sites, so only admins and the region's analysts get
    them, and the read is audited."""
    d = diagnosis_for(svc, s, u, region_id, period)
    if n_sim is not None and n_sim != d.settings.n_sim:  # another question: its own diagnosis
        settings = dataclasses.replace(d.settings, n_sim=n_sim)
        d = svc.diagnosis(s, d.study.region, d.study.period, settings).for_viewer(u)
    region = d.study.region
    if footprints and not u.sees_firm_sites_in(region):
        raise HTTPException(403, f"role {u.role} may not see firm sites in {region}")
    dc = _section(d.distance)
    out = {"region_id": region, "year": d.study.year, "month_to": d.study.month_to, "n_sim": dc.n_sim,
           "seed": dc.seed, "alpha": d.settings.alpha, "industries": records(dc.summary),
           "curves": {i: records(c.to_frame()) for i, c in dc.kd.items()}}
    if footprints:
        dc = d.raw.distance() if d.published else dc
        audit(s, u, "read", "firm_clusters", f"{region} {len(dc.clusters.firms)} firms")
        out["clusters"] = records(dc.clusters.clusters)
        out["overlap"] = records(dc.clusters.overlap)
        out["outside_parks"] = records(dc.clusters.outside_parks()[["firm_id", "name", "industry", "cluster"]])
    return JSONResponse(out)


@router.get("/api/analyses/agglomeration", tags=["analyses"],
            summary="Ellison–Glaeser and Maurel–Sédillot γ across the region's parks, with dartboard p-values")
def agglomeration(region_id: RegionId = None, period: Period = None, format: Format = None,
                  u: User = Depends(user), s: Store = Depends(store), svc: StudyService = Depends(service)):
    d = diagnosis_for(svc, s, u, region_id, period)
    eg = _section(d.clusters).agglomeration
    return frame_response(eg, format, f"agglomeration_{d.study.region}_{d.study.year}_{d.study.month_to}")


@router.get("/api/analyses/opportunities", tags=["analyses"], summary="Industries to attract, with reasons")
def opportunities(region_id: RegionId = None, period: Period = None, format: Format = None,
                  strategy: str = Query("balanced", pattern="^(low_hanging|balanced|long_jumps)$"),
                  peers: Peers = [], u: User = Depends(user), s: Store = Depends(store),
                  svc: StudyService = Depends(service)):
    d = diagnosis_for(svc, s, u, region_id, period, peers)
    table = _section(lambda: d.opportunities(strategy)).table
    return frame_response(table, format, f"opportunities_{d.study.region}_{strategy}")


@router.get("/api/analyses/portfolio", tags=["analyses"],
            summary="The region against its peers: peer regions, the portfolio over time, the quadrants")
def region_portfolio(region_id: RegionId = None, period: Period = None,
                     peers: list[str] = Query([], max_length=10, description="up to 10 peer regions (default: the 3 nearest)"),
                     k: int = Query(3, ge=1, le=10),
                     start: int | None = Query(None, ge=1990, le=2100, description="first year of the range"),
                     u: User = Depends(user), s: Store = Depends(store), svc: StudyService = Depends(service)):
    d = diagnosis_for(svc, s, u, region_id, period)
    try:
        view = _section(lambda: d.portfolio(tuple(peers) or None, k, start))
    except (KeyError, ValueError) as e:  # a peer that is not a comparison region (NotComputable is 404 above)
        raise HTTPException(422, str(e).strip("'\""))
    p = view.portfolio
    return {"region": p.region, "start": int(p.start), "end": int(p.end), "comparison": [str(r) for r in p.comparison],
            "cluster_strength_pct": _plain(p.cluster_strength_pct), "peers": records(view.peers),
            "industries": records(p.industries), "quadrants": records(view.quadrants), "classes": records(view.classes)}


@router.get("/api/analyses/park-peers", tags=["analyses"],
            summary="A park against its peer parks (园区对标): the peers, and its figures against theirs")
def park_peers(park_id: str | None = Query(None, max_length=64, description="default: the park with the most output"),
               peers: list[str] = Query([], max_length=10, description="up to 10 peer parks (default: the 3 nearest)"),
               k: int = Query(3, ge=1, le=10), period: Period = None,
               u: User = Depends(user), s: Store = Depends(store), svc: StudyService = Depends(service)):
    d = diagnosis_for(svc, s, u, None, period)
    try:
        view = _section(lambda: d.park_peers(park_id, tuple(p[:64] for p in peers) or None, k))
    except (KeyError, ValueError) as e:
        raise HTTPException(422, str(e).strip("'\""))
    return {"park": view.park, "peers": records(view.peers), "figures": records(view.figures),
            "benchmark": records(view.benchmark)}


def _own_classes(u: User, s: Store, svc: StudyService, region_id, period):
    """The diagnosis whose classes ``u`` may record: the region's own office (or an admin)."""
    d = diagnosis_for(svc, s, u, region_id, period)
    if not u.sees_raw_aggregates_of(d.study.region):
        raise HTTPException(403, "the classification is recorded by the region's own office")
    return d, _section(d.portfolio)


@router.post("/api/analyses/industry-classes", tags=["analyses"],
             summary="Save the traded/local classification computed now (the region's office)")
def save_industry_classes(region_id: RegionId = None, period: Period = None,
                          u: User = Depends(require("admin", "analyst")), s: Store = Depends(store),
                          svc: StudyService = Depends(service)):
    from clusteratlas.study.classes import save_classes

    d, _ = _own_classes(u, s, svc, region_id, period)
    n = save_classes(s, d, u.username)
    audit(s, u, "write", "industry_classes", f"{d.study.region}: {n} saved")
    return {"region": d.study.region, "saved": n}


@router.post("/api/analyses/industry-classes/{industry}", tags=["analyses"],
             summary="Set an industry traded or local with a reason, or withdraw the override (computed)")
def set_industry_class(industry: str = Path(..., pattern="^[0-9A-Z]{1,6}$"), to: str = Form(..., pattern="^(traded|local|computed)$"),
                       reason: str = Form(..., min_length=1, max_length=500), region_id: RegionId = None,
                       period: Period = None, u: User = Depends(require("admin", "analyst")),
                       s: Store = Depends(store), svc: StudyService = Depends(service)):
    from clusteratlas.study.classes import ClassRefused, override_class

    d, view = _own_classes(u, s, svc, region_id, period)
    try:
        override_class(s, d.study.region, industry, {"traded": True, "local": False}.get(to), reason, u.username,
                       known=set(view.classes["industry"].astype(str)))
    except ClassRefused as e:
        raise HTTPException(422, str(e))
    audit(s, u, "write", "industry_classes", f"{d.study.region}: {industry} {to}")
    return {"region": d.study.region, "industry": industry, "to": to}


@router.get("/api/analyses/spinoffs", tags=["analyses"],
            summary="Spin-off genealogy (衍生) by cluster: the links, spin-off rates, their share of output")
def spin_offs(region_id: RegionId = None, period: Period = None, u: User = Depends(user), s: Store = Depends(store),
              svc: StudyService = Depends(service)):
    d = diagnosis_for(svc, s, u, region_id, period)
    so = _section(d.spinoffs)
    return {"links": records(so.links), "clusters": records(so.by_cluster)}


@router.get("/api/analyses/targets", tags=["analyses"], summary="Progress towards every target")
def target_status(period: Period = None, format: Format = None, u: User = Depends(user),
                  s: Store = Depends(store), svc: StudyService = Depends(service)):
    d = diagnosis_for(svc, s, u, None, period)
    return frame_response(d.targets(), format, f"targets_{d.study.year}_{d.study.month_to}")


@router.get("/api/analyses/pipeline", tags=["analyses"],
            summary="The project funnel and headline (default: projects signed in the study period)")
def pipeline(start: str | None = None, end: str | None = None,
             u: User = Depends(require(*PIPELINE_READERS)), s: Store = Depends(store),
             svc: StudyService = Depends(service)):
    d = diagnosis_for(svc, s, u)
    p = d.pipeline(start, end, viewer=u)  # default: the projects signed in the study's year to date
    if p is None:
        raise HTTPException(404, "no investment projects in the store")
    return {"funnel": records(p.funnel), "text_zh": p.text_zh, "text_en": p.text_en,
            "figures": {k: float(v) for k, v in p.figures.items()}}


@router.get("/api/analyses/land-efficiency", tags=["analyses"], summary="Per-mu grades (firm-level; audited)")
def grades(year: int, method: str = "zhejiang_above_scale",
           u: User = Depends(require(*PIPELINE_READERS)), s: Store = Depends(store),
           svc: StudyService = Depends(service)):
    d = diagnosis_for(svc, s, u, u.region_id if u.role == "analyst" else None)
    # firm-level grades: the computed ones, scoped to the caller's park below
    base = d.raw if d.published else d
    try:
        res = base.land_efficiency(year, method)
    except ValueError as e:
        raise HTTPException(404, str(e))
    f, parks = res.firms, res.parks
    if u.role == "park_manager":  # their own park's firms and ranking row, no other park's
        f, parks = f[f["park_id"] == u.park_id], parks[parks["park_id"] == u.park_id]
    audit(s, u, "read", "land_efficiency", f"{len(f)} firms")
    return {"method": res.method.title_zh, "firms": records(f), "parks": records(parks)}


@router.get("/api/analyses/value-chain", tags=["analyses"],
            summary="The chain map of a division and the gaps (latest full year, on the input-output table)")
def chain(division: Division = None, u: User = Depends(user), s: Store = Depends(store),
          svc: StudyService = Depends(service)):
    d = diagnosis_for(svc, s, u)
    try:
        c = d.chain(division)
    except NotComputable as e:
        raise HTTPException(404, str(e))
    edges = [{"from": a, "to": b, **x} for a, b, x in c.graph.edges(data=True)]
    nodes = [{"sector": n, **{k: _plain(v) for k, v in x.items()}} for n, x in c.graph.nodes(data=True)]
    return {"focal": c.graph.graph["focal"], "year": c.year, "nodes": nodes, "edges": edges,
            "gaps": records(c.gaps)}
