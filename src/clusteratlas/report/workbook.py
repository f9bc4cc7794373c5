"""Tables as an office's XLSX workbook (xlsxwriter): one sheet a table; headers in the reader's
language with their units; money as numbers in 万元 (CNY m in English) with thousands
separators, percentages with one decimal; column widths for the content; the header frozen;
text kept as text (a cell beginning with = is never a formula)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from clusteratlas.faces import translator
from clusteratlas.faces.numbers import DECIMALS, header

# a column's kind → its width when the column is not named below
WIDTHS = {"name": 18, "status": 10, "stage": 8, "date": 12, "text": 28}
WIDE = {"evidence", "reasons", "note", "title", "body", "message"}


def write_workbook(path: Path, sheets: list, lang: str = "zh") -> Path:
    """``sheets``: (name, frame, columns) each; ``columns``: key → (English header, the catalogue's
    msgid; kind) with kind text, name, stage, status, date, wan or yi (CNY), pct, score, int or
    year — or None for a sheet of two text columns written as they are (an "about" sheet)."""
    zh = lang == "zh"
    _ = translator(lang)
    path = Path(path)
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": {
            "strings_to_formulas": False, "strings_to_urls": False}}) as xw:
        book = xw.book
        fmt = {"wan": book.add_format({"num_format": "#,##0.0"}), "yi": book.add_format({"num_format": "#,##0.00"}), "pct": book.add_format({"num_format": "0.0"}),
               "score": book.add_format({"num_format": "0.00"}), "index": book.add_format({"num_format": "0.000"}),
               "km": book.add_format({"num_format": "#,##0.0"}), "mu": book.add_format({"num_format": "#,##0"}),
               "int": book.add_format({"num_format": "#,##0"}),
               "text": book.add_format({"text_wrap": True, "valign": "top"}),
               "head": book.add_format({"bold": True, "bg_color": "#eaf2f8", "text_wrap": True, "valign": "top"})}
        for sheet, frame, columns in sheets:
            if columns is None:
                frame.to_excel(xw, sheet_name=sheet, index=False)
                xw.sheets[sheet].set_column(0, 0, 14)
                xw.sheets[sheet].set_column(1, 1, 90, fmt["text"])
                continue
            heads = {key: header(_(msgid), kind, lang) for key, (msgid, kind) in columns.items()}
            out = pd.DataFrame({heads[key]: values(frame, key, kind, zh) for key, (_m, kind) in columns.items()})
            out.to_excel(xw, sheet_name=sheet, index=False)
            ws = xw.sheets[sheet]
            ws.freeze_panes(1, 0)
            for i, (key, (_m, kind)) in enumerate(columns.items()):
                width = 60 if key in WIDE else WIDTHS.get(kind, 14)
                ws.set_column(i, i, width, fmt.get(kind if kind in fmt else "text"))
                ws.write(0, i, heads[key], fmt["head"])
    return path


def values(frame: pd.DataFrame, key: str, kind: str, zh: bool) -> list:
    """A column as the workbook holds it: numbers as numbers (money in 万元 or CNY m), dates and
    text as text, nothing as empty."""
    if key not in frame:
        return [None] * len(frame)
    v = frame[key]
    if kind == "wan":
        return (v.astype(float) / (1e4 if zh else 1e6)).round(1).tolist()
    if kind == "yi":
        return (v.astype(float) / 1e8).round(2).tolist()
    if kind == "pct":
        return v.astype(float).round(1).tolist()
    if kind in DECIMALS:
        return pd.to_numeric(v, errors="coerce").astype(float).round(DECIMALS[kind]).tolist()
    if kind == "date":
        return [None if pd.isna(x) else pd.Timestamp(x).strftime("%Y-%m-%d") for x in v]
    if kind in ("int", "year"):
        return [None if pd.isna(x) else int(x) for x in v]
    return [None if (not isinstance(x, str) and pd.isna(x)) else str(x) for x in v]
