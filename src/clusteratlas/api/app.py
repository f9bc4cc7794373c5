"""The ClusterAtlas service: a REST API under /api/ and the dashboard at /, in one FastAPI app.

Thin: every endpoint parses, checks who may see what, calls the library and formats (JSON, or
CSV/XLSX with ``?format=``). Firm-level reads and all writes are audited; aggregates for roles
without firm-level rights pass through disclosure control.
"""

from __future__ import annotations

import io
import tempfile
import threading
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
from fastapi import Body, Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

import clusteratlas
from clusteratlas.analyses.disclosure import COMPLEMENTARY, breakdown_reasons, suppress, suppress_breakdown
from clusteratlas.analyses.overview import OUTSIDE_PARKS, latest_period, overview
from clusteratlas.api import security
from clusteratlas.api.security import PUBLIC, User
from clusteratlas.classify import GBT4754
from clusteratlas.io.errors import ImportRejected
from clusteratlas.io.importer import import_files
from clusteratlas.io.periods import parse_period
from clusteratlas.io.store import Store

TAGS = [
    {"name": "auth", "description": "Log in and out (bearer tokens)."},
    {"name": "data", "description": "Regions, parks, industries, firms and their figures."},
    {"name": "datasets", "description": "Upload → validate → import, all or nothing."},
    {"name": "analyses", "description": "The library's analyses as endpoints."},
    {"name": "incentives", "description": "The policy calculator and rulesets."},
]


