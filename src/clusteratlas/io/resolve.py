"""Resolve what a county's workbook names rather than codes, before references are checked.

A bureau's files name parks (所属园区 青吉工业园), give firms by credit code without a region
column, key a yearly sheet by firm name, and put a column of one table on the sheet of another
(用地面积 on the firm list). Each of these is resolved here against the store and the other
sheets of the same import, or is an error naming the cell (with the close names, for a typo):

- parks without a code take their name as their id (or the id a store park of that name has),
  and their region from ``--region`` or from the one region of the import's firms;
- park names on firm and project rows become park ids;
- yearly rows keyed by firm name get the firm's id;
- patents name their holders (专利权人), several to a cell where a patent is held jointly: each
  holder that is a firm of the list or the store gets a row under its id; holders that are not
  (universities, outside firms) are named in a note, and a patent with no such holder is an error;
- regions named only by a code are added from the shipped list of division codes;
- a companion's columns (see :data:`clusteratlas.io.mapping.COMPANION`) are merged into the
  rows of the same key, and any value that contradicts one given elsewhere is an error.
"""

from __future__ import annotations

import difflib
import re
from contextvars import ContextVar

import pandas as pd

from clusteratlas.classify import division_name, region_rows
from clusteratlas.classify.divisions import codes_named, divisions, full_name
from clusteratlas.io.errors import ImportIssue, Note
from clusteratlas.io.headers import normalise
from clusteratlas.io.schema import TABLES
from clusteratlas.io.store import Store
from clusteratlas.io.validate import ROW

PARTIAL = "_partial"  # rows built from a companion's routed columns
FIRM_NAME = "_firm_name"  # the firm's name on a yearly sheet that has no firm id column


# part number → field → the column as the file shows it (header [letter]); per import, and
# per thread (the API imports uploads on worker threads)
_labels: ContextVar[dict[int, dict[str, str]]] = ContextVar("labels", default={})


def _issue(df: pd.DataFrame, i, column: str, value, rule: str, message: str,
           zh: str | None = None) -> ImportIssue:
    r = df.loc[i]
    shown = _labels.get().get(int(r["_part"]), {}).get(column, column)
    return ImportIssue(r["_file"], r["_sheet"] or None, int(r[ROW]), shown,
                       None if pd.isna(value) else str(value), rule, message, zh)


def _close(name: str, candidates: list[str]) -> str:
    near = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
    return ("; close: " + ", ".join(near)) if near else ""


def _close_zh(name: str, candidates: list[str]) -> str:
    near = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
    return ("；相近的有：" + "、".join(near)) if near else ""


def resolve(store: Store, by_table: dict[str, pd.DataFrame], labels: dict[int, dict[str, str]],
            region: str | None, issues: list[ImportIssue], notes: list[str]) -> None:
    """Resolve names and fill derivable keys in place; append problems and notes.
    ``labels``: part number → field → the column as its file shows it, for messages."""
    _labels.set(labels)
    _park_ids(store, by_table, region, issues, notes)
    _park_names(store, by_table, issues, notes)
    _firm_names(store, by_table, issues, notes)
    _patent_holders(store, by_table, issues, notes)
    _regions(store, by_table, issues, notes)
    for t in ("firms", "firm_years"):
        if t in by_table:
            by_table[t] = _merge_partial(store, t, by_table[t], issues)


