"""Import files into the store, all or nothing.

Every file is read, mapped and checked, and every reference between the new rows and the
store is resolved, before anything is written; any problem in any file rejects the whole
import with all problems listed. A successful import writes one dataset version per file in a
single transaction: rows whose key already exists are replaced, and the replaced rows move to
``<table>_history`` with the id of the dataset that superseded them. A column the file does not
have keeps the replaced row's value: a sheet of wage bills alone (应付职工薪酬) adds them to the
yearly figures rather than blanking the output beside them.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from clusteratlas.io.errors import ImportIssue, ImportRejected, Note
from clusteratlas.io.mapping import COMPANION, Mapping, MappedSheet, map_sheet
from clusteratlas.io.readers import ReadFailed, read_file
from clusteratlas.io.resolve import PARTIAL, resolve
from clusteratlas.io.schema import IMPORT_ORDER, TABLES
from clusteratlas.io.store import Store
from clusteratlas.io.validate import ROW, convert

Progress = Callable[[str, float], None]


@dataclass
class FileResult:
    file: str
    sha256: str
    dataset_id: int | None  # None when the same bytes were already imported
    rows: dict[str, int] = field(default_factory=dict)
    replaced: dict[str, int] = field(default_factory=dict)  # rows of the store superseded


@dataclass
class ImportReport:
    files: list[FileResult]
    notes: list[str]  # what was not stored and why, how regions/parks were resolved, units assumed
    warnings: list[ImportIssue] = field(default_factory=list)  # imported, but worth a look

    @property
    def rows(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for f in self.files:
            for t, n in f.rows.items():
                total[t] = total.get(t, 0) + n
        return total


@dataclass
class _Part:  # one recognised sheet of one file, checked
    file_index: int
    sheet: MappedSheet
    data: pd.DataFrame


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_files(store: Store, paths: Sequence[str | Path], *, mapping: Mapping | None = None,
                 table: str | None = None, sheet: str | None = None,
                 usd_rate: float | None = None, force: bool = False,
                 repair_geometry: bool = False, region: str | None = None, strict: bool = False,
                 progress: Progress | None = None) -> ImportReport:
    """Check and import ``paths`` into ``store``; raises ImportRejected and changes nothing
    if any file breaks any rule. ``repair_geometry``: store self-intersecting boundaries
    repaired (shapely ``make_valid``), each listed in the notes; the file kept is unchanged.
    ``region``: the region code of every firm of a firm list without a region column (else
    taken from the credit codes) and of parks without one. ``strict``: warnings (a 合计 row
    that does not add up, a value 10⁴× off its peers) reject the import too."""
    mapping = mapping or Mapping()
    usd_rate = usd_rate if usd_rate is not None else mapping.usd_rate
    step = progress or (lambda message, fraction: None)
    issues: list[ImportIssue] = []
    warnings: list[ImportIssue] = []
    notes: list[str] = []
    results: list[FileResult] = []
    blobs: list[bytes] = []
    parts: list[_Part] = []
    n = len(paths)
    for i, p in enumerate(map(Path, paths)):
        step(f"reading {p.name}", i / n * 0.5)
        try:
            data = p.read_bytes()
        except OSError as e:
            issues.append(ImportIssue(p.name, None, None, None, None, "unreadable_file", str(e)))
            continue
        sha = _sha256(data)
        previous = store.dataset_by_hash(sha)
        if previous is not None and not force:
            notes.append(Note(f"{p.name}: identical to dataset {previous}, already imported; skipped",
                              f"{p.name}：与数据集 {previous} 完全相同，已导入过，跳过（重新导入请加 --force）"))
            results.append(FileResult(p.name, sha, None))
            blobs.append(b"")
            continue
        results.append(FileResult(p.name, sha, None))
        blobs.append(data)
        try:
            raws = read_file(p, data, sheet)
        except ReadFailed as e:
            issues.append(e.issue)
            continue
        mapped, unrecognised = [], []
        for raw in raws:
            m = map_sheet(raw, mapping, table)
            if isinstance(m, MappedSheet):
                mapped.append(m)
            elif isinstance(m, ImportIssue):
                unrecognised.append(m)
        if not mapped and not unrecognised:
            issues.append(ImportIssue(p.name, None, None, None, None, "empty_file",
                                      "the file holds no rows"))
        # in a workbook with recognised sheets, a sheet with no known header (notes, a cover
        # page) is skipped and reported; a sheet that looks like a table but is broken is not
        for u in unrecognised:
            if mapped and u.rule in ("no_header", "unknown_table"):
                notes.append(Note(f"{p.name} [{u.sheet}]: no known table in this sheet; not imported",
                                  f"{p.name}〔{u.sheet}〕：不是可识别的数据表（如说明页），未导入"))
            else:
                issues.append(u)
        for m in mapped:
            step(f"checking {p.name}" + (f" [{m.raw.sheet}]" if m.raw.sheet else ""), (i + 0.5) / n * 0.5)
            where = f"{p.name}" + (f" [{m.raw.sheet}]" if m.raw.sheet else "")
            done = convert(m, usd_rate, repair_geometry, region)
            frame = done.data
            issues.extend(done.issues)
            warnings.extend(done.warnings)
            notes.extend((t if isinstance(t, Note) else Note(t)).at(where) for t in done.notes)
            companion = _companion(m)
            if companion is not None and not frame.empty:
                extra = convert(companion, usd_rate, False, region)
                issues.extend(extra.issues)
                warnings.extend(extra.warnings)
                if not extra.data.empty:
                    parts.append(_Part(i, companion, extra.data.assign(**{PARTIAL: True})))
                    moved = ", ".join(f"{c.header} [{c.letter}]" for f, c in companion.columns.items()
                                      if f in m.routed)
                    table_zh = {"firm_years": "年度指标", "firms": "企业名录"}[companion.table]
                    notes.append(Note(f"{moved} belong(s) to {companion.table}; merged there",
                                      f"{moved} 属于{table_zh}，已并入（与其中数值不一致的为错误）").at(where))

            for text in m.repaired:
                notes.append(text.at(where))
            for text in m.not_stored:
                notes.append(Note(text, text.replace("derived value, not stored", "派生指标（增速、占比等），不保存")
                                  .replace(f"not a field of {m.table}", "未识别的列，不保存")).at(where))
            for f, col in m.columns.items():
                c = TABLES[m.table].column(f) if f in TABLES[m.table].names else None
                if c is not None and c.quantity == "money" and not (col.unit or m.unit_default):
                    notes.append(Note(f"{p.name}: {col.header} has no unit; read as CNY (yuan)",
                                      f"{p.name}：{col.header} 没有注明单位，按“元”读入"))
            if not frame.empty:
                parts.append(_Part(i, m, frame))

    step("checking references", 0.55)
    by_table = _combine(parts, issues)
    labels = {k: {f: f"{c.header} [{c.letter}]" for f, c in {**p.sheet.columns, **p.sheet.routed}.items()}
              for k, p in enumerate(parts)}
    resolve(store, by_table, labels, region, issues, notes)
    _check_references(store, by_table, issues, labels)
    if strict and warnings:
        issues.extend(warnings)
    if issues:
        raise ImportRejected(issues)
    step("writing", 0.6)
    _write(store, results, blobs, by_table, labels, progress=step)
    step("done", 1.0)
    return ImportReport(results, notes, warnings)


def _companion(m: MappedSheet) -> MappedSheet | None:
    """The routed columns of a sheet as a partial sheet of the companion table, keyed by the
    sheet's firm id (and its period), for merging into the rows of that key."""
    other = COMPANION.get(m.table)
    if other is None or "firm_id" not in m.columns:
        return None
    routed = {f: c for f, c in m.routed.items() if f != "firm_id"}
    if not routed:
        return None
    columns = {"firm_id": m.columns["firm_id"], **routed}
    if other == "firm_years":
        columns.update({f: m.columns[f] for f in ("period", "year", "month_to") if f in m.columns})
    return MappedSheet(m.raw, other, columns, m.data_start, m.unit_default, m.period_default, [],
                       title=m.title, partial=True)


