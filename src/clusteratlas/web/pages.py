"""Dashboard pages, served by the API app: bilingual (zh/en switch on every page), offline
(plotly.js served from the package, no CDN), built from the same figure functions as the report.
Data come from the library through the same role checks as the API."""

from __future__ import annotations

from importlib import resources

import jinja2
from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from clusteratlas.api import published, security
from clusteratlas.api.security import User

LABELS = {
    "zh": {"title": "ClusterAtlas 产业集群地图", "overview": "总体概况", "map": "分布地图",
           "clusters": "产业集聚", "opportunities": "招商方向", "parks": "园区评价", "targets": "目标进度",
           "pipeline": "招商项目", "incentives": "政策计算器", "upload": "数据上传", "login": "登录",
           "logout": "退出", "user": "用户", "password": "密码", "switch": "English",
           "calculate": "计算", "upload_button": "上传并校验", "role": "角色",
           "restricted": "需要相应权限才能查看。", "valuechain": "产业链", "kdensity": "距离法集聚（K密度）",
           "kdensity_note": "灰色带为全局95%置信带：曲线在带上方为集聚，下方为分散。",
           "cluster_map": "集群与园区", "matching": "供需对接", "needs": "采购需求",
           "candidates": "推荐本地供应商", "no_needs": "没有可查看的采购需求。", "datasets": "已导入数据集",
           "lq_map": "区位商地图", "park_map": "园区与企业", "industry": "行业",
           "award_totals": "奖励测算汇总", "run": "测算批次", "ruleset": "政策规则", "year": "年份", "no_data": "尚无数据。",
           "no_full_year": "尚无全年数据。",
           "no_io_table": "尚无投入产出表：请导入（clusteratlas io-table import 文件，或 POST /api/io-tables），"
                          "或以 --io-table 文件 启动服务。",
           "suppressed_note": "企业数少于3家或由一家企业主导的行业，以及为防止反推而一并隐藏的行业，对您的角色不显示。",
           "calculator_note": "填写或核对企业数据（元）；逐条检查并说明每项规则。结果为测算值，以主管部门审定为准。", "total": "合计", "amount_10k": "金额(万元)",
           "no_runs": "尚无已记录的测算批次（clusteratlas incentives run --db … --save，或 POST /api/incentives/runs）。",
           "no_boundaries": "数据库中没有比较区域的边界，无法绘制区位商地图（可导入GeoJSON边界）。"},
    "en": {"title": "ClusterAtlas", "overview": "Overview", "map": "Map", "clusters": "Clusters",
           "opportunities": "Opportunities", "parks": "Parks", "targets": "Targets",
           "pipeline": "Pipeline", "incentives": "Policy calculator", "upload": "Upload",
           "login": "Log in", "logout": "Log out", "user": "User", "password": "Password",
           "switch": "中文", "calculate": "Calculate", "upload_button": "Upload and check",
           "role": "Role", "restricted": "Your role may not see this page.", "valuechain": "Value chain",
           "kdensity": "Distance-based agglomeration (K-density)",
           "kdensity_note": "Grey: the global 95 % band. Above it: localised; below it: dispersed.",
           "cluster_map": "Firm clusters and parks", "matching": "Supplier matching",
           "needs": "Purchase needs", "candidates": "Local suppliers, ranked",
           "no_needs": "No purchase needs visible to you.", "datasets": "Imported datasets",
           "lq_map": "LQ map", "park_map": "Parks and firms", "industry": "Industry",
           "award_totals": "Award totals", "run": "Run", "ruleset": "Ruleset", "year": "Year", "no_data": "No data yet.",
           "no_full_year": "No full-year data yet.",
           "no_io_table": "No input-output table: import one (clusteratlas io-table import FILE, or "
                          "POST /api/io-tables), or start the service with --io-table FILE.",
           "suppressed_note": "Industries of fewer than 3 firms or dominated by one, and those hidden with "
                              "them so they cannot be worked out, are not shown for your role.",
           "calculator_note": "Enter or confirm the firm's figures (CNY); every rule is checked and "
                              "explained. Results are estimates subject to the authorities' review.", "total": "total", "amount_10k": "amount (CNY 10k)",
           "no_runs": "No incentive run recorded yet (clusteratlas incentives run --db … --save, or "
                      "POST /api/incentives/runs).",
           "no_boundaries": "The store holds no boundaries of the comparison regions, so no LQ "
                            "map can be drawn (import them from a GeoJSON file)."},
}

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(
    str(resources.files("clusteratlas.web").joinpath("templates"))), autoescape=True)


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("ca_lang") or "zh"
    return lang if lang in LABELS else "zh"