def _park_ids(store: Store, by_table, region, issues, notes) -> None:
    parks = by_table.get("parks")
    if parks is None:
        return
    if "park_id" not in parks:
        parks["park_id"] = pd.Series(pd.NA, index=parks.index, dtype="string")
    stored = store.sql("SELECT park_id, name FROM parks")
    by_name = {normalise(n): p for p, n in zip(stored.park_id, stored.name)}
    missing = parks["park_id"].isna()
    if missing.any():
        keys = parks.loc[missing, "name"].map(lambda n: normalise(n) if isinstance(n, str) else n)
        parks.loc[missing, "park_id"] = [by_name.get(k, n) for k, n in
                                         zip(keys, parks.loc[missing, "name"])]
        reused = int(keys.isin(list(by_name)).sum())
        notes.append(Note(f"parks: {int(missing.sum())} park(s) without a code take their name as "
                          f"their id" + (f" ({reused} matched a park of the store by name)" if reused else ""),
                          f"园区：{int(missing.sum())} 个园区没有代码，以名称作为代码"
                          + (f"（其中 {reused} 个按名称对应到库中已有园区）" if reused else "")))
        dup = parks.loc[missing, "park_id"].duplicated(keep="first")
        for i in dup[dup].index:
            issues.append(_issue(parks, i, "name", parks.at[i, "name"], "duplicate_key",
                                 "this park name is listed twice", "园区名称重复出现"))
    if "region_id" not in parks:
        parks["region_id"] = pd.Series(pd.NA, index=parks.index, dtype="string")
    no_region = parks["region_id"].isna()
    if no_region.any():
        firms = by_table.get("firms")
        regions = set(firms["region_id"].dropna()) if firms is not None and "region_id" in firms else set()
        chosen = region or (next(iter(regions)) if len(regions) == 1 else None)
        if chosen is None:
            for i in parks.index[no_region]:
                issues.append(_issue(parks, i, "name", parks.at[i, "name"], "no_region",
                                     "no region for this park: add a 行政区划代码 column to the "
                                     "park sheet or import with --region CODE"
                                     + (f" (the firms lie in {len(regions)} regions)" if regions else ""),
                                     "无法确定园区所在地区：请在园区表中增加“行政区划代码”列，或导入时加 "
                                     "--region"))
        else:
            parks.loc[no_region, "region_id"] = chosen
            how = "--region" if region else "the region of the firms"
            how_zh = "--region 指定" if region else "本次导入企业的所在地区"
            notes.append(Note(f"parks: region {chosen} for {int(no_region.sum())} park(s), from {how}",
                              f"园区：{int(no_region.sum())} 个园区的所在地区取{how_zh}（{chosen}）"))


def _known(store: Store, by_table, table: str, key: str) -> tuple[set, dict, dict]:
    """The ids of ``table`` in the store and this import, name → id, and the normalised name →
    id (None where two of them share a name)."""
    stored = store.sql(f"SELECT {key}, name FROM {table}")
    ids = set(stored[key])
    names = dict(zip(stored.name, stored[key]))
    if table in by_table:
        t = by_table[table]
        ids |= set(t[key].dropna())
        names.update(dict(zip(t["name"], t[key])))
    lookup: dict[str, str | None] = {}
    for n, i in names.items():
        if isinstance(n, str):
            k = normalise(n)
            lookup[k] = None if k in lookup and lookup[k] != i else i
    return ids, names, lookup


def _park_names(store: Store, by_table, issues, notes) -> None:
    ids, names, lookup = _known(store, by_table, "parks", "park_id")
    for t in ("firms", "projects"):
        df = by_table.get(t)
        if df is None or "park_id" not in df:
            continue
        v = df["park_id"]
        unknown = v.notna() & ~v.isin(ids)
        if not unknown.any():
            continue
        resolved = v[unknown].map(lambda n: lookup.get(normalise(n)))
        hit = resolved.notna()
        df.loc[resolved.index[hit], "park_id"] = resolved[hit]
        if hit.any():
            notes.append(Note(f"{t}: {int(hit.sum())} park name(s) resolved to park ids",
                              f"{int(hit.sum())} 个园区名称已对应到园区代码"))
        candidates = sorted(n for n in names if isinstance(n, str))
        for i in resolved.index[~hit]:
            name = str(v.at[i])
            df.at[i, "park_id"] = pd.NA  # reported here: not again as an unknown id
            issues.append(_issue(
                df, i, "park_id", name, "unknown_park",
                "no park of this name or code in the store or in a park sheet of this import; "
                "list it on a 园区 sheet to create it" + _close(name, candidates),
                "库中和本次导入的“园区”表中都没有这个园区；如为新园区，请在“园区”表中列出"
                + _close_zh(name, candidates)))


