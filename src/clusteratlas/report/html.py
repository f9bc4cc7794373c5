"""The diagnostic report: a self-contained HTML page (plotly.js inlined, opens offline) and an
XLSX workbook of the same tables, rendered from a diagnosis (``clusteratlas.study``) in one
language (Chinese by default): this module formats, it computes nothing. Its tables are the
dashboard's (``report.tables``), its words the catalogue's (``faces``)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd
from plotly.offline import get_plotlyjs

import clusteratlas
from clusteratlas.faces import N_, reason, say, translator
from clusteratlas.faces.numbers import money_text, number
from clusteratlas.faces.terms import clause, term
from clusteratlas.report import figures, tables
from clusteratlas.report.html_tables import html_table
from clusteratlas.study.diagnosis import Diagnosis, NotComputable

KPIS = [  # indicator, label, how the value is written (faces.numbers)
    ("output", N_("Gross industrial output"), "yi"),
    ("value_added", N_("Industrial value added"), "yi"),
    ("output_in_parks", N_("Output in parks"), "yi"),
    ("park_share_of_output_pct", N_("Parks' share of output"), "pct"),
    ("tax_paid", N_("Taxes paid"), "wan"),
    ("exports", N_("Export deliveries"), "wan"),
    ("fixed_asset_investment", N_("Fixed-asset investment"), "yi"),
    ("employment", N_("Employment"), "people"),
    ("firms", N_("Firms above scale"), "firms"),
]


@dataclass
class ReportFiles:
    html: Path
    xlsx: Path
    diagnosis: Diagnosis


def kpis(totals: pd.DataFrame, lang: str = "zh") -> list[dict]:
    """The headline figures of an overview in ``lang``, with their units and growth."""
    from clusteratlas.faces.numbers import count, money, money_unit, pct

    _ = translator(lang)
    t = totals.set_index("indicator")
    out = []
    for ind, lab, kind in KPIS:
        if ind not in t.index or pd.isna(t.at[ind, "value"]):
            continue
        v, g = t.at[ind, "value"], t.at[ind, "growth_pct"]
        if kind in ("yi", "wan"):
            sep = "" if lang == "zh" else " "
            value = f"{money(v, kind, lang)}{sep}{money_unit(kind, lang)}"
        elif kind == "pct":
            value = f"{pct(v, lang)}%"
        else:
            value = _("{n} people", n=count(v, lang)) if kind == "people" else _("{n} firms", n=count(v, lang))
        out.append({"indicator": ind, "label": _(lab), "value": value,
                    "growth": "" if pd.isna(g) else _("{growth}% on the year before", growth=format(g, "+.1f")),
                    "css": "" if pd.isna(g) else ("up" if g >= 0 else "down")})
    return out


def settings_text(settings: dict, lang: str) -> str:
    """The diagnosis settings in words: 模拟次数 = 999, 亩均评价方法 = 浙江省规上工业企业…"""
    from clusteratlas.analyses.land_efficiency import Method

    def value(k, v) -> str:
        if k == "strategy":
            return term("strategy", v, lang)
        if k == "land_method":
            try:
                m = Method.load(str(v))
                return m.title_zh if lang == "zh" else m.title_en
            except (KeyError, ValueError, FileNotFoundError):
                return str(v)
        return str(v).upper() if k == "chain_method" else str(v)
    return ("；" if lang == "zh" else "; ").join(f"{term('setting', k, lang)} = {value(k, v)}" for k, v in settings.items())


def _section(compute, lang: str = "zh"):
    """A section's value, or (None, the reason it cannot be computed, in ``lang``)."""
    try:
        return compute(), None
    except NotComputable as e:
        return None, reason(e, lang)


