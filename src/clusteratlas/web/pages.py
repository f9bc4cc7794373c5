"""Dashboard pages, served by the API app: bilingual (zh/en switch on every page), offline
(plotly.js served from the package, no CDN), built from the same figure functions as the report.
Each page renders the service's diagnosis of the study as the caller may see it
(``clusteratlas.study``; withheld by ``clusteratlas.policy`` for roles without firm rights), so a
page and the API give one answer to one question. Pages parse, render and format, nothing more."""

from __future__ import annotations

from html import escape
from importlib import resources

import jinja2
from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from clusteratlas.faces import LANGS, N_, translator
from clusteratlas.io import accounts
from clusteratlas.policy.access import (
    PIPELINE_READERS,
    PUBLIC,
    SIGNED_IN,
    UPLOADERS,
    User,
    cookie_request_allowed,
    csrf_token,
    visible_needs,
)
from clusteratlas.study.diagnosis import NotComputable

# the dashboard's labels: the English msgid of each (the Chinese is in faces/messages/zh.po)
_LABELS_EN = {
    "title": N_("ClusterAtlas"),
    "overview": N_("Overview"),
    "map": N_("Map"),
    "clusters": N_("Clusters"),
    "opportunities": N_("Opportunities"),
    "parks": N_("Parks"),
    "targets": N_("Targets"),
    "pipeline": N_("Pipeline"),
    "incentives": N_("Policy calculator"),
    "upload": N_("Upload"),
    "guides": N_("Guides to each award"),
    "guides_note": N_("For each rule: who qualifies, what to submit, how the amount is computed, an example "
            "(parameters of {year})."),
    "login": N_("Log in"),
    "login_forged": N_("The login form has expired or came from another site: log in again."),
    "logout": N_("Log out"),
    "user": N_("User"),
    "password": N_("Password"),
    "switch": N_("中文"),
    "calculate": N_("Calculate"),
    "upload_button": N_("Upload and check"),
    "upload_note": N_("CSV, XLSX, Parquet or GeoJSON. Files are checked first; a file with any problem changes "
            "nothing, and every problem is listed with its sheet, row and column."),
    "region_field": N_("Region code (for files with no region column and no credit codes)"),
    "strict_field": N_("Reject on warnings too"),
    "warnings": N_("Warnings (imported)"),
    "role": N_("Role"),
    "restricted": N_("Your role may not see this page."),
    "valuechain": N_("Value chain"),
    "kdensity": N_("Distance-based agglomeration (K-density)"),
    "kdensity_note": N_("Grey: the global {level} band ({level} of {n} simulated curves stay inside it over the "
            "whole range). Above it: localised; below it: dispersed."),
    "dartboard_note": N_("p: the share of {n} dartboard simulations (seed {seed}) with a γ at least as large."),
    "cluster_map": N_("Firm clusters and parks"),
    "matching": N_("Supplier matching"),
    "needs": N_("Purchase needs"),
    "candidates": N_("Local suppliers, ranked"),
    "no_needs": N_("No purchase needs visible to you."),
    "datasets": N_("Imported datasets"),
    "lq_map": N_("LQ map"),
    "park_map": N_("Parks and firms"),
    "industry": N_("Industry"),
    "award_totals": N_("Award totals"),
    "run": N_("Run"),
    "ruleset": N_("Ruleset"),
    "year": N_("Year"),
    "no_data": N_("No data yet."),
    "no_full_year": N_("No full-year data yet."),
    "no_io_table": N_("No input-output table: import one (clusteratlas io-table import FILE, or POST /api/io-"
            "tables), or start the service with --io-table FILE."),
    "suppressed_note": N_("Industries of fewer than 3 firms or dominated by one, and those hidden with them so they "
            "cannot be worked out, are not shown for your role."),
    "calculator_note": N_("Enter or confirm the firm's figures (CNY); every rule is checked and explained. Results "
            "are estimates subject to the authorities' review."),
    "total": N_("total"),
    "amount_10k": N_("amount (CNY 10k)"),
    "no_runs": N_("No incentive run recorded yet (clusteratlas incentives run --db … --save, or POST "
            "/api/incentives/runs)."),
    "no_boundaries": N_("The store holds no boundaries of the comparison regions, so no LQ map can be drawn (import"
            " them from a GeoJSON file)."),
    "chains": N_("Chains"),
    "inbox": N_("Inbox"),
    "desk": N_("Services desk"),
    "chain_pick": N_("Choose a chain"),
    "papers": N_("Download the chain's papers"),
    "tasks": N_("Tasks"),
    "attract": N_("Firms to attract"),
    "alerts": N_("Warnings"),
    "open_tasks": N_("Open tasks"),
    "mark_seen": N_("Seen"),
    "mark_handled": N_("Handled"),
    "handled_note": N_("How it was handled"),
    "no_alerts": N_("No new warnings."),
    "no_tasks": N_("No open tasks."),
    "file_request": N_("File a request"),
    "category": N_("Category"),
    "subject": N_("Subject"),
    "text": N_("Text"),
    "attachment": N_("Attachment name"),
    "submit": N_("Submit"),
    "my_requests": N_("My requests"),
    "requests": N_("Requests"),
    "answer": N_("Answer"),
    "close": N_("Close"),
    "report": N_("By department and park"),
    "no_requests": N_("No requests yet."),
}

