"""The services desk over HTTP: a firm files and follows its own requests; the office answers
and closes those within its scope; everyone sees only what is theirs."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException

from clusteratlas.api.deps import audit, require, store
from clusteratlas.api.formats import Format, frame_response, records
from clusteratlas.io.store import Store
from clusteratlas.policy.access import SIGNED_IN, User, visible_requests
from clusteratlas.study import desk

router = APIRouter()
CATEGORIES = "^(" + "|".join(desk.ROUTES) + ")$"
OFFICE = ("admin", "analyst", "park_manager")


def _refused(e: desk.DeskRefused):
    return HTTPException(e.status, str(e))


@router.post("/api/desk/requests", tags=["desk"], status_code=201,
             summary="File a request or complaint (a firm's own account); routed to a department with a deadline")
def file_request(category: str = Form(..., pattern=CATEGORIES), title: str = Form(..., max_length=desk.MAX_TITLE),
                 body: str = Form(..., max_length=desk.MAX_BODY),
                 attachment_name: str | None = Form(None, max_length=300),
                 u: User = Depends(require(*SIGNED_IN)), s: Store = Depends(store)):
    try:
        filed = desk.file_request(s, u, category, title, body, attachment_name=attachment_name)
    except desk.DeskRefused as e:
        raise _refused(e) from e
    return {**filed, "deadline": filed["deadline"].isoformat()}


@router.get("/api/desk/requests", tags=["desk"], summary="The requests the caller may see, with their state and deadline")
def list_requests(format: Format = None, u: User = Depends(require(*SIGNED_IN)), s: Store = Depends(store)):
    r = visible_requests(desk.requests(s), u)
    audit(s, u, "read", "desk", f"{len(r)} requests")
    return frame_response(r, format, "desk_requests")


@router.get("/api/desk/requests/{request_id}", tags=["desk"], summary="One request and what happened to it")
def one_request(request_id: int, u: User = Depends(require(*SIGNED_IN)), s: Store = Depends(store)):
    try:
        req, events = desk.request_thread(s, u, request_id)
    except desk.DeskRefused as e:
        raise _refused(e) from e
    audit(s, u, "read", "desk", f"request {request_id}")
    return {"request": records(__import__("pandas").DataFrame([req]))[0], "events": records(events)}


@router.post("/api/desk/requests/{request_id}/{action}", tags=["desk"],
             summary="答复 (answer: the office), 办结 (close: the office or the firm), 重新办理 (reopen: the firm)")
def request_step(request_id: int, action: str, message: str | None = Form(None, max_length=desk.MAX_BODY),
                 u: User = Depends(require(*SIGNED_IN)), s: Store = Depends(store)):
    steps = {"answer": desk.answer_request, "close": desk.close_request, "reopen": desk.reopen_request}
    if action not in steps:
        raise HTTPException(404, f"no step {action!r}: answer, close or reopen")
    try:
        event_id = steps[action](s, u, request_id, message)
    except desk.DeskRefused as e:
        raise _refused(e) from e
    return {"request_id": request_id, "event_id": event_id, "action": action}


@router.get("/api/desk/report", tags=["desk"],
            summary="Open and overdue requests and response times per department and park (the office)")
def desk_report(format: Format = None, u: User = Depends(require(*OFFICE)), s: Store = Depends(store)):
    return frame_response(desk.desk_report(visible_requests(desk.requests(s), u)), format, "desk_report")
