"""The store's tables: public ones (regions, parks, industries, targets) and firm-level ones,
filtered to what the caller may see and audited."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Depends, Query

from clusteratlas.api.deps import audit, require, store
from clusteratlas.api.formats import Format, frame_response
from clusteratlas.policy.access import PIPELINE_READERS, SIGNED_IN, User, visible_projects
from clusteratlas.io.store import Store

router = APIRouter()


@router.get("/api/regions", tags=["data"])
def regions(format: Format = None, s: Store = Depends(store)):
    return frame_response(s.table("regions").drop(columns="dataset_id"), format, "regions")


@router.get("/api/parks", tags=["data"])
def parks(format: Format = None, s: Store = Depends(store)):
    return frame_response(s.table("parks").drop(columns="dataset_id"), format, "parks")


@router.get("/api/industries", tags=["data"])
def industries(q: str | None = None, format: Format = None, s: Store = Depends(store)):
    t = s.table("industries").drop(columns="dataset_id")
    if q:
        t = t[t["code"].str.startswith(q) | t["name_zh"].str.contains(q, regex=False)]
    return frame_response(t, format, "industries")


@router.get("/api/targets", tags=["data"], summary="Targets of plans and policies (public documents)")
def targets(format: Format = None, s: Store = Depends(store)):
    return frame_response(s.table("targets").drop(columns="dataset_id"), format, "targets")


# firm-level data: only the rows the caller may see, and every read audited
def firm_rows(s: Store, u: User, sql: str, params: list, resource: str) -> pd.DataFrame:
    cond, args = u.firm_filter()
    frame = s.sql(sql.format(cond=cond), [*args, *params]).drop(columns="dataset_id")
    audit(s, u, "read", resource, f"{len(frame)} rows")
    return frame


@router.get("/api/firms", tags=["data"], summary="Firms the caller may see (firm-level, audited)")
def firms(format: Format = None, u: User = Depends(require(*SIGNED_IN)),
          s: Store = Depends(store)):
    f = firm_rows(s, u, "SELECT f.* FROM firms f WHERE {cond}", [], "firms")
    return frame_response(f, format, "firms")


@router.get("/api/firm-years", tags=["data"], summary="Firm figures the caller may see (audited)")
def firm_years(year: int | None = None, firm_id: str | None = None, format: Format = None,
               u: User = Depends(require(*SIGNED_IN)),
               s: Store = Depends(store)):
    extra, params = "", []
    if year is not None:
        extra += " AND fy.year = ?"
        params.append(year)
    if firm_id is not None:
        extra += " AND fy.firm_id = ?"
        params.append(firm_id)
    f = firm_rows(s, u, "SELECT fy.* FROM firm_years fy JOIN firms f USING (firm_id) "
                        "WHERE {cond}" + extra, params, "firm_years")
    return frame_response(f, format, "firm_years")


@router.get("/api/supply-links", tags=["data"], summary="Purchases of the firms the caller may see (audited)")
def supply_links(format: Format = None, u: User = Depends(require(*SIGNED_IN)),
                 s: Store = Depends(store)):
    f = firm_rows(s, u, "SELECT l.* FROM supply_links l JOIN firms f "
                        "ON f.firm_id = l.buyer_id WHERE {cond}", [], "supply_links")
    return frame_response(f, format, "supply_links")


@router.get("/api/projects", tags=["data"], summary="The investment pipeline (analysts and park managers)")
def projects(format: Format = None, u: User = Depends(require(*PIPELINE_READERS)),
             s: Store = Depends(store)):
    p = visible_projects(s.table("projects").drop(columns="dataset_id"), u)
    audit(s, u, "read", "projects", f"{len(p)} rows")
    return frame_response(p, format, "projects")


@router.get("/api/audit", tags=["data"], summary="The audit log (admin), newest first, filtered")
def audit_log(limit: int = Query(200, ge=1, le=10_000),
              username: str | None = Query(None, max_length=200),
              action: str | None = Query(None, max_length=50, description="read, write, login, "
                                         "login failed, login refused, refused, logout"),
              address: str | None = Query(None, max_length=100, description="the client address"),
              since: str | None = Query(None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD"),
              format: Format = None, u: User = Depends(require("admin")), s: Store = Depends(store)):
    where, params = ["TRUE"], []
    if username is not None:
        where.append("username = ?")
        params.append(username)
    if action is not None:
        where.append("action = ?")
        params.append(action)
    if address is not None:  # every line written while answering a request names its address
        where.append("detail LIKE ?")
        params.append(f"%from {address}%")
    if since is not None:
        where.append("logged_at >= CAST(? AS DATE)")
        params.append(since)
    rows = s.sql(f"SELECT * FROM audit_log WHERE {' AND '.join(where)} ORDER BY audit_id DESC LIMIT ?",
                 [*params, limit])
    return frame_response(rows, format, "audit")
