"""A firm's profile (企业画像) as its reader sees it: each section of ``study.profile.FirmProfile``
as a table with named columns in one language — money in 万元, growth in % with one decimal,
names where the store keeps ids — for the dashboard's page and for an XLSX workbook (one sheet a
section)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clusteratlas.faces import N_, translator
from clusteratlas.faces.numbers import MISSING, pct
from clusteratlas.faces.terms import term, yes_no
from clusteratlas.report.land_grades import CONSEQUENCE_COLUMNS, consequence_text, item_name, item_unit
from clusteratlas.report.workbook import write_workbook
from clusteratlas.study.profile import FirmProfile

IDENTITY = {"field": (N_("Item"), "text"), "value": (N_("Value"), "text")}
YEARS = {
    "period": (N_("Period"), "text"), "output": (N_("Output"), "wan"), "output_growth_pct": (N_("Output growth"), "pct"),
    "value_added": (N_("Value added"), "wan"), "revenue": (N_("Revenue"), "wan"), "tax_paid": (N_("Tax paid"), "wan"),
    "tax_paid_growth_pct": (N_("Tax growth"), "pct"), "employment": (N_("Employees"), "int"),
    "energy_tce": (N_("Energy (tce)"), "int"), "land_mu": (N_("Land (mu)"), "int"),
}
GRADE_ITEMS = {
    "name": (N_("Item"), "text"), "value": (N_("Value"), "score"), "unit": (N_("Unit"), "text"),
    "weight": (N_("Weight"), "int"), "score": (N_("Score"), "score"),
}
AWARDS = {"rule": (N_("Award"), "text"), "clause": (N_("Clause"), "text"), "year": (N_("Year"), "year"),
          "payer": (N_("Paid by"), "text"), "amount": (N_("Amount"), "wan")}
CLAIMS = {"rule": (N_("Award"), "text"), "year": (N_("Year"), "year"), "state": (N_("Status"), "status"),
          "claimed": (N_("Claimed"), "wan"), "approved": (N_("Approved"), "wan"), "paid": (N_("Paid"), "wan")}
PURCHASES = {"supplier": (N_("Supplier"), "name"), "product": (N_("Product"), "text"), "amount": (N_("Amount"), "wan"),
             "local": (N_("In the region"), "text")}
SALES = {"buyer": (N_("Buyer"), "name"), "product": (N_("Product"), "text"), "amount": (N_("Amount"), "wan")}
PROJECTS = {"name": (N_("Project"), "text"), "stage": (N_("Stage"), "text"),
            "contracted_investment": (N_("Contracted investment"), "wan"), "funds_in_place": (N_("Funds in place"), "wan"),
            "signed_date": (N_("Signed"), "date")}
ALERTS = {"title": (N_("Warning"), "text"), "message": (N_("Message"), "text"), "state": (N_("Status"), "status")}
REQUESTS = {"title": (N_("Subject"), "text"), "category": (N_("Category"), "text"), "state": (N_("Status"), "status"),
            "deadline": (N_("Answer due"), "date")}


def period_label(year: int, month_to: int, lang: str) -> str:
    """2005 / 2006年1–6月 (Jan–Jun 2006)."""
    if month_to == 12:
        return str(int(year))
    return f"{int(year)}年1–{int(month_to)}月" if lang == "zh" else f"Jan–{_MONTHS[int(month_to) - 1]} {int(year)}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def profile_sections(p: FirmProfile, lang: str = "zh", rule_titles: dict | None = None) -> list[tuple[str, pd.DataFrame, dict]]:
    """(title, frame, columns) for each section of the profile, in ``lang``. ``rule_titles``:
    rule id → (Chinese title, English title) of the rulesets the awards and claims come from."""
    _ = translator(lang)
    zh = lang == "zh"
    f = p.firm
    titles = rule_titles or {}

    def rule(rule_id):
        t = titles.get(rule_id)
        return (t[0] if zh else t[1] or t[0]) if t else rule_id

    identity = [
        (_("Name"), f["name"]), (_("Unified social credit code"), f["firm_id"]),
        (_("Industry"), f"{f['industry_code']} {f['industry_zh'] if zh else f['industry_en']}" if f["industry_code"] else MISSING),
        (_("Park"), f["park"] or _("Outside the parks")), (_("Region"), f["region"]),
        (_("Founded"), str(int(f["founded_year"])) if pd.notna(f["founded_year"]) else MISSING),
        (_("Group"), f["parent"] or MISSING), (_("Leading firm"), yes_no(f["is_leading"], lang)),
        (_("Tier (323)"), term("tier", p.tier, lang) if p.tier else _("below CNY 50m output")),
        (_("Site"), f"{f['lat']:.5f}, {f['lon']:.5f}" if pd.notna(f["lat"]) and pd.notna(f["lon"]) else MISSING),
    ]
    sections = [(_("Who it is"), pd.DataFrame(identity, columns=["field", "value"]), IDENTITY)]
    years = p.years.assign(period=[period_label(y, m, lang) for y, m in zip(p.years["year"], p.years["month_to"])])
    sections.append((_("Figures by year"), years, YEARS))
    if p.grade is not None:
        g = p.grade
        rows = [(_("Year"), str(g["year"])), (_("Method"), g["method"] if zh else g["method_en"]),
                (_("Score"), f"{g['score']:.1f}"), (_("Rank"), _("{rank} of {n}", rank=g["rank"], n=g["of"])),
                (_("Grade"), g["grade"]), (_("Computed grade"), g["computed_grade"] or MISSING)]
        if g["override_grade"]:
            rows.append((_("Set by hand"), f"{g['override_grade']}: {g['override_reason']}"))
        for column, value in g["consequences"].items():
            msgid, kind = CONSEQUENCE_COLUMNS.get(column, (column, "text"))
            shown = consequence_text(value, lang)
            rows.append((_(msgid), f"{shown:g}%" if kind == "pct" and isinstance(shown, (int, float)) else str(shown)))
        sections.append((_("Per-mu efficiency grade"), pd.DataFrame(rows, columns=["field", "value"]), IDENTITY))
        items = p.grade_items.copy()
        if len(items):
            shown = [item_unit(u, lang) for u in items["unit"]]
            items["name"] = [item_name(i, lang) for i in g["indicators"]]
            items["value"] = items["value"].astype(float) / [d for d, _u in shown]
            items["unit"] = [u for _d, u in shown]
            sections.append((_("Grade items"), items, GRADE_ITEMS))
    if len(p.awards):
        a = p.awards.assign(rule=p.awards["rule_id"].map(rule), payer=[term("payer", x, lang) for x in p.awards["payer"]])
        sections.append((_("Awards"), a, AWARDS))
    if len(p.claims):
        c = p.claims.assign(rule=p.claims["rule_id"].map(rule), state=[term("claim_state", x, lang) for x in p.claims["state"]])
        sections.append((_("Claims"), c, CLAIMS))
    if len(p.purchases):
        b = p.purchases.assign(supplier=p.purchases["supplier_name"], local=[yes_no(x, lang) for x in p.purchases["local"]])
        share = pct(p.local_share_pct, lang) + "%" if pd.notna(p.local_share_pct) else MISSING
        sections.append((_("What it buys ({share} bought in the region)", share=share), b, PURCHASES))
    if len(p.sales):
        sections.append((_("What it sells to firms of the region"), p.sales, SALES))
    if len(p.projects):
        sections.append((_("Projects"), p.projects.assign(stage=[term("project_stage", x, lang) for x in p.projects["stage"]]),
                         PROJECTS))
    if len(p.alerts):
        sections.append((_("Warnings"), p.alerts.assign(title=p.alerts["title_zh" if zh else "title_en"],
                                                       message=p.alerts["message_zh" if zh else "message_en"],
                                                       state=[term("alert_state", x, lang) for x in p.alerts["state"]]),
                         ALERTS))
    if len(p.requests):
        sections.append((_("Requests to the services desk"),
                         p.requests.assign(category=p.requests["category_zh"] if zh else p.requests["category"],
                                           state=[term("desk_state", x, lang) for x in p.requests["state"]]), REQUESTS))
    return sections


def write_profile_workbook(p: FirmProfile, path: Path, lang: str = "zh", rule_titles: dict | None = None) -> Path:
    """The profile as an XLSX workbook, one sheet a section (sheet names cut to Excel's 31)."""
    sheets, seen = [], set()
    for title, frame, columns in profile_sections(p, lang, rule_titles):
        name = title.replace("(", "（").replace(")", "）")[:31]
        for bad in "[]:*?/\\":
            name = name.replace(bad, " ")
        while name in seen:
            name = name[:29] + f"{len(seen)}"
        seen.add(name)
        sheets.append((name, frame, columns))
    return write_workbook(path, sheets, lang)
