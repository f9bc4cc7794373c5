"""The dashboard's firm pages: one firm's profile (企业画像, ``/firms/{firm_id}``) for the roles that
may see it, and the 亩均 list (``/land-efficiency``) for the office and the park managers — the
same tables as their XLSX downloads (``report.firm_profile``, ``report.land_grades``)."""

from __future__ import annotations

from html import escape

import pandas as pd
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from clusteratlas.faces import reason, translator
from clusteratlas.io import accounts
from clusteratlas.policy.access import User


def mount_firm_pages(app: FastAPI, store_dep, user_dep, service_dep, simple, lang_of) -> None:
    """The pages on ``app``; ``simple(request, user, heading, body, **ctx)`` renders a page,
    ``lang_of(request)`` its language."""
    from clusteratlas.report import figures
    from clusteratlas.report.firm_profile import profile_sections
    from clusteratlas.report.html_tables import html_table
    from clusteratlas.report.land_grades import PARK_COLUMNS, grade_list, park_ranking
    from clusteratlas.study.grades import visible_grades
    from clusteratlas.study.profile import profile_for, rule_titles

    def audit(s, u: User, resource: str, detail: str, action: str = "read") -> None:
        scope = u.region_id or u.park_id or u.firm_id or "-"
        accounts.audit(s, u.username, u.role, action, resource, f"{detail} [scope {scope}]")

    def fig_html(fig) -> str:
        return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})

    @app.get("/firms/{firm_id}", response_class=HTMLResponse, include_in_schema=False)
    def firm_page(request: Request, firm_id: str, u: User = Depends(user_dep), s=Depends(store_dep),
                  svc=Depends(service_dep)):
        lang = lang_of(request)
        _ = translator(lang)
        try:
            p = profile_for(svc, s, u, firm_id[:64])
        except KeyError:
            audit(s, u, "firm_profile", firm_id[:64], "refused")
            nothing = _("No firm of this id that you may see.")
            resp = simple(request, u, _("Firm profile"), f"<p id='no-firm'>{escape(nothing)}</p>")
            resp.status_code = 404
            return resp
        audit(s, u, "firm_profile", firm_id)
        download = _("Download XLSX")
        body = (f"<p class='no-print'><a id='profile-xlsx' href='/api/firms/{escape(firm_id)}/profile?format=xlsx&lang={lang}'>"
                f"{escape(download)}</a></p>")
        for i, (title, frame, columns) in enumerate(profile_sections(p, lang, rule_titles(s))):
            body += f"<h2>{escape(title)}</h2>" + html_table(frame, columns, lang, f"profile-{i}")
        f = p.firm
        if pd.notna(f["lon"]) and pd.notna(f["lat"]):
            study = svc.diagnosis(s, f["region_id"]).study
            parks = study.parks[study.parks["park_id"] == f["park_id"]] if f["park_id"] else study.parks.iloc[0:0]
            one = study.firms[study.firms["firm_id"] == f["firm_id"]]
            latest = p.years.dropna(subset=["output"]).tail(1)
            output = pd.Series({f["firm_id"]: float(latest["output"].iloc[0]) if len(latest) else 0.0})
            site = _("Site")
            body += f"<h2>{escape(site)}</h2>" + fig_html(figures.park_map(parks, one, output, lang=lang))
        title = _("Firm profile")
        return simple(request, u, f"{f['name']} · {title}", body, figure_id="profile")

    @app.get("/land-efficiency", response_class=HTMLResponse, include_in_schema=False)
    def grades_page(request: Request, year: int | None = None, method: str = "zhejiang_above_scale",
                    park: str | None = None, u: User = Depends(user_dep), s=Depends(store_dep),
                    svc=Depends(service_dep)):
        from clusteratlas.analyses.land_efficiency import Method

        lang = lang_of(request)
        _ = translator(lang)
        heading = _("Per-mu list")
        try:
            le, parks, year, region = visible_grades(svc, s, u, year, method)
        except PermissionError:
            restricted = _("Your role may not see this page.")
            return simple(request, u, heading, f"<p>{escape(restricted)}</p>")
        except ValueError as e:
            return simple(request, u, heading, f"<p>{escape(reason(e, lang))}</p>")
        audit(s, u, "land_efficiency_list", f"{year} {method} {len(le.firms)} firms")
        m = le.method
        methods = ("zhejiang_above_scale", "zhejiang_below_scale", "shandong")
        picker = " · ".join(
            f"<a href='?method={k}&year={year}' id='method-{k}'>{escape(Method.load(k).title_zh if lang == 'zh' else Method.load(k).title_en)}</a>"
            for k in methods)
        download, ranked, graded = _("Download XLSX"), _("Park ranking"), _("Firm grades")
        body = (f"<p class='note'>{escape(m.title_zh if lang == 'zh' else m.title_en)} · {year} · {escape(region)}</p>"
                f"<p class='note no-print'>{picker}</p>"
                f"<p class='no-print'><a id='grades-xlsx' href='/api/land-efficiency/list?year={year}&method={escape(method)}"
                f"&lang={lang}'>{escape(download)}</a></p>")
        ranking = park_ranking(le, parks, lang)
        body += f"<h2>{escape(ranked)}</h2>" + html_table(ranking, PARK_COLUMNS, lang, "park-ranking")
        firms, columns = grade_list(le, parks, lang, items=False)
        if park:
            firms = firms[firms["park_id"] == park]
        links = pd.Series([f"/firms/{i}" for i in firms["firm_id"]], index=firms.index)
        body += (f"<h2>{escape(graded)}</h2>"
                 + html_table(firms, columns, lang, "grade-list", links={"name": links}))
        return simple(request, u, heading, body, figure_id="grades")
