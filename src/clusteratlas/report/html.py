"""The diagnostic report: a self-contained HTML page (plotly.js inlined, opens offline) and an
XLSX workbook of the same tables, rendered from a diagnosis (``clusteratlas.study``): this module
formats, it computes nothing."""

from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd
from plotly.offline import get_plotlyjs

import clusteratlas
from clusteratlas.classify import GBT4754
from clusteratlas.report import figures, xlsx
from clusteratlas.study.diagnosis import Diagnosis, NotComputable

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
    "gamma": ("EG γ", 1, 3), "gamma_p": ("EG p (dartboard)", 1, 3),
    "gamma_ms": ("MS γ", 1, 3), "gamma_ms_p": ("MS p (dartboard)", 1, 3),
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
    "incomplete": ("数据不全 incomplete", 1, 0), "mean_score": ("平均得分 mean score", 1, 1), "tax_per_mu": ("亩均税收 tax/mu (万元)", 1e4, 2),
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
    diagnosis: Diagnosis


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


def kpis(totals: pd.DataFrame) -> list[dict]:
    """The headline figures of an overview, formatted with their units and growth."""
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


def _section(compute):
    """A section's value, or (None, the reason it cannot be computed)."""
    try:
        return compute(), None
    except NotComputable as e:
        return None, str(e)


def _incentives_section(run) -> dict | None:
    """Award totals by rule and payer of a recorded run (``study.records.RecordedRun``)."""
    if run is None:
        return None
    t = run.totals
    cols = {"rule_id": ("规则 rule", None, None), "clause": ("条款 clause", None, None),
            "title_zh": ("名称 title", None, None), "entities": ("对象 entities", 1, 0),
            "amount": ("测算 computed (万元)", 1e4, 1)}
    status = run.lines["status"]
    return dict(title=str(run.meta["ruleset"]), sha=str(run.meta["ruleset_sha256"])[:12],
                year=int(run.meta["year"]), run_id=int(run.meta["run_id"]),
                label=str(run.meta["label"] or ""), total=t.total / 1e4,
                table=_table(t.by_rule, cols, "table-incentives"),
                payers=_table(t.by_payer, {"payer": ("支付方 payer", None, None),
                                           "amount": ("测算 computed (万元)", 1e4, 1)}, "table-payers"),
                decisions=int((status == "for decision").sum()), suppressed=int((status == "suppressed").sum()),
                paid_before=int((status == "paid before").sum()))