FIG = dict(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def _fig(figure) -> str:
    return figure.to_html(**FIG)


def build_report(diagnosis: Diagnosis, out_dir: Path, synthetic_note: str | None = None,
                 run=None, lang: str = "zh") -> ReportFiles:
    """Write ``report.html`` and ``report.xlsx`` of a diagnosis into ``out_dir`` in ``lang``
    (zh or en); ``run``: a recorded incentive run to show (``study.records.recorded_run``)."""
    from clusteratlas.report.xlsx import write_report_workbook

    _ = translator(lang)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    d, study = diagnosis, diagnosis.study
    ov = d.overview()
    fy = study.tables["firm_years"]
    cur = fy[(fy["year"] == study.year) & (fy["month_to"] == study.month_to)].set_index("firm_id")["output"]
    names = study.tables["regions"].set_index("region_id")["name"]
    shown = {}  # table name → (frame, columns): the page's tables, for the workbook too

    def table(name: str, frame: pd.DataFrame, columns: dict, **options) -> str:
        shown[name] = (frame, columns)
        return html_table(frame, columns, lang, f"table-{name}", **options)

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(
        str(resources.files("clusteratlas.report").joinpath("templates"))), autoescape=True)
    ind = tables.overview_rows(tables.with_industry_names(ov.by_industry, lang, "division", with_code=False), lang)
    by_park = tables.overview_rows(ov.by_park, lang)
    cl, cluster_note = _section(d.clusters, lang)
    clusters = None if cl is None else _clusters_section(d, cl, names, table, lang)
    datasets = study.datasets.assign(
        sha=study.datasets["sha256"].astype(str).str[:16],
        imported=study.datasets["imported_at"].astype(str).str[:19],
        rows=study.datasets["row_counts"].map(lambda r: ("，" if lang == "zh" else ", ").join(
            f"{term('table', k, lang)} {v:,}" for k, v in r.items())))
    summary = d.summary()
    provenance = d.provenance()
    html_text = env.get_template("report.html.j2").render(
        _=_, lang=lang, region_name=study.name, period=study.period_label if lang == "zh" else study.period_en,
        month_to=study.month_to, version=clusteratlas.__version__,
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        synthetic_note=synthetic_note, plotly_js=get_plotlyjs(),
        summary=summary.text_zh if lang == "zh" else summary.text_en,
        kpis=kpis(ov.totals, lang),
        fig_industry=_fig(figures.output_bars(ind.assign(label=ind["industry_name"]), "label",
                                              _("Output by industry"), lang)),
        table_industry=table("industry", ind, tables.BY_INDUSTRY),
        fig_park=_fig(figures.output_bars(by_park, "name", _("Output by park"), lang)),
        table_park=table("park", by_park, tables.BY_PARK),
        fig_map=_fig(figures.park_map(study.parks, study.firms, cur, lang=lang)),
        clusters=clusters, cluster_note=cluster_note,
        opportunities=_opportunities_section(d, table, lang),
        peers=_portfolio_section(d, table, lang),
        spinoffs=_spinoffs_section(d, table, lang),
        evaluation=_evaluation_section(d, table, lang),
        chain=_chain_section(d, table, lang),
        incentives=_incentives_section(run, table, lang),
        distance=_distance_section(d, table, lang),
        datasets=table("datasets", datasets, tables.DATASETS),
        settings=settings_text(provenance["settings"], lang),
        # inside a script element: "</" would end it, whatever a file name in the store says
        provenance=json.dumps(provenance, ensure_ascii=False, default=str).replace("</", "<\\/"),
        io_table=study.io_table_source,
    )
    html_path = out_dir / "report.html"
    html_path.write_text(html_text, encoding="utf-8")
    xlsx_path = write_report_workbook(out_dir / "report.xlsx", shown, study, provenance, lang,
                                      None if run is None else run.lines)
    return ReportFiles(html_path, xlsx_path, d)