def _firm_names(store: Store, by_table, issues, notes) -> None:
    fy = by_table.get("firm_years")
    if fy is None or FIRM_NAME not in fy:
        return
    _, names, lookup = _known(store, by_table, "firms", "firm_id")  # None: two firms of one name
    need = fy["firm_id"].isna() if "firm_id" in fy else pd.Series(True, index=fy.index)
    if "firm_id" not in fy:
        fy["firm_id"] = pd.Series(pd.NA, index=fy.index, dtype="string")
    named = need & fy[FIRM_NAME].notna()
    keys = fy.loc[named, FIRM_NAME].map(normalise)
    found = keys.map(lambda k: lookup.get(k))
    fy.loc[found.index[found.notna()], "firm_id"] = found[found.notna()]
    if found.notna().any():
        notes.append(Note(f"firm_years: {int(found.notna().sum())} row(s) matched to firms by name",
                          f"年度指标：{int(found.notna().sum())} 行按企业名称对应到企业"))
    candidates = sorted(n for n in names if isinstance(n, str))
    for i in found.index[found.isna()]:
        name = str(fy.at[i, FIRM_NAME])
        twice = normalise(name) in lookup
        issues.append(_issue(
            fy, i, "name", name, "unknown_firm",
            ("two firms have this name: give the credit code (统一社会信用代码) column"
             if twice else "no firm of this name in the firm list or the store" + _close(name, candidates)),
            ("有两家企业同名：请填写统一社会信用代码" if twice else
             "企业名录和库中都没有这家企业" + _close_zh(name, candidates))))


_HOLDERS = re.compile(r"[;；、,，\n]+")


def _patent_holders(store: Store, by_table, issues, notes) -> None:
    pt = by_table.get("patents")
    if pt is None or "firm_id" not in pt:
        return
    ids, names, lookup = _known(store, by_table, "firms", "firm_id")
    rows, outside = [], {}
    for i, cell in pt["firm_id"].items():
        if pd.isna(cell):
            continue
        holders = [h.strip() for h in _HOLDERS.split(str(cell)) if h.strip()]
        found = [h if h in ids else lookup.get(normalise(h)) for h in holders]
        if not any(found):
            candidates = sorted(n for n in names if isinstance(n, str))
            issues.append(_issue(pt, i, "firm_id", cell, "unknown_firm",
                                 "no holder of this patent is a firm of the firm list or the store"
                                 + _close(holders[0], candidates),
                                 "专利权人都不在企业名录或库中" + _close_zh(holders[0], candidates)))
            continue
        for h, fid in zip(holders, found):
            if fid is None:
                outside[h] = outside.get(h, 0) + 1
        for fid in dict.fromkeys(x for x in found if x):
            rows.append(pt.loc[i].copy())
            rows[-1]["firm_id"] = fid
    kept = pd.DataFrame(rows, columns=pt.columns).astype(pt.dtypes.to_dict()) if rows else pt.iloc[0:0]
    twice = kept.duplicated(["patent_no", "firm_id"], keep="first")
    for i in kept.index[twice]:  # the same patent and holder, once by code and once by name
        issues.append(_issue(kept, i, "patent_no", kept.at[i, "patent_no"], "duplicate_key",
                             "this patent is listed twice for the same holder",
                             "同一专利权人的同一专利出现了两次"))
    by_table["patents"] = kept.reset_index(drop=True)
    if outside:
        shown = "; ".join(f"{h} ({n})" for h, n in sorted(outside.items())[:10])
        more = f" and {len(outside) - 10} more" if len(outside) > 10 else ""
        notes.append(Note(f"patents: co-holders not in the firm list are not stored: {shown}{more}",
                          f"专利：不在企业名录中的共同专利权人未入库：{shown}{more}"))


