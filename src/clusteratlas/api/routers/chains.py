"""The chain office's work over HTTP (链长制): the chains there are, a chain's ledger and papers,
its tasks and roles — for admins and the region's own analysts (the ledger is firm by firm)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Form, HTTPException, Query
from fastapi.responses import JSONResponse, Response

from clusteratlas.api.deps import audit, diagnosis_for, require, service, store
from clusteratlas.api.formats import records
from clusteratlas.io.store import Store
from clusteratlas.policy.access import User, may_run_chain
from clusteratlas.study import chains as study_chains
from clusteratlas.study.diagnosis import NotComputable
from clusteratlas.study.service import StudyService

router = APIRouter()
CHAIN = "^[a-z][a-z0-9_]{0,63}$"
OFFICE = ("admin", "analyst")


def _ledger(chain: str, u: User, s: Store, svc: StudyService, region: str | None):
    try:
        template = study_chains.chain_template(chain, s)
    except KeyError as e:
        raise HTTPException(404, e.args[0]) from e
    d = diagnosis_for(svc, s, u, region or (u.region_id if u.role == "analyst" else None))
    if not may_run_chain(u, d.study.region):
        raise HTTPException(403, "a chain's work is the region's own office's")
    try:
        return d, d.chain_ledger(template)
    except NotComputable as e:
        raise HTTPException(404, str(e)) from e


@router.get("/api/chains", tags=["chains"], summary="The chains there are: shipped templates and the store's own")
def chains(s: Store = Depends(store)):
    return JSONResponse(records(study_chains.chain_templates(s)))


@router.get("/api/chains/{chain}/ledger", tags=["chains"],
            summary="A chain's ledger: links classified 强链/补链/延链/在链 with evidence, leading firms, targets, projects")
def ledger(chain: str, region_id: str | None = Query(None, pattern=r"^\d{6}$"), u: User = Depends(require(*OFFICE)),
           s: Store = Depends(store), svc: StudyService = Depends(service)):
    d, lg = _ledger(chain, u, s, svc, region_id)
    audit(s, u, "read", "chain_ledger", f"{chain} {lg.region}")
    return {"chain": chain, "name_zh": lg.chain.name_zh, "name_en": lg.chain.name_en, "region_id": lg.region,
            "year": lg.year, "purchases_year": lg.purchases_year, "rate_targets": list(lg.rate_targets),
            "sources": list(lg.chain.sources), "links": records(lg.links), "leaders": records(lg.leaders),
            "supporting_rates": records(lg.supporting_rates), "targets": records(lg.targets),
            "projects": records(lg.projects), "firms": records(lg.firms)}


@router.get("/api/chains/{chain}/papers", tags=["chains"],
            summary="一链一图、一表、一清单: the chain's papers as a printable HTML page or an XLSX workbook")
def papers(chain: str, format: str = Query("html", pattern="^(html|xlsx)$"), lang: str = Query("zh", pattern="^(zh|en)$"),
           region_id: str | None = Query(None, pattern=r"^\d{6}$"), u: User = Depends(require(*OFFICE)),
           s: Store = Depends(store), svc: StudyService = Depends(service)):
    from clusteratlas.report.chain import write_chain_page, write_chain_workbook

    d, lg = _ledger(chain, u, s, svc, region_id)
    todo, held = study_chains.tasks(s, lg.chain.id, lg.region), study_chains.roles(s, lg.chain.id, lg.region)
    names = d.study.tables["firms"].set_index("firm_id")["name"].to_dict()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"chain.{format}"
        write = write_chain_page if format == "html" else write_chain_workbook
        write(lg, todo, held, out, region_name=d.study.name, firm_names=names, lang=lang)
        body = out.read_bytes()
    audit(s, u, "read", "chain_papers", f"{chain} {lg.region} {format}")
    media = "text/html; charset=utf-8" if format == "html" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{lg.chain.id}_{lg.region}_{lg.year}.{format}"'})


def _region(u: User, region_id: str | None) -> str:
    region = region_id or u.region_id
    if not region or not may_run_chain(u, region):
        raise HTTPException(403, "a chain's work is the region's own office's")
    return region


@router.get("/api/chains/{chain}/tasks", tags=["chains"], summary="A chain's tasks as they stand")
def chain_tasks(chain: str, region_id: str | None = Query(None, pattern=r"^\d{6}$"), all: bool = False,
                u: User = Depends(require(*OFFICE)), s: Store = Depends(store)):
    region = _region(u, region_id)
    return records(study_chains.tasks(s, chain, region, open_only=not all))


@router.post("/api/chains/{chain}/tasks", tags=["chains"], status_code=201, summary="Open a task of a chain")
def open_task(chain: str, title: str = Form(..., max_length=2000), owner: str = Form(..., max_length=200),
              due_date: str | None = Form(None, max_length=10), link_id: str | None = Form(None, max_length=64),
              firm_id: str | None = Form(None, max_length=64), note: str | None = Form(None, max_length=2000),
              region_id: str | None = Form(None, pattern=r"^\d{6}$"), u: User = Depends(require(*OFFICE)),
              s: Store = Depends(store)):
    region = _region(u, region_id)
    try:
        task_id = study_chains.open_task(s, chain, region, title, owner, u.username, due_date=due_date,
                                         link_id=link_id, firm_id=firm_id, note=note)
    except KeyError as e:
        raise HTTPException(404, e.args[0]) from e
    except ValueError as e:
        raise HTTPException(422, str(e)) from e
    return {"task_id": task_id}


@router.post("/api/chains/tasks/{task_id}", tags=["chains"], summary="Change a task (status, owner, due date, a note)")
def update_task(task_id: int, status: str | None = Form(None, pattern="^(open|in_progress|done|dropped)$"),
                owner: str | None = Form(None, max_length=200), due_date: str | None = Form(None, max_length=10),
                note: str | None = Form(None, max_length=2000), u: User = Depends(require(*OFFICE)),
                s: Store = Depends(store)):
    now = study_chains.tasks(s)
    hit = now[now["task_id"] == task_id]
    if hit.empty or not may_run_chain(u, hit.iloc[0]["region_id"]):
        raise HTTPException(404, f"no task {task_id}")
    try:
        study_chains.update_task(s, task_id, u.username, status=status, owner=owner, due_date=due_date, note=note)
    except ValueError as e:
        raise HTTPException(422, str(e)) from e
    return {"task_id": task_id, "history": records(study_chains.task_history(s, task_id))}


@router.get("/api/chains/{chain}/roles", tags=["chains"], summary="Who holds a chain's roles: 链长 and 链主")
def chain_roles(chain: str, region_id: str | None = Query(None, pattern=r"^\d{6}$"),
                u: User = Depends(require(*OFFICE)), s: Store = Depends(store)):
    return records(study_chains.roles(s, chain, _region(u, region_id)))


@router.post("/api/chains/{chain}/roles", tags=["chains"], summary="Name (or stand down) a 链长 or a 链主")
def assign_role(chain: str, role: str = Form(..., pattern="^(chief|leader_firm)$"), holder: str = Form(..., max_length=200),
                title: str | None = Form(None, max_length=200), end: bool = Form(False),
                region_id: str | None = Form(None, pattern=r"^\d{6}$"), u: User = Depends(require(*OFFICE)),
                s: Store = Depends(store)):
    region = _region(u, region_id)
    try:
        study_chains.assign_role(s, chain, region, role, holder, u.username, title=title, end=end)
    except KeyError as e:
        raise HTTPException(404, e.args[0]) from e
    except ValueError as e:
        raise HTTPException(422, str(e)) from e
    return records(study_chains.roles(s, chain, region))
