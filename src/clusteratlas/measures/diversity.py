"""Entropy measures: related and unrelated variety of a region's industries, and the Theil index
of inequality with its between/within decomposition.

Both rest on the decomposition theorem of entropy (Theil 1972): with shares p_i grouped into
sets S_g of share P_g = Σ_{i∈g} p_i,

    H = Σ_i p_i log(1/p_i) = Σ_g P_g log(1/P_g) + Σ_g P_g H_g,   H_g = Σ_{i∈g} (p_i/P_g) log(P_g/p_i),

so the parts add up to the whole exactly — the tests hold them to it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clusteratlas.measures.tidy import prepare


# ---------------------------------------------------------------- array maths (pure) ---------
def entropy(p: np.ndarray, base: float = 2.0) -> float:
    """H = Σ p_i log(1/p_i) of shares summing to 1 (0 log 0 = 0) — Shannon (1948)."""
    p = p[p > 0]
    return float(-(p * np.log(p)).sum() / np.log(base))


def variety_parts(values: np.ndarray, group_codes: np.ndarray) -> tuple[float, float, float]:
    """(variety, unrelated variety, related variety) of one region's values by industry, the
    industries in groups ``group_codes`` — Frenken, Van Oort & Verburg (2007, eq. 1–3), log base 2:
    UV = Σ_g P_g log2(1/P_g), RV = Σ_g P_g H_g. NaN for a region without activity."""
    total = values.sum()
    if total <= 0:
        return np.nan, np.nan, np.nan
    p = values / total
    P = np.bincount(group_codes, weights=p)
    uv = entropy(P)
    rv = sum(P[g] * entropy(p[group_codes == g] / P[g]) for g in np.flatnonzero(P > 0))
    return entropy(p), uv, rv


def theil_parts(y: np.ndarray, w: np.ndarray, group_codes: np.ndarray | None) -> tuple[float, float, float]:
    """(T, between, within) of values ``y`` over units of weights ``w`` (population; equal
    weights give the unweighted index): T = Σ_r s_r ln(s_r/w_r), s and w the shares of y and of
    the weights (Theil 1967; Shorrocks 1980 for the decomposition); between = Σ_g S_g ln(S_g/W_g),
    within = Σ_g S_g T_g."""
    s, w = y / y.sum(), w / w.sum()

    def t(s_, w_):
        ok = s_ > 0
        return float((s_[ok] * np.log(s_[ok] / w_[ok])).sum())

    total = t(s, w)
    if group_codes is None:
        return total, np.nan, np.nan
    S = np.bincount(group_codes, weights=s)
    W = np.bincount(group_codes, weights=w)
    between = t(S, W)
    within = sum(S[g] * t(s[group_codes == g] / S[g], w[group_codes == g] / W[g])
                 for g in np.flatnonzero(S > 0))
    return total, between, within


# ---------------------------------------------------------------- tidy interface -------------
def _group_of(industry_codes: pd.Series, groups) -> pd.Series:
    """Each industry's group: a mapping (industry → group), a prefix length of the code (the
    GB/T 4754 division of a class is its first 2 digits), or a callable on the code."""
    codes = industry_codes.astype(str)
    if groups is None or isinstance(groups, (int, np.integer)):
        n = 2 if groups is None else int(groups)
        return codes.str[:n]
    if callable(groups):
        return codes.map(groups)
    mapped = codes.map(dict(groups) if not isinstance(groups, pd.Series) else groups.to_dict())
    missing = codes[mapped.isna()]
    if len(missing):
        raise KeyError(f"variety: industry {missing.iloc[0]!r} has no group in the mapping given")
    return mapped


def variety(data: pd.DataFrame, *, region: str = "region", industry: str = "industry",
            value: str = "value", year: str | None = None, groups=None) -> pd.DataFrame:
    """Variety, unrelated variety and related variety of each region's industries (and year):
    entropy in bits over industries, over their groups, and within groups weighted by the
    groups' shares — Frenken, Van Oort & Verburg (2007). ``groups``: how industries group
    (default: the first two digits of the code, GB/T 4754's division of a class; an int prefix
    length, a mapping industry → group or a callable). variety = unrelated + related exactly.
    A region without activity gets NaN."""
    d = prepare(data, "variety", nonnegative=("value",), region=region, industry=industry, value=value, year=year)
    d = d.groupby([c for c in (year, region, industry) if c], as_index=False, sort=True)[value].sum()
    d["_group"] = _group_of(d[industry], groups)
    rows = []
    keys = [c for c in (year, region) if c]
    for key, part in d.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        codes, _ = pd.factorize(part["_group"], sort=True)
        v, uv, rv = variety_parts(part[value].to_numpy(float), codes)
        rows.append((*key, v, uv, rv, int((part[value] > 0).sum())))
    return pd.DataFrame(rows, columns=[*keys, "variety", "unrelated_variety", "related_variety", "industries"])


def theil(data: pd.DataFrame, *, region: str = "region", value: str = "value", weight: str | None = None,
          year: str | None = None, groups: str | None = None) -> pd.DataFrame:
    """The Theil index of ``value`` across regions (and years), weighted by ``weight`` (a
    population column; unweighted when None), with its between-groups and within-groups parts
    when ``groups`` names a column grouping the regions (a province, an east/west split):
    T = between + within exactly (Theil 1967; Shorrocks 1980). Rows listing a region in parts
    are summed. 0 when value is proportional to weight; at most ln(n) unweighted."""
    roles = dict(region=region, value=value, weight=weight, year=year)
    d = prepare(data, "theil", nonnegative=("value", "weight"), **roles)
    if groups is not None:
        if groups not in data:
            raise KeyError(f"theil: column {groups!r} (the groups) not in the data; it has {list(data.columns)}")
        d["_group"] = data[groups].to_numpy()
        per_region = d.groupby([c for c in (year, region) if c])["_group"].nunique()
        if (per_region > 1).any():
            raise ValueError(f"theil: region {per_region[per_region > 1].index[0]!r} is in more than one group")
    keys = [c for c in (year, region) if c] + (["_group"] if groups is not None else [])
    agg = {value: "sum"} | ({weight: "sum"} if weight else {})
    d = d.groupby(keys, as_index=False, sort=True).agg(agg)
    out = []
    for key, part in (d.groupby(year, sort=True) if year else [(None, d)]):
        y = part[value].to_numpy(float)
        w = part[weight].to_numpy(float) if weight else np.ones(len(part))
        if y.sum() <= 0 or w.sum() <= 0 or ((w == 0) & (y > 0)).any():
            t = b = wi = np.nan  # no value to share out, or value where there is no population
        else:
            codes = pd.factorize(part["_group"], sort=True)[0] if groups is not None else None
            t, b, wi = theil_parts(y, w, codes)
        row = ({year: key} if year else {}) | {"theil": t}
        if groups is not None:
            row |= {"theil_between": b, "theil_within": wi, "between_share_pct": b / t * 100 if t else np.nan}
        out.append(row)
    return pd.DataFrame(out)