def build_report(diagnosis: Diagnosis, out_dir: Path, synthetic_note: str | None = None,
                 run=None) -> ReportFiles:
    """Write ``report.html`` and ``report.xlsx`` of a diagnosis into ``out_dir``; ``run``: a
    recorded incentive run to show (``study.records.recorded_run``)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    d, study = diagnosis, diagnosis.study
    ov = d.overview()
    fy = study.tables["firm_years"]
    cur = fy[(fy["year"] == study.year) & (fy["month_to"] == study.month_to)].set_index("firm_id")["output"]
    datasets = study.datasets.copy()
    datasets["rows"] = datasets["row_counts"].map(lambda r: ", ".join(f"{k} {v}" for k, v in r.items()))
    names = study.tables["regions"].set_index("region_id")["name"]

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(
        str(resources.files("clusteratlas.report").joinpath("templates"))), autoescape=True)
    fig_html = dict(full_html=False, include_plotlyjs=False, config={"displaylogo": False})
    ind = ov.by_industry.assign(label=ov.by_industry["division"] + " " + ov.by_industry["name_zh"])
    cl, cluster_note = _section(d.clusters)
    opp = _opportunities_section(d, fig_html)
    clusters = None
    if cl is not None:
        strong = (cl.strong.assign(region=cl.strong["region"].map(lambda r: f"{names.get(r, r)} {r}"))
                  if not cl.strong.empty else cl.strong)
        lq_maps, _ = _section(d.lq_maps)
        clusters = dict(
            comparison=", ".join(names.get(r, r) for r in cl.comparison), n_sim=cl.n_sim, seed=cl.seed,
            reference=None if cl.reference is None else f"{names.get(cl.reference, cl.reference)} {cl.reference}",
            reasons=cl.reasons,
            fig_lq=figures.lq_bubbles(cl.lq, cl.value, "区位商与增长 LQ and growth").to_html(**fig_html)
            if not cl.lq.empty else "",
            maps_lq=[figures.lq_choropleth(m, f"区位商 LQ: {m['industry'].iloc[0]} "
                                              f"{GBT4754.label(m['industry'].iloc[0])}", study.parks)
                     .to_html(**fig_html) for m in (lq_maps or [])],
            table_lq=_table(cl.lq, LQ_COLUMNS, "table-lq") if not cl.lq.empty else "",
            table_eg=_table(cl.agglomeration, EG_COLUMNS, "table-eg") if not cl.agglomeration.empty else "",
            table_strong=_table(strong, STRONG_COLUMNS, "table-strong") if not strong.empty else "",
            fig_shift=figures.shift_share_bars(cl.shift, "偏离-份额分解 Shift-share").to_html(**fig_html)
            if not cl.shift.empty else "",
            table_shift=_table(cl.shift, SHIFT_COLUMNS, "table-shift") if not cl.shift.empty else "",
        )
    provenance = d.provenance()
    html_text = env.get_template("report.html.j2").render(
        region_name=study.name, period_label=study.period_label, period_en=study.period_en,
        month_to=study.month_to, version=clusteratlas.__version__,
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        synthetic_note=synthetic_note, plotly_js=get_plotlyjs(),
        kpis=kpis(ov.totals),
        fig_industry=figures.output_bars(ind, "label", "分行业产值 Output by industry").to_html(**fig_html),
        table_industry=_table(ov.by_industry, INDUSTRY_COLUMNS, "table-industry"),
        fig_park=figures.output_bars(ov.by_park, "name", "分园区产值 Output by park").to_html(**fig_html),
        table_park=_table(ov.by_park, PARK_COLUMNS, "table-park"),
        fig_map=figures.park_map(study.parks, study.firms, cur).to_html(**fig_html),
        datasets=datasets.to_dict("records"), clusters=clusters, cluster_note=cluster_note,
        opportunities=opp, evaluation=_evaluation_section(d, fig_html), chain=_chain_section(d, fig_html),
        incentives=_incentives_section(run), distance=_distance_section(d, fig_html),
        settings=provenance["settings"],
        # inside a script element: "</" would end it, whatever a file name in the store says
        provenance=json.dumps(provenance, ensure_ascii=False, default=str).replace("</", "<\\/"),
        io_table=study.io_table_source,
    )
    html_path = out_dir / "report.html"
    html_path.write_text(html_text, encoding="utf-8")
    xlsx_path = xlsx.write_workbook(out_dir / "report.xlsx", ov, study.name, study.datasets, cl,
                                    None if opp is None else opp["frame"],
                                    None if run is None else run.lines, provenance)
    return ReportFiles(html_path, xlsx_path, d)


def _distance_section(d: Diagnosis, fig_html):
    """K-density plots of the region's largest industries and the cluster-vs-park map."""
    dc, _ = _section(d.distance)
    if dc is None or dc.summary.empty:
        return None
    figs = [figures.distance_curve_figure(dc.kd[i], f"{i} {name} K-density").to_html(**fig_html)
            for i, name in zip(dc.summary["industry"], dc.summary["name_zh"])]
    return dict(table=_table(dc.summary, KD_COLUMNS, "table-kd"), figs=figs, n_sim=dc.n_sim,
                alpha=d.settings.alpha,
                map=figures.firm_clusters_figure(dc.clusters, d.study.parks).to_html(**fig_html),
                footprints=_table(dc.clusters.clusters, FOOTPRINT_COLUMNS, "table-footprints"),
                outside=len(dc.clusters.outside_parks()))


def _money_text(v: float, unit: str) -> str:
    if pd.isna(v):
        return ""
    if unit == "CNY":
        return f"{v / 1e8:,.2f} 亿元"
    return f"{v:,.0f} {'家' if unit == 'count' else unit}"


