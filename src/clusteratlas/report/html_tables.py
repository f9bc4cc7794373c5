"""Tables for a page (the dashboard, a printable export): the same column specifications as the
workbooks (``report.workbook``), each value written as people write it (``faces.numbers``):
money in 万元 or CNY m, percentages with one decimal, dates as YYYY-MM-DD, nothing as —; text
escaped; numbers right-aligned; the first column frozen when the table scrolls."""

from __future__ import annotations

import html

import pandas as pd

from clusteratlas.faces import translator
from clusteratlas.faces.numbers import DECIMALS, MISSING, count, header, is_missing, money, number, pct

TEXT_KINDS = ("text", "name", "stage", "status", "date")


def cell(value, kind: str, lang: str = "zh") -> str:
    """A value as a page shows it (``kind``: as in ``report.workbook``)."""
    if is_missing(value) or (not isinstance(value, str) and not isinstance(value, (int, float)) and pd.isna(value)):
        return MISSING
    if kind == "wan":
        return money(value, "wan", lang) if lang == "zh" else number(float(value) / 1e6, 1, lang)
    if kind == "yi":
        return money(value, "yi", lang)
    if kind == "pct":
        return pct(value, lang)
    if kind in DECIMALS:
        return number(value, DECIMALS[kind], lang)
    if kind == "int":
        return count(value, lang)
    if kind == "year":
        return str(int(value))
    if kind == "date":
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    return str(value)


def html_table(frame: pd.DataFrame, columns: dict, lang: str, table_id: str, status_classes: pd.Series | None = None,
               titles: dict | None = None, links: dict | None = None) -> str:
    """``frame``'s ``columns`` (key → (English header, the catalogue's msgid; kind)) as a table in
    a scrolling box, headers in ``lang`` with their units; ``status_classes``: a CSS class per row
    for the cells of kind "status" (status-strong, status-on-track …); ``titles``: key → a column of hover texts for its cells
    (why a value is missing, what a grade rests on); ``links``: key → a column of addresses its
    cells open (a firm's profile)."""
    _ = translator(lang)
    head = "".join(f"<th class=\"{'text' if kind in TEXT_KINDS else 'num'}\">{html.escape(header(_(msgid), kind, lang))}</th>"
                   for msgid, kind in columns.values())
    rows = []
    for i, (_i, r) in enumerate(frame.iterrows()):
        cells = []
        for key, (_m, kind) in columns.items():
            klass = "text" if kind in TEXT_KINDS else "num"
            if kind == "status" and status_classes is not None:
                klass += f" status-{status_classes.iloc[i]}"
            hover = ""
            if titles and key in titles and not is_missing(titles[key].iloc[i]):
                hover = f' title="{html.escape(str(titles[key].iloc[i]))}"'
            shown = html.escape(cell(r.get(key), kind, lang))
            if links and key in links and isinstance(links[key].iloc[i], str):
                shown = f'<a href="{html.escape(links[key].iloc[i])}">{shown}</a>'
            cells.append(f'<td class="{klass}"{hover}>{shown}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    empty = f'<tr><td colspan="{len(columns)}" class="text">{MISSING}</td></tr>' if not rows else ""
    return (f'<div class="scroll"><table id="{table_id}" class="table"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows) or empty}</tbody></table></div>')
