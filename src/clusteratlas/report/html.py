"""The diagnostic report: a self-contained HTML page (plotly.js inlined, opens offline) and an
XLSX workbook of the same tables."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd
from plotly.offline import get_plotlyjs

import clusteratlas
from clusteratlas.classify import GBT4754
from clusteratlas.analyses.clusters import (
    ClusterDiagnostics,
    cluster_diagnostics,
    comparison_regions,
    lq_map,
    regional_values,
)
from clusteratlas.analyses.distance import distance_clusters
from clusteratlas.analyses.land_efficiency import land_efficiency
from clusteratlas.analyses.pipeline import pipeline_summary
from clusteratlas.analyses.recommend import industry_space, opportunities
from clusteratlas.analyses.summary import economic_summary
from clusteratlas.analyses.targets import target_progress
from clusteratlas.analyses.valuechain import (
    chain_gaps,
    local_supporting_rate,
    project_impact,
    value_chain,
)
from clusteratlas.analyses.tiers import core_firm_share, firm_tiers
from clusteratlas.analyses.overview import Overview, latest_period, overview
from clusteratlas.io.periods import label as period_label
from clusteratlas.io.store import Store
from clusteratlas.report import figures, xlsx

KPIS = [  # indicator, label, divisor, unit
    ("output", "规上工业总产值 Output", 1e8, "亿元"),
    ("value_added", "工业增加值 Value added", 1e8, "亿元"),
    ("output_in_parks", "园区产值 Output in parks", 1e8, "亿元"),
    ("park_share_of_output_pct", "园区产值占比 Parks' share", 1, "%"),
    ("tax_paid", "实缴税金 Taxes paid", 1e4, "万元"),
    ("exports", "出口交货值 Exports", 1e4, "万元"),
    ("fixed_asset_investment", "固定资产投资 Fixed-asset investment", 1e8, "亿元"),
    ("employment", "从业人员 Employment", 1, "人"),
    ("firms", "规上企业数 Firms above scale", 1, "家"),
]

INDUSTRY_COLUMNS = {  # column: (header, divisor, decimals)
    "division": ("代码 code", None, None), "name_zh": ("行业 industry", None, None),
    "firms": ("企业数 firms", 1, 0), "output": ("产值 output (万元)", 1e4, 0),
    "share_pct": ("占比 share %", 1, 1), "growth_pct": ("同比 growth %", 1, 1),
    "value_added": ("增加值 VA (万元)", 1e4, 0), "tax_paid": ("税金 tax (万元)", 1e4, 0),
    "output_per_mu": ("亩均产值 output/mu (万元)", 1e4, 1), "disclosure": ("披露 disclosure", None, None),
}
PARK_COLUMNS = {
    "park_id": ("代码 code", None, None), "name": ("园区 park", None, None),
    "firms": ("规上企业 firms", 1, 0), "output": ("产值 output (万元)", 1e4, 0),
    "share_pct": ("占比 share %", 1, 1), "growth_pct": ("同比 growth %", 1, 1),
    "land_mu": ("用地 land (亩)", 1, 0), "land_use_pct": ("用地/建成 land used %", 1, 1),
    "output_per_mu": ("亩均产值 output/mu (万元)", 1e4, 1),
    "tax_per_mu": ("亩均税收 tax/mu (万元)", 1e4, 2), "disclosure": ("披露 disclosure", None, None),
}


LQ_COLUMNS = {
    "industry": ("代码 code", None, None), "name_zh": ("行业 industry", None, None),
    "output": ("产值 output (万元)", 1e4, 0), "share_pct": ("占比 share %", 1, 1),
    "lq": ("区位商 LQ", 1, 2), "lq_previous": ("上年同期 LQ last year", 1, 2),
    "lq_symmetric": ("对称区位商 (LQ−1)/(LQ+1)", 1, 2), "growth_pct": ("同比 growth %", 1, 1),
}
EG_COLUMNS = {
    "industry": ("代码 code", None, None), "name_zh": ("行业 industry", None, None),
    "n_firms": ("企业数 firms", 1, 0), "H": ("企业赫芬达尔 plant H", 1, 3),
    "gamma": ("EG γ", 1, 3), "p_gamma": ("p (dartboard)", 1, 3),
    "gamma_ms": ("MS γ", 1, 3), "p_gamma_ms": ("p (dartboard) ", 1, 3),
}
KD_COLUMNS = {
    "industry": ("代码 code", None, None), "name_zh": ("行业 industry", None, None),
    "n_firms": ("企业数 firms", 1, 0), "rmax_km": ("距离范围 range km", 1, 1),
    "bandwidth_km": ("带宽 bandwidth km", 1, 2), "gamma": ("Γ localisation", 1, 4),
    "psi": ("Ψ dispersion", 1, 4), "verdict": ("判断 verdict", None, None),
}
FOOTPRINT_COLUMNS = {
    "industry": ("行业 industry", None, None), "cluster": ("集群 cluster", 1, 0),
    "n_firms": ("企业数 firms", 1, 0), "output": ("产值 output 万元", 1e4, 0),
    "employment": ("从业人员 employment", 1, 0), "area_km2": ("面积 area km²", 1, 2),
    "share_area_in_parks": ("园区内面积 % area in parks", 0.01, 0),
    "firms_in_parks": ("园区内企业 firms in parks", 1, 0),
    "firms_outside_parks": ("园区外企业 firms outside", 1, 0), "main_park": ("主要园区 main park", None, None),
}
STRONG_COLUMNS = {
    "region": ("地区 region", None, None), "industry": ("代码 code", None, None),
    "name_zh": ("行业 industry", None, None), "output": ("产值 output (万元)", 1e4, 0),
    "lq": ("区位商 LQ", 1, 2), "establishments": ("企业数 firms", 1, 0),
}
OPPORTUNITY_COLUMNS = {
    "rank": ("排名 rank", 1, 0), "industry": ("代码 code", None, None),
    "name_zh": ("行业 industry", None, None), "score": ("得分 score", 1, 2),
    "density": ("关联密度 density", 1, 2), "cog": ("复杂度增益 COG", 1, 2),
    "pci": ("产业复杂度 PCI", 1, 2), "reason": ("理由 reason", None, None),
}
GRADE_COLUMNS = {
    "rank": ("排名 rank", 1, 0), "park_id": ("园区 park", None, None), "firms": ("企业 firms", 1, 0),
    "mean_score": ("平均得分 mean score", 1, 1), "tax_per_mu": ("亩均税收 tax/mu (万元)", 1e4, 2),
    "value_added_per_mu": ("亩均增加值 VA/mu (万元)", 1e4, 1), "grade_A": ("A", 1, 0),
    "grade_B": ("B", 1, 0), "grade_C": ("C", 1, 0), "grade_D": ("D", 1, 0),
}
TARGET_COLUMNS = {
    "target_id": ("编号 id", None, None), "label": ("目标 target", None, None),
    "target_year": ("年份 year", None, None), "target_text": ("目标值 target", None, None),
    "actual_text": ("实际 actual", None, None), "growth_so_far_pct": ("增速 growth %", 1, 1),
    "required_growth_pct": ("所需增速 needed %", 1, 1), "status_light": ("状态 status", None, None),
}
TIER_COLUMNS = {
    "label": ("口径 basis", None, None), "firms": ("企业 firms", 1, 0),
    "over_1e9": ("产值过10亿 ≥ CNY 1 bn", 1, 0), "over_1e8": ("过亿 ≥ CNY 100 m", 1, 0),
    "over_5e7": ("过5000万 ≥ CNY 50 m", 1, 0),
}
CORE_COLUMNS = {
    "division": ("代码 code", None, None), "name_zh": ("行业 industry", None, None),
    "firms": ("企业 firms", 1, 0), "core_share_pct": ("前3家占比 top-3 share %", 1, 1),
}
LIGHT = {"on track": "● on track 正常", "at risk": "● at risk 预警", "off track": "● off track 滞后",
         "no data": "○ no data 无数据"}
GAP_COLUMNS = {
    "sector": ("部门 sector", None, None), "buyers": ("采购集群 bought by", None, None),
    "purchases": ("采购额 purchases (万元)", 1e4, 0), "leakage": ("外购 bought outside (万元)", 1e4, 0),
    "local_share_pct": ("本地比例 local %", 1, 1), "firms": ("本地企业 firms", 1, 0),
    "lq": ("区位商 LQ", 1, 2), "gap_text": ("补链 gap", None, None),
}
RATE_COLUMNS = {
    "name": ("龙头企业 leading firm", None, None), "year": ("年份 year", None, None),
    "purchases": ("采购总额 purchases (万元)", 1e4, 0), "local": ("本地采购 local (万元)", 1e4, 0),
    "rate_pct": ("本地配套率 local %", 1, 1), "park_rate_pct": ("园区内 in park %", 1, 1),
    "gap_to_40_points": ("距40% gap (pts)", 1, 1), "gap_to_50_points": ("距50% gap (pts)", 1, 1),
}
IMPACT_COLUMNS = {
    "effect": ("效应 effect", None, None), "output": ("产出 output (万元)", 1e4, 0),
    "value_added": ("增加值 value added (万元)", 1e4, 0), "jobs": ("就业 jobs", 1, 0),
}
SHIFT_COLUMNS = {
    "industry": ("代码 code", None, None), "name_zh": ("行业 industry", None, None),
    "change": ("变化 change (万元)", 1e4, 0), "national_share": ("全市增长 national share", 1e4, 0),
    "industry_mix": ("产业结构 industry mix", 1e4, 0), "competitive": ("竞争力 competitive", 1e4, 0),
    "net_competitive": ("净竞争 net competitive", 1e4, 0), "allocation": ("配置 allocation", 1e4, 0),
}


@dataclass
class ReportFiles:
    html: Path
    xlsx: Path
    overview: Overview
    clusters: ClusterDiagnostics | None = None


def _table(frame: pd.DataFrame, columns: dict, table_id: str) -> str:
    head = "".join(f'<th class="{"text" if div is None else ""}">{h}</th>'
                   for h, div, _ in columns.values())
    body = []
    for _, r in frame.iterrows():
        cells = []
        for col, (_, div, dec) in columns.items():
            v = r.get(col)
            if div is None:
                css = "text flag" if col == "disclosure" else "text"
                text = "" if v is None or (not isinstance(v, str) and pd.isna(v)) else html.escape(str(v))
                if col == "status_light":
                    css += " light-" + str(r.get("status", "")).replace(" ", "-")
                cells.append(f'<td class="{css}">{text}</td>')
            else:
                cells.append(f"<td>{'' if pd.isna(v) else f'{v / div:,.{dec}f}'}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _kpis(totals: pd.DataFrame) -> list[dict]:
    t = totals.set_index("indicator")
    out = []
    for ind, lab, div, unit in KPIS:
        if ind not in t.index or pd.isna(t.at[ind, "value"]):
            continue
        v, g = t.at[ind, "value"], t.at[ind, "growth_pct"]
        decimals = 0 if unit in ("人", "家", "万元") else (1 if unit == "%" else 2)
        out.append({"indicator": ind, "label": lab, "value": f"{v / div:,.{decimals}f} {unit}",
                    "growth": "" if pd.isna(g) else f"同比 {g:+.1f}%",
                    "css": "" if pd.isna(g) else ("up" if g >= 0 else "down")})
    return out


def study_region(store: Store) -> str:
    """The region with the most firms: the one the data were gathered for."""
    r = store.sql("SELECT region_id, count(*) n FROM firms GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1")
    if r.empty:
        raise ValueError("the store has no firms: import firm data first")
    return str(r.iloc[0, 0])


def _incentives_section(entities, year: int) -> dict | None:
    """Award totals by rule and payer of the shipped ruleset for the given entities."""
    if entities is None:
        return None
    from clusteratlas.analyses.incentives import Ruleset, apply_budget, run

    rs = Ruleset.load("changsha_2005")
    res = run(rs, entities, year)
    fund = rs.parameter_values(f"{year}-12-31")["guarantee_fund_annual"]
    budgeted = apply_budget(res, {"c16_guarantee_subsidy": fund})
    paid = budgeted[budgeted["status"] == "award"]
    totals = paid.groupby(["rule_id", "title_zh", "payer"], as_index=False)[["amount", "paid"]].sum()
    by_payer = paid.groupby("payer", as_index=False)[["amount", "paid"]].sum()
    decisions = int((res.lines["status"] == "for decision").sum())
    suppressed = int((res.lines["status"] == "suppressed").sum())
    cols = {"rule_id": ("规则 rule", None, None), "title_zh": ("条款 clause", None, None),
            "payer": ("支付方 payer", None, None), "amount": ("测算 computed (万元)", 1e4, 1),
            "paid": ("预算内 within budget (万元)", 1e4, 1)}
    return dict(title=rs.metadata.get("title_zh"), sha=res.ruleset_sha256[:12], year=year,
                table=_table(totals, cols, "table-incentives"),
                payers=_table(by_payer, {k: cols[k] for k in ("payer", "amount", "paid")}, "table-payers"),
                decisions=decisions, suppressed=suppressed,
                skipped=", ".join(res.skipped["rule_id"]) if len(res.skipped) else "",
                lines=res.lines)


def build_report(store: Store, out_dir: Path, region_id: str | None = None,
                 period: tuple[int, int] | None = None, synthetic_note: str | None = None,
                 io_table=None, incentive_inputs=None, incentive_year: int | None = None) -> ReportFiles:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    region_id = region_id or study_region(store)
    firms, fy, parks = store.table("firms"), store.table("firm_years"), store.table("parks")
    regions = store.table("regions")
    local = firms[firms["region_id"] == region_id]
    year, month_to = period or latest_period(fy, local["firm_id"])
    ov = overview(firms, fy, parks, region_id, year, month_to)
    cur = fy[(fy["year"] == year) & (fy["month_to"] == month_to)].set_index("firm_id")["output"]
    local_parks = parks[parks["region_id"] == region_id]
    name = regions.set_index("region_id")["name"].get(region_id, region_id)
    datasets = store.datasets()
    datasets["rows"] = datasets["row_counts"].map(lambda d: ", ".join(f"{k} {v}" for k, v in d.items()))

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(
        str(resources.files("clusteratlas.report").joinpath("templates"))), autoescape=True)
    fig_html = dict(full_html=False, include_plotlyjs=False, config={"displaylogo": False})
    ind = ov.by_industry.assign(label=ov.by_industry["division"] + " " + ov.by_industry["name_zh"])
    try:
        cl = cluster_diagnostics(store, region_id, year, month_to)
    except (ValueError, KeyError) as e:  # no comparison data: the section says so
        cl, cluster_note = None, str(e)
    else:
        cluster_note = None
    names = regions.set_index("region_id")["name"]
    opp = _opportunities_section(store, region_id, year, month_to, fig_html)
    evaluation = _evaluation_section(store, region_id, year, month_to, ov, name, fig_html)
    chain = _chain_section(store, region_id, cl, fig_html, io_table)
    incentives = _incentives_section(incentive_inputs, incentive_year or year)
    distance = _distance_section(store, region_id, year, month_to, local_parks, fig_html)
    clusters = None
    if cl is not None:
        strong = cl.strong.assign(region=cl.strong["region"].map(lambda r: f"{names.get(r, r)} {r}"))
        clusters = dict(
            comparison=", ".join(names.get(r, r) for r in cl.comparison),
            fig_lq=figures.lq_bubbles(cl.lq, cl.value, "区位商与增长 LQ and growth").to_html(**fig_html),
            maps_lq=_lq_maps(store, region_id, year, month_to, cl, local_parks, fig_html),
            table_lq=_table(cl.lq, LQ_COLUMNS, "table-lq"),
            table_eg=_table(cl.agglomeration, EG_COLUMNS, "table-eg") if not cl.agglomeration.empty else "",
            table_strong=_table(strong, STRONG_COLUMNS, "table-strong"),
            fig_shift=figures.shift_share_bars(cl.shift, "偏离-份额分解 Shift-share").to_html(**fig_html)
            if not cl.shift.empty else "",
            table_shift=_table(cl.shift, SHIFT_COLUMNS, "table-shift") if not cl.shift.empty else "",
        )
    html = env.get_template("report.html.j2").render(
        region_name=name, period_label=period_label(year, month_to),
        period_en=f"{year}, months 1–{month_to}" if month_to < 12 else f"{year}",
        month_to=month_to, version=clusteratlas.__version__,
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        synthetic_note=synthetic_note, plotly_js=get_plotlyjs(),
        kpis=_kpis(ov.totals),
        fig_industry=figures.output_bars(ind, "label", "分行业产值 Output by industry").to_html(**fig_html),
        table_industry=_table(ov.by_industry, INDUSTRY_COLUMNS, "table-industry"),
        fig_park=figures.output_bars(ov.by_park, "name", "分园区产值 Output by park").to_html(**fig_html),
        table_park=_table(ov.by_park, PARK_COLUMNS, "table-park"),
        fig_map=figures.park_map(local_parks, local, cur).to_html(**fig_html),
        datasets=datasets.to_dict("records"), clusters=clusters, cluster_note=cluster_note,
        opportunities=opp, evaluation=evaluation, chain=chain, incentives=incentives,
        distance=distance,
    )
    html_path = out_dir / "report.html"
    html_path.write_text(html, encoding="utf-8")
    xlsx_path = xlsx.write_workbook(out_dir / "report.xlsx", ov, name, datasets, cl,
                                    None if opp is None else opp["frame"],
                                    None if incentives is None else incentives["lines"])
    return ReportFiles(html_path, xlsx_path, ov, cl)


def _distance_section(store: Store, region_id: str, year: int, month_to: int, parks, fig_html):
    """K-density plots of the region's largest industries and the cluster-vs-park map."""
    try:
        dc = distance_clusters(store, region_id, year, month_to)
    except ValueError:
        return None
    if dc.summary.empty:
        return None
    figs = [dc.kd[d].figure(f"{d} {name} K-density").to_html(**fig_html)
            for d, name in zip(dc.summary["industry"], dc.summary["name_zh"])]
    return dict(table=_table(dc.summary, KD_COLUMNS, "table-kd"), figs=figs,
                n_sim=next(iter(dc.kd.values())).n_sim,
                map=dc.clusters.figure(parks).to_html(**fig_html),
                footprints=_table(dc.clusters.clusters, FOOTPRINT_COLUMNS, "table-footprints"),
                outside=len(dc.clusters.outside_parks()))