def _evaluation_section(d: Diagnosis, fig_html: dict) -> dict:
    """Summary paragraph, grades and park ranking, targets, tiers, pipeline."""
    summary = d.summary()
    e = d.evaluation()
    out: dict = {"summary_zh": summary.text_zh, "summary_en": summary.text_en}
    if e.land_efficiency is not None:
        le = e.land_efficiency
        dist = le.firms["grade"].value_counts().reindex(["A", "B", "C", "D"], fill_value=0)
        incomplete = le.firms[~le.firms["complete"]]
        missing = incomplete["missing_items"].str.split("; ").explode().value_counts()
        out["grades"] = dict(year=e.year, method=le.method.title_zh, source=le.method.source,
                             verified=le.method.verified,
                             distribution=", ".join(f"{g}: {n}" for g, n in dist.items()),
                             incomplete=len(incomplete), graded=int(le.firms["complete"].sum()),
                             missing=", ".join(f"{k} ({n})" for k, n in missing.items()),
                             table=_table(le.parks, GRADE_COLUMNS, "table-grades"))
        out["tiers"] = _table(e.tiers, TIER_COLUMNS, "table-tiers")
        out["core"] = _table(e.core.head(6), CORE_COLUMNS, "table-core")
    tp = e.targets
    if len(tp):
        tp = tp.copy()
        tp["label"] = tp["scope"] + " " + tp["scope_id"].astype(str) + " · " + tp["indicator"]
        tp["target_text"] = [_money_text(v, u) for v, u in zip(tp["target"], tp["unit"])]
        tp["actual_text"] = [_money_text(v, u) + (f" ({p})" if isinstance(p, str) else "")
                             for v, u, p in zip(tp.get("actual"), tp["unit"], tp.get("actual_period"))]
        tp["status_light"] = tp["status"].map(LIGHT)
        out["targets"] = _table(tp, TARGET_COLUMNS, "table-targets")
    if e.pipeline is not None:
        out["pipeline"] = dict(text_zh=e.pipeline.text_zh, text_en=e.pipeline.text_en,
                               fig=figures.pipeline_funnel(e.pipeline.funnel, "招商项目漏斗 Project funnel")
                               .to_html(**fig_html))
    return out


def _chain_section(d: Diagnosis, fig_html: dict) -> dict | None:
    """The lead cluster's chain map on the latest full year, the gap list, leading firms'
    supporting rates, the supply network and a project-impact example."""
    c, _ = _section(d.chain)
    if c is None:
        return None
    gaps = c.gaps.assign(gap_text=c.gaps["gap"].map({True: "缺失 gap", False: ""})) if len(c.gaps) else c.gaps
    firms = d.study.tables["firms"].set_index("firm_id")["name"]
    impact = None
    if c.impact is not None:
        impact = dict(name=c.impact["name"], investment=c.impact["investment"] / 1e4,
                      multiplier=c.impact["multiplier"], table=_table(c.impact["table"], IMPACT_COLUMNS, "table-impact"))
    lead = f"{c.focal} {GBT4754.label(c.focal) if c.focal in GBT4754.table['code'].values else ''}".strip()
    return dict(
        year=c.year,
        network=figures.supply_network_figure(c.network, d.study.region, "供应网络 Supply network").to_html(**fig_html),
        buyers=_table(c.buyers, {"name": ("采购企业 buyer", None, None), "purchases": ("采购 purchases (万元)", 1e4, 0),
                                 "local_share_pct": ("本地占比 local %", 1, 1), "suppliers": ("供应商 suppliers", 1, 0),
                                 "local_suppliers": ("本地供应商 local suppliers", 1, 0)}, "table-buyers"),
        risks=_table(c.risks.assign(name=c.risks["buyer_id"].map(firms)).head(10),
                     {"name": ("采购企业 buyer", None, None), "product": ("产品 product", None, None),
                      "amount": ("金额 amount (万元)", 1e4, 0), "risk": ("风险 risk", None, None)}, "table-risks"),
        lead=lead,
        fig=figures.chain_map(c.graph, f"产业链图谱 Chain map: {lead} ({c.year})").to_html(**fig_html),
        gaps=_table(gaps.head(10), GAP_COLUMNS, "table-gaps"),
        rates=_table(c.rates, RATE_COLUMNS, "table-rates") if len(c.rates) else "",
        impact=impact)


def _opportunities_section(d: Diagnosis, fig_html: dict):
    """The industry space and the ranked opportunities; None when there are too few regions."""
    opp, _ = _section(d.opportunities)
    if opp is None:
        return None
    table = opp.table.assign(name_zh=opp.table["industry"].map(lambda c: GBT4754.label(c, "zh")))
    label = lambda code: f"{code} {GBT4754.label(code, 'zh')}"  # noqa: E731
    n_regions = len(d.study.comparison)
    return dict(
        n_regions=n_regions, strategy=opp.strategy,
        fig=figures.industry_space_figure(d.industry_space(), "产业空间 Industry space", label).to_html(**fig_html),
        table=_table(table.head(15), OPPORTUNITY_COLUMNS, "table-opportunities"),
        frame=opp.table)