_FIELDS = {"zh": {"msg_field": "message_zh", "notes_field": "notes_zh"}, "en": {"msg_field": "message", "notes_field": "notes"}}
LABELS = {lang: {**{k: translator(lang)(v) for k, v in _LABELS_EN.items()}, **_FIELDS[lang]} for lang in LANGS}

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(
    str(resources.files("clusteratlas.web").joinpath("templates"))), autoescape=True)


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("ca_lang") or "zh"
    return lang if lang in LABELS else "zh"


def mount_pages(app: FastAPI, store_dep, user_dep, service_dep) -> None:
    """The dashboard on ``app``: ``store_dep``, ``user_dep`` and ``service_dep`` are the API's
    dependencies (a store cursor, the caller, the ``StudyService``)."""
    from clusteratlas.report import figures
    from clusteratlas.report.html import kpis

    def page(request: Request, template: str, u: User, **ctx) -> HTMLResponse:
        lang = _lang(request)
        session = request.cookies.get("ca_token")
        html = _env.get_template(template).render(L=LABELS[lang], lang=lang, user=u,
                                                  path=request.url.path,
                                                  csrf=csrf_token(session) if session else "", **ctx)
        resp = HTMLResponse(html)
        if request.query_params.get("lang") in LABELS:
            resp.set_cookie("ca_lang", lang, samesite="lax")
        return resp

    def simple(request: Request, u: User, heading: str, body: str = "", **ctx) -> HTMLResponse:
        return page(request, "simple.html", u, heading=heading, body=body, **ctx)

    def fig_html(fig) -> str:
        return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})

    def raw_diagnosis(svc, s):
        """The service's diagnosis of the study as computed, or None for a store without firms."""
        try:
            return svc.diagnosis(s)
        except (ValueError, KeyError):
            return None

    def audit(s, u: User, resource: str, detail: str) -> None:
        scope = u.region_id or u.park_id or u.firm_id or "-"
        accounts.audit(s, u.username, u.role, "read", resource, f"{detail} [scope {scope}]")

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js():
        from plotly.offline import get_plotlyjs

        return Response(get_plotlyjs(), media_type="application/javascript",
                        headers={"Cache-Control": "max-age=86400"})

    def login_form(request: Request, u: User, error: str | None, status: int = 200):
        """The login page with a pre-session anti-forgery token: a random cookie of this site
        (SameSite=Strict, so another site's form never carries it) and its derived token in the
        form. A forged login — another site logging the victim in as the attacker, to read what
        they then upload — lacks one or the other."""
        import secrets

        pre = request.cookies.get("ca_login") or secrets.token_urlsafe(32)
        resp = page(request, "login.html", u, error=error, login_csrf=csrf_token(pre))
        resp.status_code = status
        resp.set_cookie("ca_login", pre, httponly=True, samesite="strict", max_age=3600,
                        secure=request.url.scheme == "https")
        return resp

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, u: User = Depends(user_dep)):
        return login_form(request, u, None)

    @app.post("/login", include_in_schema=False)
    def login_submit(request: Request, username: str = Form(...), password: str = Form(...),
                     csrf: str = Form(""), s=Depends(store_dep)):
        from clusteratlas.policy.throttle import LoginRefused, attempt_login

        pre = request.cookies.get("ca_login")
        if not pre or not cookie_request_allowed("POST", pre, csrf):
            L = LABELS[_lang(request)]
            accounts.audit(s, username[:64], "?", "login refused", "dashboard", "no anti-forgery token on the login form")
            return login_form(request, PUBLIC, L["login_forged"], 403)
        address = request.client.host if request.client else None
        try:
            got = attempt_login(request.app.state.throttle, s, username, password, address, "dashboard")
        except LoginRefused as e:
            return login_form(request, PUBLIC, e.message, e.status)
        resp = RedirectResponse("/", status_code=303)
        # Secure over HTTPS (behind a TLS proxy: its X-Forwarded-Proto, see docs/operations.md)
        resp.set_cookie("ca_token", got[0], httponly=True, samesite="strict", secure=request.url.scheme == "https")
        resp.delete_cookie("ca_login")
        return resp

    @app.get("/logout", response_class=HTMLResponse, include_in_schema=False)
    def logout_page(request: Request, u: User = Depends(user_dep)):
        """A GET never logs out (a link or an image could): it shows the button that does."""
        L = LABELS[_lang(request)]
        session = request.cookies.get("ca_token")
        csrf = csrf_token(session) if session else ""
        return simple(request, u, L["logout"], f'<form method="post" action="/logout">'
                                               f'<input type="hidden" name="csrf" value="{csrf}">'
                                               f'<button id="logout-button">{L["logout"]}</button></form>')

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf: str = Form(""), s=Depends(store_dep)):
        token = request.cookies.get("ca_token")
        if token and not cookie_request_allowed("POST", token, csrf):
            return HTMLResponse("a logout needs the page's anti-forgery token", status_code=403)
        if token:
            accounts.expire_token(s, token)
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie("ca_token")
        return resp

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep),
                      svc=Depends(service_dep)):
        raw = raw_diagnosis(svc, s)
        if raw is None:
            return page(request, "overview.html", u, empty=True)
        d = raw.for_viewer(u)
        ov, summary = d.overview(), d.summary()
        ind = ov.by_industry[ov.by_industry["output"].notna()]
        ind = ind.assign(label=ind["division"] + " " + ind["name_zh"])
        return page(request, "overview.html", u, empty=False, region=d.study.name, kpis=kpis(ov.totals),
                    summary=summary.text_zh if _lang(request) == "zh" else summary.text_en,
                    fig=fig_html(figures.output_bars(ind, "label", "分行业产值 Output by industry")),
                    suppressed=d.published)

    @app.get("/map", response_class=HTMLResponse, include_in_schema=False)
    def map_page(request: Request, industry: str | None = None, u: User = Depends(user_dep),
                 s=Depends(store_dep), svc=Depends(service_dep)):
        L = LABELS[_lang(request)]
        raw = raw_diagnosis(svc, s)
        if raw is None:
            return simple(request, u, L["map"])
        d, study = raw.for_viewer(u), raw.study
        body = _lq_map_html(d, industry, L, _lang(request))
        firms, footprints = study.firms.iloc[0:0], None
        if u.sees_firm_sites_in(study.region):  # sites of firms are firm-level data: parks only
            firms = study.firms
            audit(s, u, "map", f"{len(firms)} firm sites")
            try:
                footprints = raw.distance().clusters.clusters
            except NotComputable:  # no sited firms
                footprints = None
        fy = study.tables["firm_years"]
        cur = fy[(fy["year"] == study.year) & (fy["month_to"] == study.month_to)].set_index("firm_id")["output"]
        body += f'<h2 id="park-map">{L["park_map"]}</h2>' + fig_html(
            figures.park_map(study.parks, firms, cur, footprints))
        return simple(request, u, L["map"], body, figure_id="map")

    def _lq_map_html(d, industry: str | None, L: dict, lang: str) -> str:
        """The LQ choropleth of one industry across the comparison regions, with a picker of
        the region's industries."""
        from clusteratlas.classify import GBT4754

        try:
            lq = d.raw.location_quotients() if d.published else d.location_quotients()
        except NotComputable:
            return ""
        choices = lq[lq["output"] > 0].sort_values("output", ascending=False)["industry"].tolist()
        if industry not in choices:
            industry = choices[0] if choices else None
        if industry is None:
            return ""
        try:
            frame = d.lq_map(industry)
        except (ValueError, KeyError) as e:
            return f"<p>{escape(str(e))}</p>"
        html = f'<h2 id="lq-map">{L["lq_map"]}</h2>'
        if frame["boundary"].notna().sum() < 2:
            return html + f'<p class="note">{L["no_boundaries"]}</p>'
        options = "".join(
            f'<option value="{escape(i)}"{" selected" if i == industry else ""}>'
            f'{escape(i)} {escape(GBT4754.label(i, lang))}</option>' for i in choices)
        html += (f'<form method="get" id="lq-form"><label>{L["industry"]} <select name="industry" '
                 f'id="lq-industry" onchange="this.form.submit()">{options}</select></label> '
                 f'<noscript><button type="submit">OK</button></noscript></form>')
        title = f'{L["lq_map"]}: {industry} {GBT4754.label(industry, lang)}'
        return html + fig_html(figures.lq_choropleth(frame, title, d.study.parks))

    @app.get("/clusters", response_class=HTMLResponse, include_in_schema=False)
    def clusters_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep),
                      svc=Depends(service_dep)):
        L = LABELS[_lang(request)]
        raw = raw_diagnosis(svc, s)
        if raw is None:
            return simple(request, u, L["clusters"])
        d = raw.for_viewer(u)
        try:
            c = d.clusters()
            body = (f'<p class="not-computable">{escape(c.reasons["lq"])}</p>' if "lq" in c.reasons
                    else fig_html(figures.lq_bubbles(c.lq, c.value, "区位商与增长 LQ and growth")))
            columns = ["industry", "name_zh", "n_firms", "gamma", "gamma_p", "gamma_ms", "gamma_ms_p"]
            eg = c.agglomeration
            if not eg.empty:
                body += (f'<p class="note">{L["dartboard_note"].format(n=c.n_sim, seed=c.seed)}</p>'
                         + eg[[x for x in columns if x in eg]].round(3).to_html(
                             index=False, classes="table", border=0, table_id="eg-table"))
        except NotComputable as e:
            body = f"<p>{escape(str(e))}</p>"
        body += _distance_html(raw, d, s, u, L)
        return simple(request, u, L["clusters"], body, figure_id="lq")

    def _distance_html(raw, d, s, u: User, L: dict) -> str:
        """K-density of the largest industries for everyone (aggregates of ≥ 10 firms); the
        cluster-vs-park map draws firm sites, so only for roles that see them (audited)."""
        try:
            dc = d.distance()
        except NotComputable as e:
            return f"<p>{escape(str(e))}</p>"
        note = L["kdensity_note"].format(level=f"{1 - d.settings.alpha:.0%}", n=dc.n_sim)
        html = (f'<h2 id="kdensity">{L["kdensity"]}</h2><p class="note">{note}</p>'
                + dc.summary.round(4).to_html(index=False, classes="table", border=0, table_id="kd-table")
                + '<div class="kd-grid">' + "".join(
                    f"<div>{fig_html(figures.distance_curve_figure(dc.kd[i], f'{i} {n} K-density'))}</div>"
                    for i, n in zip(dc.summary["industry"], dc.summary["name_zh"])) + "</div>")
        if u.sees_firm_sites_in(d.study.region):
            fc = raw.distance().clusters
            audit(s, u, "firm_clusters", f"{d.study.region} {len(fc.firms)} firms")
            html += (f'<h2 id="cluster-map">{L["cluster_map"]}</h2>'
                     + fig_html(figures.firm_clusters_figure(fc, d.study.parks))
                     + fc.clusters.drop(columns=["footprint"])
                     .assign(output=lambda c: c["output"] / 1e4).rename(columns={"output": "output (万元)"})
                     .round(2).to_html(index=False, classes="table", border=0, table_id="footprint-table"))
        return html

    def _award_totals_html(s, svc, u: User, run: int | None, L: dict) -> str:
        """The award totals of a recorded run (the newest by default), disclosure-controlled
        for roles without firm rights."""
        from clusteratlas.io.records import recorded_runs
        from clusteratlas.study.records import published_run

        runs = recorded_runs(s)
        if runs.empty:
            return f'<p class="note" id="no-runs">{L["no_runs"]}</p>'
        if run not in set(runs["run_id"]):
            run = int(runs["run_id"].iloc[0])
        try:
            region = svc.diagnosis(s).study.region
        except (ValueError, KeyError):
            region = None
        r = published_run(s, run, u, region)
        t, meta = r.totals, r.meta
        by_rule = t.by_rule.assign(amount=t.by_rule["amount"] / 1e4).rename(columns={"amount": L["amount_10k"]})
        by_payer = t.by_payer.assign(amount=t.by_payer["amount"] / 1e4).rename(columns={"amount": L["amount_10k"]})
        picker = "".join(f'<a href="?run={int(x)}" class="run-link">{int(x)}</a> ' for x in runs["run_id"])
        return (f'<h2 id="award-totals">{L["award_totals"]}</h2>'
                f'<p class="note">{L["run"]} {run} · {escape(str(meta["ruleset"]))} · {int(meta["year"])}'
                f' · {escape(str(meta["label"] or ""))} · ruleset {str(meta["ruleset_sha256"])[:12]} · '
                f'{L["total"]} {t.total / 1e4:,.1f} 万元</p><p>{picker}</p>'
                + by_rule.round(1).to_html(index=False, classes="table", border=0, table_id="award-table",
                                           na_rep="—")
                + by_payer.round(1).to_html(index=False, classes="table", border=0, table_id="payer-table",
                                            na_rep="—"))

    @app.get("/incentives", response_class=HTMLResponse, include_in_schema=False)
    def incentives_page(request: Request, run: int | None = None, ruleset: str = "changsha_2005",
                        u: User = Depends(user_dep), s=Depends(store_dep), svc=Depends(service_dep)):
        from clusteratlas.study.records import load_ruleset, rulesets

        choices = list(dict.fromkeys(rulesets(s)["name"]))
        if ruleset not in choices:
            ruleset = choices[0]
        rs = load_ruleset(ruleset, s)
        names = {n for r in rs.rules if r.entity == "firm" for n in r.inputs}
        for name, expr in rs.derived.items():  # ask for what a derived variable is made of
            if name in names:
                names = (names - {name}) | set(expr.names)
        totals = _award_totals_html(s, svc, u, run, LABELS[_lang(request)])
        from clusteratlas.study.records import ruleset_guides

        lang = _lang(request)
        year = int(str(rs.metadata.get("effective_from", "2006"))[:4]) + 1
        guides = ruleset_guides(ruleset, year, "zh" if lang == "zh" else "en", s)
        return page(request, "incentives.html", u, inputs=sorted(names - {"year"}),
                    ruleset=rs.metadata.get("title_zh"), ruleset_name=ruleset, choices=choices, totals=totals,
                    guides=guides, guide_year=year)

    @app.get("/upload", response_class=HTMLResponse, include_in_schema=False)
    def upload_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep)):
        """The upload form and, for those who may upload, every dataset version in the store
        (file, checksum, size, when, rows per table) — the trail each figure can be traced to."""
        from clusteratlas.io.queries import dataset_versions

        allowed = u.role in UPLOADERS
        datasets = []
        if allowed:
            d = dataset_versions(s).sort_values("dataset_id", ascending=False)
            datasets = [{"id": int(r.dataset_id), "file": r.source_name, "sha": str(r.sha256)[:12],
                         "kb": r.size_bytes / 1024, "at": str(r.imported_at)[:19],
                         "rows": ", ".join(f"{k} {v:,}" for k, v in r.row_counts.items()),
                         "note": r.note or ""} for r in d.itertuples()]
        return page(request, "upload.html", u, allowed=allowed, datasets=datasets)

    @app.get("/matching", response_class=HTMLResponse, include_in_schema=False)
    def matching_page(request: Request, need_id: str | None = None, u: User = Depends(user_dep),
                      s=Depends(store_dep), svc=Depends(service_dep)):
        """Leading firms' purchase needs the user may see (配套需求) and, for the chosen one,
        the ranked local suppliers with every criterion's score and the reason."""
        L = LABELS[_lang(request)]
        raw = raw_diagnosis(svc, s)
        if u.role not in SIGNED_IN:
            return simple(request, u, L["matching"], f"<p>{L['restricted']}</p>")
        needs = visible_needs(raw.catalogue().needs, raw.study.tables["firms"], u) if raw is not None else None
        if needs is None or needs.empty:
            return simple(request, u, L["matching"], f"<p>{L['no_needs']}</p>")
        audit(s, u, "purchase_needs", f"{len(needs)} rows")
        need_id = need_id if need_id in set(needs["need_id"]) else needs["need_id"].iloc[0]
        rows = "".join(
            f'<tr class="{"chosen" if r.need_id == need_id else ""}"><td><a href="/matching?need_id='
            f'{escape(r.need_id)}">{escape(r.need_id)}</a></td><td>{escape(str(r.buyer_name))}</td>'
            f"<td>{escape(str(r.product))}</td><td>{escape(str(r.specification))}</td>"
            f"<td>{r.annual_value / 1e4:,.0f}</td><td>{r.delivery_radius_km:,.0f}</td></tr>"
            for r in needs.itertuples())
        body = (f'<h2>{L["needs"]}</h2><table class="table" id="needs-table"><thead><tr><th>编号 need</th>'
                "<th>采购企业 buyer</th><th>产品 product</th><th>规格 specification</th>"
                "<th>年采购额 万元</th><th>配送半径 km</th></tr></thead><tbody>" + rows + "</tbody></table>")
        ranked = raw.matches([need_id], 10)
        shown = ranked[["rank", "supplier_name", "score", "category", "text", "distance_km", "capacity",
                        "certifications", "reason"]].round(3)
        body += (f'<h2 id="candidates">{L["candidates"]} — {escape(need_id)}</h2>'
                 + shown.to_html(index=False, classes="table", border=0, table_id="candidates-table"))
        return simple(request, u, L["matching"], body, figure_id="matching")

    @app.get("/pipeline", response_class=HTMLResponse, include_in_schema=False)
    def pipeline_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep),
                      svc=Depends(service_dep)):
        L = LABELS[_lang(request)]
        if u.role not in PIPELINE_READERS:
            return simple(request, u, L["pipeline"], f"<p>{L['restricted']}</p>")
        raw = raw_diagnosis(svc, s)
        p = raw.pipeline(viewer=u) if raw is not None else None  # the scope the policy gives u
        if p is None:
            return simple(request, u, L["pipeline"], f"<p>{L['no_data']}</p>")
        text = p.text_zh if _lang(request) == "zh" else p.text_en
        return simple(request, u, L["pipeline"], f"<p>{text}</p>" + fig_html(
            figures.pipeline_funnel(p.funnel, "Project funnel")), figure_id="funnel")

    @app.get("/targets", response_class=HTMLResponse, include_in_schema=False)
    def targets_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep),
                     svc=Depends(service_dep)):
        L = LABELS[_lang(request)]
        raw = raw_diagnosis(svc, s)
        if raw is None:
            return simple(request, u, L["targets"])
        t = raw.for_viewer(u).targets()
        if t.empty:
            return simple(request, u, L["targets"], f"<p>{L['no_data']}</p>")
        show = t[["target_id", "scope", "scope_id", "indicator", "target_year", "target", "actual", "status"]]
        return simple(request, u, L["targets"], show.to_html(
            index=False, classes="table", border=0, na_rep="—", float_format=lambda v: f"{v:,.0f}"))

    @app.get("/opportunities", response_class=HTMLResponse, include_in_schema=False)
    def opportunities_page(request: Request, strategy: str = "balanced", u: User = Depends(user_dep),
                           s=Depends(store_dep), svc=Depends(service_dep)):
        from clusteratlas.analyses.recommend import STRATEGIES
        from clusteratlas.classify import GBT4754

        L = LABELS[_lang(request)]
        raw = raw_diagnosis(svc, s)
        if raw is None or strategy not in STRATEGIES:
            return simple(request, u, L["opportunities"])
        d = raw.for_viewer(u)
        try:
            opp, space = d.opportunities(strategy), d.industry_space()
        except NotComputable as e:
            return simple(request, u, L["opportunities"], f"<p>{escape(str(e))}</p>")
        lang = "zh" if _lang(request) == "zh" else "en"
        table = opp.table.head(15)
        table = table.assign(name=table["industry"].map(lambda c: GBT4754.label(c, lang)))
        body = "".join(f'<a href="?strategy={k}" id="strategy-{k}">{k}</a> ' for k in STRATEGIES)
        body += fig_html(figures.industry_space_figure(space, "Industry space", lambda c: f"{c} {GBT4754.label(c)}"))
        body += table[["rank", "industry", "name", "score", "density", "cog", "pci", "reason"]].round(3).to_html(
            index=False, classes="table", border=0, table_id="opportunities-table")
        return simple(request, u, L["opportunities"], body, figure_id="space")

    @app.get("/parks", response_class=HTMLResponse, include_in_schema=False)
    def parks_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep),
                   svc=Depends(service_dep)):
        L = LABELS[_lang(request)]
        if u.role not in PIPELINE_READERS:
            return simple(request, u, L["parks"], f"<p>{L['restricted']}</p>")
        raw = raw_diagnosis(svc, s)
        if raw is None:
            return simple(request, u, L["parks"])
        try:
            res = raw.land_efficiency()
        except ValueError:
            return simple(request, u, L["parks"], f"<p>{L['no_full_year']}</p>")
        year = raw.study.latest_full_year()
        parks = res.parks if u.role != "park_manager" else res.parks[res.parks["park_id"] == u.park_id]
        audit(s, u, "park grades", f"{year}")
        body = f"<p class='note'>{res.method.title_zh} · {year}</p>"
        body += parks.round(1).to_html(index=False, classes="table", border=0, table_id="grades-table")
        name = "name_zh" if _lang(request) == "zh" else "name_en"
        for park, card in list(raw.scorecards().items())[:6]:
            if u.role == "park_manager" and park != u.park_id:
                continue
            body += f"<h3>{escape(str(park))}</h3>" + card[[name, "value", "unit", "threshold", "result",
                                                            "threshold_verified"]].round(3).to_html(
                index=False, classes="table scorecard", border=0)
        return simple(request, u, L["parks"], body)

    @app.get("/value-chain", response_class=HTMLResponse, include_in_schema=False)
    def value_chain_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep),
                         svc=Depends(service_dep)):
        L = LABELS[_lang(request)]
        raw = raw_diagnosis(svc, s)
        if raw is None:
            return simple(request, u, L["valuechain"])
        if raw.study.io_table is None:
            return simple(request, u, L["valuechain"], f"<p>{L['no_io_table']}</p>")
        try:
            c = raw.for_viewer(u).chain()
        except NotComputable as e:
            return simple(request, u, L["valuechain"], f"<p>{escape(str(e))}</p>")
        body = fig_html(figures.chain_map(c.graph, f"{c.focal} ({c.year})"))
        body += c.gaps[["sector", "purchases", "leakage", "gap", "suppressed"]].round(0).to_html(
            index=False, classes="table", border=0, table_id="gaps-table", na_rep="—")
        return simple(request, u, L["valuechain"], body, figure_id="chain")

    def _table(frame, columns: dict, table_id: str) -> str:
        """A small table of the columns ``columns`` (key → header), text escaped, nothing as —."""
        head = "".join(f"<th>{escape(h)}</th>" for h in columns.values())
        rows = "".join("<tr>" + "".join(
            f"<td>{'—' if v is None or (not isinstance(v, str) and v != v) else escape(str(v))}</td>"
            for v in (r.get(k) for k in columns)) + "</tr>" for r in frame.to_dict("records"))
        return f'<table class="table" id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'

    def _headed(heads: list[str], rows: str, table_id: str) -> str:
        """A table of ready rows under a header row."""
        return (f"<table class='table' id='{table_id}'><thead><tr>{''.join(f'<th>{h}</th>' for h in heads)}"
                f"</tr></thead><tbody>{rows}</tbody></table>")

    # one small script: a page's buttons post to the API with the session's anti-forgery token
    act = ("<script>function act(url, fields){const b=new URLSearchParams(fields||{});"
           "fetch(url,{method:'POST',headers:{'X-CSRF-Token':document.querySelector('meta[name=csrf-token]')"
           ".content},body:b}).then(r=>r.ok?location.reload():r.json().then(j=>alert(j.detail)));}</script>")

    @app.get("/chains", response_class=HTMLResponse, include_in_schema=False)
    def chains_page(request: Request, chain: str = "petroleum_machinery", u: User = Depends(user_dep),
                    s=Depends(store_dep), svc=Depends(service_dep)):
        from clusteratlas.policy.access import may_run_chain
        from clusteratlas.study.chains import chain_template, chain_templates, tasks

        lang = _lang(request)
        L, zh = LABELS[lang], lang == "zh"
        raw = raw_diagnosis(svc, s)
        if raw is None or not may_run_chain(u, raw.study.region):
            return simple(request, u, L["chains"], f"<p>{L['restricted']}</p>")
        names = chain_templates(s)
        picker = " ".join(f'<a href="?chain={escape(n)}" id="chain-{escape(n)}">{escape(z if zh else e)}</a>'
                          for n, z, e in zip(names["name"], names["name_zh"], names["name_en"]))
        try:
            ledger = raw.chain_ledger(chain_template(chain, s))
        except (KeyError, NotComputable) as e:
            return simple(request, u, L["chains"], f"<p>{picker}</p><p>{escape(str(e))}</p>")
        audit(s, u, "chain_ledger", f"{chain} {ledger.region}")
        title = f"{raw.study.name} {ledger.chain.name_zh if zh else ledger.chain.name_en} ({ledger.year})"
        body = f"<p class='note'>{L['chain_pick']}: {picker}</p>"
        body += (f"<p>{L['papers']}: <a id='papers-html' href='/api/chains/{escape(chain)}/papers?format=html&lang={lang}'>HTML</a> · "
                 f"<a id='papers-xlsx' href='/api/chains/{escape(chain)}/papers?format=xlsx&lang={lang}'>XLSX</a></p>")
        body += fig_html(figures.chain_ledger_map(ledger.links, title, lang))
        links = ledger.links.assign(name=ledger.links["name_zh" if zh else "name_en"],
                                    status=ledger.links["status_zh" if zh else "status_en"],
                                    evidence=ledger.links["evidence_zh" if zh else "evidence_en"])
        body += _table(links, {"stage_zh" if zh else "stage": "环节" if zh else "stage", "name": "链条环节" if zh else "link",
                               "status": "状态" if zh else "status", "firms": "本地企业" if zh else "firms",
                               "evidence": "依据" if zh else "evidence"}, "chain-links")
        open_ = tasks(s, ledger.chain.id, ledger.region)
        body += f"<h2>{L['tasks']}</h2>" + (_table(open_.assign(status=open_["status_zh"] if zh else open_["status"]),
                                                   {"task_id": "#", "title": L["tasks"], "owner": "责任人" if zh else "owner",
                                                    "due_date": "时限" if zh else "due", "status": "状态" if zh else "status"},
                                                   "chain-tasks") if len(open_) else f"<p>{L['no_tasks']}</p>")
        t = ledger.targets.assign(reasons=ledger.targets["reasons_zh" if zh else "reasons_en"])
        body += f"<h2>{L['attract']}</h2>" + _table(t, {"link_zh": "环节" if zh else "link", "rank": "#",
                                                        "name": "企业" if zh else "firm", "reasons": "理由" if zh else "reasons"},
                                                    "chain-targets")
        return simple(request, u, L["chains"], body, figure_id="chain-ledger")

    @app.get("/inbox", response_class=HTMLResponse, include_in_schema=False)
    def inbox_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep)):
        from clusteratlas.policy.access import may_run_chain, visible_alerts
        from clusteratlas.study.alerts import alerts
        from clusteratlas.study.chains import tasks

        lang = _lang(request)
        L, zh = LABELS[lang], lang == "zh"
        if u.role not in PIPELINE_READERS:
            return simple(request, u, L["inbox"], f"<p>{L['restricted']}</p>")
        a = visible_alerts(alerts(s), u)
        a = a[a["state"] != "handled"]
        audit(s, u, "alerts", f"{len(a)} warnings")
        body = f"<h2>{L['alerts']}</h2>"
        if a.empty:
            body += f"<p id='no-alerts'>{L['no_alerts']}</p>"
        else:
            rows = ""
            for r in a.to_dict("records"):
                i = int(r["alert_id"])
                rows += (f"<tr id='alert-{i}'><td>{escape(r['title_zh'] if zh else r['title_en'])}</td>"
                         f"<td>{escape(r['message_zh'] if zh else r['message_en'])}</td>"
                         f"<td>{escape(r['state_zh'] if zh else r['state'])}</td><td>"
                         f"<button onclick=\"act('/api/alerts/{i}/seen')\">{L['mark_seen']}</button> "
                         f"<button onclick=\"act('/api/alerts/{i}/handled',{{note:prompt('{L['handled_note']}')||''}})\">"
                         f"{L['mark_handled']}</button></td></tr>")
            body += _headed(["预警", "说明", "状态", ""] if zh else ["warning", "message", "state", ""], rows,
                            "inbox-alerts")
        mine = tasks(s, open_only=True)
        mine = mine[[may_run_chain(u, r) for r in mine["region_id"]]] if len(mine) else mine
        body += f"<h2>{L['open_tasks']}</h2>" + (_table(mine.assign(status=mine["status_zh"] if zh else mine["status"]),
                                                        {"task_id": "#", "chain_id": "产业链" if zh else "chain",
                                                         "title": L["tasks"], "owner": "责任人" if zh else "owner",
                                                         "due_date": "时限" if zh else "due",
                                                         "status": "状态" if zh else "status"}, "inbox-tasks")
                                                 if len(mine) else f"<p>{L['no_tasks']}</p>")
        return simple(request, u, L["inbox"], act + body)

    @app.get("/desk", response_class=HTMLResponse, include_in_schema=False)
    def desk_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep)):
        from clusteratlas.policy.access import visible_requests
        from clusteratlas.study import desk

        lang = _lang(request)
        L, zh = LABELS[lang], lang == "zh"
        if u.role not in SIGNED_IN:
            return simple(request, u, L["desk"], f"<p>{L['restricted']}</p>")
        body = act
        if u.role == "firm":
            options = "".join(f"<option value='{k}'>{escape(v[0] if zh else k)} → {escape(v[1])}</option>"
                              for k, v in desk.ROUTES.items())
            body += (f"<h2>{L['file_request']}</h2><form id='desk-form' onsubmit=\"event.preventDefault();"
                     f"act('/api/desk/requests',Object.fromEntries(new FormData(this)))\">"
                     f"<label>{L['category']} <select name='category'>{options}</select></label> "
                     f"<label>{L['subject']} <input name='title' required maxlength='200'></label><br>"
                     f"<label>{L['text']} <textarea name='body' required maxlength='5000'></textarea></label><br>"
                     f"<label>{L['attachment']} <input name='attachment_name' maxlength='300'></label> "
                     f"<button type='submit' id='desk-submit'>{L['submit']}</button></form>")
        r = visible_requests(desk.requests(s), u)
        audit(s, u, "desk", f"{len(r)} requests")
        body += f"<h2>{L['my_requests'] if u.role == 'firm' else L['requests']}</h2>"
        if r.empty:
            return simple(request, u, L["desk"], body + f"<p>{L['no_requests']}</p>")
        from clusteratlas.io import desk_records

        rows = ""
        for q in r.sort_values("request_id", ascending=False).to_dict("records"):
            i = int(q["request_id"])
            said = desk_records.events(s, i)
            roles_zh = {"admin": "管理员", "analyst": "经济部门", "park_manager": "园区", "firm": "企业"}
            thread = "".join(f"<div class='answer'>{escape(str(e['actor']))}（{escape(roles_zh.get(e['role'], e['role']) if zh else e['role'])}）："
                             f"{escape(str(e['message'] or e['action']))}</div>" for e in said.to_dict("records"))
            buttons = ""
            if u.role != "firm" and q["state"] != "closed":
                buttons = (f"<button onclick=\"act('/api/desk/requests/{i}/answer',{{message:prompt('{L['answer']}')||''}})\">"
                           f"{L['answer']}</button> <button onclick=\"act('/api/desk/requests/{i}/close')\">{L['close']}</button>")
            rows += (f"<tr id='request-{i}'><td>{i}</td><td>{escape(q['category_zh'] if zh else q['category'])}</td>"
                     f"<td>{escape(q['department'])}</td><td>{escape(q['title'])}<div>{escape(q['body'])}</div>{thread}</td>"
                     f"<td>{escape(q['state_zh'] if zh else q['state'])}{' ⚠' if q['overdue'] else ''}</td>"
                     f"<td>{escape(str(q['deadline'])[:16])}</td><td>{buttons}</td></tr>")
        body += _headed(["#", "类别", "承办部门", "诉求与答复", "状态", "答复时限", ""] if zh else
                        ["#", "category", "department", "request and answers", "state", "answer due", ""],
                        rows, "desk-requests")
        if u.role != "firm":
            body += f"<h2>{L['report']}</h2>" + desk.desk_report(r).round(1).to_html(
                index=False, classes="table", border=0, table_id="desk-report", na_rep="—")
        return simple(request, u, L["desk"], body)

