"""Log in (argon2-checked passwords, expiring bearer tokens) and say who a token belongs to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException

from clusteratlas.api.deps import audit, store, user
from clusteratlas.io import accounts
from clusteratlas.policy.access import User
from clusteratlas.io.store import Store

router = APIRouter()


@router.post("/api/auth/token", tags=["auth"], summary="Log in; returns a bearer token")
def token(username: Annotated[str, Form()], password: Annotated[str, Form()],
          s: Store = Depends(store)):
    got = accounts.login(s, username, password)
    if got is None:
        raise HTTPException(401, "wrong user name or password")
    tok, expires = got
    audit(s, User(username, "?"), "login", "auth")
    return {"access_token": tok, "token_type": "bearer", "expires_at": expires.isoformat()}


@router.get("/api/auth/me", tags=["auth"], summary="Who the token belongs to")
def me(u: User = Depends(user)):
    return {"username": u.username, "role": u.role, "region_id": u.region_id,
            "park_id": u.park_id, "firm_id": u.firm_id}
