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
from clusteratlas.report import figures
from clusteratlas.report.html_tables import html_table
from clusteratlas.report.workbook import write_workbook

# one table's columns: key → (Chinese header, English header, kind); kind: text, wan (CNY shown
# in 万元 / CNY m), pct, int, date
LINK_TABLE = {
    "stage": ("环节", "Stage", "stage"), "name": ("链条环节", "Link", "name"), "status": ("状态", "Status", "status"),
    "firms": ("本地企业(家)", "Local firms", "int"), "leading_firms": ("链主/龙头", "Leading firms", "text"),
    "output": ("产值(万元)", "Output (CNY m)", "wan"), "purchases": ("链上采购(万元)", "Bought by the chain (CNY m)", "wan"),
    "local_share_pct": ("本地配套率(%)", "Bought locally (%)", "pct"),
    "io_leakage": ("投入产出漏出(万元)", "Input-output leakage (CNY m)", "wan"),
    "evidence": ("依据", "Evidence", "text"),
}
RATE_TABLE = {
    "name": ("链主", "Leading firm", "text"), "year": ("年份", "Year", "year"),
    "purchases": ("采购总额(万元)", "Purchases (CNY m)", "wan"), "local": ("本地采购(万元)", "Bought locally (CNY m)", "wan"),
    "rate_pct": ("本地配套率(%)", "Local supporting rate (%)", "pct"),
}
TARGET_TABLE = {
    "link": ("环节", "Link", "text"), "rank": ("排名", "Rank", "int"), "name": ("目标企业", "Firm", "text"),
    "location": ("所在地", "Location", "text"), "revenue": ("营业收入(万元)", "Revenue (CNY m)", "wan"),
    "score": ("得分", "Score", "score"), "reasons": ("理由", "Reasons", "text"),
}
PROJECT_TABLE = {
    "link": ("环节", "Link", "text"), "name": ("项目", "Project", "text"), "stage": ("阶段", "Stage", "text"),
    "contracted_investment": ("协议投资(万元)", "Contracted (CNY m)", "wan"),
    "funds_in_place": ("到位资金(万元)", "Funds in place (CNY m)", "wan"), "signed_date": ("签约日期", "Signed", "date"),
}
TASK_TABLE = {
    "task_id": ("编号", "No.", "int"), "title": ("事项", "Task", "text"), "link": ("环节", "Link", "text"),
    "owner": ("责任人/单位", "Owner", "text"), "due_date": ("办结时限", "Due", "date"),
    "status": ("状态", "Status", "text"), "overdue": ("是否超期", "Overdue", "text"), "note": ("最新进展", "Latest note", "text"),
}
ROLE_TABLE = {
    "role": ("职责", "Role", "text"), "holder": ("姓名/企业", "Holder", "text"), "title": ("职务", "Post", "text"),
    "since": ("任命时间", "Since", "date"),
}
PROJECT_STAGE_ZH = {"lead": "线索", "negotiating": "洽谈", "signed": "签约", "started": "开工", "in_production": "投产",
                    "dropped": "终止"}


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
