"""Incentive policies: rulesets (shipped, or added to the store by admins against their test
cases), the policy calculator, and recorded runs with their totals (disclosure-controlled) and
award lines (scoped, audited)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Body, Depends, File, Form, HTTPException, Query, UploadFile
from fastapi.responses import JSONResponse

from clusteratlas.api.deps import audit, require, service, store, user
from clusteratlas.api.formats import Format, frame_response, records, upload_name
from clusteratlas.io.store import Store
from clusteratlas.policy.access import SIGNED_IN, UPLOADERS, User, may_claim, may_decide_claims, visible_entities
from clusteratlas.study import records as study_records
from clusteratlas.study.service import StudyService

router = APIRouter()


RulesetName = Annotated[str, Query(pattern="^[A-Za-z0-9_]{1,64}$",
                                    description="a ruleset's name: shipped, or added to the store")]


@router.get("/api/rulesets", tags=["incentives"], summary="Rulesets: shipped ones and the store's")
def rulesets(s: Store = Depends(store)):
    return JSONResponse(records(study_records.rulesets(s)))


@router.get("/api/rulesets/{name}/guide", tags=["incentives"],
            summary="The plain-language guide (申兑指南) to each rule of a ruleset, in Chinese or English")
def ruleset_guide(name: str, year: int = Query(2006, ge=1990, le=2100), lang: str = Query("zh", pattern="^(zh|en)$"),
                  rule: str | None = Query(None, pattern="^[A-Za-z0-9_]{1,64}$"), s: Store = Depends(store)):
    try:
        gs = study_records.ruleset_guides(name, year, lang, s, rule)
    except ValueError as e:
        raise HTTPException(404, str(e))
    return [{"rule_id": g.rule_id, "clause": g.clause, "title": g.title,
             "sections": [{"heading": h, "text": t} for h, t in g.sections]} for g in gs]


@router.get("/api/rulesets/{name}", tags=["incentives"], summary="A ruleset's rules (the newest of the name)")
def ruleset_rules(name: str, s: Store = Depends(store)):
    try:
        rs = study_records.load_ruleset(name, s)
    except ValueError as e:
        raise HTTPException(404, str(e))
    return {"id": rs.metadata.get("id"), "title_zh": rs.metadata.get("title_zh"), "sha256": rs.sha256,
            "rules": [{"id": r.id, "clause": r.clause, "title_zh": r.title_zh, "title_en": r.title_en,
                       "entity": r.entity, "inputs": sorted(r.inputs), "decision": r.decision}
                      for r in rs.rules]}


@router.post("/api/rulesets", tags=["incentives"],
             summary="Add a ruleset (YAML) to the store, checked against its test cases (admin)",
             responses={422: {"description": "it does not parse, or failing test checks listed"}})
def add_ruleset(file: UploadFile = File(..., description="the ruleset, YAML"),
                cases: UploadFile | None = File(None, description="its test cases, YAML (all must pass)"),
                u: User = Depends(require("admin")), s: Store = Depends(store)):
    from clusteratlas.analyses.incentives import RulesetRejected

    from clusteratlas.analyses.incentives.engine import MAX_RULESET_BYTES

    raw = file.file.read(MAX_RULESET_BYTES + 1)
    raw_cases = cases.file.read(MAX_RULESET_BYTES + 1) if cases is not None else None
    if len(raw) > MAX_RULESET_BYTES or (raw_cases is not None and len(raw_cases) > MAX_RULESET_BYTES):
        raise HTTPException(413, f"a ruleset or its cases may hold at most {MAX_RULESET_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8")
        cases_text = raw_cases.decode("utf-8") if raw_cases is not None else None
    except UnicodeDecodeError as e:
        raise HTTPException(422, f"rulesets are UTF-8 YAML: {e}")
    try:
        ruleset_id = study_records.add_ruleset(s, text, cases_text, author=u.username)
    except RulesetRejected as e:
        return JSONResponse(status_code=422, content={"detail": str(e), "failures": records(e.failures)})
    audit(s, u, "write", "rulesets", f"ruleset {ruleset_id}")
    return {"ruleset_id": ruleset_id}


@router.post("/api/incentives/calculate", tags=["incentives"],
             summary="The policy calculator: a firm's or project's figures in, eligible awards and reasons out")
def calculate(entity: Annotated[dict, Body(openapi_examples={"supporting project": {
                  "summary": "a supporting firm's CNY 20 million project in a county (§§11–13)",
                  "value": {"entity": "firm", "registered_in_changsha": True, "three_industries": True,
                            "supporting_firm": True, "project_fits_policy": True, "county_level": True,
                            "new_project_investment": 2e7, "equipment_investment": 1.2e7}}})],
              year: int = Query(..., ge=1990, le=2100, examples=[2006]), ruleset: RulesetName = "changsha_2005",
              u: User = Depends(user), s: Store = Depends(store)):
    from clusteratlas.analyses.incentives import explain

    try:
        rs = study_records.load_ruleset(ruleset, s)
    except ValueError as e:
        raise HTTPException(404, str(e))
    entity = {**entity, "entity_id": str(entity.get("entity_id", "calculator"))}
    if entity.get("entity") not in {r.entity for r in rs.rules}:
        raise HTTPException(422, "entity must be firm, project, park or guarantor")
    try:
        items = explain(rs, entity, year)
    except (KeyError, ValueError) as e:  # a figure of the wrong kind for a rule
        raise HTTPException(422, str(e))
    total = sum(i["amount"] for i in items if i["status"] == "award")
    return {"ruleset_sha256": rs.sha256, "year": year, "total": total,
            "rules": [{**i, "inputs": {k: (None if v is None or (isinstance(v, float) and np.isnan(v)) else
                                           (v.item() if hasattr(v, "item") else v))
                                       for k, v in i["inputs"].items()}} for i in items]}


@router.get("/api/incentives/runs", tags=["incentives"], summary="Incentive runs recorded in the store")
def incentive_runs(s: Store = Depends(store)):
    from clusteratlas.io.records import recorded_runs

    return JSONResponse(records(recorded_runs(s)))


@router.post("/api/incentives/runs", tags=["incentives"],
             summary="Evaluate a ruleset for a file of entities and record the run (admin, analyst)")
def record_incentive_run(file: UploadFile = File(..., description="CSV/XLSX/Parquet: entity_id, entity, inputs…"),
                         year: int = Form(..., ge=1990, le=2100),
                         ruleset: str = Form("changsha_2005", pattern="^[A-Za-z0-9_]{1,64}$",
                                             description="a ruleset's name, shipped or in the store (never a path)"),
                         label: str | None = Form(None),
                         u: User = Depends(require(*UPLOADERS)), s: Store = Depends(store)):
    from clusteratlas.analyses.incentives import award_totals, run
    from clusteratlas.io.readers import read_table

    try:
        rs = study_records.load_ruleset(ruleset, s)
    except ValueError as e:
        raise HTTPException(404, str(e))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / upload_name(file.filename, "entities.csv")
        path.write_bytes(file.file.read())
        try:
            entities = read_table(path)
        except Exception as e:  # pandas raises many types for a file it cannot parse
            raise HTTPException(422, f"{path.name}: not a readable table ({e})")
    try:
        result = run(rs, entities, year)
    except (KeyError, ValueError) as e:  # a missing column or a bad value in the file
        raise HTTPException(422, f"{path.name}: {e}")
    run_id = study_records.record_run(s, result, rs, label=label)
    audit(s, u, "write", "incentive_runs", f"run {run_id}: {len(entities)} entities, {year}")
    totals = award_totals(result.lines)
    return {"run_id": run_id, "ruleset_sha256": result.ruleset_sha256, "total": totals.total,
            "by_rule": records(totals.by_rule), "skipped": records(result.skipped)}


@router.get("/api/incentives/runs/{run_id}/totals", tags=["incentives"],
            summary="Award totals of a run by rule and payer (disclosure-controlled without firm rights)")
def incentive_totals(run_id: int, u: User = Depends(user), s: Store = Depends(store),
                     svc: StudyService = Depends(service)):
    # a recorded run never changes: its totals are kept by run; they are of the service's region
    try:
        region = svc.diagnosis(s).study.region
    except (ValueError, KeyError):
        region = None
    scope = (u.role, u.region_id, u.park_id, u.firm_id) if not u.sees_raw_aggregates_of(region) else "raw"
    try:
        recorded = svc.cached(s, ("award-totals", run_id, scope),
                              lambda: study_records.published_run(s, run_id, u, region))
    except KeyError:
        recorded = None
    if recorded is None:
        raise HTTPException(404, f"no incentive run {run_id}")
    t = recorded.totals
    return {"run_id": run_id, "total": t.total, "by_rule": records(t.by_rule),
            "by_payer": records(t.by_payer)}


@router.get("/api/incentives/runs/{run_id}/lines", tags=["incentives"],
            summary="Award lines of a run, for the entities the caller may see (audited)")
def incentive_lines(run_id: int, format: Format = None,
                    u: User = Depends(require(*SIGNED_IN)), s: Store = Depends(store)):
    from clusteratlas.io.records import recorded_lines

    lines = recorded_lines(s, run_id)
    allowed = visible_entities(lines["entity_id"].unique(), s.table("firms"), s.table("projects"),
                               s.table("parks"), u)
    lines = lines[lines["entity_id"].isin(allowed)]
    audit(s, u, "read", "award_lines", f"run {run_id}: {len(lines)} rows")
    return frame_response(lines, format, f"award_lines_{run_id}")


@router.get("/api/incentives/eligibility", tags=["incentives"],
            summary="The eligibility scan (免申即享): what each entity the caller may see is owed, "
                    "is not, or cannot be judged on yet (scoped, audited)")
def eligibility(year: int = Query(..., ge=1990, le=2100), ruleset: RulesetName | None = None,
                unclaimed: bool = Query(False, description="only eligible awards nobody has claimed"),
                format: Format = None, u: User = Depends(require(*SIGNED_IN)), s: Store = Depends(store),
                svc: StudyService = Depends(service)):
    from clusteratlas.analyses.incentives.claims import unclaimed as unclaimed_awards
    from clusteratlas.study.claims import claims
    from clusteratlas.study.eligibility import scan_store

    try:
        from clusteratlas.io.records import incentive_version

        # the history of one-offs (the ledger, the runs) and the stored rulesets are part of it
        scans = svc.cached(s, ("eligibility", year, ruleset, incentive_version(s)),
                           lambda: scan_store(s, year, ruleset))
    except ValueError as e:
        raise HTTPException(404 if "no ruleset" in str(e) else 422, str(e))
    import pandas as pd

    o = pd.concat([sc.outcomes for sc in scans], ignore_index=True)
    if unclaimed:
        o = unclaimed_awards(o, claims(s), year)
    allowed = visible_entities(o["entity_id"].unique(), s.table("firms"), s.table("projects"), s.table("parks"), u)
    o = o[o["entity_id"].astype(str).isin(allowed)]
    audit(s, u, "read", "eligibility", f"{year}: {len(o)} rows")
    return frame_response(o, format, f"eligibility_{year}")


@router.get("/api/incentives/claims", tags=["incentives"],
            summary="The claims ledger: each claim's state and amounts, for the entities the caller may see")
def claims_list(format: Format = None, u: User = Depends(require(*SIGNED_IN)), s: Store = Depends(store)):
    from clusteratlas.study.claims import claims

    c = claims(s)
    allowed = visible_entities(c["entity_id"].unique(), s.table("firms"), s.table("projects"), s.table("parks"), u)
    c = c[c["entity_id"].astype(str).isin(allowed)]
    audit(s, u, "read", "claims", f"{len(c)} claims")
    return frame_response(c, format, "claims")


@router.post("/api/incentives/claims", tags=["incentives"], status_code=201,
             summary="申报: claim an award line of a recorded run (a firm for itself; the office for any)")
def claims_open(run_id: int = Form(...), entity_id: str = Form(..., max_length=64), rule_id: str = Form(..., pattern="^[A-Za-z0-9_]{1,64}$"),
                year: int = Form(..., ge=1990, le=2100), payer: str = Form(..., max_length=64),
                amount: float | None = Form(None, ge=0, le=1e13), note: str | None = Form(None, max_length=500),
                u: User = Depends(require(*SIGNED_IN)), s: Store = Depends(store)):
    from clusteratlas.analyses.incentives.claims import ClaimRefused
    from clusteratlas.study.claims import claim_award

    if not may_claim(u, entity_id, s.table("firms"), s.table("projects"), s.table("parks")):
        raise HTTPException(403, f"{u.role} {u.username} may not claim for {entity_id}")
    try:
        claim_id = claim_award(s, run_id, entity_id, rule_id, year, payer, actor=u.username, role=u.role,
                               amount=amount, note=note)
    except (ClaimRefused, KeyError) as e:
        raise HTTPException(409, str(e.args[0] if e.args else e))
    return {"claim_id": claim_id}


@router.post("/api/incentives/claims/{claim_id}/events", tags=["incentives"], status_code=201,
             summary="审核 / 兑现: approve, reject, pay or reverse a claim (the office: admins, the region's analysts)")
def claims_decide(claim_id: int, event: str = Form(..., pattern="^(approved|rejected|paid|reversed)$"),
                  amount: float | None = Form(None, ge=0, le=1e13), voucher: str | None = Form(None, max_length=120),
                  note: str | None = Form(None, max_length=500), u: User = Depends(require(*UPLOADERS)),
                  s: Store = Depends(store), svc: StudyService = Depends(service)):
    from clusteratlas.analyses.incentives.claims import ClaimRefused
    from clusteratlas.study.claims import decide_claim

    try:
        region = svc.diagnosis(s).study.region
    except (ValueError, KeyError):
        region = None
    if not may_decide_claims(u, region):
        raise HTTPException(403, f"{u.username} may not decide claims of region {region}")
    try:
        event_id = decide_claim(s, claim_id, event, actor=u.username, role=u.role, amount=amount,
                                voucher=voucher, note=note)
    except ClaimRefused as e:
        raise HTTPException(409, str(e))
    return {"claim_id": claim_id, "event_id": event_id, "event": event}
