"""Dashboard pages, served by the API app: bilingual (zh/en switch on every page), offline
(plotly.js served from the package, no CDN), built from the same figure functions as the report.
Each page renders the service's diagnosis of the study as the caller may see it
(``clusteratlas.study``; withheld by ``clusteratlas.policy`` for roles without firm rights), so a
page and the API give one answer to one question. Pages parse, render and format, nothing more."""

from __future__ import annotations

import json
from html import escape
from importlib import resources

import jinja2
import pandas as pd
from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from clusteratlas.faces import LANGS, N_, reason, say, translator
from clusteratlas.faces.numbers import money, money_unit
from clusteratlas.faces.terms import TERMS, clause, term, yes_no
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
    "file": N_("File"),
    "fingerprint": N_("SHA-256"),
    "size_kb": N_("Size (KB)"),
    "imported": N_("Imported at"),
    "rows": N_("Rows"),
    "note": N_("Note"),
    "sheet": N_("Sheet"),
    "row": N_("Row"),
    "column": N_("Column"),
    "value": N_("Value"),
    "check": N_("Check"),
    "message": N_("Message"),
    "claim_list": N_("What the firm may claim"),
    "wan": N_("CNY 10k"),
    "clause": N_("Clause"),
    "rule": N_("Award"),
    "status": N_("Status"),
    "condition": N_("Condition"),
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
    "grades": N_("Per-mu list"),
    "portfolio": N_("Against the peers"),
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

def calculator_form(rs, year: int, lang: str) -> tuple[list[dict], str]:
    """The policy calculator's fields for a firm, grouped by the clause that first reads them
    (第10条 … in the ruleset's order), each with its label and help from the ruleset's own words
    and its kind (yes/no, an amount in CNY or USD, a count, a year); and, as JSON for the page's
    script, each rule's clause, title and condition in words."""
    from clusteratlas.analyses.incentives.guide import input_label, words

    _ = translator(lang)
    par = rs.parameter_values(f"{year}-12-31")
    firm_rules = [r for r in rs.rules if r.entity == "firm"]
    seen, groups = set(), []
    for r in firm_rules:
        names = set(r.inputs)
        for name, expr in rs.derived.items():  # ask for what a derived variable is made of
            if name in names:
                names = (names - {name}) | set(expr.names)
        fields = []
        for name in sorted(names - {"year"} - seen):
            seen.add(name)
            doc = str((rs.input_docs.get("firm") or {}).get(name, ""))
            kind = _input_kind(name, doc)
            fields.append({"name": name, "label": input_label(rs, "firm", name, lang), "help": doc, "kind": kind,
                           "unit": {"usd": _("USD"), "cny": _("CNY"), "count": "", "year": ""}.get(kind, "")})
        if fields:
            groups.append({"clause": clause(r.clause, lang), "title": r.title_zh if lang == "zh" else (r.title_en or r.clause),
                           "fields": fields})
    rules = {r.id: {"clause": clause(r.clause, lang), "title": r.title_zh if lang == "zh" else (r.title_en or r.id),
                    "condition": words(rs, r.entity, r.when.text, par, lang)} for r in firm_rules}
    return groups, json.dumps(rules, ensure_ascii=False)


def _input_kind(name: str, doc: str) -> str:
    """How the calculator asks for an input: yes/no, an amount in USD or CNY, a count, a year."""
    if name.endswith("_usd"):
        return "usd"
    if name.endswith("_year") or name == "production_year":
        return "year"
    if "(count)" in doc or name.startswith("new_products"):
        return "count"
    money = ("investment", "fai", "tax", "purchases", "spend", "due", "output", "income", "amount", "premium")
    if any(w in name for w in money):
        return "cny"
    return "yes_no"


_env = jinja2.Environment(loader=jinja2.FileSystemLoader(
    str(resources.files("clusteratlas.web").joinpath("templates"))), autoescape=True)


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("ca_lang") or "zh"
    return lang if lang in LABELS else "zh"