def mount_pages(app: FastAPI, store_dep, user_dep, io_table_for=None) -> None:
    """``io_table_for(store)``: the input-output table of the value-chain page, or None."""
    def page(request: Request, template: str, u: User, **ctx) -> HTMLResponse:
        lang = _lang(request)
        html = _env.get_template(template).render(L=LABELS[lang], lang=lang, user=u,
                                                  path=request.url.path, **ctx)
        resp = HTMLResponse(html)
        if request.query_params.get("lang") in LABELS:
            resp.set_cookie("ca_lang", lang, samesite="lax")
        return resp

    def fig_html(fig) -> str:
        return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js():
        from plotly.offline import get_plotlyjs

        return Response(get_plotlyjs(), media_type="application/javascript",
                        headers={"Cache-Control": "max-age=86400"})

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, u: User = Depends(user_dep)):
        return page(request, "login.html", u, error=None)

    @app.post("/login", include_in_schema=False)
    def login_submit(request: Request, username: str = Form(...), password: str = Form(...),
                     s=Depends(store_dep)):
        got = security.login(s, username, password)
        if got is None:
            return page(request, "login.html", security.PUBLIC, error="wrong user name or password")
        security.audit(s, User(username, "?"), "login", "dashboard")
        resp = RedirectResponse("/", status_code=303)
        resp.set_cookie("ca_token", got[0], httponly=True, samesite="lax")
        return resp

    @app.get("/logout", include_in_schema=False)
    def logout(request: Request, s=Depends(store_dep)):
        token = request.cookies.get("ca_token")
        if token:
            security.expire_token(s, token)
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie("ca_token")
        return resp

    def _context(s):
        from clusteratlas.analyses.overview import latest_period, overview

        r = s.sql("SELECT region_id, count(*) n FROM firms GROUP BY 1 ORDER BY n DESC LIMIT 1")
        if r.empty:
            return None
        region = str(r.iloc[0, 0])
        firms, fy, parks = s.table("firms"), s.table("firm_years"), s.table("parks")
        y, m = latest_period(fy, firms.loc[firms["region_id"] == region, "firm_id"])
        return region, y, m, overview(firms, fy, parks, region, y, m)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep)):
        from clusteratlas.analyses.summary import economic_summary
        from clusteratlas.report import figures
        from clusteratlas.report.html import _kpis

        ctx = _context(s)
        if ctx is None:
            return page(request, "overview.html", u, empty=True)
        region, y, m, ov = ctx
        if not u.sees_raw_aggregates:  # as the API publishes it: no part recoverable from the total
            ov = published.public_overview(s, ov)
        t = s.table("targets")
        keys = sorted({str(k) for k in t.loc[t["scope"] == "industry", "scope_id"]})
        name = s.table("regions").set_index("region_id")["name"].get(region, region)
        summary = economic_summary(ov, name, keys)
        ind = ov.by_industry[ov.by_industry["output"].notna()]
        ind = ind.assign(label=ind["division"] + " " + ind["name_zh"])
        return page(request, "overview.html", u, empty=False, region=name, kpis=_kpis(ov.totals),
                    summary=summary.text_zh if _lang(request) == "zh" else summary.text_en,
                    fig=fig_html(figures.output_bars(ind, "label", "分行业产值 Output by industry")),
                    suppressed=not u.sees_raw_aggregates)

    @app.get("/map", response_class=HTMLResponse, include_in_schema=False)
    def map_page(request: Request, industry: str | None = None, u: User = Depends(user_dep),
                 s=Depends(store_dep)):
        from clusteratlas.report import figures

        L = LABELS[_lang(request)]
        ctx = _context(s)
        if ctx is None:
            return page(request, "simple.html", u, heading=L["map"], body="")
        region, y, m, _ = ctx
        parks = s.table("parks")
        local_parks = parks[parks["region_id"] == region]
        body = _lq_map_html(s, u, region, y, m, industry, local_parks, L, _lang(request))
        firms = s.table("firms")
        firms = firms[firms["region_id"] == region]
        footprints = None
        if not u.sees_firm_sites_in(region):  # sites of firms are firm-level data: parks only
            firms = firms.iloc[0:0]
        else:
            from clusteratlas.analyses.distance import industry_clusters

            security.audit(s, u, "read", "map", f"{len(firms)} firm sites")
            try:
                footprints = industry_clusters(s, region, y, m).clusters
            except ValueError:  # no sited firms
                footprints = None
        fy = s.table("firm_years")
        cur = fy[(fy["year"] == y) & (fy["month_to"] == m)].set_index("firm_id")["output"]
        body += f'<h2 id="park-map">{L["park_map"]}</h2>' + fig_html(
            figures.park_map(local_parks, firms, cur, footprints))
        return page(request, "simple.html", u, heading=L["map"], body=body, figure_id="map")

    def _lq_map_html(s, u: User, region: str, y: int, m: int, industry: str | None, parks,
                     L: dict, lang: str) -> str:
        """The LQ choropleth of one industry across the comparison regions, with a picker of
        the region's industries; values built from firm data follow the disclosure rules."""
        from html import escape

        from clusteratlas.analyses.clusters import lq_map, regional_values
        from clusteratlas.classify import GBT4754
        from clusteratlas.report import figures

        mine = regional_values(s, "output", [region])
        mine = mine[(mine.year == y) & (mine.month_to == m) & (mine.output > 0)]
        choices = mine.sort_values("output", ascending=False)["industry"].tolist()
        if industry not in choices:
            industry = choices[0] if choices else None
        if industry is None:
            return ""
        try:
            frame = lq_map(s, region, y, m, industry)
        except (ValueError, KeyError) as e:
            return f"<p>{escape(str(e))}</p>"
        html = f'<h2 id="lq-map">{L["lq_map"]}</h2>'
        if frame["boundary"].notna().sum() < 2:
            return html + f'<p class="note">{L["no_boundaries"]}</p>'
        frame = published.withhold_lq_map(frame, published.withheld_values(s, u, frame["region"], y, m))
        options = "".join(
            f'<option value="{escape(d)}"{" selected" if d == industry else ""}>'
            f'{escape(d)} {escape(GBT4754.label(d, lang))}</option>' for d in choices)
        html += (f'<form method="get" id="lq-form"><label>{L["industry"]} <select name="industry" '
                 f'id="lq-industry" onchange="this.form.submit()">{options}</select></label> '
                 f'<noscript><button type="submit">OK</button></noscript></form>')
        title = f'{L["lq_map"]}: {industry} {GBT4754.label(industry, lang)}'
        return html + fig_html(figures.lq_choropleth(frame, title, parks))

    @app.get("/clusters", response_class=HTMLResponse, include_in_schema=False)
    def clusters_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep)):
        from clusteratlas.analyses.clusters import cluster_diagnostics
        from clusteratlas.report import figures

        ctx = _context(s)
        L = LABELS[_lang(request)]
        if ctx is None:
            return page(request, "simple.html", u, heading=L["clusters"], body="")
        region, y, m, _ = ctx
        try:
            d = cluster_diagnostics(s, region, y, m, n_sim=199)
            lq = d.lq
            if not u.sees_raw_aggregates:  # a bubble shows the value, its LQ and growth
                hidden = set(published.withheld_values(s, u, [region], y, m)["industry"]) | set(
                    published.withheld_values(s, u, [region], y - 1, m)["industry"])
                lq = lq[~lq["industry"].isin(hidden)]
            body = fig_html(figures.lq_bubbles(lq, d.value, "区位商与增长 LQ and growth"))
            eg = d.agglomeration[["industry", "name_zh", "n_firms", "gamma", "p_gamma", "gamma_ms"]]
            if not u.sees_raw_aggregates:
                eg = eg[eg["n_firms"] >= 3]
            body += eg.round(3).to_html(index=False, classes="table", border=0)
        except (ValueError, KeyError) as e:
            body = f"<p>{e}</p>"
        body += _distance_html(s, u, region, y, m, L)
        return page(request, "simple.html", u, heading=L["clusters"], body=body, figure_id="lq")

    def _distance_html(s, u: User, region: str, y: int, m: int, L: dict) -> str:
        """K-density of the largest industries for everyone (aggregates of ≥ 10 firms); the
        cluster-vs-park map draws firm sites, so only for roles that see them (audited)."""
        from clusteratlas.analyses.distance import distance_clusters

        try:
            dc = distance_clusters(s, region, y, m, n_sim=199)
        except ValueError as e:
            return f"<p>{e}</p>"
        html = (f'<h2 id="kdensity">{L["kdensity"]}</h2><p class="note">{L["kdensity_note"]}</p>'
                + dc.summary.round(4).to_html(index=False, classes="table", border=0, table_id="kd-table")
                + '<div class="kd-grid">' + "".join(
                    f"<div>{fig_html(dc.kd[d].figure(f'{d} {n} K-density'))}</div>"
                    for d, n in zip(dc.summary["industry"], dc.summary["name_zh"])) + "</div>")
        if u.sees_firm_sites_in(region):
            security.audit(s, u, "read", "firm_clusters", f"{region} {len(dc.clusters.firms)} firms")
            parks = s.table("parks")
            html += (f'<h2 id="cluster-map">{L["cluster_map"]}</h2>'
                     + fig_html(dc.clusters.figure(parks[parks["region_id"] == region]))
                     + dc.clusters.clusters.drop(columns=["footprint"])
                     .assign(output=lambda c: c["output"] / 1e4).rename(columns={"output": "output (万元)"})
                     .round(2).to_html(
                         index=False, classes="table", border=0, table_id="footprint-table"))
        return html

    def _award_totals_html(s, u: User, run: int | None, L: dict) -> str:
        """The award totals of a recorded run (the newest by default), disclosure-controlled
        for roles without firm rights."""
        from html import escape

        from clusteratlas.analyses.incentives import award_totals, recorded_lines, recorded_runs

        runs = recorded_runs(s)
        if runs.empty:
            return f'<p class="note" id="no-runs">{L["no_runs"]}</p>'
        if run not in set(runs["run_id"]):
            run = int(runs["run_id"].iloc[0])
        meta = runs.set_index("run_id").loc[run]
        t = award_totals(recorded_lines(s, run), withhold=not u.sees_raw_aggregates)
        by_rule = t.by_rule.assign(amount=t.by_rule["amount"] / 1e4).rename(
            columns={"amount": L["amount_10k"]})
        by_payer = t.by_payer.assign(amount=t.by_payer["amount"] / 1e4).rename(
            columns={"amount": L["amount_10k"]})
        picker = "".join(f'<a href="?run={int(r)}" class="run-link">{int(r)}</a> ' for r in runs["run_id"])
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
                        u: User = Depends(user_dep), s=Depends(store_dep)):
        from clusteratlas.analyses.incentives import list_rulesets, load_ruleset

        choices = list(dict.fromkeys(list_rulesets(s)["name"]))
        if ruleset not in choices:
            ruleset = choices[0]
        rs = load_ruleset(ruleset, s)
        names = {n for r in rs.rules if r.entity == "firm" for n in r.inputs}
        for name, expr in rs.derived.items():  # ask for what a derived variable is made of
            if name in names:
                names = (names - {name}) | set(expr.names)
        firm_inputs = sorted(names - {"year"})
        totals = _award_totals_html(s, u, run, LABELS[_lang(request)])
        return page(request, "incentives.html", u, inputs=firm_inputs, ruleset=rs.metadata.get("title_zh"),
                    ruleset_name=ruleset, choices=choices, totals=totals)

    @app.get("/upload", response_class=HTMLResponse, include_in_schema=False)
    def upload_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep)):
        """The upload form and, for those who may upload, every dataset version in the store
        (file, checksum, size, when, rows per table) — the trail each figure can be traced to."""
        allowed = u.role in ("admin", "analyst")
        datasets = []
        if allowed:
            d = s.datasets().sort_values("dataset_id", ascending=False)
            datasets = [{"id": int(r.dataset_id), "file": r.source_name, "sha": str(r.sha256)[:12],
                         "kb": r.size_bytes / 1024, "at": str(r.imported_at)[:19],
                         "rows": ", ".join(f"{k} {v:,}" for k, v in r.row_counts.items()),
                         "note": r.note or ""} for r in d.itertuples()]
        return page(request, "upload.html", u, allowed=allowed, datasets=datasets)

    @app.get("/matching", response_class=HTMLResponse, include_in_schema=False)
    def matching_page(request: Request, need_id: str | None = None, u: User = Depends(user_dep),
                      s=Depends(store_dep)):
        """Leading firms' purchase needs the user may see (配套需求) and, for the chosen one,
        the ranked local suppliers with every criterion's score and the reason."""
        from html import escape

        from clusteratlas.analyses.matching import catalogue_from_store, match

        L = LABELS[_lang(request)]
        if u.role not in ("admin", "analyst", "park_manager", "firm"):
            return page(request, "simple.html", u, heading=L["matching"], body=f"<p>{L['restricted']}</p>")
        needs = security.visible_needs(s, u)
        if needs.empty:
            return page(request, "simple.html", u, heading=L["matching"], body=f"<p>{L['no_needs']}</p>")
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
        ranked = match(needs[needs["need_id"] == need_id], catalogue_from_store(s).suppliers, 10)
        shown = ranked[["rank", "supplier_name", "score", "category", "text", "distance_km", "capacity",
                        "certifications", "reason"]].round(3)
        body += (f'<h2 id="candidates">{L["candidates"]} — {escape(need_id)}</h2>'
                 + shown.to_html(index=False, classes="table", border=0, table_id="candidates-table"))
        return page(request, "simple.html", u, heading=L["matching"], body=body, figure_id="matching")

    @app.get("/pipeline", response_class=HTMLResponse, include_in_schema=False)
    def pipeline_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep)):
        from clusteratlas.analyses.pipeline import pipeline_summary
        from clusteratlas.report import figures

        L = LABELS[_lang(request)]
        if u.role not in ("admin", "analyst", "park_manager"):
            return page(request, "simple.html", u, heading=L["pipeline"], body=f"<p>{L['restricted']}</p>")
        p = pipeline_summary(s.table("projects"))
        text = p.text_zh if _lang(request) == "zh" else p.text_en
        return page(request, "simple.html", u, heading=L["pipeline"],
                    body=f"<p>{text}</p>" + fig_html(figures.pipeline_funnel(p.funnel, "Project funnel")),
                    figure_id="funnel")

    @app.get("/targets", response_class=HTMLResponse, include_in_schema=False)
    def targets_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep)):
        from clusteratlas.analyses.targets import target_progress

        ctx = _context(s)
        L = LABELS[_lang(request)]
        if ctx is None:
            return page(request, "simple.html", u, heading=L["targets"], body="")
        _, y, m, ov = ctx
        t = target_progress(s.table("targets"), s.table("firms"), s.table("firm_years"), y, m)
        if not u.sees_raw_aggregates:
            t = published.withhold_targets(t, published.public_overview(s, ov))
        show = t[["target_id", "scope", "scope_id", "indicator", "target_year", "target", "actual", "status"]]
        return page(request, "simple.html", u, heading=L["targets"],
                    body=show.to_html(index=False, classes="table", border=0, na_rep="—",
                                      float_format=lambda v: f"{v:,.0f}"))

    mount_more_pages(app, store_dep, user_dep, page, fig_html, _context, io_table_for)


