"""Read CSV (UTF-8, UTF-8 with BOM, GBK/GB18030), XLSX, Parquet and GeoJSON into raw sheets of text.

A raw sheet keeps every cell as text (or the number Excel stored), the lines above the data
(titles, one- or two-line headers, merged cells expanded), and the row number each data row
has in the file as a user sees it (the first line is row 1), so errors can point at it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from clusteratlas.io.errors import ImportIssue

HEAD_LINES = 12  # lines searched for titles and the header


@dataclass
class RawSheet:
    file: str
    sheet: str | None
    head: list[list[str]]  # the first lines, merged cells filled, as text
    body: pd.DataFrame  # all lines from line 0, columns 0..n-1, as text ('' when empty)
    row_numbers: pd.Series = field(default=None)  # file row number of each body line
    # cells whose stored value cannot be trusted: (line, column) → ("formula" | "external", text)
    flagged: dict = field(default_factory=dict)


class ReadFailed(Exception):
    def __init__(self, issue: ImportIssue):
        self.issue = issue
        super().__init__(str(issue))


def _issue(path: Path, rule: str, message: str, sheet=None, row=None) -> ReadFailed:
    return ReadFailed(ImportIssue(path.name, sheet, row, None, None, rule, message))


def decode(path: Path, data: bytes) -> str:
    """Decode bytes as UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        encodings = ("utf-8",)
    else:
        encodings = ("utf-8", "gb18030")
    first_error: UnicodeDecodeError | None = None
    for enc in encodings:
        try:
            return data.decode(enc)
        except UnicodeDecodeError as e:
            first_error = first_error or e
    row = data[: first_error.start].count(b"\n") + 1
    raise _issue(path, "encoding", f"byte {first_error.start} cannot be decoded as UTF-8 or "
                 f"GBK/GB18030; save the file as UTF-8", row=row)


def read_csv(path: Path, data: bytes) -> list[RawSheet]:
    text = decode(path, data)
    if not re.search(r"\S", text):
        raise _issue(path, "empty_file", "the file is empty")
    sample = text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0] + "\n", delimiters=",;\t|")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    head = []
    for i, line in enumerate(csv.reader(io.StringIO(sample), delimiter=sep)):
        if i >= HEAD_LINES:
            break
        head.append([c.strip() for c in line])
    width = max((len(r) for r in head), default=0)
    body = _arrow_body(text, sep, width)
    if body is None:
        try:
            body = _pandas_body(text, sep, width)
        except (pd.errors.ParserError, ValueError) as e:
            raise _issue(path, "unreadable_file", f"not a well-formed CSV file: {e}") from e
    rows = pd.Series(range(1, len(body) + 1), dtype="int64")
    return [RawSheet(path.name, None, head, body, rows)]


def _pandas_body(text: str, sep: str, width: int) -> pd.DataFrame:
    """Every line of a CSV as text in ``width`` columns (a short line padded with ''), by
    pandas: any CSV, at pandas' speed."""
    body = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str,
                       keep_default_na=False, na_filter=False, skip_blank_lines=False,
                       names=range(max(width, 1)), engine="c")
    return body.fillna("")


def _arrow_body(text: str, sep: str, width: int) -> pd.DataFrame | None:
    """Every line of a CSV as text in ``width`` columns, read by Arrow (in C++, on every core:
    ten times pandas' reader on a large file); the lines above the table (titles, a unit line),
    which have fewer fields, by the csv module. None where Arrow cannot read it as pandas would
    (a line of another width below the first full one): the caller reads it with pandas."""
    if width < 2:
        return None
    lines = csv.reader(io.StringIO(text[:65536]), delimiter=sep)
    lead = []
    for row in lines:
        if len(row) == width:
            break
        lead.append(row)
        if len(lead) >= HEAD_LINES:
            return None
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(skip_rows=len(lead), autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(delimiter=sep, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(width)},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_columns != width:
        return None
    body = table.to_pandas()
    body.columns = range(width)
    if lead:
        top = pd.DataFrame([r + [""] * (width - len(r)) for r in lead], columns=range(width), dtype="str")
        body = pd.concat([top, body], ignore_index=True)
    return body


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v).strip()