def mount_pages(app: FastAPI, store_dep, user_dep, service_dep) -> None:
    """The dashboard on ``app``: ``store_dep``, ``user_dep`` and ``service_dep`` are the API's
    dependencies (a store cursor, the caller, the ``StudyService``)."""
    from clusteratlas.report import figures, tables
    from clusteratlas.report.html import kpis
    from clusteratlas.report.html_tables import html_table

    for name in _env.list_templates():  # compiled now, not inside the first request's time limit
        _env.get_template(name)

    def page(request: Request, template: str, u: User, **ctx) -> HTMLResponse:
        lang = _lang(request)
        session = request.cookies.get("ca_token")
        html = _env.get_template(template).render(L=LABELS[lang], lang=lang, user=u,
                                                  role_name=term("user_role", u.role, lang),
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
            _ = translator(_lang(request))
            said = (_("Too many failed logins: try again in {seconds} s.", seconds=e.retry_after) if e.status == 429
                    else _("Wrong user name or password."))
            return login_form(request, PUBLIC, said, e.status)
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
        lang = _lang(request)
        _ = translator(lang)
        d = raw.for_viewer(u)
        ov, summary = d.overview(), d.summary()
        ind = ov.by_industry[ov.by_industry["output"].notna()]
        ind = tables.with_industry_names(ind, lang, "division", "label")
        return page(request, "overview.html", u, empty=False, region=d.study.name, kpis=kpis(ov.totals, lang),
                    summary=summary.text_zh if lang == "zh" else summary.text_en,
                    fig=fig_html(figures.output_bars(ind, "label", _("Output by industry"), lang)),
                    suppressed=d.published)

    @app.get("/map", response_class=HTMLResponse, include_in_schema=False)
    def map_page(request: Request, industry: str | None = None, u: User = Depends(user_dep),
                 s=Depends(store_dep), svc=Depends(service_dep)):
        L = LABELS[_lang(request)]
        raw = raw_diagnosis(svc, s)
        if raw is None:
            return simple(request, u, L["map"])
        d, study = raw.for_viewer(u), raw.study
        lang = _lang(request)
        body = _lq_map_html(d, industry, L, lang)
        firms, footprints = study.firms.iloc[0:0], None
        sees = u.sees_firm_sites_in(study.region)
        if sees:  # sites of firms are firm-level data: parks only
            firms = study.firms
            audit(s, u, "map", f"{len(firms)} firm sites")
            try:
                footprints = raw.distance().clusters.clusters
            except NotComputable:  # no sited firms
                footprints = None
        fy = study.tables["firm_years"]
        cur = fy[(fy["year"] == study.year) & (fy["month_to"] == study.month_to)].set_index("firm_id")["output"]
        body += f'<h2 id="park-map">{L["park_map"]}</h2>' + fig_html(
            figures.park_map(study.parks, firms, cur, footprints, lang=lang, links=sees))
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
            return f"<p>{escape(reason(e, lang))}</p>"
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
        return html + fig_html(figures.lq_choropleth(frame, title, d.study.parks, lang))

    @app.get("/clusters", response_class=HTMLResponse, include_in_schema=False)
    def clusters_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep),
                      svc=Depends(service_dep)):
        lang = _lang(request)
        L, _ = LABELS[lang], translator(lang)
        raw = raw_diagnosis(svc, s)
        if raw is None:
            return simple(request, u, L["clusters"])
        d = raw.for_viewer(u)
        try:
            c = d.clusters()
            body = (f'<p class="not-computable">{escape(say(c.reasons["lq"], lang))}</p>' if "lq" in c.reasons
                    else fig_html(figures.lq_bubbles(c.lq, c.value, _("Location quotient and growth"), lang)))
            eg = c.agglomeration
            if not eg.empty:
                heading = _("Ellison–Glaeser and Maurel–Sédillot indices")
                body += (f'<h2>{escape(heading)}</h2>'
                         f'<p class="note">{L["dartboard_note"].format(n=c.n_sim, seed=c.seed)}</p>'
                         + html_table(tables.with_industry_names(eg, lang), tables.AGGLOMERATION, lang, "eg-table"))
        except NotComputable as e:
            body = f"<p>{escape(reason(e, lang))}</p>"
        body += _distance_html(raw, d, s, u, L, lang)
        body += _spinoffs_html(d, lang)
        return simple(request, u, L["clusters"], body, figure_id="lq")

    def _spinoffs_html(d, lang: str) -> str:
        """The spin-off genealogy by cluster (衍生), for the roles with the region's firm rights."""
        _ = translator(lang)
        heading = _("Spin-offs")
        try:
            so = d.spinoffs()
        except NotComputable as e:
            return f"<h2 id='spinoffs'>{escape(heading)}</h2><p class='note'>{escape(reason(e, lang))}</p>"
        by = so.by_cluster.assign(cluster_name=so.by_cluster["name_zh" if lang == "zh" else "name_en"])
        html = f"<h2 id='spinoffs'>{escape(heading)}</h2>" + html_table(by, tables.SPINOFF_CLUSTERS, lang, "spinoff-clusters")
        if len(so.links):
            html += (fig_html(figures.spinoff_tree(so.links, _("Who spun off from whom"), lang))
                     + html_table(so.links, tables.SPINOFF_LINKS, lang, "spinoff-links"))
        return html

    def _distance_html(raw, d, s, u: User, L: dict, lang: str) -> str:
        """K-density of the largest industries for everyone (aggregates of ≥ 10 firms); the
        cluster-vs-park map draws firm sites, so only for roles that see them (audited)."""
        try:
            dc = d.distance()
        except NotComputable as e:
            return f"<p>{escape(reason(e, lang))}</p>"
        note = L["kdensity_note"].format(level=f"{1 - d.settings.alpha:.0%}", n=dc.n_sim)
        summary = tables.with_industry_names(dc.summary, lang)
        summary = summary.assign(verdict_text=[term("kd_verdict", v, lang) if v else "" for v in summary["verdict"]])
        html = (f'<h2 id="kdensity">{L["kdensity"]}</h2><p class="note">{note}</p>'
                + html_table(summary, tables.K_DENSITY, lang, "kd-table")
                + '<div class="kd-grid">' + "".join(
                    f"<div>{fig_html(figures.distance_curve_figure(dc.kd[i], f'{n} · K-density', lang))}</div>"
                    for i, n in zip(summary["industry"], summary["industry_name"])) + "</div>")
        if u.sees_firm_sites_in(d.study.region):
            fc = raw.distance().clusters
            audit(s, u, "firm_clusters", f"{d.study.region} {len(fc.firms)} firms")
            parks = dict(zip(d.study.parks["park_id"], d.study.parks["name"]))
            fp = tables.with_industry_names(fc.clusters, lang)
            fp = fp.assign(area_in_parks_pct=fp["share_area_in_parks"] * 100,
                           main_park_name=[parks.get(x, "") if isinstance(x, str) else None for x in fp["main_park"]])
            html += (f'<h2 id="cluster-map">{L["cluster_map"]}</h2>'
                     + fig_html(figures.firm_clusters_figure(fc, d.study.parks, lang=lang))
                     + html_table(fp, tables.FOOTPRINTS, lang, "footprint-table"))
        return html

    def _award_totals_html(s, svc, u: User, run: int | None, L: dict, lang: str) -> str:
        """The award totals of a recorded run (the newest by default), disclosure-controlled
        for roles without firm rights: by clause and by payer, in 万元, the reason beside a
        withheld figure."""
        from clusteratlas.io.records import recorded_runs
        from clusteratlas.study.records import load_ruleset, published_run

        _ = translator(lang)
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
        try:
            rules = {x.id: (x.title_zh if lang == "zh" else x.title_en or x.id) for x in load_ruleset(str(meta["ruleset"]), s).rules}
        except (ValueError, KeyError):  # a ruleset no longer in the store: its own titles
            rules = {}
        by_rule = t.by_rule.assign(
            clause=[clause(c, lang) for c in t.by_rule["clause"]],
            title=[rules.get(i, z) for i, z in zip(t.by_rule["rule_id"], t.by_rule["title_zh"])],
            withheld_text=[term("withheld", w, lang) if w else "" for w in t.by_rule["suppressed"]])
        by_payer = t.by_payer.assign(payer_name=[term("payer", p, lang) for p in t.by_payer["payer"]])
        picker = "".join(f'<a href="?run={int(x)}" class="run-link">{int(x)}</a> ' for x in runs["run_id"])
        sep = "" if lang == "zh" else " "
        about = " · ".join([_("run {n}", n=run), str(meta["label"] or ""), str(int(meta["year"])),
                            f'{L["total"]} {money(t.total, "wan", lang)}{sep}{money_unit("wan", lang)}'])
        return (f'<h2 id="award-totals">{L["award_totals"]}</h2><p class="note">{escape(about)}</p>'
                f'<p class="no-print">{picker}</p>'
                + html_table(by_rule, tables.AWARDS_BY_RULE, lang, "award-table")
                + html_table(by_payer, tables.AWARDS_BY_PAYER, lang, "payer-table"))

    @app.get("/incentives", response_class=HTMLResponse, include_in_schema=False)
    def incentives_page(request: Request, run: int | None = None, ruleset: str = "changsha_2005",
                        u: User = Depends(user_dep), s=Depends(store_dep), svc=Depends(service_dep)):
        from clusteratlas.study.records import load_ruleset, ruleset_guides, rulesets

        lang = _lang(request)
        choices = rulesets(s).drop_duplicates("name")
        if ruleset not in set(choices["name"]):
            ruleset = choices["name"].iloc[0]
        rs = load_ruleset(ruleset, s)
        totals = _award_totals_html(s, svc, u, run, LABELS[lang], lang)
        year = int(str(rs.metadata.get("effective_from", "2006"))[:4]) + 1
        guides = ruleset_guides(ruleset, year, lang, s)
        groups, rules = calculator_form(rs, year, lang)
        titles = {n: load_ruleset(n, s).metadata.get("title_zh" if lang == "zh" else "title_en") for n in choices["name"]}
        return page(request, "incentives.html", u, groups=groups, rules_json=rules,
                    ruleset=rs.metadata.get("title_zh" if lang == "zh" else "title_en") or ruleset,
                    ruleset_name=ruleset, choices=[(n, titles.get(n) or n) for n in choices["name"]],
                    totals=totals, guides=guides, guide_year=year,
                    statuses=json.dumps({k: term("award_status", k, lang) for k in TERMS["award_status"]},
                                        ensure_ascii=False))

    @app.get("/upload", response_class=HTMLResponse, include_in_schema=False)
    def upload_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep)):
        """The upload form and, for those who may upload, every dataset version in the store
        (file, checksum, size, when, rows per table) — the trail each figure can be traced to."""
        from clusteratlas.io.queries import dataset_versions

        allowed = u.role in UPLOADERS
        lang = _lang(request)
        datasets = []
        if allowed:
            d = dataset_versions(s).sort_values("dataset_id", ascending=False)
            datasets = [{"id": int(r.dataset_id), "file": r.source_name, "sha": str(r.sha256)[:12],
                         "kb": r.size_bytes / 1024, "at": str(r.imported_at)[:19],
                         "rows": ("，" if lang == "zh" else ", ").join(
                             f"{term('table', k, lang)} {v:,}" for k, v in r.row_counts.items()),
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
        lang = _lang(request)
        need_id = need_id if need_id in set(needs["need_id"]) else needs["need_id"].iloc[0]
        links = pd.Series([f"/matching?need_id={n}" for n in needs["need_id"]], index=needs.index)
        body = f'<h2>{L["needs"]}</h2>' + html_table(needs, tables.NEEDS, lang, "needs-table", links={"need_id": links})
        ranked = raw.matches([need_id], 10)
        ranked = ranked.assign(reason_text=ranked["reason_zh" if lang == "zh" else "reason"])
        body += (f'<h2 id="candidates">{L["candidates"]} — {escape(need_id)}</h2>'
                 + html_table(ranked, tables.CANDIDATES, lang, "candidates-table"))
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
        lang = _lang(request)
        text = p.text_zh if lang == "zh" else p.text_en
        return simple(request, u, L["pipeline"], f"<p>{escape(text)}</p>" + fig_html(
            figures.pipeline_funnel(p.funnel, translator(lang)("Project funnel"), lang)), figure_id="funnel")

    @app.get("/targets", response_class=HTMLResponse, include_in_schema=False)
    def targets_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep),
                     svc=Depends(service_dep)):
        lang = _lang(request)
        L = LABELS[lang]
        raw = raw_diagnosis(svc, s)
        if raw is None:
            return simple(request, u, L["targets"])
        t = raw.for_viewer(u).targets()
        if t.empty:
            return simple(request, u, L["targets"], f"<p>{L['no_data']}</p>")
        regions = s.table("regions")
        firms = raw.study.tables["firms"]
        rows = tables.target_rows(t, lang, raw.study.parks, dict(zip(regions["region_id"].astype(str), regions["name"])),
                                  dict(zip(firms["firm_id"], firms["name"])))
        titles = {"label": rows["source"]} if "source" in rows else None
        return simple(request, u, L["targets"], html_table(rows, tables.TARGETS, lang, "targets-table",
                                                            status_classes=rows["status"].str.replace(" ", "-"),
                                                            titles=titles))

    @app.get("/opportunities", response_class=HTMLResponse, include_in_schema=False)
    def opportunities_page(request: Request, strategy: str = "balanced", u: User = Depends(user_dep),
                           s=Depends(store_dep), svc=Depends(service_dep)):
        from clusteratlas.analyses.recommend import STRATEGIES

        L = LABELS[_lang(request)]
        raw = raw_diagnosis(svc, s)
        if raw is None or strategy not in STRATEGIES:
            return simple(request, u, L["opportunities"])
        d = raw.for_viewer(u)
        try:
            opp, space = d.opportunities(strategy), d.industry_space()
        except NotComputable as e:
            return simple(request, u, L["opportunities"], f"<p>{escape(reason(e, _lang(request)))}</p>")
        lang = _lang(request)
        _ = translator(lang)
        table = tables.with_industry_names(opp.table.head(15), lang)
        table = table.assign(reason_text=table["reason_zh" if lang == "zh" else "reason"])
        body = "<p class='no-print'>" + " · ".join(
            f'<a href="?strategy={k}" id="strategy-{k}"{" class=active" if k == strategy else ""}>'
            f'{escape(term("strategy", k, lang))}</a>' for k in STRATEGIES) + "</p>"
        body += fig_html(figures.industry_space_figure(space, _("Industry space"), lang))
        body += html_table(table, tables.OPPORTUNITIES, lang, "opportunities-table")
        return simple(request, u, L["opportunities"], body, figure_id="space")

    @app.get("/parks", response_class=HTMLResponse, include_in_schema=False)
    def parks_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep),
                   svc=Depends(service_dep)):
        from clusteratlas.report.land_grades import PARK_COLUMNS, park_ranking

        lang = _lang(request)
        L, _ = LABELS[lang], translator(lang)
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
        parks = raw.study.parks
        if u.role == "park_manager":
            parks = parks[parks["park_id"] == u.park_id]
        audit(s, u, "park grades", f"{year}")
        method = res.method.title_zh if lang == "zh" else res.method.title_en
        body = f"<p class='note'>{escape(method)} · {year}</p>"
        ranking = park_ranking(res, parks, lang)
        body += html_table(ranking, PARK_COLUMNS, lang, "grades-table")
        names = dict(zip(parks["park_id"], parks["name"]))
        eco = _("Eco-industrial park indicators")
        body += f"<h2>{escape(eco)}</h2>"
        for park, card in raw.scorecards().items():
            if park not in names:
                continue
            card = card.assign(indicator_name=card["name_zh" if lang == "zh" else "name_en"],
                               result_text=[term("kpi_result", r, lang) for r in card["result"]],
                               unit=[term("unit", x, lang) for x in card["unit"]],
                               verified_text=[yes_no(bool(v), lang) for v in card["threshold_verified"]])
            body += f"<h3>{escape(str(names[park]))}</h3>" + html_table(
                card, tables.SCORECARD, lang, f"scorecard-{park}", titles={"indicator_name": card["source"]}
            ).replace('class="table"', 'class="table scorecard"', 1)
        return simple(request, u, L["parks"], body)

    @app.get("/value-chain", response_class=HTMLResponse, include_in_schema=False)
    def value_chain_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep),
                         svc=Depends(service_dep)):
        lang = _lang(request)
        L, _ = LABELS[lang], translator(lang)
        raw = raw_diagnosis(svc, s)
        if raw is None:
            return simple(request, u, L["valuechain"])
        if raw.study.io_table is None:
            return simple(request, u, L["valuechain"], f"<p>{L['no_io_table']}</p>")
        try:
            c = raw.for_viewer(u).chain()
        except NotComputable as e:
            return simple(request, u, L["valuechain"], f"<p>{escape(reason(e, _lang(request)))}</p>")
        focal = tables.industry_names([c.focal], lang)[0]
        title = _("The value chain of {industry} ({year})", industry=focal, year=c.year)
        body = fig_html(figures.chain_map(c.graph, title, lang))
        gaps = tables.with_industry_names(c.gaps, lang, "sector", "sector_name")
        gaps = gaps.assign(gap_text=[_("missing link") if g else "" for g in gaps["gap"]])
        withheld = gaps["suppressed"].fillna("").astype(str) if "suppressed" in gaps else None
        titles = None if withheld is None else {"purchases": withheld.map(lambda w: term("withheld", w, lang) if w else None)}
        body += html_table(gaps, tables.GAPS, lang, "gaps-table", titles=titles)
        return simple(request, u, L["valuechain"], body, figure_id="chain")

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
            return simple(request, u, L["chains"], f"<p>{picker}</p><p>{escape(reason(e, _lang(request)))}</p>")
        audit(s, u, "chain_ledger", f"{chain} {ledger.region}")
        title = f"{raw.study.name} {ledger.chain.name_zh if zh else ledger.chain.name_en} ({ledger.year})"
        body = f"<p class='note'>{L['chain_pick']}: {picker}</p>"
        body += (f"<p>{L['papers']}: <a id='papers-html' href='/api/chains/{escape(chain)}/papers?format=html&lang={lang}'>HTML</a> · "
                 f"<a id='papers-xlsx' href='/api/chains/{escape(chain)}/papers?format=xlsx&lang={lang}'>XLSX</a></p>")
        body += fig_html(figures.chain_ledger_map(ledger.links, title, lang))
        links = ledger.links.assign(name=ledger.links["name_zh" if zh else "name_en"],
                                    stage_text=[term("chain_stage", x, lang) for x in ledger.links["stage"]],
                                    status_text=[term("chain_status", x, lang) for x in ledger.links["status"]],
                                    evidence=ledger.links["evidence_zh" if zh else "evidence_en"])
        body += html_table(links, tables.CHAIN_LINKS, lang, "chain-links",
                           status_classes=ledger.links["status"])
        open_ = tasks(s, ledger.chain.id, ledger.region)
        body += f"<h2>{L['tasks']}</h2>" + (
            html_table(open_.assign(status_text=[term("task_state", x, lang) for x in open_["status"]]),
                       tables.TASKS, lang, "chain-tasks") if len(open_) else f"<p>{L['no_tasks']}</p>")
        link_names = dict(zip(ledger.links["link_id"], ledger.links["name_zh" if zh else "name_en"]))
        t = ledger.targets.assign(reasons=ledger.targets["reasons_zh" if zh else "reasons_en"],
                                  link=[link_names.get(i, i) for i in ledger.targets["link_id"]])
        body += f"<h2>{L['attract']}</h2>" + html_table(t, tables.CHAIN_TARGETS, lang, "chain-targets")
        return simple(request, u, L["chains"], body, figure_id="chain-ledger")

    @app.get("/inbox", response_class=HTMLResponse, include_in_schema=False)
    def inbox_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep)):
        from clusteratlas.policy.access import may_run_chain, visible_alerts
        from clusteratlas.study.alerts import alerts
        from clusteratlas.study.chains import chain_templates, tasks

        lang = _lang(request)
        L, zh, _ = LABELS[lang], lang == "zh", translator(lang)
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
                         f"<td>{escape(term('alert_state', r['state'], lang))}</td><td>"
                         f"<button onclick=\"act('/api/alerts/{i}/seen')\">{L['mark_seen']}</button> "
                         f"<button onclick=\"act('/api/alerts/{i}/handled',{{note:prompt('{L['handled_note']}')||''}})\">"
                         f"{L['mark_handled']}</button></td></tr>")
            body += _headed([_("Warning"), _("Message"), _("State"), ""], rows, "inbox-alerts")
        mine = tasks(s, open_only=True)
        names = chain_templates(s)
        chain_names = dict(zip(names["name"], names["name_zh" if zh else "name_en"]))
        mine = mine[[may_run_chain(u, r) for r in mine["region_id"]]] if len(mine) else mine
        body += f"<h2>{L['open_tasks']}</h2>" + (
            html_table(mine.assign(status_text=[term("task_state", x, lang) for x in mine["status"]],
                                   chain=[chain_names.get(c, c) for c in mine["chain_id"]]),
                       tables.INBOX_TASKS, lang, "inbox-tasks") if len(mine) else f"<p>{L['no_tasks']}</p>")
        return simple(request, u, L["inbox"], act + body)

    @app.get("/desk", response_class=HTMLResponse, include_in_schema=False)
    def desk_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep)):
        from clusteratlas.policy.access import visible_requests
        from clusteratlas.study import desk

        lang = _lang(request)
        L, zh, _ = LABELS[lang], lang == "zh", translator(lang)
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
            thread = "".join(f"<div class='answer'>{escape(str(e['actor']))}（{escape(term('user_role', e['role'], lang))}）："
                             f"{escape(str(e['message'] or e['action']))}</div>" for e in said.to_dict("records"))
            buttons = ""
            if u.role != "firm" and q["state"] != "closed":
                buttons = (f"<button onclick=\"act('/api/desk/requests/{i}/answer',{{message:prompt('{L['answer']}')||''}})\">"
                           f"{L['answer']}</button> <button onclick=\"act('/api/desk/requests/{i}/close')\">{L['close']}</button>")
            rows += (f"<tr id='request-{i}'><td>{i}</td><td>{escape(q['category_zh'] if zh else q['category'])}</td>"
                     f"<td>{escape(q['department'])}</td><td>{escape(q['title'])}<div>{escape(q['body'])}</div>{thread}</td>"
                     f"<td>{escape(term('desk_state', q['state'], lang))}{' ⚠' if q['overdue'] else ''}</td>"
                     f"<td>{escape(str(q['deadline'])[:16])}</td><td>{buttons}</td></tr>")
        body += _headed(["#", _("Category"), _("Department"), _("Request and answers"), _("State"), _("Answer due"), ""],
                        rows, "desk-requests")
        if u.role != "firm":
            report = desk.desk_report(r)
            parks = dict(zip(s.table("parks")["park_id"], s.table("parks")["name"]))
            report = report.assign(park_name=[parks.get(p, _("outside the parks")) for p in report["park_id"]])
            body += f"<h2>{L['report']}</h2>" + html_table(report, tables.DESK_REPORT, lang, "desk-report")
        return simple(request, u, L["desk"], body)

    from clusteratlas.web.firm_pages import mount_firm_pages

    mount_firm_pages(app, store_dep, user_dep, service_dep, simple, _lang)

    from clusteratlas.web.portfolio_pages import mount_portfolio_page

    mount_portfolio_page(app, store_dep, user_dep, service_dep, simple, _lang)
