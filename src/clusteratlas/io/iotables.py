"""Reading input-output tables in the layouts they are published in.

- ``read_nbs_table``: the National Bureau of Statistics' competitive-import tables (投入产出表,
  竞争型): a square block of sectors (rows supply, columns use), then the final-use columns
  (农村居民消费 … 出口, 进口 as a negative column, 其他) and 总产出; below the block the value-added
  rows (劳动者报酬, 生产税净额, 固定资产折旧, 营业盈余) and 总投入. Subtotal rows and columns
  (…合计) are recognised and left out. A title line ``单位：万元`` sets the unit; values are returned
  in CNY.
- ``read_wiod``: WIOD 2013-release tables as labelled CSVs (intermediate ``<ISO3>_c1…c35``
  rows and columns, final demand ``<ISO3>_<category>`` columns, an output vector), whole or as one
  country's domestic block.

Both return an :class:`IOTable` (Z, Y, V, x as labelled DataFrames/Series) for
:mod:`clusteratlas.measures.inputoutput`. ``save_io_table`` keeps a table in the store (append-only,
with its source file's hash) and ``load_io_table`` reads it back, sector order and all.
"""

from __future__ import annotations

import csv
import io as _io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from clusteratlas.io.readers import decode
from clusteratlas.measures.inputoutput import IOTable
from clusteratlas.io.units import UnitError, factor_to_canonical
from clusteratlas.io.schema import MONEY

_SUBTOTAL = re.compile(r"合计|总计|总投入|总产出|total", re.IGNORECASE)


def read_nbs_table(path: str | Path, unit: str | None = None) -> IOTable:
    """Read an NBS-layout table from CSV or XLSX (first sheet). See the module text."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raw = pd.read_excel(path, header=None, dtype=object)
    else:
        lines = list(csv.reader(_io.StringIO(decode(path, path.read_bytes()))))
        width = max(len(r) for r in lines)
        raw = pd.DataFrame([r + [""] * (width - len(r)) for r in lines], dtype=object)
    raw = raw.fillna("")
    # the header row is the first whose later cells repeat the labels of the first column
    labels_col = [str(v).strip() for v in raw.iloc[:, 0]]
    declared = unit
    header_row = None
    for i in range(min(len(raw), 15)):
        row = [str(v).strip() for v in raw.iloc[i]]
        line = " ".join(row)
        m = re.search(r"单位\s*[:：]\s*(\S+)", line)
        if m and declared is None:
            declared = m.group(1)
        if len(set(row[1:]) & set(labels_col[i + 1:])) >= 2:
            header_row = i
            break
    if header_row is None:
        raise ValueError(f"{path.name}: no header row whose sector labels also label rows")
    header = [str(v).strip() for v in raw.iloc[header_row]]
    body = raw.iloc[header_row + 1:].reset_index(drop=True)
    row_labels = [str(v).strip() for v in body.iloc[:, 0]]
    sectors = [h for h in header[1:] if h and h in row_labels and not _SUBTOTAL.search(h)]
    if len(sectors) < 2:
        raise ValueError(f"{path.name}: fewer than two sectors found")
    values = body.set_axis(header, axis=1).set_index(header[0])
    values.index = row_labels
    numeric = values.apply(lambda c: pd.to_numeric(c.astype(str).str.replace(",", ""), errors="coerce"))
    factor = 1.0
    if declared:
        try:
            factor = factor_to_canonical(declared, MONEY, None)
        except UnitError as e:
            raise ValueError(f"{path.name}: unit {declared!r} is not a money unit") from e
    last = header.index(sectors[-1])
    final_cols = [h for h in header[last + 1:] if h and not _SUBTOTAL.search(h)]
    output_col = next((h for h in header if re.search(r"总产出|total output", h, re.I)), None)
    first_va = row_labels.index(sectors[-1]) + 1
    va_rows = [r for r in row_labels[first_va:] if r and not _SUBTOTAL.search(r)]
    Z = numeric.loc[sectors, sectors].fillna(0.0) * factor
    Y = numeric.loc[sectors, final_cols].fillna(0.0) * factor
    V = numeric.loc[va_rows, sectors].fillna(0.0) * factor
    x = (numeric.loc[sectors, output_col] * factor) if output_col else Z.sum(axis=1) + Y.sum(axis=1)
    bad = Z.isna().any().any() or x.isna().any()
    if bad:
        raise ValueError(f"{path.name}: non-numeric values in the sector block or the output column")
    return IOTable(Z, Y, V, x.astype(float).rename("output"))


def read_wiod(inter: str | Path, final: str | Path, output: str | Path,
              country: str | None = None) -> IOTable:
    """Read WIOD 2013-release CSVs; with ``country`` (ISO3) the domestic block only, with the
    country's domestic final demand and its exports to final users elsewhere summed as 'EXP'."""
    Z = pd.read_csv(inter, index_col=0)
    Y = pd.read_csv(final, index_col=0)
    x = pd.read_csv(output, index_col=0).iloc[:, 0].astype(float)
    if country is None:
        V = pd.DataFrame([x - Z.sum(axis=0)], index=["value_added_and_imports"])
        return IOTable(Z.astype(float), Y.astype(float), V, x)
    rows = [r for r in Z.index if r.startswith(country + "_")]
    Zd = Z.loc[rows, rows].astype(float)
    own = [c for c in Y.columns if c.startswith(country + "_")]
    Yd = Y.loc[rows, own].astype(float)
    Yd["EXP"] = Y.loc[rows, [c for c in Y.columns if c not in own]].sum(axis=1) + \
        Z.loc[rows, [c for c in Z.columns if c not in rows]].sum(axis=1)
    xd = x.loc[rows]
    V = pd.DataFrame([xd - Zd.sum(axis=0)], index=["value_added_and_imports"])
    return IOTable(Zd, Yd, V, xd)


