"""Early warnings over HTTP: the office runs the rules and reads and marks the warnings within
its scope; firms and the public see none."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Query

from clusteratlas.api.deps import audit, diagnosis_for, require, service, store
from clusteratlas.api.formats import Format, frame_response
from clusteratlas.io.store import Store
from clusteratlas.policy.access import User, visible_alerts
from clusteratlas.study import alerts as study_alerts
from clusteratlas.study.service import StudyService

router = APIRouter()
OFFICE = ("admin", "analyst", "park_manager")


@router.get("/api/alerts", tags=["alerts"], summary="The warnings the caller may see, with their state")
def list_alerts(state: str | None = Query(None, pattern="^(new|seen|handled)$"), format: Format = None,
                u: User = Depends(require(*OFFICE)), s: Store = Depends(store)):
    a = visible_alerts(study_alerts.alerts(s, state=state), u)
    audit(s, u, "read", "alerts", f"{len(a)} warnings")
    return frame_response(a, format, "alerts")


@router.post("/api/alerts/run", tags=["alerts"], summary="Run the shipped warning rules on the study region (admins, its analysts)")
def run_alerts(u: User = Depends(require("admin", "analyst")), s: Store = Depends(store),
               svc: StudyService = Depends(service)):
    d = diagnosis_for(svc, s, u, u.region_id if u.role == "analyst" else None)
    if not u.sees_raw_aggregates_of(d.study.region):
        raise HTTPException(403, "warnings are run by the region's own office")
    return study_alerts.run_alerts(s, d, u.username)


@router.post("/api/alerts/{alert_id}/{state}", tags=["alerts"], summary="Mark a warning seen, or handled with a note")
def mark_alert(alert_id: int, state: str, note: str | None = Form(None, max_length=2000),
               u: User = Depends(require(*OFFICE)), s: Store = Depends(store)):
    mine = visible_alerts(study_alerts.alerts(s), u)
    if int(alert_id) not in set(mine["alert_id"].astype(int)):
        raise HTTPException(404, f"no alert {alert_id}")
    try:
        study_alerts.mark_alert(s, alert_id, state, u.username, note)
    except study_alerts.AlertRefused as e:
        raise HTTPException(422, str(e)) from e
    return {"alert_id": alert_id, "state": state}