def _money_text(v: float, unit: str) -> str:
    if pd.isna(v):
        return ""
    if unit == "CNY":
        return f"{v / 1e8:,.2f} 亿元"
    return f"{v:,.0f} {'家' if unit == 'count' else unit}"


def _evaluation_section(store: Store, region_id: str, year: int, month_to: int, ov: Overview,
                        region_name: str, fig_html: dict) -> dict:
    """Summary paragraph, grades and park ranking, targets, tiers, pipeline."""
    firms, fy = store.table("firms"), store.table("firm_years")
    targets = store.table("targets")
    keys = sorted({str(t) for t in targets.loc[targets["scope"] == "industry", "scope_id"]})
    summary = economic_summary(ov, region_name, keys)
    local = firms[firms["region_id"] == region_id]
    full_years = fy[(fy["month_to"] == 12) & fy["firm_id"].isin(local["firm_id"])]["year"]
    out: dict = {"summary_zh": summary.text_zh, "summary_en": summary.text_en}
    if len(full_years):
        fy_year = int(full_years.max())
        le = land_efficiency(firms, fy, fy_year, 12, region_id=region_id,
                             overrides=store.table("grade_overrides"))
        dist = le.firms["grade"].value_counts().reindex(["A", "B", "C", "D"], fill_value=0)
        out["grades"] = dict(year=fy_year, method=le.method.title_zh, source=le.method.source,
                             verified=le.method.verified,
                             distribution=", ".join(f"{g}: {n}" for g, n in dist.items()),
                             table=_table(le.parks, GRADE_COLUMNS, "table-grades"))
        tiers = pd.concat([
            firm_tiers(firms, fy, fy_year, 12, region_id=region_id).assign(label=f"{fy_year}年 全年"),
            firm_tiers(firms, fy, year, month_to, annualise=True, region_id=region_id)
            .assign(label=f"{period_label(year, month_to)} 年化 annualised")])
        out["tiers"] = _table(tiers, TIER_COLUMNS, "table-tiers")
        out["core"] = _table(core_firm_share(firms, fy, year, month_to, region_id=region_id).head(6),
                             CORE_COLUMNS, "table-core")
    if len(targets):
        tp = target_progress(targets, firms, fy, year, month_to)
        tp["label"] = tp["scope"] + " " + tp["scope_id"].astype(str) + " · " + tp["indicator"]
        tp["target_text"] = [_money_text(v, u) for v, u in zip(tp["target"], tp["unit"])]
        tp["actual_text"] = [_money_text(v, u) + (f" ({p})" if isinstance(p, str) else "")
                             for v, u, p in zip(tp.get("actual"), tp["unit"], tp.get("actual_period"))]
        tp["status_light"] = tp["status"].map(LIGHT)
        out["targets"] = _table(tp, TARGET_COLUMNS, "table-targets")
    projects = store.table("projects")
    if len(projects):
        start = f"{year}-01-01"
        end = (pd.Timestamp(year=year, month=month_to, day=1) + pd.offsets.MonthEnd(0)).date().isoformat()
        ps = pipeline_summary(projects, start, end)
        out["pipeline"] = dict(text_zh=ps.text_zh, text_en=ps.text_en,
                               fig=figures.pipeline_funnel(ps.funnel, "招商项目漏斗 Project funnel")
                               .to_html(**fig_html))
    return out


