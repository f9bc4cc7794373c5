"""What the routers share: the service (the store, its result cache, the input-output table),
a store cursor per request, the caller and role checks, and the study region and period."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import Depends, HTTPException, Request

from clusteratlas.analyses.overview import latest_period
from clusteratlas.api import security
from clusteratlas.api.security import PUBLIC, User
from clusteratlas.io.periods import parse_period
from clusteratlas.io.store import Store


class Service:
    """One per app: the store and what is cached over it."""

    def __init__(self, db: str | Path, io_table: str | Path | None = None):
        from clusteratlas.io.iotables import read_nbs_table

        self.root = Store(db)
        self.file_table = read_nbs_table(io_table) if io_table is not None else None
        self._cache: dict = {}
        self._lock = threading.Lock()
        self._key_locks: dict = {}

    def cached(self, s: Store, key: tuple, compute):
        """``compute()``, kept under ``key`` and the store's newest dataset id: analyses are pure
        functions of the store's content, which changes only by imports."""
        version = s.con.execute("SELECT coalesce(max(dataset_id), 0) FROM datasets").fetchall()[0][0]
        full = (version, *key)
        with self._lock:
            if full in self._cache:
                return self._cache[full]
            lock = self._key_locks.setdefault(full, threading.Lock())
        with lock:  # one request computes, the others wait for its result
            with self._lock:
                if full in self._cache:
                    return self._cache[full]
            value = compute()
            with self._lock:
                if len(self._cache) > 256:
                    self._cache.clear()
                    self._key_locks.clear()
                self._cache[full] = value
        return value

    def io_table(self, s: Store):
        """The table given at start-up, else the newest in the store (cached by its id)."""
        from clusteratlas.io.iotables import load_io_table

        if self.file_table is not None:
            return self.file_table
        newest = s.sql("SELECT coalesce(max(table_id), 0) t FROM io_tables").iloc[0, 0]
        return self.cached(s, ("io-table", int(newest)), lambda: load_io_table(s)) if newest else None


def service(request: Request) -> Service:
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
    token = header[7:] if header.lower().startswith("bearer ") else request.cookies.get("ca_token")
    if not token:
        return PUBLIC
    u = security.user_for_token(s, token)
    if u is None:
        raise HTTPException(401, "token expired or unknown", headers={"WWW-Authenticate": "Bearer"})
    return u


def require(*roles):
    """A dependency letting only ``roles`` through (403 for the others)."""
    def check(u: User = Depends(user)) -> User:
        if u.role not in roles:
            raise HTTPException(403, f"role {u.role} may not do this")
        return u
    return check


def region_of(s: Store, region_id: str | None) -> str:
    """The region asked for, else the study region (the one with most firms)."""
    if region_id:
        return region_id
    r = s.sql("SELECT region_id, count(*) n FROM firms GROUP BY 1 ORDER BY n DESC LIMIT 1")
    if r.empty:
        raise HTTPException(404, "no firm data in the store")
    return str(r.iloc[0, 0])


def period_of(svc: Service, s: Store, region_id: str, period: str | None) -> tuple[int, int]:
    """(year, month_to) of the period asked for, else the region's latest with firm data."""
    if period:
        p = parse_period(period)
        if p is None:
            raise HTTPException(422, f"not a period: {period!r}")
        return p

    def compute():
        f = s.table("firms")
        return latest_period(s.table("firm_years"), f.loc[f["region_id"] == region_id, "firm_id"])

    return svc.cached(s, ("period", region_id), compute)
