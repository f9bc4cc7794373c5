"""Turn a mapped sheet into typed columns in canonical units, collecting every problem.

Checks here need only the sheet itself (types, units, ranges, choices, codes, duplicates,
row-level consistency). Checks that need other tables (references, coordinates inside the
region) run in :mod:`clusteratlas.io.importer` once all files of an import are read.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from clusteratlas.classify import GBT4754
from dataclasses import dataclass, field

from clusteratlas.io.errors import ImportIssue, Note
from clusteratlas.io.mapping import MappedSheet
from clusteratlas.io.periods import parse_periods
from clusteratlas.io.schema import DEGREES, MONEY, TABLES, YEAR, Column
from clusteratlas.io.units import UnitError, factor_to_canonical
from clusteratlas.io.uscc import looks_like_uscc, valid_uscc

ROW = "_row"  # the file row number of each record, kept for later checks

_TRUE = {"是", "y", "yes", "true", "t", "1", "√", "✓", "有", "龙头", "规上"}
_FALSE = {"否", "n", "no", "false", "f", "0", "×", "✗", "无", ""}
# what a clerk writes for "no figure": these are missing values, counted in the summary
_EMPTY = {"", "-", "—", "－", "--", "——", "/", "／", "…", "n/a", "na"}
# what a program writes for "no figure" or an overflow: never a value, and never silently empty
_NOT_FINITE = {"nan", "none", "null", "inf", "+inf", "-inf", "infinity", "-infinity", "#n/a",
               "#value!", "#div/0!", "#ref!", "#num!", "#name?", "#null!"}
# a row that sums the rows above it (合计, 小计, 总计, 全县合计, Total): checked, not imported
TOTAL_ROW = re.compile(r"^(?:[^\d]{0,6}(?:合计|总计|小计|累计合计)|total|subtotal|sum|grand total)$",
                       re.IGNORECASE)
# an integer this size in a period or date column is an Excel serial day (45108 = 2023-07-01)
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")

SYNONYMS = {
    "stage": {"线索": "lead", "在谈": "negotiating", "洽谈": "negotiating", "洽谈中": "negotiating",
              "签约": "signed", "已签约": "signed", "开工": "started", "在建": "started",
              "已开工": "started", "新开工": "started", "投产": "in_production",
              "已投产": "in_production", "竣工投产": "in_production", "终止": "dropped",
              "中止": "dropped", "放弃": "dropped", "已终止": "dropped"},
    "kind": {"园区": "park", "工业园": "park", "工业园区": "park", "小区": "zone",
             "工业小区": "zone", "开发区": "development_zone", "经济开发区": "development_zone",
             "高新区": "high_tech_zone", "其他": "other",
             "总量": "level", "绝对值": "level", "增速": "growth_pct", "增长率": "growth_pct",
             "增速差": "growth_gap_pct", "高于增速": "growth_gap_pct", "数量": "count"},
    "level": {"国家": "country", "省": "province", "省级": "province", "市": "prefecture",
              "地级市": "prefecture", "地市": "prefecture",
              "city": "prefecture", "县": "county", "县级市": "county",
              "区": "district", "市辖区": "district", "乡镇": "town", "镇": "town",
              "门类": "section", "大类": "division", "中类": "group", "小类": "class"},
    "match_outcomes.stage": {"已联系": "contacted", "联系": "contacted", "已对接": "contacted",
                             "送样": "sample", "样品": "sample", "试单": "trial_order",
                             "小批量试供": "trial_order", "签约": "contract", "合同": "contract",
                             "已签约": "contract", "放弃": "declined", "未成": "declined"},
    "patents.kind": {"发明": "invention", "发明专利": "invention", "发明授权": "invention",
                     "实用新型": "utility_model", "实用新型专利": "utility_model",
                     "外观设计": "design", "外观设计专利": "design", "utility model": "utility_model"},
    "scope": {"地区": "region", "区域": "region", "园区": "park", "产业": "industry",
              "行业": "industry", "企业": "firm"},
}


class _Collector:
    def __init__(self, sheet: MappedSheet, rows: pd.Series):
        self.sheet, self.rows, self.issues, self.warnings = sheet, rows, [], []

    def add(self, mask: pd.Series, field: str | None, raw: pd.Series | None, rule: str,
            message: str, zh: str | None = None, warning: bool = False) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        col = self.sheet.columns.get(field) if field else None
        column = f"{col.header} [{col.letter}]" if col else field
        values = raw[mask] if raw is not None else pd.Series([None] * int(mask.sum()))
        target = self.warnings if warning else self.issues
        for row, value in zip(self.rows[mask].tolist(), values.tolist()):
            target.append(ImportIssue(self.sheet.raw.file, self.sheet.raw.sheet, int(row),
                                      column, None if value is None else str(value),
                                      rule, message, zh))

    def warn(self, mask, field, raw, rule, message, zh=None) -> None:
        self.add(mask, field, raw, rule, message, zh, warning=True)

    def sheet_issue(self, field: str, value, rule: str, message: str) -> None:
        col = self.sheet.columns.get(field)
        column = f"{col.header} [{col.letter}]" if col else field
        self.issues.append(ImportIssue(self.sheet.raw.file, self.sheet.raw.sheet,
                                       self.sheet.data_start, column, value, rule, message))


def _clean_text(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.strip()
    return s.mask(s.str.lower().isin(_EMPTY) & (s != "0"))


# a number as a program writes it: the cells a column of figures is made of. Arrow parses these
# to the same double as pandas' to_numeric (the nearest one; ±inf past the range)
_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def _text_array(s: pd.Series) -> pa.Array | None:
    """The column as an Arrow string array (nulls where empty), or None for cells that are not
    all text (a workbook's stored numbers)."""
    try:
        return pa.array(s, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def _numbers(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """(parsed float, mask of non-empty cells that are not numbers, mask of NaN/inf/overflow
    cells, mask of empty cells); thousands commas and spaces allowed. Cells that are plain
    numbers are parsed by Arrow in one pass; the others (separators, words, a workbook's stored
    numbers) as ``_numbers_by_pandas`` does, which gives the same for plain ones."""
    arr = _text_array(s)
    if arr is None:
        return _numbers_by_pandas(s)
    trimmed = pc.utf8_trim_whitespace(arr)
    plain = pc.fill_null(pc.match_substring_regex(trimmed, _PLAIN_NUMBER), False)
    values = pc.cast(pc.if_else(plain, trimmed, pa.scalar(None, pa.string())), pa.float64())
    values = values.to_numpy(zero_copy_only=False).astype("float64", copy=True)
    plain = plain.to_numpy(zero_copy_only=False)
    empty = pc.is_null(trimmed).to_numpy(zero_copy_only=False)
    infinite = plain & np.isinf(values)
    values[infinite] = np.nan
    bad = np.zeros(len(s), dtype=bool)
    rest = ~plain & ~empty
    if rest.any():
        v, b, i, e = _numbers_by_pandas(s[rest])
        values[rest], bad[rest], infinite[rest], empty[rest] = v.to_numpy(), b.to_numpy(), i.to_numpy(), e.to_numpy()
    return (pd.Series(values, index=s.index), pd.Series(bad, index=s.index),
            pd.Series(infinite, index=s.index), pd.Series(empty, index=s.index))


def _numbers_by_pandas(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """``_numbers`` cell by cell in pandas: every form a clerk writes."""
    text = s.astype("string").str.strip()
    empty = (text.isna() | text.str.lower().isin(_EMPTY)).fillna(True).astype(bool)
    # most cells parse as they are: clean separators only off the ones that do not
    values = pd.to_numeric(text.where(~empty), errors="coerce").astype("float64")
    retry = values.isna() & ~empty
    if retry.any():
        cleaned = text[retry].str.replace(r"[,\s\u00a0，]", "", regex=True)
        values[retry] = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    odd = (values.isna() | np.isinf(values)) & ~empty
    spelled = pd.Series(False, index=s.index)
    if odd.any():
        spelled[odd] = text[odd].str.replace(r"\s", "", regex=True).str.lower().isin(_NOT_FINITE)
    infinite = np.isinf(values.fillna(0.0)) | spelled  # 1e400 parses as inf
    values = values.where(~infinite)
    bad = values.isna() & ~empty & ~infinite
    return values, bad, infinite & ~empty, empty


def _unit_factor(c: Column, col, sheet: MappedSheet, usd_rate, out: _Collector):
    unit = col.unit or (sheet.unit_default if c.quantity == MONEY else None)
    if unit is None:
        return 1.0, None
    try:
        return factor_to_canonical(unit, c.quantity, usd_rate), unit
    except UnitError as e:
        rule = str(e)
        message = ("amounts in USD need an exchange rate: give --usd-rate (CNY per USD) or "
                   "usd_rate in the mapping file" if rule == "usd_rate_missing" else
                   f"unit {unit!r} is not a unit of {c.quantity} (column {c.name})")
        out.sheet_issue(c.name, unit, rule, message)
        return None, unit


def _geojson_shape(text: str):
    """(shape, None) for a Polygon/MultiPolygon GeoJSON text, else (None, what is wrong)."""
    from shapely.geometry import shape

    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        return None, f"not JSON ({e.msg})"
    if not isinstance(obj, dict):
        return None, "not a GeoJSON object"
    if obj.get("type") == "FeatureCollection" and len(obj.get("features", [])) == 1:
        obj = obj["features"][0]
    if obj.get("type") == "Feature":
        obj = obj.get("geometry") or {}
    if obj.get("type") not in ("Polygon", "MultiPolygon"):
        return None, f"geometry type {obj.get('type')!r}, expected Polygon or MultiPolygon"
    try:
        geom = shape(obj)
    except Exception as e:  # shapely raises several types for malformed coordinates
        return None, f"malformed coordinates ({e})"
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        return None, "coordinates are not longitude/latitude degrees"
    return geom, None


def _geojson_ok(text: str) -> str | None:
    """None if ``text`` is a valid Polygon/MultiPolygon GeoJSON, else what is wrong."""
    geom, why = _geojson_shape(text)
    if geom is not None and not geom.is_valid:
        from shapely.validation import explain_validity

        return (f"invalid polygon: {explain_validity(geom)}; fix it (QGIS Fix Geometries, "
                "ogr2ogr -makevalid) or import with --repair-geometry")
    return why


def repair_geojson(text: str) -> tuple[str, str] | None:
    """(repaired GeoJSON, what was wrong) for a parseable but invalid (Multi)Polygon, by
    shapely's make_valid keeping the polygonal parts; None when it is valid or unrepairable."""
    import shapely
    from shapely.validation import explain_validity

    geom, why = _geojson_shape(text)
    if geom is None or geom.is_valid:
        return None
    fixed = shapely.make_valid(geom)
    if fixed.geom_type == "GeometryCollection":
        parts = [g for g in fixed.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(parts) if parts else None
    if fixed is None or fixed.is_empty or fixed.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    return (json.dumps(shapely.geometry.mapping(fixed), separators=(",", ":")),
            explain_validity(geom))


@dataclass
class Converted:
    """A sheet's typed records (plus ROW), its problems, its warnings (listed before the import
    commits; errors under --strict) and notes for the import summary."""

    data: pd.DataFrame
    issues: list[ImportIssue]
    warnings: list[ImportIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def convert(sheet: MappedSheet, usd_rate: float | None, repair_geometry: bool = False,
            region: str | None = None) -> Converted:
    """Typed records in canonical units (plus ROW) and every problem found in the sheet.
    ``repair_geometry``: repair self-intersecting boundaries (listed in ``sheet.repaired``);
    ``region``: the region of every firm of a firm list that has no region column."""
    table = TABLES[sheet.table]
    body = sheet.raw.body.iloc[sheet.data_start:]
    rows = sheet.raw.row_numbers.iloc[sheet.data_start:]
    # trailing or interspersed blank lines carry nothing
    nonblank = (body != "").any(axis=1)
    body, rows = body[nonblank], rows[nonblank]
    notes: list[str] = []
    total_warnings: list[ImportIssue] = []
    totals = _total_rows(body)
    if totals.any():
        notes.extend(_check_totals(sheet, body, rows, totals, total_warnings))
        body, rows = body[~totals], rows[~totals]
    lines = body.index  # the raw sheet's line of each record, for cell-level flags
    out = _Collector(sheet, rows.reset_index(drop=True))
    out.warnings.extend(total_warnings)
    body = body.reset_index(drop=True)
    if body.empty:
        out.issues.append(ImportIssue(sheet.raw.file, sheet.raw.sheet, sheet.data_start, None,
                                      None, "no_data_rows", "the header has no data rows under it"))
        return Converted(pd.DataFrame(), out.issues, out.warnings, notes)
    _flagged_cells(sheet, lines, out)
    raw = {f: body[col.index] for f, col in sheet.columns.items()}
    data = pd.DataFrame(index=body.index)
    figures = [c.name for c in table.columns if c.name in raw and c.dtype in ("int", "float")]
    with ThreadPoolExecutor(COLUMN_THREADS) as pool:  # the columns of figures parsed at once
        numbers = dict(zip(figures, pool.map(_numbers, (raw[f] for f in figures))))

    if "period" in raw:  # a period column gives year and month_to
        text = _clean_text(raw["period"])
        year, month = parse_periods(text.fillna(""))
        serial = text.str.fullmatch(_SERIAL.pattern).fillna(False).astype(bool)
        out.add(serial, "period", raw["period"], "excel_serial",
                "an Excel serial day number, not a period: format the column as text and "
                "write the period, e.g. 2023, 2023年1-6月 or 2023H1",
                "这是 Excel 日期序列号而不是统计期：请把该列设为文本格式，写成 2023、2023年1-6月 或 2023H1")
        out.add(text.notna() & year.isna() & ~serial, "period", raw["period"], "bad_period",
                "not a period: write 2006, 2006年1-6月, 2006H1, 2006Q3 or 2006-06")
        out.add(text.isna(), "period", raw["period"], "missing_value", "the period is empty")
        data["year"], data["month_to"] = year, month

    for c in table.columns:
        if c.name in ("year", "month_to") and "period" in raw and c.name not in raw:
            continue
        if c.name not in raw:
            if (sheet.table, c.name) == ("firms", "region_id") and not sheet.partial:
                data["region_id"] = _region_of_firms(data, raw, region, out, notes)
            elif c.name == "above_scale" and sheet.above_scale_default:
                data["above_scale"] = pd.Series(True, index=body.index, dtype="boolean")
                notes.append(Note("above-scale (规上) for every row: the title says 规模以上 and "
                                  "the sheet has no flag column",
                                  "标题含“规模以上”且无“是否规上”列：各行均按规模以上企业导入"))
            elif c.default is not None:
                data[c.name] = pd.Series(c.default, index=body.index, dtype="string")
            elif c.name == "level" and sheet.table == "industries" and "code" in raw:
                code = _clean_text(raw["code"]).fillna("")
                data["level"] = code.str.len().map({1: "section", 2: "division", 3: "group",
                                                    4: "class"}).astype("string")
            elif c.name in ("year", "month_to") and sheet.period_default:
                data[c.name] = pd.Series(sheet.period_default[c.name == "month_to"],
                                         index=body.index, dtype="Int64")
            elif c.name == "month_to" and "year" in data or c.name == "month_to" and "year" in raw:
                data["month_to"] = pd.Series(12, index=body.index, dtype="Int64")
            continue
        s = raw[c.name]
        col = sheet.columns[c.name]
        if c.dtype in ("text", "geojson"):
            v = _clean_text(s)
            if c.choices and (sheet.table, c.name) != ("targets", "unit"):  # converted below
                words = SYNONYMS.get(f"{sheet.table}.{c.name}", SYNONYMS.get(c.name, {}))
                v = v.map(lambda x: words.get(x, x) if isinstance(x, str) else x)
                low = v.str.lower()
                v = v.where(~low.isin(c.choices), low)
                out.add(v.notna() & ~v.isin(c.choices), c.name, s, "bad_choice",
                        f"{c.name} must be one of {', '.join(c.choices)}")
            if c.dtype == "geojson":
                if repair_geometry:
                    for i, text in v.dropna().items():
                        fixed = repair_geojson(text)
                        if fixed is not None:
                            v.at[i] = fixed[0]
                            sheet.repaired.append(Note(f"row {out.rows[i]}: {c.name} repaired ({fixed[1]})",
                                                       f"第 {out.rows[i]} 行：边界已修复（{fixed[1]}）"))
                msgs = v.dropna().map(_geojson_ok)
                bad = pd.Series(False, index=v.index)
                for why in msgs.dropna().unique():
                    bad_now = pd.Series(False, index=v.index)
                    bad_now[msgs[msgs == why].index] = True
                    out.add(bad_now, c.name, s.str.slice(0, 60), "bad_geojson", f"boundary: {why}")
                    bad |= bad_now
            data[c.name] = v.astype("string") if c.dtype == "text" else v
        elif c.dtype == "bool":
            low = _clean_text(s).str.lower()
            out.add(low.notna() & ~low.isin(_TRUE | _FALSE), c.name, s, "bad_boolean",
                    f"{c.name} must be yes or no (是/否, Y/N, 1/0)")
            data[c.name] = low.map(lambda x: True if x in _TRUE else (False if x in _FALSE else pd.NA)
                                   if isinstance(x, str) else pd.NA).astype("boolean")
        elif c.dtype == "date":
            text = _clean_text(s)
            out.add(text.str.fullmatch(_SERIAL.pattern).fillna(False).astype(bool), c.name, s,
                    "excel_serial", "an Excel serial day number, not a date: format the column "
                    "as a date or text, e.g. 2023-05-31",
                    "这是 Excel 日期序列号而不是日期：请把该列设为日期或文本格式，如 2023-05-31")
            norm = (text.str.replace(r"\s.*$", "", regex=True)
                    .str.replace(r"[年月./]", "-", regex=True).str.replace("日", ""))
            parsed = pd.to_datetime(norm, format="%Y-%m-%d", errors="coerce")
            out.add(text.notna() & parsed.isna(), c.name, s, "bad_date",
                    "not a date: write 2006-05-31 or 2006年5月31日")
            data[c.name] = parsed.dt.date
        else:  # int / float
            values, bad, infinite, empty = numbers[c.name]
            out.add(bad, c.name, s, "not_a_number", f"{c.name} must be a number")
            out.add(infinite, c.name, s, "not_finite",
                    "not a figure (NaN, infinity, an Excel error or a number beyond range): "
                    "enter the figure, or leave the cell empty or '—' if there is none",
                    "不是有效数值（NaN、无穷大、Excel 错误值或超出范围的数）：请填写实际数值；"
                    "没有数据时留空或填“—”")
            n_empty = int(empty.sum())
            if n_empty and c.quantity not in (YEAR, DEGREES):
                notes.append(Note(f"{col.header} [{col.letter}]: {n_empty} empty cell(s) ('—', '-', "
                                  "'/' or blank) read as missing",
                                  f"{col.header} [{col.letter}] 列：{n_empty} 个空格子（“—”“-”“/”或空白），"
                                  "按缺失值导入，不当作 0"))
            if c.quantity and c.quantity not in (YEAR,):
                factor, _ = _unit_factor(c, col, sheet, usd_rate, out)
                if factor is None:
                    factor = np.nan
                values = values * factor
            if c.dtype == "int":
                frac = values.notna() & (values % 1 != 0)
                out.add(frac, c.name, s, "not_an_integer", f"{c.name} must be a whole number")
                values = values.where(~frac).round().astype("Int64")
            if c.min is not None:
                rule = "negative_value" if c.min == 0 else (
                    "year_out_of_range" if c.quantity == YEAR else "out_of_range")
                msg = (f"{c.name} cannot be negative" if c.min == 0 else
                       f"{c.name} must be between {c.min:g} and {c.max:g}")
                out.add(values < c.min, c.name, s, rule, msg)
            if c.max is not None:
                rule = "year_out_of_range" if c.quantity == YEAR else "out_of_range"
                out.add(values > c.max, c.name, s, rule,
                        f"{c.name} must be between {c.min:g} and {c.max:g}")
            data[c.name] = values

    for c in table.columns:
        if c.required and c.name in data and not (c.name not in raw and c.name == "region_id"):
            source = raw.get(c.name, raw.get("period"))
            blank = data[c.name].isna() & (source.astype("string").str.strip().fillna("")
                                           .str.lower().isin(_EMPTY) if source is not None else True)
            out.add(blank, c.name, source, "missing_value", f"{c.name} is required")
        if c.industry_code and c.name in data:
            v = data[c.name]
            out.add(v.notna() & ~GBT4754.valid_mask(v), c.name, raw[c.name],
                    "unknown_industry_code",
                    "not a GB/T 4754-2017 code and no shipped division above it")
    if sheet.table == "firm_years" and "firm_id" not in raw and "name" in sheet.routed:
        data["_firm_name"] = _clean_text(body[sheet.routed["name"].index])  # resolve.FIRM_NAME
    _row_checks(sheet.table, data, raw, out)
    if sheet.table == "firm_years" and not sheet.partial:
        _magnitudes(data, raw, out)
    data[ROW] = out.rows.values
    if not sheet.partial:  # a companion's rows are the same rows: their key is checked once
        _duplicates(table.name, table.key, data, raw, out)
    return Converted(data, out.issues, out.warnings, notes)


def _total_rows(body: pd.DataFrame) -> pd.Series:
    """Rows whose label cell says 合计/小计/总计 (or Total): the sheet's own sums."""
    hit = pd.Series(False, index=body.index)
    with ThreadPoolExecutor(COLUMN_THREADS) as pool:  # Arrow's kernels release the GIL
        screens = list(pool.map(_maybe_total, (body[c] for c in body.columns)))
    for c, maybe in zip(body.columns, screens):
        if maybe.any():
            col = body[c].astype("string")
            text = col[maybe].str.replace(r"\s+", "", regex=True)
            hit[maybe] |= text.str.fullmatch(TOTAL_ROW.pattern, case=False).fillna(False).astype(bool)
    return hit


_TOTAL_SCREEN = "计|[tT][oO][tT][aA][lL]|^[sS][uU][mM]$"  # one pass: 计, total or sum in any case
COLUMN_THREADS = 2


def _maybe_total(cells: pd.Series) -> np.ndarray:
    """A cheap screen for total-row labels (short cells with 计, total or sum), in Arrow; the
    full pattern runs only on the few cells it lets through."""
    arr = _text_array(cells)
    if arr is None:
        arr = pa.array(cells.astype("string"), type=pa.string(), from_pandas=True)
    maybe = pc.fill_null(pc.match_substring_regex(arr, _TOTAL_SCREEN), False).to_numpy(zero_copy_only=False)
    if maybe.any():
        maybe &= pc.fill_null(pc.less_equal(pc.utf8_length(arr), 16), False).to_numpy(zero_copy_only=False)
    return maybe


def _check_totals(sheet: MappedSheet, body: pd.DataFrame, rows: pd.Series, totals: pd.Series,
                  warnings: list[ImportIssue]) -> list[str]:
    """Check each grand-total row (合计/总计) against the sums of the detail rows, column by
    column, in the file's own units; a mismatch is a warning naming the cell."""
    notes = []
    detail = body[~totals]
    numeric = {f: col for f, col in sheet.columns.items()
               if f in TABLES[sheet.table].names and TABLES[sheet.table].column(f).dtype == "float"
               and TABLES[sheet.table].column(f).quantity not in (DEGREES, None)}
    for line in body.index[totals]:
        label = next((v for v in body.loc[line] if TOTAL_ROW.fullmatch(re.sub(r"\s+", "", str(v)))), "")
        row = int(rows.loc[line])
        if "小计" in label:
            notes.append(Note(f"row {row} ({label}): a subtotal, not imported",
                              f"第 {row} 行（{label}）为小计行，未导入"))
            continue
        checked, off = 0, []
        for f, col in numeric.items():
            total, _, _, empty = _numbers(pd.Series([body.at[line, col.index]]))
            if empty.iloc[0] or pd.isna(total.iloc[0]):
                continue
            values, _, _, _ = _numbers(detail[col.index])
            expected, given = float(values.sum()), float(total.iloc[0])
            # figures and total are shown rounded (to the total's decimals): n rows rounded and a
            # rounded total differ from exact sums by at most (n + 1)/2 units of that decimal, so
            # no rounding alone is ever reported
            shown = str(body.at[line, col.index]).replace(",", "").strip()
            decimals = len(shown.split(".")[1]) if "." in shown else 0
            checked += 1
            bound = (len(detail) + 1) / 2 * 10.0 ** -decimals
            if abs(given - expected) > max(bound, 1e-9 * abs(expected)):
                off.append(f)
                warnings.append(ImportIssue(
                    sheet.raw.file, sheet.raw.sheet, row, f"{col.header} [{col.letter}]", shown,
                    "total_mismatch",
                    f"the {label} row gives {given:,.{decimals}f} but the {len(detail)} rows above "
                    f"sum to {expected:,.{decimals}f}: a row is missing, doubled or mistyped",
                    f"{label}行为 {given:,.{decimals}f}，但上方 {len(detail)} 行合计为 "
                    f"{expected:,.{decimals}f}：可能漏行、重复或录入有误"))
        notes.append(Note(f"row {row} ({label}): a total row, not imported; " + (
            f"{checked - len(off)} of {checked} column sums match" if checked else
            "no figures to check"), f"第 {row} 行（{label}）为合计行，未导入；" + (
            f"{checked} 列中 {checked - len(off)} 列与各行之和相符" if checked else "无可核对的数值")))
    return notes


def _flagged_cells(sheet: MappedSheet, lines, out: _Collector) -> None:
    """Formulas without a saved value and links to other workbooks, in mapped columns."""
    flagged = sheet.raw.flagged
    if not flagged:
        return
    position = {line: k for k, line in enumerate(lines)}
    for f, col in {**sheet.columns, **sheet.routed}.items():
        for (line, c), (kind, formula) in flagged.items():
            if c != col.index or line not in position:
                continue
            mask = pd.Series(False, index=out.rows.index)
            mask.iloc[position[line]] = True
            if kind == "external":
                out.add(mask, f, pd.Series(formula, index=out.rows.index), "external_link",
                        "the cell links to another workbook; its value may be stale or missing: "
                        "paste the values (选择性粘贴 → 数值) and import again",
                        "该单元格引用了其他工作簿，数值可能过期或缺失：请复制后“选择性粘贴→数值”再导入")
            else:
                out.add(mask, f, pd.Series(formula, index=out.rows.index), "formula_without_value",
                        "a formula with no saved value (the file was never recalculated in Excel): "
                        "open it in Excel or WPS, save, and import again",
                        "公式没有保存的计算结果（文件未在 Excel 中重新计算）：请用 Excel 或 WPS 打开、"
                        "保存后再导入")


def _region_of_firms(data: pd.DataFrame, raw: dict, region: str | None, out: _Collector,
                     notes: list[str]) -> pd.Series:
    """A firm list without a region column: ``--region``, else characters 3–8 of the unified
    social credit code (the registering authority's division, GB 32100-2015, clause 4.1)."""
    index = out.rows.index
    if region is not None:
        notes.append(Note(f"region {region} for every firm (--region)",
                          f"全部企业的所在地区取 --region 指定的 {region}"))
        return pd.Series(region, index=index, dtype="string")
    ids = _clean_text(raw["firm_id"]).fillna("") if "firm_id" in raw else pd.Series("", index=index)
    credit = valid_uscc(ids)
    derived = ids.str.slice(2, 8).where(credit).astype("string")
    out.add(~credit & (ids != ""), "firm_id", raw.get("firm_id"), "no_region",
            "no region for this firm: the sheet has no 行政区划代码 column and this is not a "
            "unified social credit code; add the column or import with --region CODE",
            "无法确定企业所在地区：表中没有“行政区划代码”列，且该代码不是统一社会信用代码；"
            "请增加该列，或导入时加 --region 行政区划代码")
    if credit.any():
        counts = ", ".join(f"{code} ({n})" for code, n in derived.value_counts().items())
        notes.append(Note(f"region from the credit code (characters 3–8, GB 32100-2015) for "
                          f"{int(credit.sum())} firm(s): {counts}",
                          f"{int(credit.sum())} 家企业的所在地区取自统一社会信用代码第 3–8 位"
                          f"（GB 32100-2015）：{counts}"))
    return derived


# Money columns a firm reports side by side; a factor of 10⁴ between them, or between a firm
# and its peers, is 亿元 pasted into a 万元 column (or 元 into 万元), not an economy.
_PEERS = ("output", "revenue", "value_added", "tax_paid", "exports", "fixed_asset_investment")
_PEER_FACTOR = 10 ** 3.5


def _magnitudes(data: pd.DataFrame, raw: dict, out: _Collector) -> None:
    for f in _PEERS:
        if f not in raw or f not in data:
            continue
        v = data[f].where(data[f] > 0)
        if v.notna().sum() < 5:
            continue
        median = v.median()
        far = (v > median * _PEER_FACTOR) | (v < median / _PEER_FACTOR)
        out.warn(far, f, raw[f], "magnitude",
                 f"{f} is more than 3,000 times off the median of the other rows "
                 f"({median / 1e4:,.1f} 万元): check the unit (亿元 or 元 in a 万元 column?)",
                 f"该值与其他企业中位数（{median / 1e4:,.1f} 万元）相差 3000 倍以上：请核对单位"
                 "（是否把亿元或元填进了万元列）")
    if {"output", "revenue"} <= set(raw):
        ratio = data["output"] / data["revenue"]
        far = (data["output"] > 0) & (data["revenue"] > 0) & ((ratio > 100) | (ratio < 0.01))
        out.warn(far & ~_flagged(out, "output"), "output", raw["output"], "magnitude",
                 "gross output is more than 100 times off the firm's revenue: one of the two is "
                 "in another unit",
                 "工业总产值与营业收入相差 100 倍以上：其中一项的单位可能有误")


def _flagged(out: _Collector, field: str) -> pd.Series:
    """Rows already warned about for ``field`` (one warning per cell is enough)."""
    col = out.sheet.columns.get(field)
    column = f"{col.header} [{col.letter}]" if col else field
    rows = {w.row for w in out.warnings if w.column == column}
    return out.rows.isin(rows).set_axis(out.rows.index)


def _row_checks(table: str, data: pd.DataFrame, raw: dict, out: _Collector) -> None:
    if "firm_id" in data and table in ("firms", "firm_years"):
        ids = data["firm_id"]
        shaped = looks_like_uscc(ids.fillna(""))
        out.add(shaped & ~valid_uscc(ids.fillna("")), "firm_id", raw["firm_id"], "bad_credit_code",
                "check digit of the unified social credit code (GB 32100-2015) is wrong")
    if {"lon", "lat"} <= set(data):
        lon, lat = data["lon"], data["lat"]
        out.add(lon.isna() != lat.isna(), "lat" if lat.isna().any() else "lon",
                raw.get("lat", raw.get("lon")), "missing_value",
                "give both longitude and latitude, or neither")
        swapped = (lat.abs() > 90) & (lon.abs() <= 90)
        out.add(swapped, "lat", raw["lat"], "coordinates_swapped",
                "latitude beyond ±90°: longitude and latitude look swapped")
    if {"local_purchases", "total_purchases"} <= set(data):
        out.add(data["local_purchases"] > data["total_purchases"] * (1 + 1e-9), "local_purchases",
                raw["local_purchases"], "inconsistent_values",
                "local purchases exceed total purchases")
    if {"value_added", "output"} <= set(data):
        out.add(data["value_added"] > data["output"] * (1 + 1e-9), "value_added",
                raw["value_added"], "inconsistent_values",
                "value added exceeds gross output")
    if table == "industries" and "code" in data:
        gbt = data["classification"] == GBT4754.name
        out.add(gbt & data["code"].notna() & ~GBT4754.valid_mask(data["code"]), "code",
                raw["code"], "unknown_industry_code",
                "not a GB/T 4754-2017 code and no shipped division above it")
        out.add(data["level"].isna() & data["code"].notna(), "code", raw["code"], "bad_choice",
                "level cannot be told from the code; give a level column")
    if table == "targets" and "unit" in raw:
        _target_units(data, raw, out)
    if table == "supply_links":
        no_supplier = data.get("supplier_id", pd.Series(pd.NA, index=data.index)).isna() & \
            data.get("supplier_name", pd.Series(pd.NA, index=data.index)).isna()
        out.add(no_supplier, "supplier_name" if "supplier_name" in raw else "supplier_id",
                None, "missing_value", "give the supplier's id or its name")
    if table == "regions" and {"min_lon", "max_lon", "min_lat", "max_lat"} <= set(data):
        out.add((data["min_lon"] > data["max_lon"]) | (data["min_lat"] > data["max_lat"]),
                "min_lon", raw["min_lon"], "inconsistent_values",
                "bounding box has min greater than max")
    if table == "projects":
        dates = [d for d in ("lead_date", "signed_date", "start_date", "production_date") if d in data]
        for a, b in zip(dates, dates[1:]):
            da, db = pd.to_datetime(data[a]), pd.to_datetime(data[b])
            out.add(da > db, b, raw[b], "date_order", f"{b} is before {a}")


def _target_units(data: pd.DataFrame, raw: dict, out: _Collector) -> None:
    """Targets carry a unit per row: money rows are converted to CNY, others kept."""
    units = _clean_text(raw["unit"])
    plain = {"%": "%", "％": "%", "percent": "%", "个百分点": "%", "百分点": "%", "家": "count",
             "个": "count", "count": "count", "亩": "mu", "mu": "mu", "吨标准煤": "tce", "tce": "tce"}
    canonical = pd.Series(pd.NA, index=data.index, dtype="string")
    factors = pd.Series(np.nan, index=data.index)
    for u in units.dropna().unique():
        rows = units == u
        if u.strip().lower() in plain:
            canonical[rows], factors[rows] = plain[u.strip().lower()], 1.0
            continue
        try:
            factors[rows] = factor_to_canonical(u, MONEY, None)
            canonical[rows] = "CNY"
        except UnitError:
            out.add(rows, "unit", raw["unit"], "bad_unit",
                    f"unit {u!r} is not a money unit (元/万元/亿元), %, or a count (家/个)")
    data["value"] = data["value"] * factors.where(units.notna(), 1.0)
    data["unit"] = canonical


def _duplicates(table: str, key: tuple[str, ...], data: pd.DataFrame, raw: dict,
                out: _Collector) -> None:
    cols = [k for k in key if k in data]
    if len(cols) != len(key):
        return
    keyframe = data[cols].astype("string").fillna("")
    dup = keyframe.duplicated(keep=False)
    if not dup.any():
        return
    groups = data.loc[dup, ROW].groupby([keyframe.loc[dup, k] for k in cols]).agg(list)
    first_field = cols[0]
    for rows in groups:
        mask = data[ROW].isin(rows[1:])
        out.add(mask, first_field, raw.get(first_field), "duplicate_key",
                f"{table} key ({', '.join(cols)}) repeats row {rows[0]}",
                f"与第 {rows[0]} 行重复（同一代码{'和统计期' if 'year' in cols else ''}只能出现一次）："
                "请删除或更正重复行")