def read_xlsx(path: Path, data: bytes, sheet: str | None = None) -> list[RawSheet]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as e:  # openpyxl raises many types for a broken zip / xml
        raise _issue(path, "unreadable_file", f"not a readable XLSX workbook: {e}") from e
    names = wb.sheetnames
    if sheet is not None:
        if sheet not in names:
            raise _issue(path, "unreadable_file", f"no sheet named {sheet!r}; sheets: {names}")
        names = [sheet]
    flags = _formula_flags(data, names)
    sheets = []
    for name in names:
        ws = wb[name]
        cells = [list(r) for r in ws.iter_rows(values_only=True)]
        # merged cells hold their value in the top-left cell only: spread it over the range
        for rng in ws.merged_cells.ranges:
            if rng.min_row > HEAD_LINES:
                continue
            value = cells[rng.min_row - 1][rng.min_col - 1]
            for r in range(rng.min_row - 1, min(rng.max_row, len(cells))):
                for c in range(rng.min_col - 1, min(rng.max_col, len(cells[r]))):
                    cells[r][c] = value
        width = max((len(r) for r in cells), default=0)
        text = [[_cell_text(v) for v in r] + [""] * (width - len(r)) for r in cells]
        body = pd.DataFrame(text, columns=range(width), dtype=object) if text else pd.DataFrame()
        rows = pd.Series(range(1, len(body) + 1), dtype="int64")
        sheet_flags = {(r, c): v for (n, r, c), v in flags.items() if n == name}
        sheets.append(RawSheet(path.name, name, text[:HEAD_LINES], body, rows, sheet_flags))
    return sheets


_EXTERNAL = re.compile(r"\[(?:\d+|[^\]]+\.xl\w*)\]", re.IGNORECASE)


def _formula_flags(data: bytes, names: list[str]) -> dict:
    """(sheet, line, column) → (kind, formula) for formulas without a saved value and for
    links to other workbooks; read only when some sheet holds a formula at all."""
    import zipfile

    import openpyxl

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        if not any(b"<f" in z.read(n) for n in z.namelist()
                   if n.startswith("xl/worksheets/") and n.endswith(".xml")):
            return {}
    formulas = openpyxl.load_workbook(io.BytesIO(data), data_only=False, read_only=True)
    values = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    flags = {}
    try:
        for name in names:
            for r, (frow, vrow) in enumerate(zip(formulas[name].iter_rows(values_only=True),
                                                 values[name].iter_rows(values_only=True))):
                for c, f in enumerate(frow):
                    if not (isinstance(f, str) and f.startswith("=")):
                        continue
                    if _EXTERNAL.search(f):
                        flags[(name, r, c)] = ("external", f)
                    elif c >= len(vrow) or vrow[c] is None:
                        flags[(name, r, c)] = ("formula", f)
    finally:
        formulas.close()
        values.close()
    return flags


def read_parquet(path: Path, data: bytes) -> list[RawSheet]:
    try:
        df = pd.read_parquet(io.BytesIO(data))
    except Exception as e:
        raise _issue(path, "unreadable_file", f"not a readable Parquet file: {e}") from e
    header = [str(c) for c in df.columns]
    body = df.astype("string").fillna("").astype(object)
    body.columns = range(len(header))
    body = pd.concat([pd.DataFrame([header], columns=body.columns), body], ignore_index=True)
    rows = pd.Series(range(1, len(body) + 1), dtype="int64")
    return [RawSheet(path.name, None, body.head(HEAD_LINES).values.tolist(), body, rows)]