def _clusters_section(d: Diagnosis, cl, names: pd.Series, table, lang: str) -> dict:
    """LQ and growth, LQ maps, EG/MS across parks, strong clusters, shift-share."""
    _ = translator(lang)
    study = d.study
    lq_maps, _reason = _section(d.lq_maps)
    strong = cl.strong
    if not strong.empty:
        strong = tables.with_industry_names(strong, lang).assign(
            region_name=[names.get(r, r) for r in strong["region"]])
    maps = []
    for m in lq_maps or []:
        code = m["industry"].iloc[0]
        title = _("LQ of {industry}", industry=tables.industry_names([code], lang)[0])
        maps.append(_fig(figures.lq_choropleth(m, title, study.parks, lang)))
    ref = None if cl.reference is None else f"{names.get(cl.reference, cl.reference)}"
    return dict(
        comparison=("、" if lang == "zh" else ", ").join(str(names.get(r, r)) for r in cl.comparison),
        n_sim=cl.n_sim, seed=cl.seed, reference=ref, reasons={k: say(v, lang) for k, v in cl.reasons.items()},
        fig_lq=_fig(figures.lq_bubbles(cl.lq, cl.value, _("Location quotient and growth"), lang)) if not cl.lq.empty else "",
        maps_lq=maps,
        table_lq=table("lq", tables.with_industry_names(cl.lq, lang), tables.LQ) if not cl.lq.empty else "",
        table_eg=(table("eg", tables.with_industry_names(cl.agglomeration, lang), tables.AGGLOMERATION)
                  if not cl.agglomeration.empty else ""),
        table_strong=table("strong", strong, tables.STRONG) if not strong.empty else "",
        fig_shift=_fig(figures.shift_share_bars(cl.shift, _("Shift-share"), lang)) if not cl.shift.empty else "",
        table_shift=(table("shift", tables.with_industry_names(cl.shift, lang), tables.SHIFT_SHARE)
                     if not cl.shift.empty else ""))


def _distance_section(d: Diagnosis, table, lang: str):
    """K-density plots of the region's largest industries and the cluster-vs-park map."""
    dc, _reason = _section(d.distance)
    if dc is None or dc.summary.empty:
        return None
    summary = tables.with_industry_names(dc.summary, lang)
    summary = summary.assign(verdict_text=[term("kd_verdict", v, lang) if v else "" for v in summary["verdict"]])
    parks = dict(zip(d.study.parks["park_id"], d.study.parks["name"]))
    fp = tables.with_industry_names(dc.clusters.clusters, lang)
    fp = fp.assign(area_in_parks_pct=fp["share_area_in_parks"] * 100,
                   main_park_name=[parks.get(x, "") if isinstance(x, str) else None for x in fp["main_park"]])
    figs = [_fig(figures.distance_curve_figure(dc.kd[i], f"{n} · K-density", lang))
            for i, n in zip(summary["industry"], summary["industry_name"])]
    return dict(table=table("kd", summary, tables.K_DENSITY), figs=figs, n_sim=dc.n_sim,
                level=format(1 - d.settings.alpha, ".0%"),
                map=_fig(figures.firm_clusters_figure(dc.clusters, d.study.parks, lang=lang)),
                footprints=table("footprints", fp, tables.FOOTPRINTS),
                outside=len(dc.clusters.outside_parks()))


