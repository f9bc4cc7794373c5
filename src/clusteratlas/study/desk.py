"""The services desk (企业服务台, 园区投诉举报中心): firms file requests and complaints, each routed by
its category to a department with a deadline for a first answer; officers answer and close them;
a firm may reopen its own closed request. Everything is kept (the request as filed, every step
after it) and audited; open and overdue counts and response times are reported per department
and park.

The deadlines follow the seed's 投诉处置快速反应机制: a complaint within a day; the rest in calendar
days a deployment may change (``ROUTES``)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from clusteratlas.faces.terms import chinese
from clusteratlas.io import accounts, desk_records
from clusteratlas.policy.access import User, may_answer_request

# category → (Chinese name, department, hours to a first answer)
ROUTES = {
    "complaint": ("投诉举报", "园区投诉举报中心", 24),
    "approval": ("审批代办", "行政审批服务中心", 5 * 24),
    "land": ("用地", "自然资源和规划局", 10 * 24),
    "utilities": ("水电气", "园区管委会", 3 * 24),
    "labour": ("用工", "人力资源和社会保障局", 5 * 24),
    "finance": ("融资", "地方金融工作局", 10 * 24),
    "policy": ("政策咨询", "经济和信息化局", 5 * 24),
    "other": ("其他", "园区管委会", 5 * 24),
}
STATE_ZH = chinese("desk_state")
MAX_TITLE, MAX_BODY = 200, 5000


class DeskRefused(ValueError):
    """A step the desk's rules refuse, with the reason (``status``: 403 not yours, 404 none such
    for this caller, 409 not in this state, 422 bad input)."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


def _now(now) -> dt.datetime:
    return now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _text(value, what: str, limit: int, required: bool = True) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise DeskRefused(f"{what} is required")
        return None
    if len(value) > limit:
        raise DeskRefused(f"{what}: at most {limit} characters")
    return value


def _attachment(name) -> str | None:
    """An attachment's name as a safe base name (the desk keeps the name, not the file)."""
    if not name:
        return None
    name = str(name).replace("\\", "/").split("/")[-1]
    name = re.sub(r'[\x00-\x1f\x7f<>:"|?*]', "", name).strip().strip(".")
    if not name:
        raise DeskRefused("the attachment's name is no file name")
    return name[:120]


def file_request(store, user: User, category: str, title: str, body: str, *, attachment_name=None,
                 now: dt.datetime | None = None) -> dict:
    """A firm's request or complaint, routed; returns its id, department and deadline."""
    if user.role != "firm" or not user.firm_id:
        raise DeskRefused("requests are filed by a firm's own account", 403)
    if category not in ROUTES:
        raise DeskRefused(f"category must be one of {', '.join(ROUTES)}")
    firm = store.sql("SELECT firm_id, park_id, region_id FROM firms WHERE firm_id = ?", [user.firm_id])
    if firm.empty:
        raise DeskRefused(f"no firm {user.firm_id!r} in the store", 403)
    _, department, hours = ROUTES[category]
    filed = _now(now)
    f = firm.iloc[0]
    request = {"firm_id": user.firm_id, "park_id": f["park_id"] if isinstance(f["park_id"], str) else None,
               "region_id": f["region_id"], "category": category, "department": department,
               "title": _text(title, "title", MAX_TITLE), "body": _text(body, "text", MAX_BODY),
               "attachment_name": _attachment(attachment_name), "filed_by": user.username, "filed_at": filed,
               "deadline": filed + dt.timedelta(hours=hours)}
    with store.transaction():
        request_id = desk_records.insert_request(store, request)
        accounts.audit(store, user.username, user.role, "write", "desk",
                       f"request {request_id} filed: {category} → {department}")
    return {"request_id": request_id, "department": department, "deadline": request["deadline"]}


