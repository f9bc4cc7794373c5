"""A chain's papers as a chain office hands them round (一链一图、一表、一清单): the chain map, the
link table and the task list — with the leading firms' supporting rate, the firms to attract and
the projects — as an XLSX workbook and a printable HTML page (A4, offline: plotly inlined).
One language at a time: Chinese (default) or English."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd
from plotly.offline import get_plotlyjs

import clusteratlas
from clusteratlas.analyses.chains.ledger import ChainLedger
from clusteratlas.faces import N_
from clusteratlas.faces.terms import chinese
from clusteratlas.report import figures
from clusteratlas.report.html_tables import html_table
from clusteratlas.report.workbook import write_workbook

# one table's columns: key → (English header, translated by the catalogue; kind), kind as in
# ``report.workbook`` (the unit goes into the header: 万元 / CNY m, %)
LINK_TABLE = {
    "stage": (N_("Segment"), "stage"), "name": (N_("Link"), "name"), "status": (N_("Status"), "status"),
    "firms": (N_("Local firms"), "int"), "leading_firms": (N_("Leading firms"), "text"),
    "output": (N_("Output"), "wan"), "purchases": (N_("Bought by the chain"), "wan"),
    "local_share_pct": (N_("Bought locally"), "pct"), "io_leakage": (N_("Input-output leakage"), "wan"),
    "evidence": (N_("Evidence"), "text"),
}
RATE_TABLE = {
    "name": (N_("Leading firm"), "text"), "year": (N_("Year"), "year"), "purchases": (N_("Purchases"), "wan"),
    "local": (N_("Bought locally"), "wan"), "rate_pct": (N_("Local supporting rate"), "pct"),
}
TARGET_TABLE = {
    "link": (N_("Link"), "text"), "rank": (N_("Rank"), "int"), "name": (N_("Firm to attract"), "text"),
    "location": (N_("Location"), "text"), "revenue": (N_("Revenue"), "wan"), "score": (N_("Score"), "score"),
    "reasons": (N_("Reasons"), "text"),
}
PROJECT_TABLE = {
    "link": (N_("Link"), "text"), "name": (N_("Project"), "text"), "stage": (N_("Stage"), "text"),
    "contracted_investment": (N_("Contracted investment"), "wan"), "funds_in_place": (N_("Funds in place"), "wan"),
    "signed_date": (N_("Signed"), "date"),
}
TASK_TABLE = {
    "task_id": (N_("No."), "int"), "title": (N_("Task"), "text"), "link": (N_("Link"), "text"),
    "owner": (N_("Owner"), "text"), "due_date": (N_("Due"), "date"), "status": (N_("Status"), "text"),
    "overdue": (N_("Overdue"), "text"), "note": (N_("Latest note"), "text"),
}
ROLE_TABLE = {
    "role": (N_("Chain role"), "text"), "holder": (N_("Holder"), "text"), "title": (N_("Post"), "text"),
    "since": (N_("Since"), "date"),
}
PROJECT_STAGE_ZH = chinese("project_stage")


def _frames(ledger: ChainLedger, tasks: pd.DataFrame, roles: pd.DataFrame, lang: str,
            firm_names: dict) -> dict[str, pd.DataFrame]:
    """Every table of the papers with the columns of the tables above, in ``lang``."""
    zh = lang == "zh"
    chain = ledger.chain
    link_name = {lk.id: (lk.name_zh if zh else lk.name_en) for lk in chain.links}
    links = ledger.links.assign(
        stage=ledger.links["stage_zh"] if zh else ledger.links["stage"],
        name=ledger.links["name_zh"] if zh else ledger.links["name_en"],
        status=ledger.links["status_zh"] if zh else ledger.links["status_en"],
        evidence=ledger.links["evidence_zh"] if zh else ledger.links["evidence_en"])
    rates = ledger.supporting_rates
    targets = ledger.targets.assign(link=ledger.targets["link_id"].map(link_name),
                                    reasons=ledger.targets["reasons_zh" if zh else "reasons_en"])
    projects = ledger.projects.assign(
        link=ledger.projects["link_id"].map(link_name),
        stage=ledger.projects["stage"].map(PROJECT_STAGE_ZH) if zh else ledger.projects["stage"])
    t = tasks.copy()
    if len(t):
        t = t.assign(link=t["link_id"].map(link_name).fillna("—"),
                     status=t["status_zh"] if zh else t["status"].str.replace("_", " "),
                     overdue=t["overdue"].map({True: "是" if zh else "yes", False: "否" if zh else "no"}))
    r = roles.copy()
    if len(r):
        r = r.assign(role=r["role_zh"] if zh else r["role"].map({"chief": "chain chief", "leader_firm": "leading firm"}),
                     holder=[firm_names.get(h, h) if role == "leader_firm" else h for h, role in zip(r["holder"], r["role"])])
    return {"links": links, "rates": rates, "targets": targets, "projects": projects, "tasks": t, "roles": r}


def write_chain_page(ledger: ChainLedger, tasks: pd.DataFrame, roles: pd.DataFrame, path: Path, *,
                     region_name: str, firm_names: dict | None = None, lang: str = "zh") -> Path:
    """The printable page of a chain (HTML, self-contained, offline)."""
    zh = lang == "zh"
    f = _frames(ledger, tasks, roles, lang, firm_names or {})
    chain = ledger.chain
    name = chain.name_zh if zh else chain.name_en
    title = (f"{region_name}{name}产业链台账（{ledger.year}年）" if zh
             else f"{name} chain ledger, {region_name} ({ledger.year})")
    links = f["links"]
    fig = figures.chain_ledger_map(ledger.links, "一链一图" if zh else "Chain map", lang)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(
        str(resources.files("clusteratlas.report").joinpath("templates"))), autoescape=True)
    page = env.get_template("chain.html.j2").render(
        zh=zh, lang=lang, title=title, chain=chain, region_name=region_name, year=ledger.year,
        purchases_year=ledger.purchases_year, targets=", ".join(f"{t:g}%" for t in ledger.rate_targets),
        plotly_js=get_plotlyjs(), version=clusteratlas.__version__,
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        figure=fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False, "staticPlot": False}),
        table_links=html_table(links, LINK_TABLE, lang, "table-links", ledger.links["status"]),
        table_rates=html_table(f["rates"], RATE_TABLE, lang, "table-rates"),
        table_targets=html_table(f["targets"], TARGET_TABLE, lang, "table-targets"),
        table_projects=html_table(f["projects"], PROJECT_TABLE, lang, "table-projects"),
        table_tasks=html_table(f["tasks"], TASK_TABLE, lang, "table-tasks"),
        table_roles=html_table(f["roles"], ROLE_TABLE, lang, "table-roles"), open_tasks=int((tasks["status"].isin(
            ("open", "in_progress"))).sum()) if len(tasks) else 0,
        overdue=int(tasks["overdue"].sum()) if len(tasks) else 0)
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path


def write_chain_workbook(ledger: ChainLedger, tasks: pd.DataFrame, roles: pd.DataFrame, path: Path, *,
                         region_name: str, firm_names: dict | None = None, lang: str = "zh") -> Path:
    """The chain's tables as an XLSX workbook: one sheet a table, headers with their units,
    money as numbers in 万元 (CNY m in English) with thousands separators, the header frozen."""
    zh = lang == "zh"
    f = _frames(ledger, tasks, roles, lang, firm_names or {})
    chain = ledger.chain
    about = pd.DataFrame({
        ("项目" if zh else "item"): (["产业链", "地区", "年份", "采购记录年份", "模板", "模板来源"] if zh else
                                    ["chain", "region", "year", "purchase records", "template", "sources"]),
        ("内容" if zh else "value"): [chain.name_zh if zh else chain.name_en, region_name, ledger.year,
                                     ledger.purchases_year or "—", f"{chain.id} ({chain.sha256[:12]})",
                                     "；".join(chain.sources)]})
    sheets = [("说明" if zh else "About", about, None),
              ("一表 链条环节" if zh else "Links", f["links"], LINK_TABLE),
              ("一清单 任务" if zh else "Tasks", f["tasks"], TASK_TABLE),
              ("链主配套率" if zh else "Supporting rates", f["rates"], RATE_TABLE),
              ("招商目标" if zh else "Targets", f["targets"], TARGET_TABLE),
              ("项目" if zh else "Projects", f["projects"], PROJECT_TABLE),
              ("链长链主" if zh else "Roles", f["roles"], ROLE_TABLE)]
    return write_workbook(path, sheets, lang)
