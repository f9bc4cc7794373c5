"""One firm over HTTP (企业画像) and the 亩均 list as a download: the profile for the roles that
may see the firm (its region's analysts, its park's manager, the firm itself, admins) — anyone
else gets the same 404 as for a firm that does not exist — and every graded firm of a year for
the office and the park managers (their own park's). Each read is audited."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from clusteratlas.api.deps import audit, require, service, store, user
from clusteratlas.api.formats import records
from clusteratlas.io.store import Store
from clusteratlas.policy.access import PIPELINE_READERS, User
from clusteratlas.study.profile import profile_for, rule_titles
from clusteratlas.study.service import StudyService

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIRM_ID = r"^[0-9A-Za-z_-]{1,64}$"
Lang = Query("zh", pattern="^(zh|en)$", description="zh (default) or en: the language of the workbook")


def _xlsx(write, name: str) -> Response:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.xlsx"
        write(out)
        body = out.read_bytes()
    return Response(body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


def _plain(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v) if np.isfinite(v) else None
    return v


@router.get("/api/firms/{firm_id}/profile", tags=["firms"],
            summary="企业画像: one firm's identity, figures by year, 亩均 grade, tier, awards, claims, supply links, "
                    "projects, warnings and requests (JSON or XLSX)")
def firm_profile(firm_id: str, format: str = Query("json", pattern="^(json|xlsx)$"), lang: str = Lang,
                 u: User = Depends(user), s: Store = Depends(store), svc: StudyService = Depends(service)):
    import re

    if not re.match(FIRM_ID, firm_id):
        raise HTTPException(404, "no firm of this id that you may see")
    try:
        p = profile_for(svc, s, u, firm_id)
    except KeyError as e:
        audit(s, u, "refused", "firm_profile", firm_id)
        raise HTTPException(404, e.args[0]) from e
    audit(s, u, "read", "firm_profile", f"{firm_id} {format}")
    if format == "xlsx":
        from clusteratlas.report.firm_profile import write_profile_workbook

        titles = rule_titles(s)
        return _xlsx(lambda out: write_profile_workbook(p, out, lang, titles), f"firm_{firm_id}")
    grade = None
    if p.grade is not None:
        grade = {k: (v if k == "consequences" else _plain(v)) for k, v in p.grade.items() if k != "indicators"}
        grade["consequences"] = {k: _plain(v) for k, v in p.grade["consequences"].items()}
    return {"firm": {k: _plain(v) for k, v in p.firm.items()}, "years": records(p.years), "grade": grade,
            "grade_items": records(p.grade_items), "tier": p.tier, "awards": records(p.awards),
            "claims": records(p.claims), "purchases": records(p.purchases), "sales": records(p.sales),
            "local_share_pct": _plain(p.local_share_pct), "projects": records(p.projects),
            "alerts": records(p.alerts), "requests": records(p.requests)}


@router.get("/api/land-efficiency/list", tags=["firms"],
            summary="亩均 list: every graded firm of a year with its items, grade (overrides beside the computed "
                    "grade) and consequences, by park, as an XLSX workbook")
def grade_list(year: int | None = None, method: str = Query("zhejiang_above_scale", pattern="^[a-z][a-z0-9_]{0,63}$"),
               lang: str = Lang, u: User = Depends(require(*PIPELINE_READERS)), s: Store = Depends(store),
               svc: StudyService = Depends(service)):
    from clusteratlas.report.land_grades import write_grades_workbook
    from clusteratlas.study.grades import visible_grades

    try:
        le, parks, year, region = visible_grades(svc, s, u, year, method)
    except ValueError as e:
        raise HTTPException(404, str(e)) from e
    audit(s, u, "read", "land_efficiency_list", f"{year} {method} {len(le.firms)} firms")
    return _xlsx(lambda out: write_grades_workbook(le, parks, year, region, out, lang), f"land_efficiency_{year}")