def _property_cells(props: dict, prefix: str = "") -> dict[str, str]:
    """Feature properties as text cells; nested objects flattened to ``parent.adcode``."""
    out: dict[str, str] = {}
    for k, v in props.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_property_cells(v, name + "."))
        elif isinstance(v, list):
            out[name] = json.dumps(v, ensure_ascii=False)
        elif isinstance(v, bool):
            out[name] = "true" if v else "false"
        else:
            out[name] = _cell_text(v)
    return out


# longitude/latitude systems, where CGCS2000 and WGS-84 agree to centimetres
_GEOGRAPHIC_CRS = re.compile(r"CRS84|EPSG::?(4326|4490)\b", re.IGNORECASE)


def read_geojson(path: Path, data: bytes) -> list[RawSheet]:
    """A FeatureCollection as one sheet named ``features``: a column per property and the
    geometry in ``boundary``; row k is feature k (1-based, in file order)."""
    text = decode(path, data)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise _issue(path, "unreadable_file", f"not valid JSON: {e.msg} (line {e.lineno}, "
                     f"column {e.colno})", row=e.lineno) from e
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" \
            or not isinstance(doc.get("features"), list):
        raise _issue(path, "unreadable_file", "a GeoJSON file must hold a FeatureCollection "
                     "(or one Feature)")
    if not doc["features"]:
        raise _issue(path, "empty_file", "the FeatureCollection has no features")
    crs = ((doc.get("crs") or {}).get("properties") or {}).get("name", "")
    if crs and not _GEOGRAPHIC_CRS.search(str(crs)):
        # Chinese GIS files are often in a projected CGCS2000 zone (metres), e.g. EPSG:4547
        raise _issue(path, "unreadable_file", f"the file's coordinates are in {crs}; boundaries are "
                     "kept in longitude/latitude: reproject to EPSG:4326 (WGS-84) or EPSG:4490 "
                     "(CGCS2000) first, e.g. ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson")
    rows, header = [], {}
    for k, feature in enumerate(doc["features"], start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise _issue(path, "unreadable_file", f"feature {k} is not a GeoJSON Feature",
                         sheet="features", row=k)
        cells = _property_cells(feature.get("properties") or {})
        geometry = feature.get("geometry")
        cells["boundary"] = json.dumps(geometry, separators=(",", ":")) if geometry else ""
        header.update(dict.fromkeys(cells))
        rows.append(cells)
    names = list(header)
    body = pd.DataFrame([names] + [[r.get(n, "") for n in names] for r in rows],
                        dtype=object)
    numbers = pd.Series(range(len(body)), dtype="int64")  # header 0, feature k is row k
    return [RawSheet(path.name, "features", body.head(HEAD_LINES).values.tolist(), body, numbers)]


def read_file(path: Path, data: bytes, sheet: str | None = None) -> list[RawSheet]:
    """Read one file into raw sheets; raises ReadFailed with the issue if it cannot be read."""
    if not data:
        raise _issue(path, "empty_file", "the file is empty (0 bytes)")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm") or data[:2] == b"PK" and suffix not in (".csv", ".txt"):
        return read_xlsx(path, data, sheet)
    if suffix == ".parquet" or data[:4] == b"PAR1":
        return read_parquet(path, data)
    if suffix in (".geojson", ".json") or data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        try:
            return read_geojson(path, data)
        except RecursionError as e:  # 100,000 nested arrays: not a geometry anyone draws
            raise _issue(path, "unreadable_file", "the JSON nests too deeply to be GeoJSON") from e
    if suffix == ".xls":
        raise _issue(path, "unreadable_file", "legacy .xls workbooks are not read; save as .xlsx")
    return read_csv(path, data)


def read_table(path: Path) -> pd.DataFrame:
    """A plain table (CSV in any encoding ``decode`` reads, XLSX's first sheet, Parquet) for
    inputs that are not imported into the store, such as a policy's entity figures."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".xlsx", ".xlsm"):
        return pd.read_excel(path)
    return pd.read_csv(io.StringIO(decode(path, path.read_bytes())))