def requests(store, now: dt.datetime | None = None) -> pd.DataFrame:
    """Every request as it stands: its state, answers, when first answered, the response time
    (hours), the deadline of the answer it waits for, and whether that is past."""
    r = desk_records.requests(store)
    ev = desk_records.events(store)
    now = _now(now)
    cols = list(r.columns) + ["state", "state_zh", "answers", "first_answer_at", "response_hours", "due", "overdue",
                              "category_zh"]
    if r.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for req in r.itertuples(index=False):
        mine = ev[ev["request_id"] == req.request_id]
        state, due = "filed", req.deadline
        answers = mine[mine["action"] == "answer"]
        for e in mine.itertuples(index=False):
            state = {"answer": "answered", "close": "closed", "reopen": "reopened"}[e.action]
            if e.action == "reopen":  # a reopened request waits for a new answer, as long again
                due = e.changed_at + dt.timedelta(hours=ROUTES[req.category][2])
        first = answers["changed_at"].min() if len(answers) else pd.NaT
        waiting = state in ("filed", "reopened")
        rows.append({**req._asdict(), "state": state, "state_zh": STATE_ZH[state], "answers": len(answers),
                     "first_answer_at": first,
                     "response_hours": (first - req.filed_at).total_seconds() / 3600 if len(answers) else float("nan"),
                     "due": due if waiting else pd.NaT, "overdue": bool(waiting and now > due),
                     "category_zh": ROUTES[req.category][0]})
    return pd.DataFrame(rows, columns=cols)


def request_thread(store, user: User, request_id: int, now=None) -> tuple[dict, pd.DataFrame]:
    """One request as the caller may see it, with its events; DeskRefused (404) when there is
    none the caller may see — a firm learns nothing of another's."""
    from clusteratlas.policy.access import visible_requests

    r = visible_requests(requests(store, now), user)
    hit = r[r["request_id"] == int(request_id)]
    if hit.empty:
        raise DeskRefused(f"no request {request_id}", 404)
    return hit.iloc[0].to_dict(), desk_records.events(store, int(request_id))


def _step(store, user: User, request_id: int, action: str, message, now) -> int:
    req, _ = request_thread(store, user, request_id, now)
    own = user.role == "firm" and user.firm_id == req["firm_id"]
    officer = may_answer_request(user, req)
    if action == "answer" and not officer:
        raise DeskRefused("answers come from the office (the park's manager, the region's analysts)", 403)
    if action == "close" and not (officer or own):
        raise DeskRefused("a request is closed by the office or the firm that filed it", 403)
    if action == "reopen" and not own:
        raise DeskRefused("a request is reopened by the firm that filed it", 403)
    allowed = {"answer": ("filed", "answered", "reopened"), "close": ("filed", "answered", "reopened"),
               "reopen": ("closed",)}[action]
    if req["state"] not in allowed:
        raise DeskRefused(f"request {request_id} is {req['state']}: it cannot be {action}ed now", 409)
    message = _text(message, "the message", MAX_BODY, required=action != "close")
    with store.transaction():
        event_id = desk_records.insert_event(store, int(request_id), action, message, user.username, user.role, _now(now))
        accounts.audit(store, user.username, user.role, "write", "desk", f"request {request_id} {action}")
    return event_id


def answer_request(store, user: User, request_id: int, message: str, now=None) -> int:
    """答复: an officer's answer (the first one ends the wait the deadline measures)."""
    return _step(store, user, request_id, "answer", message, now)


def close_request(store, user: User, request_id: int, note: str | None = None, now=None) -> int:
    """办结: closed by the office, or by the firm that filed it."""
    return _step(store, user, request_id, "close", note, now)


def reopen_request(store, user: User, request_id: int, message: str, now=None) -> int:
    """重新办理: the firm that filed a closed request says why it is not done."""
    return _step(store, user, request_id, "reopen", message, now)


def desk_report(frame: pd.DataFrame) -> pd.DataFrame:
    """Per department and park: requests filed, open, overdue, answered, and the median and
    mean hours to a first answer."""
    cols = ["department", "park_id", "filed", "open", "overdue", "answered", "median_response_hours",
            "mean_response_hours"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    f = frame.assign(open=frame["state"].isin(("filed", "answered", "reopened")), answered=frame["answers"] > 0,
                     park_id=frame["park_id"].fillna("—"))
    g = f.groupby(["department", "park_id"])
    out = g.agg(filed=("request_id", "size"), open=("open", "sum"), overdue=("overdue", "sum"),
                answered=("answered", "sum"), median_response_hours=("response_hours", "median"),
                mean_response_hours=("response_hours", "mean")).reset_index()
    return out[cols]
