"""Per-mu efficiency grading (亩均效益评价, "亩均论英雄"), by method files.

A method (YAML, shipped in ``analyses/methods/`` or given as a path) names its indicators — each
a ratio of two firm_years columns with a weight — the base each is compared with, a cap, rules
for missing and negative values, the firms it applies to, how grades are given, and what each
grade means for the firm. For firm k and indicator j:

    score_kj = min(value_kj / base_j × weight_j, cap × weight_j),  score_k = Σ_j score_kj

with base_j the region average Σ numerator / Σ denominator over the firms evaluated (or a fixed
number). A value that cannot be computed scores 0, or the average item score of the firms that
have it when the indicator's rule is ``average`` (e.g. firms without emission data); a negative
value scores 0.

Grades come from thresholds on the score, or from quotas: ``quota: {A: 0.2, B: 0.5, D: 0.05}``
gives A to at most 20 % of firms, A or B to at most 70 %, D to at least 5 %, C to the rest. Ties:
firms with equal scores are ordered by the method's first indicator (tax per mu in the shipped
methods — items capped at 1.5 × weight tie often); firms equal on both get the same grade, and
such a tie straddling an A or B cap goes to the lower grade (the cap holds), one straddling the
D floor goes to D (the floor holds).

Manual overrides live in the store's ``grade_overrides`` table with method, firm, period, grade,
reason, author and time; the result shows the computed grade, the override and the final grade
side by side — an override never replaces the computed grade.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

GRADES = ("A", "B", "C", "D")


@dataclass(frozen=True)
class Method:
    name: str
    title_zh: str
    source: str
    verified: bool
    firms: str
    indicators: list[dict]
    base: object
    cap: float
    missing: str
    negative: str
    grades: dict
    consequences: dict
    title_en: str = ""

    @classmethod
    def load(cls, name_or_path: str | Path) -> "Method":
        """A shipped method by name (``zhejiang_above_scale``, ``zhejiang_below_scale``,
        ``shandong``) or a YAML file."""
        p = Path(name_or_path)
        if p.suffix in (".yaml", ".yml") and p.exists():
            text = p.read_text(encoding="utf-8")
        else:
            folder = resources.files("clusteratlas.analyses").joinpath("methods")
            f = folder.joinpath(f"{name_or_path}.yaml")
            if not f.is_file():
                names = sorted(e.name.removesuffix(".yaml") for e in folder.iterdir()
                               if e.name.endswith(".yaml"))
                raise ValueError(f"no land-efficiency method {name_or_path!r}; shipped: {names}")
            text = f.read_text(encoding="utf-8")
        d = yaml.safe_load(text)
        m = cls(d["name"], d.get("title_zh", d["name"]), d.get("source", ""),
                bool(d.get("verified", False)), d.get("firms", "all"), d["indicators"],
                d.get("base", "region_average"), float(d.get("cap", math.inf)),
                d.get("missing", "zero"), d.get("negative", "zero"), d["grades"],
                d.get("consequences", {}), d.get("title_en", d.get("title_zh", d["name"])))
        m.validate()
        return m

    def validate(self) -> None:
        if self.firms not in ("above_scale", "below_scale", "all"):
            raise ValueError(f"method {self.name}: firms must be above_scale, below_scale or all")
        for ind in self.indicators:
            for k in ("key", "numerator", "denominator", "weight"):
                if k not in ind:
                    raise ValueError(f"method {self.name}: indicator lacks {k!r}: {ind}")
            if ind.get("missing", self.missing) not in ("zero", "average"):
                raise ValueError(f"method {self.name}: missing must be zero or average")
        if self.grades.get("method") not in ("quota", "thresholds"):
            raise ValueError(f"method {self.name}: grades.method must be quota or thresholds")


def item_scores(values: pd.DataFrame, method: Method) -> pd.DataFrame:
    """Each indicator's ratio (column ``key``, in the indicator's unit, e.g. CNY per mu), its
    score (``key_score``, points) and whether its data are missing (``key_missing``)."""
    out = pd.DataFrame(index=values.index)
    for ind in method.indicators:
        num = values[ind["numerator"]].astype(float)
        den = values[ind["denominator"]].astype(float)
        ok = num.notna() & den.notna() & (den > 0)
        ratio = (num / den).where(ok)
        base = method.base if not isinstance(method.base, dict) else method.base.get(ind["key"], "region_average")
        if ind.get("base") is not None:
            base = ind["base"]
        if base == "region_average":
            base = num[ok].sum() / den[ok].sum() if den[ok].sum() > 0 else np.nan
        base = float(base)
        w = float(ind["weight"])
        score = (ratio / base * w).clip(upper=method.cap * w) if base > 0 else ratio * np.nan
        rule_neg = ind.get("negative", method.negative)
        score = score.where(~(ratio < 0), 0.0 if rule_neg == "zero" else score)
        rule_missing = ind.get("missing", method.missing)
        fill = score.mean() if rule_missing == "average" else np.nan
        out[ind["key"]] = ratio
        # a missing item is filled only where the method's text says how (missing: average);
        # otherwise its score stays missing and the firm cannot be graded (``land_efficiency``)
        out[ind["key"] + "_score"] = score.fillna(fill)
        out[ind["key"] + "_missing"] = ~ok
        out.attrs[ind["key"] + "_base"] = base
    return out


def grade_by_thresholds(scores: pd.Series, thresholds: dict) -> pd.Series:
    t = {g: float(thresholds[g]) for g in ("A", "B", "C")}
    return pd.Series(np.select([scores >= t["A"], scores >= t["B"], scores >= t["C"]],
                               ["A", "B", "C"], "D"), index=scores.index)


def grade_by_quota(scores: pd.Series, quota: dict, tiebreak: pd.Series | None = None) -> pd.Series:
    """Grades under quotas (see the module text for the tie rules). ``tiebreak``: a second key
    (the method's first indicator, e.g. tax per mu) that orders firms with equal scores; firms
    equal on both stay tied."""
    n = len(scores)
    if n == 0:
        return pd.Series([], dtype=object)
    keys = pd.DataFrame({"s": scores, "t": tiebreak if tiebreak is not None else 0.0})
    keys["t"] = keys["t"].fillna(-np.inf)
    order = keys.sort_values(["s", "t"], ascending=False)
    group = (order.diff().abs().sum(axis=1) > 0).cumsum()  # tie groups, in order
    position = pd.Series(np.arange(1, n + 1), index=order.index)
    last = position.groupby(group).transform("max")
    a_cap = math.floor(quota.get("A", 0) * n + 1e-9)
    ab_cap = math.floor((quota.get("A", 0) + quota.get("B", 0)) * n + 1e-9)
    d_floor = math.ceil(quota.get("D", 0) * n - 1e-9)
    grade = pd.Series("C", index=order.index)
    grade[last <= ab_cap] = "B"
    grade[last <= a_cap] = "A"
    if d_floor > 0:
        grade[last >= n - d_floor + 1] = "D"  # a tie reaching into the D floor is all D
    return grade.reindex(scores.index)


@dataclass(frozen=True)
class LandEfficiency:
    method: Method
    firms: pd.DataFrame  # firm_id, park_id, score, item scores and values, grades, consequences
    parks: pd.DataFrame  # park ranking
    bases: dict


def land_efficiency(firms: pd.DataFrame, firm_years: pd.DataFrame, year: int,
                    month_to: int = 12, method: str | Method = "zhejiang_above_scale",
                    region_id: str | None = None,
                    overrides: pd.DataFrame | None = None) -> LandEfficiency:
    """Score and grade the firms of a period by a method; rank the parks."""
    m = method if isinstance(method, Method) else Method.load(method)
    f = firms if region_id is None else firms[firms["region_id"] == region_id]
    fy = firm_years[(firm_years["year"] == year) & (firm_years["month_to"] == month_to)]
    d = fy.merge(f[["firm_id", "name", "park_id", "industry_code"]], on="firm_id")
    above = d["above_scale"].fillna(False).astype(bool)
    d = d[above] if m.firms == "above_scale" else d[~above] if m.firms == "below_scale" else d
    d = d[d["land_mu"].fillna(0) > 0].reset_index(drop=True)
    items = item_scores(d, m)
    keys = [i["key"] for i in m.indicators]
    d = pd.concat([d[["firm_id", "name", "park_id", "industry_code", "land_mu", "tax_paid",
                      "value_added"]], items], axis=1)
    scores = items[[k + "_score" for k in keys]]
    # a firm whose score rests on an item without data is incomplete: not scored, not graded,
    # and not counted in the quotas the complete firms are graded under
    d["complete"] = scores.notna().all(axis=1)
    names = {i["key"]: i.get("name_zh", i["key"]) for i in m.indicators}
    d["missing_items"] = [
        "; ".join(names[k] for k in keys if miss[k + "_missing"] and pd.isna(miss[k + "_score"]))
        for _, miss in items.iterrows()] if len(items) else []
    d["score"] = scores.sum(axis=1, min_count=len(keys)).where(d["complete"])
    done = d["complete"]
    d["computed_grade"] = pd.Series(None, index=d.index, dtype=object)
    if m.grades["method"] == "quota":
        first_key = m.indicators[0]["key"]
        d.loc[done, "computed_grade"] = grade_by_quota(d.loc[done, "score"], m.grades["quota"],
                                                       d.loc[done, first_key])
    else:
        d.loc[done, "computed_grade"] = grade_by_thresholds(d.loc[done, "score"], m.grades["thresholds"])
    d["override_grade"], d["override_reason"] = None, None
    if overrides is not None and len(overrides):
        o = overrides[(overrides["method"] == m.name) & (overrides["year"] == year)
                      & (overrides["month_to"] == month_to)].sort_values("created_at")
        last = o.groupby("firm_id").last()
        d["override_grade"] = d["firm_id"].map(last["grade"])
        d["override_reason"] = d["firm_id"].map(last["reason"] + " (" + last["author"] + ")")
    d["grade"] = d["override_grade"].fillna(d["computed_grade"])
    cons = m.consequences
    if cons:
        table = pd.DataFrame({g: cons[g] for g in GRADES if g in cons}, index=cons["columns"]).T
        d = d.merge(table, left_on="grade", right_index=True, how="left")
    d = d.sort_values("score", ascending=False, ignore_index=True, na_position="last")
    d.insert(0, "rank", pd.array([i + 1 if c else pd.NA for i, c in enumerate(d["complete"])],
                                 dtype="Int64"))

    g = d.assign(park_id=d["park_id"].fillna("—"),
                 _va_land=d["land_mu"].where(d["value_added"].notna())).groupby("park_id")
    parks = pd.DataFrame({
        "firms": g.size(), "incomplete": g["complete"].apply(lambda c: int((~c).sum())),
        "mean_score": g["score"].mean(), "land_mu": g["land_mu"].sum(),
        "tax_per_mu": g["tax_paid"].sum() / g["land_mu"].sum(),
        # over the firms that report value added (min_count: none reported is no figure, not 0)
        "value_added_per_mu": g["value_added"].sum(min_count=1) / g["_va_land"].sum(min_count=1),
        **{f"grade_{x}": g["grade"].apply(lambda s, x=x: int((s == x).sum())) for x in GRADES},
    }).reset_index()
    parks = parks.sort_values("mean_score", ascending=False, ignore_index=True)
    parks.insert(0, "rank", np.arange(1, len(parks) + 1))
    bases = {k: items.attrs.get(k + "_base") for k in keys}
    return LandEfficiency(m, d, parks, bases)


def check_override(grade: str, reason: str, author: str) -> tuple[str, str]:
    """The reason and author of a manual grade override, stripped; ValueError unless the grade
    is one of ``GRADES`` and both are given (the computed grade is never changed: an override
    is a record beside it)."""
    if grade not in GRADES:
        raise ValueError(f"grade must be one of {GRADES}")
    if not str(reason).strip() or not str(author).strip():
        raise ValueError("an override needs a reason and an author")
    return str(reason).strip(), str(author).strip()