def _regions(store: Store, by_table, issues, notes) -> None:
    """Regions the import refers to but neither the store nor the import has: added from the
    shipped division list with the divisions above them, or an error."""
    have = store.keys("regions", "region_id")
    if "regions" in by_table:
        have |= set(by_table["regions"]["region_id"].dropna())
    _region_names(store, by_table, have, issues, notes)
    wanted: dict[str, tuple[str, pd.DataFrame, object]] = {}
    for t, df in by_table.items():
        for c in TABLES[t].columns:
            if c.ref == ("regions", "region_id") and c.name in df:
                v = df[c.name]
                for i in v.index[v.notna() & ~v.isin(have)]:
                    wanted.setdefault(str(v.at[i]), (c.name, df, i))
    if not wanted:
        return
    known = divisions()
    add = [code for code in wanted if code in known.index]
    if not add:
        return
    rows = region_rows(add)
    rows = rows[~rows["region_id"].isin(have)]
    retired = [c for c in add if not known.at[c, "current"]]
    added = "、".join(f"{r.name}（{r.region_id}）" for r in rows.itertuples())
    old = ", ".join(f"{c} {division_name(c)}" for c in retired)
    notes.append(Note("regions added from the shipped division list (MCA codes): " + ", ".join(
        f"{r.name} ({r.region_id})" for r in rows.itertuples())
        + (f"; retired code(s) kept as given: {old}" if retired else ""),
        f"按民政部行政区划代码加入地区：{added}" + (f"；已撤销的代码按原样保留：{old}" if retired else "")))
    # written with the first file that refers to them
    first = min(int(df.loc[i, "_fi"]) for _, df, i in wanted.values())
    rows = rows.assign(_file="(division list)", _sheet="", _part=-1, _fi=first)
    rows[ROW] = 0
    if "regions" in by_table:
        by_table["regions"] = pd.concat([by_table["regions"], rows], ignore_index=True)
    else:
        by_table["regions"] = rows


def _region_names(store: Store, by_table, have: set, issues, notes) -> None:
    """Regions written by name (公安县, 湖北省荆州市公安县) become their codes: a region of the
    store or the import by that name, else the one current division of that name."""
    named = store.sql("SELECT region_id, name FROM regions")
    if "regions" in by_table:
        named = pd.concat([named, by_table["regions"][["region_id", "name"]]], ignore_index=True)
    own = named.dropna().drop_duplicates().groupby("name")["region_id"].agg(lambda s: tuple(sorted(set(s))))
    resolved = 0
    for t, df in by_table.items():
        for c in TABLES[t].columns:
            if c.ref != ("regions", "region_id") or c.name not in df:
                continue
            v = df[c.name]
            odd = v.notna() & ~v.isin(have) & ~v.astype("string").str.fullmatch(r"\d{6}").fillna(False)
            for i in v.index[odd]:
                name = str(v.at[i])
                codes = own.get(name) or codes_named(name)
                if len(codes) == 1:
                    df.at[i, c.name] = codes[0]
                    resolved += 1
                elif len(codes) > 1:
                    listed = ", ".join(f"{k} {full_name(k)}" for k in codes[:6])
                    issues.append(_issue(df, i, c.name, name, "unknown_reference",
                                         f"several divisions have this name ({listed}): write the "
                                         "code or the full name",
                                         f"多个行政区划同名（{listed}）：请填写代码或全称"))
                    df.at[i, c.name] = pd.NA  # reported here: not again as an unknown id
    if resolved:
        notes.append(Note(f"{resolved} region name(s) resolved to division codes",
                          f"{resolved} 个地区名称已对应到行政区划代码"))


