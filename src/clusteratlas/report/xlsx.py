"""The report's workbook: the tables the report shows, one sheet a table in the report's order,
with the same headers, units and names (``report.workbook``), and an "about" sheet first: the
region, the period, the settings every number was computed with and the data they came from."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clusteratlas.faces import N_, translator
from clusteratlas.faces.terms import clause, term
from clusteratlas.report.workbook import write_workbook

# a report table → its sheet's title (Excel allows 31 characters)
SHEETS = {
    "industry": N_("By industry"), "park": N_("By park"), "lq": N_("Location quotients"),
    "eg": N_("EG and MS indices"), "strong": N_("Strong clusters"), "shift": N_("Shift-share"),
    "kd": N_("K-density"), "footprints": N_("Firm clusters"), "grades": N_("Per-mu park ranking"),
    "tiers": N_("Firm tiers"), "core": N_("Core firms"), "targets": N_("Targets"), "gaps": N_("Missing links"),
    "rates": N_("Local supporting rates"), "buyers": N_("Buyers"), "risks": N_("Single-source risks"),
    "impact": N_("Project impact"), "incentives": N_("Awards by clause"), "payers": N_("Awards by payer"),
    "opportunities": N_("What to attract"), "datasets": N_("Data sources"), "peers": N_("Peer regions"),
    "portfolio": N_("Portfolio"), "park_peers": N_("Peer parks"), "park_figures": N_("Parks against their peers"),
    "spinoffs": N_("Spin-offs by cluster"), "spinoff_links": N_("Spin-off genealogy"),
}
AWARD_LINES = {"entity_id": (N_("Recipient"), "text"), "clause_text": (N_("Clause"), "text"),
               "rule_id": (N_("Rule"), "text"), "year": (N_("Year"), "year"), "payer_name": (N_("Paid by"), "name"),
               "amount": (N_("Amount"), "wan"), "status_text": (N_("Status"), "status")}


def write_report_workbook(path: Path, shown: dict, study, provenance: dict, lang: str = "zh",
                          award_lines: pd.DataFrame | None = None) -> Path:
    """``shown``: table name → (frame, columns) as the report shows them."""
    _ = translator(lang)
    about = {_("Region"): study.name, _("Period"): study.period_label if lang == "zh" else study.period_en}
    for k, v in (provenance or {}).get("settings", {}).items():
        about[_("Setting: {name}", name=k)] = v
    for k, msgid in (("data_version", N_("Data version")), ("io_table", N_("Input-output table")),
                     ("comparison", N_("Comparison regions"))):
        if provenance and provenance.get(k) is not None:
            v = provenance[k]
            about[_(msgid)] = ", ".join(map(str, v)) if isinstance(v, list) else v
    sheets = [(_("About"), pd.DataFrame({_("Item"): list(about), _("Value"): [str(v) for v in about.values()]}), None)]
    for name, (frame, columns) in shown.items():
        sheets.append((_(SHEETS.get(name, name))[:31], frame, columns))
    if award_lines is not None and len(award_lines):
        lines = award_lines.assign(clause_text=[clause(c, lang) for c in award_lines["clause"]],
                                   payer_name=[term("payer", p, lang) for p in award_lines["payer"]],
                                   status_text=[term("award_status", x, lang) for x in award_lines["status"]])
        sheets.append((_("Award lines")[:31], lines, AWARD_LINES))
    return write_workbook(path, sheets, lang)
