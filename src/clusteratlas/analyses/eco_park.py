"""Eco-industrial park scorecards: HJ 274-2015 and the International Framework for
Eco-Industrial Parks (UNIDO / World Bank / GIZ, 2021).

The indicator library is ``methods/eco_park_indicators.yaml``: each indicator has a formula (a
ratio of the park firms' summed firm_years columns, a three-year growth, or a value the park
reports itself), a unit, a threshold and its source, and the framework category it falls under
(the crosswalk between the two standards). A scorecard says for each indicator: met, not met,
no data, or no threshold — and marks results resting on a threshold not verified from the
primary text.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd
import yaml

MET, NOT_MET, NO_DATA, NO_THRESHOLD = "met", "not met", "no data", "no threshold"


@cache
def indicator_library() -> dict:
    text = resources.files("clusteratlas.analyses").joinpath("methods", "eco_park_indicators.yaml")
    return yaml.safe_load(text.read_text(encoding="utf-8"))


def crosswalk() -> pd.DataFrame:
    """HJ 274-2015 indicator groups against the International Framework's categories."""
    lib = indicator_library()
    cats = lib["framework_categories"]
    return pd.DataFrame([{"indicator": i["key"], "name_zh": i["name_zh"],
                          "hj274_group": i.get("hj274_group"), "framework": i["framework"],
                          "framework_category": cats[i["framework"]]["name_en"]}
                         for i in lib["indicators"]])


def _compare(value: float, threshold: dict | None) -> str:
    if threshold is None:
        return NO_THRESHOLD
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return NO_DATA
    op, t = threshold["op"], float(threshold["value"])
    ok = {">=": value >= t, "<=": value <= t, ">": value > t, "<": value < t, "==": value == t}[op]
    return MET if ok else NOT_MET


def park_scorecard(firms: pd.DataFrame, firm_years: pd.DataFrame, park_id: str, year: int,
                   park_indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per indicator for a park and a full year: value, threshold, result."""
    ids = firms.loc[firms["park_id"] == park_id, "firm_id"]
    fy = firm_years[firm_years["firm_id"].isin(ids) & (firm_years["month_to"] == 12)]
    reported = {}
    if park_indicators is not None:
        p = park_indicators[(park_indicators["park_id"] == park_id) & (park_indicators["year"] == year)]
        reported = dict(zip(p["indicator"], p["value"]))
    rows = []
    for ind in indicator_library()["indicators"]:
        f = ind["formula"]
        value = np.nan
        if f == "input":
            value = float(reported[ind["key"]]) if ind["key"] in reported else np.nan
        elif "growth" in f:
            col, n = f["growth"], int(f["years"])
            series = fy.groupby("year")[col].sum(min_count=1)
            if year in series.index and year - n in series.index and series[year - n] > 0:
                value = ((series[year] / series[year - n]) ** (1 / n) - 1) * 100
        else:
            cur = fy[fy["year"] == year]
            both = cur[f["numerator"]].notna() & cur[f["denominator"]].notna()
            den = cur.loc[both, f["denominator"]].sum()
            if both.any() and den > 0:
                value = cur.loc[both, f["numerator"]].sum() / den * float(f.get("factor", 1.0))
        result = _compare(value, ind.get("threshold"))
        rows.append({"indicator": ind["key"], "name_zh": ind["name_zh"], "name_en": ind["name_en"],
                     "framework": ind["framework"], "value": value, "unit": ind["unit"],
                     "threshold": None if not ind.get("threshold") else
                     f"{ind['threshold']['op']} {ind['threshold']['value']}",
                     "result": result, "threshold_verified": bool(ind.get("verified")),
                     "source": ind["source"]})
    return pd.DataFrame(rows)