def _merge_partial(store: Store, table: str, df: pd.DataFrame,
                   issues: list[ImportIssue]) -> pd.DataFrame:
    """Merge rows built from a companion's columns into the full rows of the same key (from
    this import, else the store); a value that contradicts a given one is an error."""
    if PARTIAL not in df or not df[PARTIAL].fillna(False).any():
        return df.drop(columns=[PARTIAL], errors="ignore")
    key = list(TABLES[table].key)
    partial_mask = df[PARTIAL].fillna(False).astype(bool)
    full, part = df[~partial_mask].copy(), df[partial_mask]
    if table == "firm_years" and part["year"].isna().any():
        periods = full[["year", "month_to"]].dropna().drop_duplicates()
        if len(periods) == 1:
            part = part.copy()
            undated = part["year"].isna()
            part.loc[undated, "year"] = periods["year"].iloc[0]
            part.loc[undated, "month_to"] = periods["month_to"].iloc[0]
        else:
            given = [c for c in part.columns if c in TABLES[table].names and c not in key]
            for i in part.index[part["year"].isna()]:
                issues.append(_issue(part, i, given[0] if given else "year",
                                     None, "missing_value",
                                     "yearly figures on the firm list need a period: write the year "
                                     "in the sheet's title, e.g. 企业名录（2023年）",
                                     "企业名录上的年度指标需要统计期：请在表名或标题中写明年份，如“企业名录（2023年）”"))
            return full.drop(columns=[PARTIAL])
    given_cols = [c for c in part.columns if c in TABLES[table].names and c not in key]
    kf, kp = _keys(full, key), _keys(part, key)
    # a key given twice is reported as a duplicate already: no merge, no second error
    repeated = set(kf[kf.duplicated(keep=False)]) | set(kp[kp.duplicated(keep=False)])
    keep = ~kp.isin(repeated)
    part, kp = part[keep], kp[keep]
    position = pd.Series(full.index, index=kf.to_numpy())
    position = position[~position.index.isin(repeated)]
    here = kp.isin(position.index)
    _merge_into(full, part[here], kp[here].map(position), given_cols, "the same import", issues)
    rest = part[~here]
    if rest.empty:
        return full.drop(columns=[PARTIAL])
    stored = store.table(table)
    ks = _keys(stored, key)
    stored = stored[~ks.duplicated(keep=False)].set_axis(ks[~ks.duplicated(keep=False)].to_numpy())
    kr = _keys(rest, key)
    known = kr.isin(stored.index)
    # keys of the store: its row, with the given values merged in (a contradiction of a value
    # it holds is an error); firms are only checked, firm-years are written back whole
    base = stored.loc[kr[known].to_numpy()].set_axis(rest.index[known])
    for c in ("_file", "_sheet", "_part", "_fi", ROW):
        base[c] = rest.loc[known, c]
    _merge_into(base, rest[known], pd.Series(base.index, index=base.index), given_cols, "the store", issues)
    extra = [base] if table == "firm_years" else []
    if table == "firm_years":  # a firm-year neither here nor in the store: a new row
        extra.append(rest[~known])
    extra = [e for e in extra if not e.empty]
    out = pd.concat([full, *extra], ignore_index=True) if extra else full
    return out.drop(columns=[PARTIAL], errors="ignore")


def _keys(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    """One text key per row (the key columns joined), for matching rows across frames."""
    if frame.empty:
        return pd.Series([], index=frame.index, dtype=object)
    parts = [frame[k].astype("string").fillna("") for k in key]
    out = parts[0]
    for p in parts[1:]:
        out = out + "\x1f" + p
    return out.astype(object)


def _merge_into(target: pd.DataFrame, given: pd.DataFrame, at: pd.Series, columns: list[str],
                where: str, issues: list[ImportIssue]) -> None:
    """Fill ``target``'s rows ``at`` (one per row of ``given``) with ``given``'s values; a value
    that contradicts one ``target`` holds is an error naming the given cell."""
    if given.empty:
        return
    rows = at.to_numpy()
    for c in columns:
        b = given[c]
        if c not in target:
            target[c] = pd.NA
        a = pd.Series(target.loc[rows, c].to_numpy(), index=given.index)
        both = b.notna() & a.notna()
        for i in both[both].index:
            if not _same(a[i], b[i]):
                noun = "firm" if "year" not in given else "firm and period"
                issues.append(_issue(given, i, c, b[i], "conflicting_rows",
                                     f"{c} differs from {a[i]!s} given for this {noun} in {where}",
                                     f"与{'本次导入' if where == 'the same import' else '库中'}同一企业的数值"
                                     f"“{a[i]}”不一致"))
        fill = b.notna() & a.isna()
        if fill.any():
            target.loc[rows[fill.to_numpy()], c] = b[fill].to_numpy()


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    return normalise(str(a)) == normalise(str(b))
