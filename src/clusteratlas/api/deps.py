"""What the routers share: the service (a ``study.service.StudyService``: the store and every
result kept by data version, study and settings), a store cursor per request, the caller and
role checks, the audit of what a caller read, and the study's diagnosis as the caller may see it."""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request

from clusteratlas.io import accounts
from clusteratlas.io.periods import parse_period
from clusteratlas.io.store import Store
from clusteratlas.policy.access import PUBLIC, User, cookie_request_allowed, user_from_row
from clusteratlas.policy.throttle import LoginRefused, attempt_login
from clusteratlas.study.diagnosis import Diagnosis
from clusteratlas.study.service import StudyService


def service(request: Request) -> StudyService:
    return request.app.state.service


def store(request: Request):
    """A cursor on the service's store for this request."""
    s = request.app.state.service.root.cursor()
    try:
        yield s
    finally:
        s.close()


def user(request: Request, s: Store = Depends(store)) -> User:
    """The caller, from a bearer token or the dashboard's cookie; the public without either."""
    header = request.headers.get("authorization", "")
    bearer = header.lower().startswith("bearer ")
    token = header[7:] if bearer else request.cookies.get("ca_token")
    if not token:
        return PUBLIC
    u = user_from_row(accounts.token_user(s, token))
    if u is None:
        raise HTTPException(401, "token expired or unknown", headers={"WWW-Authenticate": "Bearer"})
    if not bearer and not cookie_request_allowed(request.method, token,
                                                 request.headers.get("x-csrf-token")):
        accounts.audit(s, u.username, u.role, "refused", request.url.path,
                       f"from {client(request)}; cookie without the anti-forgery token")
        raise HTTPException(403, "a request with the dashboard's cookie needs its X-CSRF-Token "
                                 "header; API clients send a bearer token")
    return u


def client(request: Request) -> str:
    return request.client.host if request.client else "?"


def require(*roles):
    """A dependency letting only ``roles`` through (403 for the others, audited with the
    caller's address and what they asked for)."""
    def check(request: Request, u: User = Depends(user), s: Store = Depends(store)) -> User:
        if u.role not in roles:
            accounts.audit(s, u.username, u.role, "refused", request.url.path,
                           f"from {client(request)}; needs {'/'.join(roles)}")
            raise HTTPException(403, f"role {u.role} may not do this")
        return u
    return check


def log_in(request: Request, s: Store, username: str, password: str, where: str):
    """(token, expiry) for a right password; HTTPException 429 while the name or address is
    throttled, 401 for a wrong one (``policy.throttle``: each attempt audited)."""
    try:
        return attempt_login(request.app.state.throttle, s, username, password, client(request), where)
    except LoginRefused as e:
        raise HTTPException(e.status, e.message,
                            headers={"Retry-After": str(e.retry_after)} if e.retry_after else None) from e


def audit(s: Store, u: User, action: str, resource: str, detail: str = "") -> None:
    """One audit line, with the caller's scope (region, park or firm); the address is added by
    ``io.accounts.audit`` from the request's context."""
    scope = u.region_id or u.park_id or u.firm_id or "-"
    accounts.audit(s, u.username, u.role, action, resource, f"{detail} [scope {scope}]".strip())


def period_option(period: str | None) -> tuple[int, int] | None:
    if not period:
        return None
    p = parse_period(period)
    if p is None:
        raise HTTPException(422, f"not a period: {period!r}")
    return p


def diagnosis_for(svc: StudyService, s: Store, u: User, region_id: str | None = None,
                  period: str | None = None, peers: list[str] | None = None) -> Diagnosis:
    """The service's diagnosis of the region and period asked for (default: the study region
    and its latest period), compared with ``peers`` where given, as ``u`` may see it; 404 when
    the store has no such data."""
    try:
        d = svc.diagnosis(s, region_id, period_option(period), peers=tuple(peers) if peers else None)
    except (ValueError, KeyError) as e:
        raise HTTPException(404, str(e).strip("'\""))
    return d.for_viewer(u)