def mount_more_pages(app: FastAPI, store_dep, user_dep, page_fn, fig_fn, context_fn, io_table_for=None) -> None:
    """Opportunities, parks (grades and eco-park scorecards), the value chain."""

    @app.get("/opportunities", response_class=HTMLResponse, include_in_schema=False)
    def opportunities_page(request: Request, strategy: str = "balanced", u: User = Depends(user_dep),
                           s=Depends(store_dep)):
        from clusteratlas.analyses.clusters import comparison_regions, regional_values
        from clusteratlas.analyses.recommend import industry_space, opportunities
        from clusteratlas.classify import GBT4754
        from clusteratlas.report import figures

        L = LABELS[_lang(request)]
        ctx = context_fn(s)
        if ctx is None or strategy not in ("low_hanging", "balanced", "long_jumps"):
            return page_fn(request, "simple.html", u, heading=L["opportunities"], body="")
        region, y, m, _ = ctx
        v = regional_values(s, "output", comparison_regions(s, region))
        v = v[(v.year == y) & (v.month_to == m)]
        try:
            opp = opportunities(v, region, value="output", strategy=strategy, top=15)
            space = industry_space(v, region, value="output")
        except ValueError as e:
            return page_fn(request, "simple.html", u, heading=L["opportunities"], body=f"<p>{e}</p>")
        if not u.sees_raw_aggregates and not published.withheld_values(s, u, [region], y, m).empty:
            # node sizes are industry totals over the comparison regions: with the other
            # regions' published values they would give a withheld value back
            space = space.copy()
            for node in space.nodes:
                space.nodes[node]["value"] = 1.0
        table = opp.table.assign(name=opp.table["industry"].map(lambda d: GBT4754.label(d, "zh" if _lang(request) == "zh" else "en")))
        body = "".join(f'<a href="?strategy={k}" id="strategy-{k}">{k}</a> ' for k in ("low_hanging", "balanced", "long_jumps"))
        body += fig_fn(figures.industry_space_figure(space, "Industry space", lambda c: f"{c} {GBT4754.label(c)}"))
        body += table[["rank", "industry", "name", "score", "density", "cog", "pci", "reason"]].round(3).to_html(
            index=False, classes="table", border=0, table_id="opportunities-table")
        return page_fn(request, "simple.html", u, heading=L["opportunities"], body=body, figure_id="space")

    @app.get("/parks", response_class=HTMLResponse, include_in_schema=False)
    def parks_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep)):
        from clusteratlas.analyses.eco_park import park_scorecard
        from clusteratlas.analyses.land_efficiency import land_efficiency

        L = LABELS[_lang(request)]
        if u.role not in ("admin", "analyst", "park_manager"):
            return page_fn(request, "simple.html", u, heading=L["parks"], body=f"<p>{L['restricted']}</p>")
        ctx = context_fn(s)
        if ctx is None:
            return page_fn(request, "simple.html", u, heading=L["parks"], body="")
        region = ctx[0]
        fy = s.table("firm_years")
        full = fy[fy["month_to"] == 12]
        if full.empty:
            return page_fn(request, "simple.html", u, heading=L["parks"], body=f"<p>{L['no_full_year']}</p>")
        year = int(full["year"].max())
        res = land_efficiency(s.table("firms"), fy, year, 12, region_id=region,
                              overrides=s.table("grade_overrides"))
        parks = res.parks if u.role != "park_manager" else res.parks[res.parks["park_id"] == u.park_id]
        security.audit(s, u, "read", "park grades", f"{year}")
        body = f"<p class='note'>{res.method.title_zh} · {year}</p>"
        body += parks.round(1).to_html(index=False, classes="table", border=0, table_id="grades-table")
        shown = [p for p in s.table("parks")["park_id"] if u.role != "park_manager" or p == u.park_id]
        for park in shown[:6]:
            card = park_scorecard(s.table("firms"), fy, park, year)
            body += f"<h3>{park}</h3>" + card[["name_zh" if _lang(request) == "zh" else "name_en", "value", "unit",
                                                "threshold", "result", "threshold_verified"]].round(3).to_html(
                index=False, classes="table scorecard", border=0)
        return page_fn(request, "simple.html", u, heading=L["parks"], body=body)

    @app.get("/value-chain", response_class=HTMLResponse, include_in_schema=False)
    def value_chain_page(request: Request, u: User = Depends(user_dep), s=Depends(store_dep)):
        from clusteratlas.analyses.clusters import regional_values
        from clusteratlas.analyses.valuechain import chain_gaps, regional_presence, value_chain
        from clusteratlas.report import figures

        L = LABELS[_lang(request)]
        heading = L["valuechain"]
        io_table = io_table_for(s) if io_table_for is not None else None
        if io_table is None:
            return page_fn(request, "simple.html", u, heading=heading, body=f"<p>{L['no_io_table']}</p>")
        ctx = context_fn(s)
        if ctx is None:
            return page_fn(request, "simple.html", u, heading=heading, body="")
        region = ctx[0]
        v = regional_values(s, "output", [region])
        v = v[v.month_to == 12]
        year = int(v.year.max())
        presence = regional_presence(s, region, year)
        lead = str(presence["output"].idxmax())
        g, gaps = published.withhold_chain(s, u, region, year, io_table, value_chain(io_table, lead, presence),
                                          chain_gaps(io_table, presence["output"], [lead], presence))
        body = fig_fn(figures.chain_map(g, f"{lead}"))
        body += gaps[["sector", "purchases", "leakage", "gap", "suppressed"]].round(0).to_html(
            index=False, classes="table", border=0, table_id="gaps-table", na_rep="—")
        return page_fn(request, "simple.html", u, heading=heading, body=body, figure_id="chain")