def _combine(parts: list[_Part], issues: list[ImportIssue]) -> dict[str, pd.DataFrame]:
    """One frame per table over all sheets, with _file/_sheet/_row; cross-file key conflicts."""
    out: dict[str, pd.DataFrame] = {}
    for t in IMPORT_ORDER:
        frames = [p.data.assign(_file=p.sheet.raw.file, _sheet=p.sheet.raw.sheet or "",
                                _part=k, _fi=p.file_index)
                  for k, p in enumerate(parts) if p.sheet.table == t]
        if not frames:
            continue
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if len(frames) > 1:
            key = list(TABLES[t].key)
            if set(key) <= set(df.columns):
                # rows built from routed columns merge into their key's rows (resolve.py)
                partial = (df[PARTIAL].fillna(False).astype(bool) if PARTIAL in df
                           else pd.Series(False, index=df.index))
                kf = df[key].astype("string").fillna("")
                dup = (kf.duplicated(keep=False) & ~df.duplicated(subset=[*key, "_part"], keep=False)
                       & ~partial)
                dup &= kf[~partial].duplicated(keep=False).reindex(df.index, fill_value=False)
                if dup.any():
                    first = df[dup].groupby([kf[dup][k] for k in key])
                    for _, g in first:
                        a, b = g.iloc[0], g.iloc[1]
                        issues.append(ImportIssue(
                            b["_file"], b["_sheet"] or None, int(b[ROW]), key[0], str(b[key[0]]),
                            "conflicting_rows",
                            f"{t} key {', '.join(str(g.iloc[1][k]) for k in key)} also appears "
                            f"in {a['_file']}{' [' + a['_sheet'] + ']' if a['_sheet'] else ''} "
                            f"row {int(a[ROW])}"))
        out[t] = df
    return out