def _evaluation_section(d: Diagnosis, table, lang: str) -> dict:
    """Per-mu grades and the park ranking, tiers, core firms, targets, the pipeline."""
    from clusteratlas.report.land_grades import PARK_COLUMNS, park_ranking

    _ = translator(lang)
    e = d.evaluation()
    out: dict = {}
    if e.land_efficiency is not None:
        le = e.land_efficiency
        dist = le.firms["grade"].value_counts().reindex(["A", "B", "C", "D"], fill_value=0)
        incomplete = le.firms[~le.firms["complete"]]
        missing = incomplete["missing_items"].str.split("; ").explode().value_counts()
        tiers = e.tiers.assign(period=[_("{year}, full year", year=y) if m == 12 else
                                       _("{year}, months 1–{m}, annualised", year=y, m=m)
                                       for y, m in zip(e.tiers["year"], e.tiers["month_to"])])
        out["grades"] = dict(year=e.year, method=le.method.title_zh if lang == "zh" else le.method.title_en,
                             source=le.method.source, verified=le.method.verified,
                             distribution=("，" if lang == "zh" else ", ").join(f"{g} {n}" for g, n in dist.items()),
                             incomplete=len(incomplete), graded=int(le.firms["complete"].sum()),
                             missing=("、" if lang == "zh" else ", ").join(f"{k} ({n})" for k, n in missing.items()),
                             table=table("grades", park_ranking(le, d.study.parks, lang), PARK_COLUMNS))
        out["tiers"] = table("tiers", tiers, tables.TIERS)
        out["core"] = table("core", tables.with_industry_names(e.core.head(6), lang, "division"), tables.CORE_FIRMS)
    if len(e.targets):
        regions = d.study.tables["regions"]
        firms = d.study.tables["firms"]
        rows = tables.target_rows(e.targets, lang, d.study.parks,
                                  dict(zip(regions["region_id"].astype(str), regions["name"])),
                                  dict(zip(firms["firm_id"], firms["name"])))
        out["targets"] = table("targets", rows, tables.TARGETS, status_classes=rows["status"].str.replace(" ", "-"),
                               titles={"label": rows["source"]} if "source" in rows else None)
    if e.pipeline is not None:
        out["pipeline"] = dict(text=e.pipeline.text_zh if lang == "zh" else e.pipeline.text_en,
                               fig=_fig(figures.pipeline_funnel(e.pipeline.funnel, _("Project funnel"), lang)))
    return out


def _chain_section(d: Diagnosis, table, lang: str) -> dict | None:
    """The lead cluster's chain map on the latest full year, the gap list, leading firms'
    supporting rates, the supply network and a project-impact example."""
    _ = translator(lang)
    c, _reason = _section(d.chain)
    if c is None:
        return None
    gaps = tables.with_industry_names(c.gaps, lang, "sector", "sector_name")
    gaps = gaps.assign(gap_text=[_("missing link") if g else "" for g in gaps["gap"]])
    firms = d.study.tables["firms"].set_index("firm_id")["name"]
    impact = None
    if c.impact is not None:
        effects = {"direct": _("direct"), "indirect": _("indirect"), "induced": _("induced"), "total": _("total")}
        frame = c.impact["table"].assign(effect_text=[effects.get(x, x) for x in c.impact["table"]["effect"]])
        impact = dict(name=c.impact["name"], investment=money_text(c.impact["investment"], lang),
                      multiplier=number(c.impact["multiplier"], 3, lang), table=table("impact", frame, tables.IMPACT))
    lead = tables.industry_names([c.focal], lang)[0]
    risks = c.risks.assign(name=c.risks["buyer_id"].map(firms),
                           risk_text=[tables.supply_risk(n, a, lang) for n, a in zip(c.risks["suppliers"], c.risks["any_local"])])
    return dict(
        year=c.year, lead=lead,
        network=_fig(figures.supply_network_figure(c.network, d.study.region, _("Supply network"), lang=lang)),
        buyers=table("buyers", c.buyers, tables.BUYERS),
        risks=table("risks", risks.head(10), tables.RISKS),
        fig=_fig(figures.chain_map(c.graph, _("The value chain of {industry} ({year})", industry=lead, year=c.year), lang)),
        gaps=table("gaps", gaps.head(10), tables.GAPS),
        rates=table("rates", c.rates, tables.SUPPORTING_RATES) if len(c.rates) else "",
        impact=impact)


def _portfolio_section(d: Diagnosis, table, lang: str):
    """The region against its peers: the peers, the portfolio, the quadrant chart; None when the
    store cannot give it."""
    from clusteratlas.faces.numbers import pct

    _ = translator(lang)
    view, _reason = _section(d.portfolio, lang)
    if view is None:
        return {"reason": _reason}
    regions = d.study.tables["regions"]
    peers, industries = tables.portfolio_rows(view, dict(zip(regions["region_id"].astype(str), regions["name"])), lang)
    p = view.portfolio
    return dict(reason=None, start=p.start, end=p.end, strength=pct(p.cluster_strength_pct, lang),
                peers=table("peers", peers, tables.PEERS), portfolio=table("portfolio", industries, tables.PORTFOLIO),
                fig=_fig(figures.quadrant_chart(view.quadrants, _("Relative presence and relatedness, against the peers"),
                                                lang)),
                parks=_park_peers_section(d, table, lang))