_BLOCKS = ("Z", "Y", "V", "x")


def _entries(table: IOTable) -> pd.DataFrame:
    """The table as tidy rows (block, row_pos, row_label, col_pos, col_label, value), zeros kept
    out of Z (most of a detailed table) but kept in the small blocks."""
    parts = []
    for block in _BLOCKS:
        frame = table.x.to_frame("output") if block == "x" else getattr(table, block)
        values = frame.to_numpy(dtype=float)
        r, c = np.nonzero(values) if block == "Z" else np.indices(values.shape).reshape(2, -1)
        parts.append(pd.DataFrame({
            "block": block, "row_pos": r.astype("int32"), "row_label": frame.index.astype(str)[r],
            "col_pos": c.astype("int32"), "col_label": frame.columns.astype(str)[c],
            "value": values[r, c]}))
    return pd.concat(parts, ignore_index=True)


def save_io_table(store, table: IOTable, name: str, *, year: int | None = None,
                  region_id: str | None = None, layout: str = "nbs", source_name: str | None = None,
                  sha256: str | None = None, note: str | None = None) -> int:
    """Record ``table`` in the store (one transaction, append-only); returns its table_id."""
    if table.unit != "CNY":
        raise ValueError(f"tables are kept in CNY; this one is in {table.unit}")
    entries = _entries(table)
    with store.transaction():
        table_id = store.con.execute(
            "INSERT INTO io_tables (name, year, region_id, layout, source_name, sha256, sectors, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING table_id",
            [name, year, region_id, layout, source_name, sha256, len(table.sectors), note]).fetchall()[0][0]
        with store.staged("_entries", entries.assign(table_id=table_id), like="io_table_entries"):
            store.con.execute("INSERT INTO io_table_entries SELECT table_id, block, row_pos, row_label, "
                              "col_pos, col_label, value FROM _entries")
    return int(table_id)


def list_io_tables(store) -> pd.DataFrame:
    """The input-output tables in the store, newest first."""
    return store.sql("SELECT * FROM io_tables ORDER BY table_id DESC")


def load_io_table(store, table: int | str | None = None) -> IOTable | None:
    """A table from the store by id or name (the newest of that name); the newest of all when
    ``table`` is None, or None when the store holds none. KeyError when none matches."""
    tables = list_io_tables(store)
    if table is None:
        if tables.empty:
            return None
        table_id = int(tables["table_id"].iloc[0])
    else:
        hit = tables[(tables["table_id"].astype(str) == str(table)) | (tables["name"] == str(table))]
        if hit.empty:
            raise KeyError(f"no input-output table {table!r} in the store")
        table_id = int(hit["table_id"].iloc[0])
    e = store.sql("SELECT block, row_pos, row_label, col_pos, col_label, value FROM io_table_entries "
                  "WHERE table_id = ?", [table_id])
    blocks = {}
    for block in _BLOCKS:
        b = e[e["block"] == block]
        rows = b.drop_duplicates("row_pos").sort_values("row_pos")
        cols = b.drop_duplicates("col_pos").sort_values("col_pos")
        if block == "Z":  # zeros were left out: the sectors are the x block's rows
            x = e[e["block"] == "x"].sort_values("row_pos")
            rows = cols = pd.DataFrame({"row_pos": range(len(x)), "row_label": x["row_label"].to_numpy(),
                                        "col_pos": range(len(x)), "col_label": x["row_label"].to_numpy()})
        values = np.zeros((len(rows), len(cols)))
        values[b["row_pos"].to_numpy(), b["col_pos"].to_numpy()] = b["value"].to_numpy()
        blocks[block] = pd.DataFrame(values, index=pd.Index(rows["row_label"].tolist()),
                                     columns=pd.Index(cols["col_label"].tolist()))
    x = blocks["x"].iloc[:, 0].rename("output")
    return IOTable(blocks["Z"], blocks["Y"], blocks["V"], x)


def import_io_table(store, path: str | Path, name: str | None = None, *, year: int | None = None,
                    region_id: str | None = None, unit: str | None = None, note: str | None = None) -> int:
    """Read an NBS-layout file and record it in the store; the file is kept beside the store
    under its SHA-256, as imported datasets are. Returns the table_id."""
    import hashlib

    path = Path(path)
    data = path.read_bytes()
    table = read_nbs_table(path, unit)
    sha = hashlib.sha256(data).hexdigest()
    store.files_dir.mkdir(exist_ok=True)
    kept = store.files_dir / f"{sha}{path.suffix.lower()}"
    if not kept.exists():
        kept.write_bytes(data)
    return save_io_table(store, table, name or path.stem, year=year, region_id=region_id, layout="nbs",
                         source_name=path.name, sha256=sha, note=note)