def _frame_response(frame: pd.DataFrame, fmt: str | None, name: str):
    frame = frame.replace({np.nan: None})
    if fmt == "csv":
        return Response(frame.to_csv(index=False), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "xlsx":
        buf = io.BytesIO()
        frame.to_excel(buf, index=False)
        return Response(buf.getvalue(), headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return JSONResponse(_records(frame))


def _records(frame: pd.DataFrame) -> list[dict]:
    out = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for r in out:
        for k, v in r.items():
            if isinstance(v, (np.integer,)):
                r[k] = int(v)
            elif isinstance(v, (np.floating,)):
                r[k] = None if np.isnan(v) else float(v)
            elif isinstance(v, (pd.Timestamp,)):
                r[k] = v.isoformat()
            elif hasattr(v, "isoformat"):
                r[k] = v.isoformat()
    return out


Format = Annotated[str | None, Query(pattern="^(json|csv|xlsx)$", description="json (default), csv or xlsx")]
RegionId = Annotated[str | None, Query(description="region code (GB/T 2260); default: the study region",
                                       openapi_examples={"district": {"summary": "荆州区 Jingzhou district",
                                                                      "value": "421003"}})]
Period = Annotated[str | None, Query(description="a period: 2006 (year), 2006H1, 2006Q2 or 2006M06 "
                                     "(year to date); default: the latest with data",
                                     openapi_examples={"half": {"summary": "first half of 2006", "value": "2006H1"},
                                                       "year": {"summary": "the year 2005", "value": "2005"}})]
Division = Annotated[str | None, Query(description="GB/T 4754-2017 division (2 digits); default: the lead cluster",
                                       openapi_examples={"oil machinery": {"summary": "35 专用设备制造业",
                                                                           "value": "35"}})]


def create_app(db: str | Path, io_table: str | Path | None = None) -> FastAPI:
    """The service on the store at ``db`` (created and migrated if new); ``io_table``: a national
    input-output table (NBS layout) for the value-chain pages and endpoints."""
    root = Store(db)
    app = FastAPI(title="ClusterAtlas", version=clusteratlas.__version__, openapi_tags=TAGS,
                  description="Industrial clusters and parks: data, measures and policies. Firm "
                              "data are confidential: what a caller sees depends on their role.")
    app.state.root = root

    # The library says what is wrong with a request by raising ValueError (bad input) or KeyError
    # (an unknown region, park, industry, …): answer those as client errors with its message.
    @app.exception_handler(ValueError)
    def _bad_input(request: Request, exc: ValueError):
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    @app.exception_handler(KeyError)
    def _unknown(request: Request, exc: KeyError):
        return JSONResponse(status_code=404, content={"detail": str(exc).strip("'\"")})

    # Analyses are pure functions of the store's content, which changes only by imports: their
    # results are cached by the newest dataset id, so repeated reads cost a lookup.
    cache: dict = {}
    cache_lock = threading.Lock()

    key_locks: dict = {}

    def cached(s: Store, key: tuple, compute):
        version = s.con.execute("SELECT coalesce(max(dataset_id), 0) FROM datasets").fetchall()[0][0]
        full = (version, *key)
        with cache_lock:
            if full in cache:
                return cache[full]
            lock = key_locks.setdefault(full, threading.Lock())
        with lock:  # one request computes, the others wait for its result
            with cache_lock:
                if full in cache:
                    return cache[full]
            value = compute()
            with cache_lock:
                if len(cache) > 256:
                    cache.clear()
                    key_locks.clear()
                cache[full] = value
        return value

    def _overview_public(s: Store, region_id: str, y: int, m: int, ind, park):
        """The overview's breakdowns as published without firm rights."""
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
                       "IS NOT NULL", [OUTSIDE_PARKS, region_id, y - 1, m])
        if not before.empty:
            before["division"] = before["industry_code"].map(GBT4754.division_of)
            for frame, key in ((ind, "division"), (park, "park_id")):
                why = breakdown_reasons(before, key, "output")
                frame.loc[frame[key].isin(why.index[why != ""]), "growth_pct"] = np.nan
        return ind, park

    def withheld(s: Store, u: User, regions, y: int, m: int):
        """``security.withheld_values``, cached with the store's dataset version."""
        return cached(s, ("withheld", tuple(regions), y, m, u.sees_raw_aggregates),
                      lambda: security.withheld_values(s, u, regions, y, m))

    def store():
        s = root.cursor()
        try:
            yield s
        finally:
            s.close()

    def user(request: Request, s: Store = Depends(store)) -> User:
        header = request.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else request.cookies.get("ca_token")
        if not token:
            return PUBLIC
        u = security.user_for_token(s, token)
        if u is None:
            raise HTTPException(401, "token expired or unknown", headers={"WWW-Authenticate": "Bearer"})
        return u

    def require(*roles):
        def check(u: User = Depends(user)) -> User:
            if u.role not in roles:
                raise HTTPException(403, f"role {u.role} may not do this")
            return u
        return check

    # ---------------------------------------------------------------- auth -----------------
    @app.post("/api/auth/token", tags=["auth"], summary="Log in; returns a bearer token")
    def token(username: Annotated[str, Form()], password: Annotated[str, Form()],
              s: Store = Depends(store)):
        got = security.login(s, username, password)
        if got is None:
            raise HTTPException(401, "wrong user name or password")
        tok, expires = got
        security.audit(s, User(username, "?"), "login", "auth")
        return {"access_token": tok, "token_type": "bearer", "expires_at": expires.isoformat()}

    @app.get("/api/auth/me", tags=["auth"], summary="Who the token belongs to")
    def me(u: User = Depends(user)):
        return {"username": u.username, "role": u.role, "region_id": u.region_id,
                "park_id": u.park_id, "firm_id": u.firm_id}

    # ---------------------------------------------------------------- public data ----------
    @app.get("/api/regions", tags=["data"])
    def regions(format: Format = None, s: Store = Depends(store)):
        return _frame_response(s.table("regions").drop(columns="dataset_id"), format, "regions")

    @app.get("/api/parks", tags=["data"])
    def parks(format: Format = None, s: Store = Depends(store)):
        return _frame_response(s.table("parks").drop(columns="dataset_id"), format, "parks")

    @app.get("/api/industries", tags=["data"])
    def industries(q: str | None = None, format: Format = None, s: Store = Depends(store)):
        t = s.table("industries").drop(columns="dataset_id")
        if q:
            t = t[t["code"].str.startswith(q) | t["name_zh"].str.contains(q, regex=False)]
        return _frame_response(t, format, "industries")

    @app.get("/api/targets", tags=["data"], summary="Targets of plans and policies (public documents)")
    def targets(format: Format = None, s: Store = Depends(store)):
        return _frame_response(s.table("targets").drop(columns="dataset_id"), format, "targets")

    # ---------------------------------------------------------------- firm-level data ------
    def firm_rows(s: Store, u: User, sql: str, params: list, resource: str) -> pd.DataFrame:
        cond, args = u.firm_filter()
        frame = s.sql(sql.format(cond=cond), [*args, *params])
        security.audit(s, u, "read", resource, f"{len(frame)} rows")
        return frame

    @app.get("/api/firms", tags=["data"], summary="Firms the caller may see (firm-level, audited)")
    def firms(format: Format = None, u: User = Depends(require("admin", "analyst", "park_manager", "firm")),
              s: Store = Depends(store)):
        f = firm_rows(s, u, "SELECT f.* EXCLUDE (dataset_id) FROM firms f WHERE {cond}", [], "firms")
        return _frame_response(f, format, "firms")

    @app.get("/api/firm-years", tags=["data"], summary="Firm figures the caller may see (audited)")
    def firm_years(year: int | None = None, firm_id: str | None = None, format: Format = None,
                   u: User = Depends(require("admin", "analyst", "park_manager", "firm")),
                   s: Store = Depends(store)):
        extra, params = "", []
        if year is not None:
            extra += " AND fy.year = ?"
            params.append(year)
        if firm_id is not None:
            extra += " AND fy.firm_id = ?"
            params.append(firm_id)
        f = firm_rows(s, u, "SELECT fy.* EXCLUDE (dataset_id) FROM firm_years fy JOIN firms f USING (firm_id) "
                            "WHERE {cond}" + extra, params, "firm_years")
        return _frame_response(f, format, "firm_years")

    @app.get("/api/supply-links", tags=["data"], summary="Purchases of the firms the caller may see (audited)")
    def supply_links(format: Format = None, u: User = Depends(require("admin", "analyst", "park_manager", "firm")),
                     s: Store = Depends(store)):
        f = firm_rows(s, u, "SELECT l.* EXCLUDE (dataset_id) FROM supply_links l JOIN firms f "
                            "ON f.firm_id = l.buyer_id WHERE {cond}", [], "supply_links")
        return _frame_response(f, format, "supply_links")

    @app.get("/api/projects", tags=["data"], summary="The investment pipeline (analysts and park managers)")
    def projects(format: Format = None, u: User = Depends(require("admin", "analyst", "park_manager")),
                 s: Store = Depends(store)):
        p = s.table("projects").drop(columns="dataset_id")
        if u.role == "park_manager":
            p = p[p["park_id"] == u.park_id]
        elif u.role == "analyst":
            p = p[p["region_id"] == u.region_id]
        security.audit(s, u, "read", "projects", f"{len(p)} rows")
        return _frame_response(p, format, "projects")

    @app.get("/api/audit", tags=["data"], summary="The audit log (admin)")
    def audit_log(limit: int = Query(200, ge=1, le=10_000), u: User = Depends(require("admin")),
                  s: Store = Depends(store)):
        return _frame_response(s.sql("SELECT * FROM audit_log ORDER BY audit_id DESC LIMIT ?", [limit]),
                               None, "audit")

    # ---------------------------------------------------------------- datasets -------------
    @app.get("/api/datasets", tags=["datasets"])
    def datasets(u: User = Depends(require("admin", "analyst")), s: Store = Depends(store)):
        d = s.datasets()
        d["row_counts"] = d["row_counts"].map(lambda x: x)
        return JSONResponse(_records(d))

    @app.post("/api/datasets", tags=["datasets"], summary="Upload files: validated, then imported all or nothing",
              responses={422: {"description": "rejected: every problem with file, sheet, row, column, value, rule"}})
    def upload(files: list[UploadFile] = File(...), table: str | None = Form(None),
               usd_rate: float | None = Form(None), repair_geometry: bool = Form(False),
               u: User = Depends(require("admin", "analyst")), s: Store = Depends(store)):
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for f in files:
                name = Path(f.filename or "upload").name
                p = Path(tmp) / name
                p.write_bytes(f.file.read())
                paths.append(p)
            try:
                report = import_files(s, paths, table=table, usd_rate=usd_rate,
                                      repair_geometry=repair_geometry)
            except ImportRejected as e:
                security.audit(s, u, "write", "datasets", f"rejected {len(e.issues)} problems")
                return JSONResponse(status_code=422, content={
                    "detail": "import rejected; nothing was changed",
                    "issues": _records(e.to_frame())})
        security.audit(s, u, "write", "datasets", ", ".join(f.file for f in report.files))
        return {"files": [{"file": f.file, "dataset_id": f.dataset_id, "rows": f.rows} for f in report.files],
                "notes": report.notes}

    # ---------------------------------------------------------------- analyses -------------
    def _period(s: Store, region_id: str, period: str | None) -> tuple[int, int]:
        if period:
            p = parse_period(period)
            if p is None:
                raise HTTPException(422, f"not a period: {period!r}")
            return p
        def compute():
            f = s.table("firms")
            return latest_period(s.table("firm_years"), f.loc[f["region_id"] == region_id, "firm_id"])

        return cached(s, ("period", region_id), compute)

    def _region(s: Store, region_id: str | None) -> str:
        if region_id:
            return region_id
        r = s.sql("SELECT region_id, count(*) n FROM firms GROUP BY 1 ORDER BY n DESC LIMIT 1")
        if r.empty:
            raise HTTPException(404, "no firm data in the store")
        return str(r.iloc[0, 0])

    @app.get("/api/analyses/overview", tags=["analyses"],
             summary="Totals, industries and parks of a period (disclosure-controlled for most roles)")
    def analysis_overview(region_id: RegionId = None, period: Period = None,
                          u: User = Depends(user), s: Store = Depends(store)):
        region_id = _region(s, region_id)
        y, m = _period(s, region_id, period)

        def compute():
            from clusteratlas.analyses.summary import economic_summary

            ov = overview(s.table("firms"), s.table("firm_years"), s.table("parks"), region_id, y, m)
            t = s.table("targets")
            keys = sorted({str(k) for k in t.loc[t["scope"] == "industry", "scope_id"]})
            names = s.table("regions").set_index("region_id")["name"]
            return ov, economic_summary(ov, names.get(region_id, region_id), keys)

        try:
            ov, summary = cached(s, ("overview", region_id, y, m), compute)
        except ValueError as e:
            raise HTTPException(404, str(e))
        ind, park = ov.by_industry.copy(), ov.by_park.copy()
        if not u.sees_raw_aggregates:
            ind, park = cached(s, ("overview-public", region_id, y, m),
                               lambda: _overview_public(s, region_id, y, m, ind, park))
        cols = ["division", "name_zh", "name_en", "firms", "output", "share_pct", "growth_pct", "disclosure"]
        pcols = ["park_id", "name", "firms", "output", "share_pct", "growth_pct", "disclosure"]
        return {"region_id": region_id, "year": y, "month_to": m,
                "totals": _records(ov.totals), "summary_zh": summary.text_zh, "summary_en": summary.text_en,
                "by_industry": _records(ind[[c for c in cols if c in ind]]),
                "by_park": _records(park[[c for c in pcols if c in park]])}

    @app.get("/api/analyses/output-table", tags=["analyses"],
             summary="Output by industry × park with primary and complementary suppression for roles without firm rights")
    def output_table(region_id: RegionId = None, period: Period = None,
                     min_firms: int = Query(3, ge=1), dominance: float = Query(0.8, gt=0, le=1),
                     u: User = Depends(user), s: Store = Depends(store)):
        region_id = _region(s, region_id)
        y, m = _period(s, region_id, period)
        def aggregate():
            d = s.sql("SELECT f.industry_code, coalesce(f.park_id, ?) AS park, fy.output FROM firm_years fy "
                      "JOIN firms f USING (firm_id) WHERE f.region_id = ? AND fy.year = ? AND fy.month_to = ? "
                      "AND fy.above_scale AND fy.output IS NOT NULL", [OUTSIDE_PARKS, region_id, y, m])
            d["division"] = d["industry_code"].map(GBT4754.division_of)
            g = d.groupby(["division", "park"])["output"]
            return (g.sum().unstack(fill_value=0.0), g.size().unstack(fill_value=0),
                    (g.max() / g.sum()).unstack(fill_value=0.0))

        values, counts, top = cached(s, ("output-table", region_id, y, m), aggregate)
        if u.sees_raw_aggregates:
            shown, why = values, pd.DataFrame("", index=values.index, columns=values.columns)
            rows, cols = values.sum(axis=1), values.sum(axis=0)
        else:
            sup = cached(s, ("suppressed", region_id, y, m, min_firms, dominance),
                         lambda: suppress(values, counts, top, min_firms, dominance))
            shown, why, rows, cols = sup.table, sup.reasons, sup.row_totals, sup.column_totals
        cells = []
        for div in values.index:
            for park in values.columns:
                cells.append({"division": div, "park": park, "firms": int(counts.at[div, park]),
                              "output": None if pd.isna(shown.at[div, park]) else float(shown.at[div, park]),
                              "suppressed": why.at[div, park] or None})
        return {"region_id": region_id, "year": y, "month_to": m, "cells": cells,
                "row_totals": {k: None if pd.isna(v) else float(v) for k, v in rows.items()},
                "column_totals": {k: None if pd.isna(v) else float(v) for k, v in cols.items()}}

    @app.get("/api/analyses/location-quotients", tags=["analyses"], summary="LQs of a region against its siblings")
    def lq(region_id: RegionId = None, period: Period = None, u: User = Depends(user),
           s: Store = Depends(store)):
        """For roles without firm rights, an LQ built from fewer than 3 firms or one dominant
        firm (and its complementary partner) is withheld: with the published totals, an LQ gives
        the value back."""
        from clusteratlas.analyses.clusters import comparison_regions, regional_values
        from clusteratlas.measures import location_quotient

        region_id = _region(s, region_id)
        y, m = _period(s, region_id, period)
        regions = comparison_regions(s, region_id)
        def compute():
            v = regional_values(s, "output", regions)
            v = v[(v.year == y) & (v.month_to == m)]
            out = location_quotient(v, value="output")
            return out[out.region == region_id][["industry", "lq", "lq_symmetric"]]

        out = security.withhold(cached(s, ("lq", region_id, y, m), compute),
                                withheld(s, u, [region_id], y, m),
                                ["lq", "lq_symmetric"], region=region_id)
        return JSONResponse(_records(out))

    @app.get("/api/analyses/lq-map", tags=["analyses"],
             summary="LQ of one industry across the comparison regions, as GeoJSON for a choropleth")
    def lq_map_geojson(region_id: RegionId = None, period: Period = None, industry: Division = None,
                       u: User = Depends(user), s: Store = Depends(store)):
        """A FeatureCollection: one feature per comparison region that has a boundary, with
        properties region_id, name, name_en, industry, lq, focus, suppressed and
        boundary_source. Values built from firm data follow the disclosure rules."""
        import json

        from clusteratlas.analyses.clusters import lq_map

        region_id = _region(s, region_id)
        y, m = _period(s, region_id, period)
        try:
            frame = cached(s, ("lq-map", region_id, y, m, industry),
                           lambda: lq_map(s, region_id, y, m, industry))
        except ValueError as e:
            raise HTTPException(404, str(e))
        frame = security.withhold_lq_map(frame, withheld(s, u, list(frame["region"]), y, m))
        features = [{"type": "Feature", "geometry": json.loads(r["boundary"]),
                     "properties": {"region_id": r["region"], "name": r["name"],
                                    "name_en": None if pd.isna(r["name_en"]) else r["name_en"],
                                    "industry": r["industry"],
                                    "lq": None if pd.isna(r["lq"]) else float(r["lq"]),
                                    "focus": bool(r["focus"]), "suppressed": r["suppressed"] or None,
                                    "boundary_source": None if pd.isna(r["boundary_source"])
                                    else r["boundary_source"]}}
                    for _, r in frame.iterrows() if isinstance(r["boundary"], str) and r["boundary"]]
        return JSONResponse({"type": "FeatureCollection", "year": y, "month_to": m,
                             "industry": str(frame["industry"].iloc[0]), "features": features},
                            media_type="application/geo+json")

    @app.get("/api/analyses/k-density", tags=["analyses"],
             summary="Duranton–Overman K-density of the region's largest industries")
    def k_density(region_id: RegionId = None, period: Period = None,
                  n_sim: int = Query(99, ge=19, le=999), footprints: bool = False,
                  u: User = Depends(user), s: Store = Depends(store)):
        """Curves and bands are aggregates of ≥ 10 firms' pair distances (public); cluster
        footprints are drawn through firm sites, so only admins and the region's analysts get
        them, and the read is audited."""
        from clusteratlas.analyses.distance import distance_clusters

        region_id = _region(s, region_id)
        y, m = _period(s, region_id, period)
        if footprints and not u.sees_firm_sites_in(region_id):
            raise HTTPException(403, f"role {u.role} may not see firm sites in {region_id}")
        try:
            dc = cached(s, ("kdensity", region_id, y, m, n_sim),
                        lambda: distance_clusters(s, region_id, y, m, n_sim=n_sim))
        except ValueError as e:
            raise HTTPException(404, str(e))
        out = {"region_id": region_id, "year": y, "month_to": m, "n_sim": n_sim,
               "industries": _records(dc.summary),
               "curves": {d: _records(res.to_frame()) for d, res in dc.kd.items()}}
        if footprints:
            security.audit(s, u, "read", "firm_clusters", f"{region_id} {len(dc.clusters.firms)} firms")
            out["clusters"] = _records(dc.clusters.clusters)
            out["overlap"] = _records(dc.clusters.overlap)
            out["outside_parks"] = _records(dc.clusters.outside_parks()[["firm_id", "name", "industry", "cluster"]])
        return JSONResponse(out)

    @app.get("/api/analyses/opportunities", tags=["analyses"], summary="Industries to attract, with reasons")
    def opportunities(region_id: RegionId = None, period: Period = None,
                      strategy: str = Query("balanced", pattern="^(low_hanging|balanced|long_jumps)$"),
                      u: User = Depends(user), s: Store = Depends(store)):
        from clusteratlas.analyses.clusters import comparison_regions, regional_values
        from clusteratlas.analyses.recommend import opportunities as rank

        region_id = _region(s, region_id)
        y, m = _period(s, region_id, period)
        v = regional_values(s, "output", comparison_regions(s, region_id))
        v = v[(v.year == y) & (v.month_to == m)]
        try:
            table = rank(v, region_id, value="output", strategy=strategy).table
            table = security.withhold(table, withheld(s, u, [region_id], y, m),
                                      ["output", "rca"], region=region_id)
            return JSONResponse(_records(table))
        except ValueError as e:
            raise HTTPException(404, str(e))

    @app.get("/api/analyses/targets", tags=["analyses"], summary="Progress towards every target")
    def target_status(period: Period = None, u: User = Depends(user), s: Store = Depends(store)):
        from clusteratlas.analyses.targets import target_progress

        region_id = _region(s, None)
        y, m = _period(s, region_id, period)
        t = cached(s, ("targets", y, m), lambda: target_progress(
            s.table("targets"), s.table("firms"), s.table("firm_years"), y, m))
        if not u.sees_raw_aggregates:  # a firm-scope target reveals one firm's figures
            t = t[t["scope"] != "firm"]
        return JSONResponse(_records(t))

    @app.get("/api/analyses/pipeline", tags=["analyses"], summary="The project funnel and headline")
    def pipeline(start: str | None = None, end: str | None = None,
                 u: User = Depends(require("admin", "analyst", "park_manager")), s: Store = Depends(store)):
        from clusteratlas.analyses.pipeline import pipeline_summary

        p = pipeline_summary(s.table("projects"), start, end)
        return {"funnel": _records(p.funnel), "text_zh": p.text_zh, "text_en": p.text_en,
                "figures": {k: float(v) for k, v in p.figures.items()}}

    @app.get("/api/analyses/land-efficiency", tags=["analyses"], summary="Per-mu grades (firm-level; audited)")
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
        return {"method": res.method.title_zh, "firms": _records(f.drop(columns=[c for c in f.columns if c.endswith("_value")])),
                "parks": _records(res.parks)}

    # ---------------------------------------------------------------- incentives -----------
    @app.get("/api/rulesets", tags=["incentives"], summary="Shipped rulesets and their rules")
    def rulesets():
        from clusteratlas.analyses.incentives import Ruleset

        rs = Ruleset.load("changsha_2005")
        return {"id": rs.metadata.get("id"), "title_zh": rs.metadata.get("title_zh"), "sha256": rs.sha256,
                "rules": [{"id": r.id, "clause": r.clause, "title_zh": r.title_zh, "title_en": r.title_en,
                           "entity": r.entity, "inputs": sorted(r.inputs), "decision": r.decision}
                          for r in rs.rules]}

    @app.post("/api/incentives/calculate", tags=["incentives"],
              summary="The policy calculator: a firm's or project's figures in, eligible awards and reasons out")
    def calculate(entity: Annotated[dict, Body(openapi_examples={"supporting project": {
                      "summary": "a supporting firm's CNY 20 million project in a county (§§11–13)",
                      "value": {"entity": "firm", "registered_in_changsha": True, "three_industries": True,
                                "supporting_firm": True, "project_fits_policy": True, "county_level": True,
                                "new_project_investment": 2e7, "equipment_investment": 1.2e7}}})],
                  year: int = Query(..., ge=1990, le=2100, examples=[2006]), u: User = Depends(user),
                  s: Store = Depends(store)):
        from clusteratlas.analyses.incentives import Ruleset, explain

        rs = Ruleset.load("changsha_2005")
        entity = {**entity, "entity_id": str(entity.get("entity_id", "calculator"))}
        if entity.get("entity") not in {r.entity for r in rs.rules}:
            raise HTTPException(422, "entity must be firm, project, park or guarantor")
        items = explain(rs, entity, year)
        total = sum(i["amount"] for i in items if i["status"] == "award")
        return {"ruleset_sha256": rs.sha256, "year": year, "total": total,
                "rules": [{**i, "inputs": {k: (None if v is None or (isinstance(v, float) and np.isnan(v)) else
                                               (v.item() if hasattr(v, "item") else v))
                                           for k, v in i["inputs"].items()}} for i in items]}

    @app.get("/api/incentives/runs", tags=["incentives"], summary="Incentive runs recorded in the store")
    def incentive_runs(s: Store = Depends(store)):
        from clusteratlas.analyses.incentives import recorded_runs

        return JSONResponse(_records(recorded_runs(s)))

    @app.post("/api/incentives/runs", tags=["incentives"],
              summary="Evaluate a ruleset for a file of entities and record the run (admin, analyst)")
    def record_incentive_run(file: UploadFile = File(..., description="CSV/XLSX/Parquet: entity_id, entity, inputs…"),
                             year: int = Form(..., ge=1990, le=2100),
                             ruleset: str = Form("changsha_2005", pattern="^[a-z0-9_]{1,64}$",
                                                 description="a shipped ruleset's name (never a path)"),
                             label: str | None = Form(None),
                             u: User = Depends(require("admin", "analyst")), s: Store = Depends(store)):
        from clusteratlas.analyses.incentives import Ruleset, award_totals, run
        from clusteratlas.analyses.incentives.engine import save_run
        from clusteratlas.io.readers import read_table

        try:
            rs = Ruleset.load(ruleset)
        except ValueError as e:
            raise HTTPException(404, str(e))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(file.filename or "entities.csv").name
            path.write_bytes(file.file.read())
            try:
                entities = read_table(path)
            except Exception as e:  # pandas raises many types for a file it cannot parse
                raise HTTPException(422, f"{path.name}: not a readable table ({e})")
        try:
            result = run(rs, entities, year)
        except (KeyError, ValueError) as e:  # a missing column or a bad value in the file
            raise HTTPException(422, f"{path.name}: {e}")
        ds = s.sql("SELECT max(dataset_id) m FROM datasets").iloc[0, 0]
        run_id = save_run(s, result, rs, label=label, dataset_id=None if pd.isna(ds) else int(ds))
        security.audit(s, u, "write", "incentive_runs", f"run {run_id}: {len(entities)} entities, {year}")
        totals = award_totals(result.lines)
        return {"run_id": run_id, "ruleset_sha256": result.ruleset_sha256, "total": totals.total,
                "by_rule": _records(totals.by_rule), "skipped": _records(result.skipped)}

    @app.get("/api/incentives/runs/{run_id}/totals", tags=["incentives"],
             summary="Award totals of a run by rule and payer (disclosure-controlled without firm rights)")
    def incentive_totals(run_id: int, u: User = Depends(user), s: Store = Depends(store)):
        from clusteratlas.analyses.incentives import award_totals, recorded_lines

        # a recorded run never changes: its totals are cached by run alone
        t = cached(s, ("award-totals", run_id, u.sees_raw_aggregates),
                   lambda: award_totals(recorded_lines(s, run_id), withhold=not u.sees_raw_aggregates))
        return {"run_id": run_id, "total": t.total, "by_rule": _records(t.by_rule),
                "by_payer": _records(t.by_payer)}

    @app.get("/api/incentives/runs/{run_id}/lines", tags=["incentives"],
             summary="Award lines of a run, for the entities the caller may see (audited)")
    def incentive_lines(run_id: int, format: Format = None,
                        u: User = Depends(require("admin", "analyst", "park_manager", "firm")),
                        s: Store = Depends(store)):
        from clusteratlas.analyses.incentives import recorded_lines

        lines = recorded_lines(s, run_id)
        lines = lines[lines["entity_id"].isin(security.visible_entities(s, u, lines["entity_id"].unique()))]
        security.audit(s, u, "read", "award_lines", f"run {run_id}: {len(lines)} rows")
        return _frame_response(lines, format, f"award_lines_{run_id}")

    # ---------------------------------------------------------------- matching -------------
    @app.get("/api/suppliers", tags=["data"], summary="The supplier catalogue (any signed-in role)")
    def suppliers(format: Format = None, u: User = Depends(require("admin", "analyst", "park_manager", "firm")),
                  s: Store = Depends(store)):
        from clusteratlas.analyses.matching import catalogue_from_store

        cat = catalogue_from_store(s)
        cols = ["supplier_id", "name", "products", "processes", "categories", "certifications", "park_id", "region_id"]
        return _frame_response(cat.suppliers[cols], format, "suppliers")

    @app.get("/api/needs", tags=["data"], summary="Purchase needs of the firms the caller may see (audited)")
    def needs(format: Format = None, u: User = Depends(require("admin", "analyst", "park_manager", "firm")),
              s: Store = Depends(store)):
        n = security.visible_needs(s, u)
        return _frame_response(n.drop(columns=["dataset_id", "lon", "lat"], errors="ignore"), format, "needs")

    @app.get("/api/matches", tags=["analyses"], summary="Ranked suppliers for the caller's visible needs")
    def matches(need_id: str | None = None, top_k: int = Query(5, ge=1, le=50),
                u: User = Depends(require("admin", "analyst", "park_manager", "firm")), s: Store = Depends(store)):
        from clusteratlas.analyses.matching import catalogue_from_store, match

        n = security.visible_needs(s, u)
        if need_id is not None:
            n = n[n["need_id"] == need_id]
        if n.empty:
            raise HTTPException(404, "no such need visible to you")
        return JSONResponse(_records(match(n, catalogue_from_store(s).suppliers, top_k)))

    @app.post("/api/outcomes", tags=["datasets"], summary="Record a match outcome; a contract becomes a supply link")
    def outcome(outcome_id: Annotated[str, Form()], need_id: Annotated[str, Form()],
                supplier_id: Annotated[str, Form()], stage: Annotated[str, Form()],
                date: Annotated[str, Form()], contract_value: Annotated[float | None, Form()] = None,
                u: User = Depends(require("admin", "analyst")), s: Store = Depends(store)):
        import csv as _csv

        from clusteratlas.analyses.matching import record_contracts

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"outcome_{outcome_id}.csv"
            with path.open("w", newline="", encoding="utf-8") as f:
                w = _csv.writer(f)
                w.writerow(["outcome_id", "need_id", "supplier_id", "stage", "contract_value", "date"])
                w.writerow([outcome_id, need_id, supplier_id, stage, "" if contract_value is None else contract_value, date])
            try:
                import_files(s, [path], table="match_outcomes", force=True)
            except ImportRejected as e:
                return JSONResponse(status_code=422, content={"detail": "outcome rejected", "issues": _records(e.to_frame())})
        links = record_contracts(s)
        security.audit(s, u, "write", "match_outcomes", f"{outcome_id} {stage}")
        return {"recorded": outcome_id, "supply_links": links}

    from clusteratlas.io.iotables import load_io_table, read_nbs_table

    file_table = read_nbs_table(io_table) if io_table is not None else None

    def table_for(s: Store):
        """The table given at start-up, else the newest in the store (cached by its id)."""
        if file_table is not None:
            return file_table
        newest = s.sql("SELECT coalesce(max(table_id), 0) t FROM io_tables").iloc[0, 0]
        return cached(s, ("io-table", int(newest)), lambda: load_io_table(s)) if newest else None

    @app.get("/api/io-tables", tags=["data"], summary="Input-output tables kept in the store")
    def io_tables(s: Store = Depends(store)):
        from clusteratlas.io.iotables import list_io_tables

        return JSONResponse(_records(list_io_tables(s)))

    @app.post("/api/io-tables", tags=["data"], summary="Upload an NBS-layout input-output table (admin, analyst)")
    def upload_io_table(file: UploadFile = File(...), name: str | None = Form(None),
                        year: int | None = Form(None, ge=1949, le=2100), region_id: str | None = Form(None),
                        unit: str | None = Form(None),
                        u: User = Depends(require("admin", "analyst")), s: Store = Depends(store)):
        from clusteratlas.io.iotables import import_io_table

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(file.filename or "io_table.csv").name
            path.write_bytes(file.file.read())
            try:
                table_id = import_io_table(s, path, name, year=year, region_id=region_id, unit=unit)
            except ValueError as e:
                raise HTTPException(422, str(e))
        security.audit(s, u, "write", "io_tables", f"table {table_id}: {path.name}")
        return {"table_id": table_id}

    @app.get("/api/analyses/value-chain", tags=["analyses"],
             summary="The chain map of a division and the gaps (on the newest input-output table)")
    def chain(division: Division = None, u: User = Depends(user), s: Store = Depends(store)):
        from clusteratlas.analyses.clusters import regional_values
        from clusteratlas.analyses.valuechain import chain_gaps, value_chain

        table = table_for(s)
        if table is None:
            raise HTTPException(404, "no input-output table: upload one (POST /api/io-tables)")
        region_id = _region(s, None)
        v = regional_values(s, "output", [region_id])
        v = v[v.month_to == 12]
        if v.empty:
            raise HTTPException(404, "no full-year output for the region")
        year = int(v.year.max())
        v = v[v.year == year].set_index("industry")["output"]
        focal = division or str(v.idxmax())
        g, gaps = security.withhold_chain(s, u, region_id, year, table,
                                          value_chain(table, focal, v.to_frame("output")),
                                          chain_gaps(table, v, [focal], v.to_frame("output")))
        def plain(x):
            return None if isinstance(x, float) and np.isnan(x) else x

        edges = [{"from": a, "to": b, **d} for a, b, d in g.edges(data=True)]
        nodes = [{"sector": n, **{k: plain(x) for k, x in d.items()}} for n, d in g.nodes(data=True)]
        return {"focal": g.graph["focal"], "year": year, "nodes": nodes, "edges": edges,
                "gaps": _records(gaps)}

    from clusteratlas.web.pages import mount_pages

    mount_pages(app, store, user, table_for)
    return app