def _park_peers_section(d: Diagnosis, table, lang: str) -> dict:
    """The largest park against its 3 nearest parks (园区对标); the reason when the store cannot
    give it."""
    _ = translator(lang)
    view, why = _section(d.park_peers, lang)
    if view is None:
        return {"reason": why}
    names = dict(zip(d.study.tables["parks"]["park_id"].astype(str), d.study.tables["parks"]["name"]))
    peers, shown, ranks = tables.park_peer_rows(view, names, lang)
    standing = _("{park} among itself and its peers (1 = best):", park=names.get(view.park, view.park))
    return {"reason": None, "standing": standing + " " + ("；" if lang == "zh" else "; ").join(ranks),
            "peers": table("park_peers", peers, tables.PARK_PEERS),
            "figures": table("park_figures", shown, tables.PARK_FIGURES)}


def _spinoffs_section(d: Diagnosis, table, lang: str):
    """Spin-offs by cluster and the genealogy; None when the store cannot give it."""
    _ = translator(lang)
    so, _reason = _section(d.spinoffs, lang)
    if so is None:
        return None
    by = so.by_cluster.assign(cluster_name=so.by_cluster["name_zh" if lang == "zh" else "name_en"])
    return dict(clusters=table("spinoffs", by, tables.SPINOFF_CLUSTERS),
                links=table("spinoff_links", so.links, tables.SPINOFF_LINKS) if len(so.links) else "",
                fig=_fig(figures.spinoff_tree(so.links, _("Who spun off from whom"), lang)) if len(so.links) else "")


def _opportunities_section(d: Diagnosis, table, lang: str):
    """The industry space and the ranked opportunities; None when there are too few regions."""
    _ = translator(lang)
    opp, _reason = _section(d.opportunities)
    if opp is None:
        return None
    t = tables.with_industry_names(opp.table.head(15), lang)
    t = t.assign(reason_text=t["reason_zh" if lang == "zh" else "reason"])
    return dict(n_regions=len(d.study.comparison), strategy=term("strategy", opp.strategy, lang),
                fig=_fig(figures.industry_space_figure(d.industry_space(), _("Industry space"), lang)),
                table=table("opportunities", t, tables.OPPORTUNITIES))


def _incentives_section(run, table, lang: str) -> dict | None:
    """Award totals by clause and payer of a recorded run (``study.records.RecordedRun``)."""
    if run is None:
        return None
    from clusteratlas.study.records import load_ruleset

    t = run.totals
    try:
        rs = load_ruleset(str(run.meta["ruleset"]))
        rules = {r.id: r.title_zh if lang == "zh" else (r.title_en or r.id) for r in rs.rules}
        title = rs.metadata.get("title_zh" if lang == "zh" else "title_en") or str(run.meta["ruleset"])
    except (ValueError, KeyError):  # a ruleset kept only in the store: its stored titles
        rules, title = {}, str(run.meta["ruleset"])
    by_rule = t.by_rule.assign(clause=[clause(c, lang) for c in t.by_rule["clause"]],
                               title=[rules.get(i, z) for i, z in zip(t.by_rule["rule_id"], t.by_rule["title_zh"])])
    by_payer = t.by_payer.assign(payer_name=[term("payer", p, lang) for p in t.by_payer["payer"]])
    status = run.lines["status"]
    return dict(title=title, sha=str(run.meta["ruleset_sha256"])[:12],
                year=int(run.meta["year"]), run_id=int(run.meta["run_id"]),
                label=str(run.meta["label"] or ""), total=money_text(t.total, lang),
                table=table("incentives", by_rule, tables.AWARD_TOTALS),
                payers=table("payers", by_payer, tables.AWARDS_BY_PAYER),
                decisions=int((status == "for decision").sum()), suppressed=int((status == "suppressed").sum()),
                paid_before=int((status == "paid before").sum()))