# part number → field → the column as its file shows it (header [letter]), for messages
_Labels = dict[int, dict[str, str]]


def _issue_rows(df: pd.DataFrame, mask: pd.Series, column: str, rule: str, message: str,
                issues: list[ImportIssue], shown: str | None = None, labels: _Labels | None = None,
                zh: str | None = None) -> None:
    for _, r in df[mask.fillna(False).astype(bool)].iterrows():
        value = r[shown or column]
        label = (labels or {}).get(int(r["_part"]), {}).get(column, column)
        issues.append(ImportIssue(r["_file"], r["_sheet"] or None, int(r[ROW]), label,
                                  None if pd.isna(value) else str(value), rule, message, zh))


def _among(values: pd.Series, keys: set[str]) -> pd.Series:
    """Which of ``values`` are among ``keys``: Arrow's hash lookup for text (pandas' isin on
    Arrow strings goes through Python objects: 0.16 s for a million rows), pandas' otherwise."""
    try:
        arr = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return values.isin(keys)
    text_keys = pa.array([k for k in keys if isinstance(k, str)], type=pa.string())  # no other matches text
    hit = pc.fill_null(pc.is_in(arr, value_set=text_keys), False)
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=values.index)


def _check_references(store: Store, by_table: dict[str, pd.DataFrame],
                      issues: list[ImportIssue], labels: _Labels | None = None) -> None:
    known: dict[tuple[str, str], set[str]] = {}

    def keys(table: str, column: str) -> set[str]:
        if (table, column) not in known:
            have = store.keys(table, column)
            if table in by_table:
                have |= set(by_table[table][column].dropna().astype(str))
            known[(table, column)] = have
        return known[(table, column)]

    for t, df in by_table.items():
        for c in TABLES[t].columns:
            if c.ref and c.name in df:
                v = df[c.name]
                missing = v.notna() & ~_among(v, keys(*c.ref))
                what = {"regions": "region", "parks": "park", "firms": "firm",
                        "purchase_needs": "purchase need"}.get(c.ref[0], c.ref[0])
                also = (" (nor a county-level or higher division code of the Ministry of Civil "
                        "Affairs' list)" if c.ref[0] == "regions" else "")
                what_zh = {"regions": "地区（也不是民政部县级以上行政区划代码）", "parks": "园区",
                           "firms": "企业", "purchase_needs": "采购需求"}.get(c.ref[0], c.ref[0])
                _issue_rows(df, missing, c.name, "unknown_reference",
                            f"no {what} with this id in the store or in this import{also}", issues,
                            labels=labels, zh=f"库中和本次导入中都没有这个代码的{what_zh}：请先导入它，或核对代码")
    firms = by_table.get("firms")
    if firms is not None and {"lon", "lat"} <= set(firms):
        boxes = store.sql("SELECT region_id, min_lon, min_lat, max_lon, max_lat FROM regions")
        if "regions" in by_table:
            new = by_table["regions"].reindex(columns=boxes.columns)
            boxes = pd.concat([boxes[~boxes.region_id.isin(new.region_id)], new], ignore_index=True)
        boxes = boxes.dropna()
        f = firms.merge(boxes, on="region_id", how="left")
        f.index = firms.index
        tol = 1e-6
        inside = ((f.lon >= f.min_lon - tol) & (f.lon <= f.max_lon + tol)
                  & (f.lat >= f.min_lat - tol) & (f.lat <= f.max_lat + tol))
        swapped_inside = ((f.lat >= f.min_lon - tol) & (f.lat <= f.max_lon + tol)
                          & (f.lon >= f.min_lat - tol) & (f.lon <= f.max_lat + tol))
        checked = f.lon.notna() & f.min_lon.notna() & ~((f.lat.abs() > 90) & (f.lon.abs() <= 90))
        _issue_rows(firms, checked & ~inside & swapped_inside, "lat", "coordinates_swapped",
                    "longitude and latitude look swapped (swapped, the point falls in its region)",
                    issues, labels=labels)
        _issue_rows(firms, checked & ~inside & ~swapped_inside, "lon",
                    "coordinates_outside_region",
                    "the site lies outside the bounding box of the firm's region", issues,
                    labels=labels)


