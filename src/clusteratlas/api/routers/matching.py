"""Supplier matching: the catalogue, the needs the caller may see, ranked suppliers, and match
outcomes (a contract becomes a supply link)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query
from fastapi.responses import JSONResponse

from clusteratlas.api.deps import audit, diagnosis_for, require, service, store
from clusteratlas.api.formats import Format, frame_response, records
from clusteratlas.io.errors import ImportRejected
from clusteratlas.io.importer import import_files
from clusteratlas.io.store import Store
from clusteratlas.policy.access import SIGNED_IN, UPLOADERS, User, visible_needs
from clusteratlas.study.service import StudyService

router = APIRouter()


@router.get("/api/suppliers", tags=["data"], summary="The supplier catalogue (any signed-in role)")
def suppliers(format: Format = None, u: User = Depends(require(*SIGNED_IN)),
              s: Store = Depends(store), svc: StudyService = Depends(service)):
    cat = diagnosis_for(svc, s, u).catalogue()
    cols = ["supplier_id", "name", "products", "processes", "categories", "certifications", "park_id", "region_id"]
    return frame_response(cat.suppliers[cols], format, "suppliers")


@router.get("/api/needs", tags=["data"], summary="Purchase needs of the firms the caller may see (audited)")
def needs(format: Format = None, u: User = Depends(require(*SIGNED_IN)), s: Store = Depends(store),
          svc: StudyService = Depends(service)):
    n = _visible_needs(svc, s, u)
    return frame_response(n.drop(columns=["dataset_id", "lon", "lat"], errors="ignore"), format, "needs")


def _visible_needs(svc: StudyService, s: Store, u: User):
    """The purchase needs of the firms ``u`` may see; the read is audited."""
    n = visible_needs(diagnosis_for(svc, s, u).catalogue().needs, s.table("firms"), u)
    audit(s, u, "read", "purchase_needs", f"{len(n)} rows")
    return n


@router.get("/api/matches", tags=["analyses"], summary="Ranked suppliers for the caller's visible needs")
def matches(need_id: str | None = None, top_k: int = Query(5, ge=1, le=50), format: Format = None,
            u: User = Depends(require(*SIGNED_IN)), s: Store = Depends(store),
            svc: StudyService = Depends(service)):
    n = _visible_needs(svc, s, u)
    if need_id is not None:
        n = n[n["need_id"] == need_id]
    if n.empty:
        raise HTTPException(404, "no such need visible to you")
    return frame_response(diagnosis_for(svc, s, u).matches(n["need_id"], top_k), format, "matches")


@router.post("/api/outcomes", tags=["datasets"], summary="Record a match outcome; a contract becomes a supply link")
def outcome(outcome_id: Annotated[str, Form()], need_id: Annotated[str, Form()],
            supplier_id: Annotated[str, Form()], stage: Annotated[str, Form()],
            date: Annotated[str, Form()], contract_value: Annotated[float | None, Form()] = None,
            u: User = Depends(require(*UPLOADERS)), s: Store = Depends(store)):
    import csv as _csv

    from clusteratlas.study.records import record_contracts

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"outcome_{outcome_id}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            w = _csv.writer(f)
            w.writerow(["outcome_id", "need_id", "supplier_id", "stage", "contract_value", "date"])
            w.writerow([outcome_id, need_id, supplier_id, stage, "" if contract_value is None else contract_value, date])
        try:
            import_files(s, [path], table="match_outcomes", force=True)
        except ImportRejected as e:
            return JSONResponse(status_code=422, content={"detail": "outcome rejected", "issues": records(e.to_frame())})
    links = record_contracts(s)
    audit(s, u, "write", "match_outcomes", f"{outcome_id} {stage}")
    return {"recorded": outcome_id, "supply_links": links}