def _chain_section(store: Store, region_id: str, cl, fig_html: dict, io_table=None) -> dict | None:
    """The lead cluster's chain map, the gap list, leading firms' supporting rates, and a
    project-impact example; needs a national input-output table (``io_table``)."""
    if io_table is None or cl is None or cl.lq.empty:
        return None
    firms = store.table("firms")
    local = firms[firms["region_id"] == region_id]
    presence = cl.lq.set_index("industry")[[cl.value, "lq"]].rename(columns={cl.value: "output"})
    presence["firms"] = local["industry_code"].map(GBT4754.division_of).value_counts()
    presence["firms"] = presence["firms"].fillna(0)
    lead = cl.lq.sort_values(cl.value, ascending=False).iloc[0]["industry"]
    graph = value_chain(io_table, lead, presence)
    clusters = list(cl.strong.loc[cl.strong["region"] == region_id, "industry"]) or [lead]
    annual = 12.0 / cl.month_to  # the table's flows are annual: scale year-to-date output
    regional = presence["output"] * annual
    emp = regional_values(store, "employment", [region_id])
    emp = emp[(emp.year == cl.year) & (emp.month_to == cl.month_to)].set_index("industry")["employment"]
    gaps = chain_gaps(io_table, regional, clusters, presence)
    gaps["gap_text"] = gaps["gap"].map({True: "缺失 gap", False: ""})
    rates = local_supporting_rate(firms, store.table("firm_years"), store.table("supply_links"),
                                  region_id)
    projects = store.table("projects")
    example = projects[projects["industry_code"].astype(str).str.startswith(str(lead))]
    example = example.sort_values("contracted_investment", ascending=False).head(1)
    impact = None
    if len(example):
        p = example.iloc[0]
        annual_output = float(p["contracted_investment"])  # a 1:1 output-to-investment assumption
        pi = project_impact(io_table, regional, str(p["industry_code"]), annual_output,
                            regional_jobs=emp)
        impact = dict(name=p["name"], investment=float(p["contracted_investment"]) / 1e4,
                      multiplier=pi.multiplier_type1,
                      table=_table(pi.table, IMPACT_COLUMNS, "table-impact"))
    from clusteratlas.measures.network import buyer_summary, single_source_risks, supply_network

    links = store.table("supply_links")
    network = supply_network(links, firms)
    buyers = buyer_summary(network, region_id)
    risks = single_source_risks(links, firms, region_id)
    return dict(
        network=figures.supply_network_figure(network, region_id, "供应网络 Supply network").to_html(**fig_html),
        buyers=_table(buyers, {"name": ("采购企业 buyer", None, None), "purchases": ("采购 purchases (万元)", 1e4, 0),
                               "local_share_pct": ("本地占比 local %", 1, 1), "suppliers": ("供应商 suppliers", 1, 0),
                               "local_suppliers": ("本地供应商 local suppliers", 1, 0)}, "table-buyers"),
        risks=_table(risks.assign(name=risks["buyer_id"].map(firms.set_index("firm_id")["name"])).head(10),
                     {"name": ("采购企业 buyer", None, None), "product": ("产品 product", None, None),
                      "amount": ("金额 amount (万元)", 1e4, 0), "risk": ("风险 risk", None, None)}, "table-risks"),
        lead=f"{lead} {GBT4754.label(lead)}",
        fig=figures.chain_map(graph, f"产业链图谱 Chain map: {lead} {GBT4754.label(lead)}").to_html(**fig_html),
        gaps=_table(gaps.head(10), GAP_COLUMNS, "table-gaps"),
        rates=_table(rates, RATE_COLUMNS, "table-rates") if len(rates) else "",
        impact=impact)


