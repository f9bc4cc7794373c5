"""Log in (argon2-checked passwords, expiring bearer tokens) and say who a token belongs to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from clusteratlas.api.deps import log_in, store, user
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
