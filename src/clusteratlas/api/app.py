"""The ClusterAtlas service: a REST API under /api/ and the dashboard at /, in one FastAPI app.

Thin: every endpoint parses, takes the service's diagnosis of the study as the caller may see
it (``clusteratlas.study``: withheld by ``clusteratlas.policy`` for roles without firm rights),
and formats (JSON, or CSV/XLSX with ``?format=``). Firm-level reads and all writes are audited.
The endpoints live in ``api/routers`` (one module per resource); what they share is in
``api/deps``; the dashboard's pages (``web``) are mounted on the same app and service.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import clusteratlas
from clusteratlas.api.deps import service, store, user
from clusteratlas.api.middleware import PublicAnswers, RequestFrame
from clusteratlas.api.routers import alerts, analyses, auth, chains, data, datasets, desk, firms, incentives, matching
from clusteratlas.policy.throttle import LoginThrottle
from clusteratlas.study.diagnosis import Settings
from clusteratlas.study.service import StudyService

TAGS = [
    {"name": "auth", "description": "Log in and out (bearer tokens)."},
    {"name": "data", "description": "Regions, parks, industries, firms and their figures."},
    {"name": "datasets", "description": "Upload → validate → import, all or nothing."},
    {"name": "analyses", "description": "The library's analyses as endpoints."},
    {"name": "incentives", "description": "The policy calculator, rulesets and recorded runs."},
    {"name": "chains", "description": "The chain office's work (链长制): ledgers, papers, tasks, roles."},
    {"name": "alerts", "description": "Early warnings (预警): run, read and mark them."},
    {"name": "desk", "description": "The services desk (企业服务台): requests and complaints, answered in time."},
]


REQUEST_SECONDS = 120.0  # the slowest first answer measured is ~8 s (a cluster page, 999 simulations)


def create_app(db: str | Path, io_table: str | Path | None = None, settings: Settings | None = None,
               request_seconds: float = REQUEST_SECONDS, files_dir: str | Path | None = None) -> FastAPI:
    """The service on the store at ``db`` (created and migrated if new); ``io_table``: a national
    input-output table (NBS layout) for the value chain, instead of the store's newest;
    ``settings``: the diagnosis settings of every page and endpoint (default ``Settings()``);
    ``request_seconds``: a request still computing after this long is answered 503 (its work
    finishes on its worker thread and is kept for the next caller); ``files_dir``: where a
    PostgreSQL store keeps source files (see ``Store``)."""
    svc = StudyService(db, io_table, settings, files_dir)
    app = FastAPI(title="ClusterAtlas", version=clusteratlas.__version__, openapi_tags=TAGS,
                  description="Industrial clusters and parks: data, measures and policies. Firm "
                              "data are confidential: what a caller sees depends on their role.")
    app.state.service = svc
    app.state.throttle = LoginThrottle()

    # plain ASGI around the app: public reads from their prepared bytes, inside the frame every
    # request gets (address, time limit, headers); the last added is the outermost
    app.add_middleware(PublicAnswers, service=svc)
    app.add_middleware(RequestFrame, request_seconds=request_seconds)

    # The library says what is wrong with a request by raising ValueError (bad input) or KeyError
    # (an unknown region, park, industry, …): answer those as client errors with its message.
    @app.exception_handler(ValueError)
    def _bad_input(request: Request, exc: ValueError):
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    @app.exception_handler(KeyError)
    def _unknown(request: Request, exc: KeyError):
        return JSONResponse(status_code=404, content={"detail": str(exc).strip("'\"")})

    for module in (auth, data, datasets, analyses, incentives, matching, chains, alerts, desk, firms):
        app.include_router(module.router)

    from clusteratlas.web.pages import mount_pages

    mount_pages(app, store, user, service)
    return app


WORKER_OPTIONS = "CLUSTERATLAS_SERVE"  # the environment variable serve --workers passes options in


def worker_options(db: str, io_table, settings: Settings, files_dir=None) -> str:
    """The options of ``create_app`` as text for ``app_from_environment`` in each worker."""
    return json.dumps({"db": str(db), "io_table": None if io_table is None else str(io_table),
                       "settings": settings.as_dict(), "files_dir": None if files_dir is None else str(files_dir)})


def app_from_environment() -> FastAPI:
    """The app as each worker process of ``clusteratlas serve --workers N`` builds it (uvicorn
    starts workers from an import string): its options from ``$CLUSTERATLAS_SERVE``."""
    o = json.loads(os.environ[WORKER_OPTIONS])
    return create_app(o["db"], o["io_table"], Settings(**o["settings"]), files_dir=o["files_dir"])