def _write(store: Store, results: list[FileResult], blobs: list[bytes],
           by_table: dict[str, pd.DataFrame], labels: _Labels, progress: Progress) -> None:
    """All files in one transaction, or none. One import writes at a time (``lock``): dataset ids
    are max + 1 inside the transaction, and two imports at once would take the same id (four
    uploads at once: three failed, before the lock)."""
    con = store.con
    written_files: list[Path] = []
    with store.transaction(lock="datasets"):
        try:
            next_id = con.execute("SELECT coalesce(max(dataset_id), 0) + 1 FROM datasets").fetchall()[0][0]
            for i, res in enumerate(results):
                if not blobs[i]:
                    continue
                res.dataset_id = next_id
                next_id += 1
                for t in IMPORT_ORDER:
                    df = by_table.get(t)
                    if df is None:
                        continue
                    rows = df[df["_fi"] == i]
                    if rows.empty:
                        continue
                    progress(f"writing {res.file}: {t}", 0.6 + 0.4 * i / len(results))
                    carried = {f for k in rows["_part"].unique() for f in labels.get(int(k), {})}
                    absent = [c for c in TABLES[t].names if c not in TABLES[t].key and c not in carried
                              and (c not in rows or rows[c].isna().all())]
                    replaced = _upsert(store, t, rows, res.dataset_id, keep=absent)
                    res.rows[t] = len(rows)
                    if replaced:
                        res.replaced[t] = replaced
                raw_path = _keep_raw(store, res, blobs[i], written_files)
                con.execute("INSERT INTO datasets VALUES (?, ?, ?, ?, now(), ?, ?, NULL)",
                            [res.dataset_id, res.file, res.sha256, len(blobs[i]),
                             json.dumps(res.rows, ensure_ascii=False), raw_path])
        except BaseException:
            # still the one writer: no other import can have found these files and relied on them
            for p in written_files:
                p.unlink(missing_ok=True)
            for r in results:
                r.dataset_id = None
                r.rows.clear()
            raise


def _keep_raw(store: Store, res: FileResult, data: bytes, written: list[Path]) -> str:
    store.files_dir.mkdir(exist_ok=True)
    suffix = Path(res.file).suffix.lower()
    target = store.files_dir / f"{res.sha256}{suffix}"
    if not target.exists():
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        written.append(target)
    return f"{store.files_dir.name}/{target.name}"


def _upsert(store: Store, table: str, rows: pd.DataFrame, dataset_id: int, keep: Sequence[str] = ()) -> int:
    """Write ``rows``, moving the rows they replace to history; returns how many it replaced.
    ``keep``: columns the file did not have, which take the replaced row's value."""
    spec = TABLES[table]
    cols = spec.names
    frame = rows.reindex(columns=cols)
    for c in spec.columns:  # DuckDB needs plain types it can map
        if c.dtype == "date":
            frame[c.name] = pd.to_datetime(frame[c.name])
        elif c.dtype in ("text", "geojson"):
            frame[c.name] = frame[c.name].astype("string")
    con = store.con
    with store.staged("_new", frame, like=table):
        match = " AND ".join(f"n.{k} IS NOT DISTINCT FROM t.{k}" for k in spec.key)
        # by name: columns added by later migrations sit at the end of the stored tables
        listed = ", ".join([*cols, "dataset_id"])
        replaced = con.execute(
            f"INSERT INTO {table}_history ({listed}, superseded_by) SELECT {listed}, ? "
            f"FROM {table} t WHERE EXISTS (SELECT 1 FROM _new n WHERE {match})",
            [dataset_id]).fetchall()[0][0]
        con.execute(f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM _new n WHERE {match})")
        col_list = ", ".join(cols)
        if replaced and keep:
            picked = ", ".join(f"t.{c}" if c in keep else f"n.{c}" for c in cols)
            con.execute(f"INSERT INTO {table} ({col_list}, dataset_id) SELECT {picked}, ? FROM _new n "
                        f"LEFT JOIN {table}_history t ON {match} AND t.superseded_by = ?",
                        [dataset_id, dataset_id])
        else:
            con.execute(f"INSERT INTO {table} ({col_list}, dataset_id) SELECT {col_list}, ? FROM _new",
                        [dataset_id])
    return int(replaced)