def _lq_maps(store, region_id, year, month_to, cl, parks, fig_html, n: int = 2) -> list[str]:
    """Choropleths of the LQ of the region's ``n`` largest industries across the comparison
    regions, where the store holds their boundaries."""
    out = []
    for industry, label in cl.lq.nlargest(n, cl.value)[["industry", "name_zh"]].itertuples(index=False):
        m = lq_map(store, region_id, year, month_to, industry, cl.value)
        if m["boundary"].notna().sum() >= 2:
            out.append(figures.lq_choropleth(m, f"区位商 LQ: {industry} {label}", parks).to_html(**fig_html))
    return out


def _opportunities_section(store: Store, region_id: str, year: int, month_to: int, fig_html: dict):
    """The industry space and the ranked opportunities; None when there are too few regions."""
    regions = comparison_regions(store, region_id)
    vals = regional_values(store, "output", regions)
    vals = vals[(vals.year == year) & (vals.month_to == month_to)]
    if vals.region.nunique() < 3 or region_id not in set(vals.region):
        return None
    opp = opportunities(vals, region_id, value="output", top=12)
    table = opp.table.assign(name_zh=opp.table["industry"].map(lambda d: GBT4754.label(d, "zh")))
    space = industry_space(vals, region_id, value="output")
    label = lambda code: f"{code} {GBT4754.label(code, 'zh')}"  # noqa: E731
    return dict(
        n_regions=vals.region.nunique(), strategy=opp.strategy,
        fig=figures.industry_space_figure(space, "产业空间 Industry space", label).to_html(**fig_html),
        table=_table(table, OPPORTUNITY_COLUMNS, "table-opportunities"),
        frame=opp.table)
