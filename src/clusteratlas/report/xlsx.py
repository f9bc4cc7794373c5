"""The report's tables as an XLSX workbook (xlsxwriter), one sheet a table, units in headers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clusteratlas.analyses.overview import Overview
from clusteratlas.io.periods import label


def _scaled(frame: pd.DataFrame, money: list[str]) -> pd.DataFrame:
    f = frame.copy()
    for c in money:
        if c in f:
            f[c] = f[c] / 1e4
    return f.rename(columns={c: f"{c} (万元)" for c in money if c in f})


MONEY = ["output", "value_added", "revenue", "tax_paid", "exports", "fixed_asset_investment",
         "rd_spend", "output_previous", "output_per_mu", "tax_per_mu"]


def write_workbook(path: Path, ov: Overview, region_name: str, datasets: pd.DataFrame,
                   clusters=None, opportunities: pd.DataFrame | None = None,
                   award_lines: pd.DataFrame | None = None, provenance: dict | None = None) -> Path:
    totals = ov.totals.copy()
    is_money = totals["indicator"].isin(MONEY + ["output_in_parks"])
    totals.loc[is_money, ["value", "previous"]] /= 1e4
    totals["unit"] = totals["indicator"].map(
        lambda i: "万元" if i in MONEY + ["output_in_parks"] else
        {"employment": "persons", "firms": "firms", "energy_tce": "tce", "land_mu": "mu",
         "park_share_of_output_pct": "%"}.get(i, ""))
    # text is text: a firm named "=HYPERLINK(…)" must not become a live formula in the workbook
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": {
            "strings_to_formulas": False, "strings_to_urls": False}}) as xw:
        items = {"region": region_name, "period": label(ov.year, ov.month_to), "region_id": ov.region_id}
        for k, v in (provenance or {}).get("settings", {}).items():
            items[f"setting: {k}"] = v
        for k in ("data_version", "io_table", "comparison"):
            if provenance and k in provenance:
                items[k] = ", ".join(provenance[k]) if isinstance(provenance[k], list) else provenance[k]
        info = pd.DataFrame({"item": list(items), "value": [str(v) for v in items.values()]})
        info.to_excel(xw, sheet_name="report", index=False)
        totals.to_excel(xw, sheet_name="overview", index=False)
        _scaled(ov.by_industry, MONEY).to_excel(xw, sheet_name="by_industry", index=False)
        _scaled(ov.by_park, MONEY).to_excel(xw, sheet_name="by_park", index=False)
        ov.firm_counts.to_excel(xw, sheet_name="firm_counts", index=False)
        if clusters is not None:
            # a part that cannot be computed says why on its sheet, never an empty or unit table
            for name, part, frame in (("clusters_lq", "lq", clusters.lq),
                                      ("strong_clusters", "strong", clusters.strong),
                                      ("shift_share", "shift", clusters.shift)):
                if part in clusters.reasons:
                    pd.DataFrame({"not computable": [clusters.reasons[part]]}).to_excel(
                        xw, sheet_name=name, index=False)
                else:
                    _scaled(frame, MONEY).to_excel(xw, sheet_name=name, index=False)
            clusters.agglomeration.to_excel(xw, sheet_name="clusters_eg_ms", index=False)
        if award_lines is not None:
            award_lines.to_excel(xw, sheet_name="award_lines", index=False)
        if opportunities is not None:
            opportunities.to_excel(xw, sheet_name="opportunities", index=False)
        d = datasets.drop(columns=["row_counts"]).assign(
            imported_at=datasets["imported_at"].astype(str))
        d.to_excel(xw, sheet_name="datasets", index=False)
        for ws in xw.sheets.values():
            ws.set_column(0, 20, 16)
    return path
