"""Log in (argon2-checked passwords, expiring bearer tokens), say who a token belongs to, and
let admins add users while the service holds the store."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request

from clusteratlas.api.deps import audit, log_in, require, store, user
from clusteratlas.io import accounts
from clusteratlas.policy.access import User
from clusteratlas.io.store import Store

router = APIRouter()


@router.post("/api/auth/token", tags=["auth"], summary="Log in; returns a bearer token",
             responses={429: {"description": "too many failed logins for the name or address"}})
def token(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()],
          s: Store = Depends(store)):
    tok, expires = log_in(request, s, username, password, "auth")
    return {"access_token": tok, "token_type": "bearer", "expires_at": expires.isoformat()}


@router.post("/api/auth/revoke", tags=["auth"], summary="Revoke the bearer token of this request")
def revoke(request: Request, u: User = Depends(user), s: Store = Depends(store)):
    header = request.headers.get("authorization", "")
    if u.role == "public" or not header.lower().startswith("bearer "):
        return {"revoked": False}
    accounts.expire_token(s, header[7:])
    accounts.audit(s, u.username, u.role, "logout", "auth", "token revoked")
    return {"revoked": True}


@router.get("/api/auth/me", tags=["auth"], summary="Who the token belongs to")
def me(u: User = Depends(user)):
    return {"username": u.username, "role": u.role, "region_id": u.region_id,
            "park_id": u.park_id, "firm_id": u.firm_id}


@router.post("/api/users", tags=["auth"], status_code=201,
             summary="Add a user of a role and scope (admins; the same checks as `clusteratlas users add`)")
def add_user_endpoint(username: str = Form(..., pattern=r"^[\w.@-]{1,64}$"), password: str = Form(..., max_length=256),
                      role: str = Form(..., pattern="^(admin|analyst|park_manager|firm|public)$"),
                      region_id: str | None = Form(None, max_length=12), park_id: str | None = Form(None, max_length=64),
                      firm_id: str | None = Form(None, max_length=64),
                      u: User = Depends(require("admin")), s: Store = Depends(store)):
    from clusteratlas.io.accounts import UserExists
    from clusteratlas.study.records import add_user

    try:
        add_user(s, username, password, role, region_id, park_id, firm_id)  # ValueError: 422 with the reason
    except UserExists as e:
        raise HTTPException(409, str(e))
    audit(s, u, "write", "users", f"added {username} as {role}")
    return {"username": username, "role": role}
