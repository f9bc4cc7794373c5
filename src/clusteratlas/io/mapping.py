"""Find the header of a raw sheet, recognise which table it holds, and map its columns.

The header is the line (or two lines, for merged two-level headers) among the first lines of
the sheet whose cells best match a table's known headers; lines above it are titles, where a
unit (``单位：万元``) or a period (``2006年1-6月…``) may be declared for the whole sheet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from clusteratlas.io import headers as H
from clusteratlas.io.errors import ImportIssue
from clusteratlas.io.periods import period_in_title
from clusteratlas.io.readers import RawSheet
from clusteratlas.io.schema import TABLES
from clusteratlas.io.units import is_unit

# Headers of derived columns (growth, shares, last year's value): not stored, reported.
_DERIVED = re.compile(r"同比|增长|增速|增幅|上年|去年|比重|占比|growth|share|previous|last year|%|％")


@dataclass
class Mapping:
    """What a user's mapping file says (all optional)."""

    columns: dict[str, str] = field(default_factory=dict)  # header → field or 'ignore'
    units: dict[str, str] = field(default_factory=dict)  # field → unit
    sheets: dict[str, str] = field(default_factory=dict)  # sheet → table or 'ignore'
    table: str | None = None
    usd_rate: float | None = None  # CNY per USD

    @classmethod
    def load(cls, path: Path | None) -> "Mapping":
        if path is None:
            return cls()
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        allowed = {"columns", "units", "sheets", "table", "usd_rate"}
        unknown = set(doc) - allowed
        if unknown:
            raise ValueError(f"{path}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
        m = cls(columns={H.normalise(k): v for k, v in (doc.get("columns") or {}).items()},
                units=dict(doc.get("units") or {}), sheets=dict(doc.get("sheets") or {}),
                table=doc.get("table"), usd_rate=doc.get("usd_rate"))
        for target in [*m.sheets.values(), m.table]:
            if target not in (None, "ignore") and target not in TABLES:
                raise ValueError(f"{path}: unknown table {target!r}; tables: {sorted(TABLES)}")
        return m


@dataclass
class MappedColumn:
    index: int
    header: str  # as written, levels joined by ' / '
    letter: str
    unit: str | None


@dataclass
class MappedSheet:
    raw: RawSheet
    table: str
    columns: dict[str, MappedColumn]  # field → column
    data_start: int  # index into raw.body of the first data line
    unit_default: str | None
    period_default: tuple[int, int] | None
    not_stored: list[str]  # headers kept only in the raw file, with why
    repaired: list[str] = field(default_factory=list)  # rows whose geometry was repaired, on request
    # headers of the companion table (用地面积 on a firm list, 企业名称 on a yearly sheet),
    # routed there: field → column
    routed: dict[str, MappedColumn] = field(default_factory=dict)
    above_scale_default: bool | None = None  # True when the title says 规模以上 and no flag column
    title: str = ""  # the title lines above the header, joined
    partial: bool = False  # a companion's routed columns: checked against, or merged into, rows


# Tables whose rows describe the same firm; a header of one found on a sheet of the other is
# routed to it rather than dropped.
COMPANION = {"firms": "firm_years", "firm_years": "firms"}

# Required fields the importer can supply when a file lacks them: a firm's region from its
# credit code (or --region), a park's id from its name and its region from --region or the
# import's firms, a firm-year's firm from the firm's name.
DERIVABLE = {("firms", "region_id"): ("firm_id",), ("parks", "park_id"): ("name",),
             ("parks", "region_id"): (), ("firm_years", "firm_id"): ("name",)}

_ABOVE_SCALE_TITLE = re.compile(r"规模以上|规上")


def column_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _candidates(levels: list[str]) -> list[tuple[str, str | None]]:
    """(name, unit) readings of a header cell, best first."""
    levels = [lv for i, lv in enumerate(levels) if lv and (i == 0 or lv != levels[i - 1])]
    if not levels:
        return []
    if len(levels) == 1:
        return [H.split_unit(levels[0])]
    top, bottom = levels[0], levels[-1]
    out = []
    if is_unit(bottom):
        name, unit = H.split_unit(top)
        out.append((name, bottom if unit is None else unit))
    out.append(H.split_unit(bottom))
    tname, tunit = H.split_unit(top)
    bname, bunit = H.split_unit(bottom)
    out.append((tname + bname, bunit or tunit))
    if not _DERIVED.search(bottom):
        out.append((tname, tunit or bunit))
    return out


def _match(table: str, cells: list[list[str]], mapping: Mapping):
    """Map header cells to fields of ``table``: (field → (index, unit)), duplicates, unmapped,
    and the headers that belong to the companion table (field → (index, unit))."""
    found: dict[str, tuple[int, str | None]] = {}
    routed: dict[str, tuple[int, str | None]] = {}
    duplicates: list[tuple[str, int, int]] = []
    unmapped: list[int] = []
    fields = set(TABLES[table].names) | {"period"}
    companion = COMPANION.get(table)
    for i, levels in enumerate(cells):
        full = _header(levels)
        if not full:
            continue
        hit = None
        for name, unit in _candidates(levels):
            user = mapping.columns.get(H.normalise(full)) or mapping.columns.get(H.normalise(name))
            if user == "ignore":
                hit = ("ignore", None)
                break
            f = user if user in fields else H.field_for(table, name)
            if f:
                hit = (f, unit)
                break
        if hit is None:
            if H.normalise(full) in H.IGNORED:
                continue
            other = next((f for name, unit in _candidates(levels) if companion
                          for f in [H.field_for(companion, name)] if f), None)
            if other and other not in routed and other not in ("year", "period", "month_to"):
                routed[other] = (i, next(u for name, u in _candidates(levels)
                                         if H.field_for(companion, name) == other))
            else:
                unmapped.append(i)
            continue
        if hit[0] == "ignore":
            continue
        if hit[0] in found:
            duplicates.append((hit[0], found[hit[0]][0], i))
        else:
            found[hit[0]] = (i, hit[1])
    return found, duplicates, unmapped, routed


def _required(table: str) -> set[str]:
    req = {c.name for c in TABLES[table].columns if c.required and c.default is None}
    return req


def _missing(table: str, found: dict, routed: dict, period_default) -> set[str]:
    """Required fields neither found nor derivable from what was found."""
    need = _required(table)
    if "year" in need and ("period" in found or period_default):
        need.discard("year")
    have = set(found) | {f"routed:{f}" for f in routed}
    for f in list(need):
        by = DERIVABLE.get((table, f))
        if by is not None and all(b in found or f"routed:{b}" in have for b in by):
            need.discard(f)
    return need - set(found)


def map_sheet(raw: RawSheet, mapping: Mapping, table: str | None = None) -> MappedSheet | ImportIssue | None:
    """Recognise the table of a raw sheet. None: nothing in the sheet (an empty sheet)."""
    where = dict(file=raw.file, sheet=raw.sheet)
    if raw.body.empty or not any(any(c for c in line) for line in raw.head):
        return None
    wanted = mapping.sheets.get(raw.sheet or "") or table or mapping.table
    if wanted == "ignore":
        return None
    tables = [wanted] if wanted else list(TABLES)
    best = None  # (satisfied, score, -depth, h, table, found, dups, unmapped)
    ties = []
    for h in range(len(raw.head)):
        titles = raw.head[:h]
        period_default = next((p for line in titles for c in line if c
                               for p in [period_in_title(c)] if p), None)
        if period_default is None and raw.sheet:
            period_default = period_in_title(raw.sheet)
        for depth in (1, 2):
            if h + depth > len(raw.head):
                continue
            lines = raw.head[h:h + depth]
            width = max(len(line) for line in lines)
            cells = [[line[j] if j < len(line) else "" for line in lines] for j in range(width)]
            nxt = raw.head[h + 1] if h + 1 < len(raw.head) else []
            # a second header line is all text and shows it: merged cells repeating the line
            # above, units, or derived-value words; a data row of plain text does not
            above = raw.head[h]
            second_textual = (any(nxt) and not any(_is_number(c) for c in nxt if c) and any(
                c and (is_unit(c) or _DERIVED.search(c) or (j < len(above) and c == above[j]))
                for j, c in enumerate(nxt)))
            for t in tables:
                found, dups, unmapped, routed = _match(t, cells, mapping)
                # a table is recognised by the headers of its own; a companion's headers
                # (用地面积 on a firm list) are routed, never what decides the table
                score = (not _missing(t, found, routed, period_default),
                         len(found) - len(dups), int((depth == 2) == second_textual), -depth)
                cand = (score, h, depth, t, found, dups, unmapped, cells, period_default, routed)
                if best is None or score > best[0]:
                    best, ties = cand, []
                elif score == best[0] and h == best[1] and depth == best[2] and t != best[3]:
                    ties.append(t)
    score, h, depth, t, found, dups, unmapped, cells, period_default, routed = best
    if score[1] == 0:
        return ImportIssue(**where, row=None, column=None, value=None, rule="no_header",
                           message="no line in the first rows matches the headers of any table; "
                                   "name the columns in a mapping file (--mapping)")
    if not score[0]:
        missing = sorted(_missing(t, found, routed, period_default))
        if score[1] < 2 and not wanted:
            return ImportIssue(**where, row=h + 1, column=None, value=None, rule="unknown_table",
                               message="the columns match no table of the data model; "
                                       "name the table with --table or in a mapping file")
        names_zh = {"firms": "企业名录", "firm_years": "年度指标", "parks": "园区", "regions": "地区",
                    "region_industry_years": "地区行业汇总", "projects": "招商项目", "targets": "目标任务"}
        return ImportIssue(**where, row=h + depth, column=None, value=", ".join(missing),
                           rule="missing_column",
                           message=f"looks like table {t!r} but lacks required column(s) "
                                   f"{', '.join(missing)} (known headers: "
                                   + "; ".join(f"{m}: {'/'.join(H.ALIASES[t].get(m, (m,))[:3])}"
                                               for m in missing) + ")",
                           message_zh=f"看起来是“{names_zh.get(t, t)}”表，但缺少必需的列："
                                      + "、".join(f"{H.ALIASES[t].get(m, (m,))[0]}（{m}）" for m in missing)
                                      + "。请增加该列（可用的列名如 "
                                      + "；".join("/".join(H.ALIASES[t].get(m, (m,))[:3]) for m in missing)
                                      + "），或用 --mapping 指定")
    if ties:
        return ImportIssue(**where, row=h + depth, column=None, value=None, rule="ambiguous_table",
                           message=f"the header fits tables {[t, *ties]} equally well; "
                                   "name the table with --table or in a mapping file")
    if dups:
        f, a, b = dups[0]
        return ImportIssue(**where, row=h + depth, column=_label(cells, b), value=None,
                           rule="duplicate_column",
                           message=f"both {_label(cells, a)} and {_label(cells, b)} map to field {f!r}")
    unit_default = next((u for line in raw.head[:h] for c in line if c
                         for u in [H.unit_line(c)] if u), None)
    columns = {f: MappedColumn(i, _header(cells[i]), column_letter(i),
                               mapping.units.get(f, unit))
               for f, (i, unit) in found.items()}
    moved = {f: MappedColumn(i, _header(cells[i]), column_letter(i),
                             mapping.units.get(f, unit))
             for f, (i, unit) in routed.items() if f not in found}
    not_stored = [f"{_label(cells, i)}: " + ("derived value, not stored" if _DERIVED.search(
        " ".join(cells[i])) else f"not a field of {t}") for i in unmapped]
    title = " ".join(c for line in raw.head[:h] for c in dict.fromkeys(line) if c)
    above = (True if t == "firm_years" and "above_scale" not in found
             and _ABOVE_SCALE_TITLE.search(title + " " + (raw.sheet or "")) else None)
    return MappedSheet(raw, t, columns, h + depth, unit_default, period_default, not_stored,
                       routed=moved, above_scale_default=above, title=title)


def _is_number(text: str) -> bool:
    try:
        float(str(text).replace(",", ""))
        return True
    except ValueError:
        return False


def _header(levels: list[str]) -> str:
    """A header's levels as written, joined; a merged cell spread over both lines counts once."""
    return " / ".join(dict.fromkeys(x for x in levels if x))


def _label(cells, i) -> str:
    return f"{_header(cells[i])} [{column_letter(i)}]"
