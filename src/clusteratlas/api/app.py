"""The ClusterAtlas service: a REST API under /api/ and the dashboard at /, in one FastAPI app.

Thin: every endpoint parses, checks who may see what, calls the library and formats (JSON, or
CSV/XLSX with ``?format=``). Firm-level reads and all writes are audited; aggregates for roles
without firm-level rights pass through disclosure control. The endpoints live in
``api/routers`` (one module per resource); what they share is in ``api/deps``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import clusteratlas
from clusteratlas.api.deps import Service, store, user
from clusteratlas.api.routers import analyses, auth, data, datasets, incentives, matching

TAGS = [
    {"name": "auth", "description": "Log in and out (bearer tokens)."},
    {"name": "data", "description": "Regions, parks, industries, firms and their figures."},
    {"name": "datasets", "description": "Upload → validate → import, all or nothing."},
    {"name": "analyses", "description": "The library's analyses as endpoints."},
    {"name": "incentives", "description": "The policy calculator, rulesets and recorded runs."},
]


def create_app(db: str | Path, io_table: str | Path | None = None) -> FastAPI:
    """The service on the store at ``db`` (created and migrated if new); ``io_table``: a national
    input-output table (NBS layout) for the value chain, instead of the store's newest."""
    svc = Service(db, io_table)
    app = FastAPI(title="ClusterAtlas", version=clusteratlas.__version__, openapi_tags=TAGS,
                  description="Industrial clusters and parks: data, measures and policies. Firm "
                              "data are confidential: what a caller sees depends on their role.")
    app.state.service = svc

    # The library says what is wrong with a request by raising ValueError (bad input) or KeyError
    # (an unknown region, park, industry, …): answer those as client errors with its message.
    @app.exception_handler(ValueError)
    def _bad_input(request: Request, exc: ValueError):
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    @app.exception_handler(KeyError)
    def _unknown(request: Request, exc: KeyError):
        return JSONResponse(status_code=404, content={"detail": str(exc).strip("'\"")})

    for module in (auth, data, datasets, analyses, incentives, matching):
        app.include_router(module.router)

    from clusteratlas.web.pages import mount_pages

    mount_pages(app, store, user, svc.io_table)
    return app
