"""A region against its peers, over time — as U.S. Cluster Mapping, Metroverse and the European
Cluster Observatory show a region itself: its peer regions, its portfolio of industries (or
clusters) over a range of years, and the strength/opportunity quadrants.

All three take tidy values (region, industry, year, value: employment or output), on frames; the
faces pass the study's values.

**Peers** (``peer_regions``). Three distances from the region, each divided by its spread over
the candidates so none dominates by its units: size |ln(total_r / total_0)|, income
|ln(income_r / income_0)| (where an income per head is given) and structure 1 − cos(s_r, s_0),
s the vector of industry shares (the similarity of the industry mix). Their weighted sum ranks
the candidates; the nearest ``k`` are the peers — or the user picks up to 10.

**Portfolio** (``portfolio``). For each industry: its value at the end, its share, its LQ at the
start and the end (against the sum of the comparison regions: all regions, or the region and its
peers), the LQ change, the compound annual growth rate (CAGR) over the range, and whether it is
a *strong* cluster at the end: an LQ in the top quartile of the comparison regions and at least 1
(U.S. Cluster Mapping's specialisation rule; CMP adds size rules its data allow). ``cluster
strength`` is the share of the region's traded employment in strong traded clusters (CMP).

**Wages and innovation** (``firm_figures``), where the firms report them: by industry, R&D
intensity (R&D spending over revenue, %), value added per employee, the average wage a year
(wage bill over employment, for a period of m months times 12/m) and patents granted in the period
per 10,000 employees (all kinds, and inventions; a patent held by two firms of one industry
counts once). Each is computed on the firms that report both of its figures; an industry where
none does has no value, and patents have none where the patent list has no grant in the year.

**The classification as a decision** (``current_classes``). Traded and local are computed by
``measures.traded_local``; an office saves a classification (one row per industry with the Gini
and the cut) and may override an industry with a reason. The records are appended, never
changed; the class in force is the newest override (a withdrawn one gives way), else the newest
saved class; an industry the saved classification lacks takes the class computed now.

**Quadrants** (``quadrants``). Relative presence (RCA) against relatedness density, computed on
the region and its peers: strength (RCA ≥ 1, density at or above the region's median), weakness
(present but isolated), opportunity (absent but related), threat (absent and unrelated) — the
chart a strategy meeting reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.measures import location_quotient, relatedness_density, rca

MAX_PEERS = 10


def _latest(values: pd.DataFrame, year: str, at) -> pd.DataFrame:
    at = values[year].max() if at is None else at
    return values[values[year] == at]


def peer_regions(values: pd.DataFrame, region_id, *, region: str = "region", industry: str = "industry",
                 value: str = "value", year: str = "year", at=None, k: int = 5,
                 income: pd.Series | None = None, picked=None,
                 weights: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> pd.DataFrame:
    """The regions most like ``region_id`` in year ``at`` (default the latest), nearest first
    (module text): each candidate's size, size ratio, income ratio, structural similarity
    (cosine of the industry mixes), the three distances, their weighted sum and ``peer`` (among
    the ``k`` nearest, or among ``picked``: up to 10 regions the user chose)."""
    v = _latest(values, year, at)
    X = v.pivot_table(index=region, columns=industry, values=value, aggfunc="sum", fill_value=0.0)
    if region_id not in X.index:
        raise KeyError(f"peer_regions: region {region_id!r} has no {value} in the data")
    size = X.sum(axis=1)
    if (size <= 0).any():
        X, size = X[size > 0], size[size > 0]
    shares = X.div(size, axis=0)
    unit = shares.to_numpy() / np.linalg.norm(shares.to_numpy(), axis=1, keepdims=True)
    me = X.index.get_loc(region_id)
    similarity = pd.Series(unit @ unit[me], index=X.index)
    parts = pd.DataFrame({"size_distance": np.abs(np.log(size / size[region_id])),
                          "structure_distance": 1.0 - similarity.clip(upper=1.0)})
    out = pd.DataFrame({"size": size, "size_ratio": size / size[region_id], "similarity": similarity})
    if income is not None:
        inc = income.reindex(X.index).astype(float)
        out["income_ratio"] = inc / inc[region_id]
        parts["income_distance"] = np.abs(np.log(out["income_ratio"]))
    others = parts.drop(index=region_id)
    w = {"size_distance": weights[0], "income_distance": weights[1], "structure_distance": weights[2]}
    spread = others.std(ddof=0).replace(0.0, 1.0)
    out = out.join(parts)
    out["distance"] = sum(w[c] * parts[c] / spread[c] for c in parts.columns)
    out = out.drop(index=region_id).sort_values(["distance", "size"], kind="mergesort")
    out["rank"] = np.arange(1, len(out) + 1)
    if picked is not None:
        picked = list(dict.fromkeys(picked))
        if len(picked) > MAX_PEERS:
            raise ValueError(f"peer_regions: at most {MAX_PEERS} peers, not {len(picked)}")
        unknown = [p for p in picked if p not in out.index]
        if unknown:
            raise KeyError(f"peer_regions: {unknown[0]!r} is not a region with data (or is the region itself)")
        out["peer"] = out.index.isin(picked)
    else:
        if not 1 <= k <= MAX_PEERS:
            raise ValueError(f"peer_regions: k must be 1 to {MAX_PEERS}, not {k}")
        out["peer"] = out["rank"] <= k
    return out.rename_axis(region).reset_index()


@dataclass(frozen=True)
class Portfolio:
    region: str
    start: object
    end: object
    industries: pd.DataFrame  # industry, value_start, value_end, share_pct, lq_start, lq_end, lq_change, cagr_pct, traded, strong
    cluster_strength_pct: float  # share of traded employment in strong traded clusters (NaN: traded unknown)
    comparison: tuple  # the regions the LQs are against


def portfolio(values: pd.DataFrame, region_id, *, region: str = "region", industry: str = "industry",
              value: str = "value", year: str = "year", start=None, end=None, peers=None,
              traded: pd.Series | None = None, lq_quantile: float = 0.75) -> Portfolio:
    """The region's industries from ``start`` to ``end`` (default the data's first and last
    years) against the comparison regions — all of them, or the region and its ``peers``
    (module text). ``traded``: industry → True (traded) / False (local), from
    ``measures.traded_local``; without it, cluster strength is not computed."""
    years = sorted(values[year].unique())
    start = years[0] if start is None else start
    end = years[-1] if end is None else end
    if start not in years or end not in years or start >= end:
        raise ValueError(f"portfolio: start and end must be years of the data, start before end; the data have {years}")
    comparison = values[region].unique() if peers is None else [region_id, *[p for p in peers if p != region_id]]
    v = values[values[region].isin(comparison) & values[year].isin([start, end])]
    if region_id not in set(v[region]):
        raise KeyError(f"portfolio: region {region_id!r} has no {value} in the data")
    lq = location_quotient(v, region=region, industry=industry, value=value, year=year)
    mine = lq[lq[region] == region_id]
    a = mine[mine[year] == start].set_index(industry)
    b = mine[mine[year] == end].set_index(industry)
    out = pd.DataFrame({"value_start": a[value], "value_end": b[value], "lq_start": a["lq"], "lq_end": b["lq"]})
    out["share_pct"] = out["value_end"] / out["value_end"].sum() * 100
    out["lq_change"] = out["lq_end"] - out["lq_start"]
    span = float(end) - float(start)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cagr_pct"] = np.where(out["value_start"] > 0, ((out["value_end"] / out["value_start"]) ** (1 / span) - 1) * 100,
                                   np.nan)
    at_end = lq[lq[year] == end]
    cut = at_end.groupby(industry)["lq"].quantile(lq_quantile)
    out["strong"] = (out["lq_end"] >= out.index.map(cut)) & (out["lq_end"] >= 1.0)
    strength = np.nan
    if traded is not None:
        out["traded"] = out.index.map(traded).astype("boolean")
        t = out[out["traded"].fillna(False).astype(bool)]
        if t["value_end"].sum() > 0:
            strength = float(t.loc[t["strong"], "value_end"].sum() / t["value_end"].sum() * 100)
    out = out.sort_values("value_end", ascending=False).rename_axis(industry).reset_index()
    return Portfolio(str(region_id), start, end, out, strength, tuple(comparison))


QUADRANTS = ("strength", "weakness", "opportunity", "threat")


def quadrants(values: pd.DataFrame, region_id, *, region: str = "region", industry: str = "industry",
              value: str = "value", year: str = "year", at=None, peers=None) -> pd.DataFrame:
    """Each industry of the region by RCA and relatedness density, computed on the region and
    its ``peers`` (all regions without), in year ``at`` (default the latest), with its quadrant
    (module text) and the cut used (``density_cut``: the region's median density)."""
    v = _latest(values, year, at)
    if peers is not None:
        v = v[v[region].isin([region_id, *peers])]
    r = rca(v, region=region, industry=industry, value=value).set_index([region, industry])["rca"]
    dens = relatedness_density(v, region=region, industry=industry, value=value).set_index([region, industry])
    if region_id not in r.index.get_level_values(0):
        raise KeyError(f"quadrants: region {region_id!r} has no {value} in the data")
    out = pd.DataFrame({"rca": r.loc[region_id], "density": dens.loc[region_id, "density"]})
    cut = float(out["density"].median())
    present, related = out["rca"] >= 1.0, out["density"] >= cut
    out["quadrant"] = np.select([present & related, present & ~related, ~present & related],
                                ["strength", "weakness", "opportunity"], "threat")
    out["density_cut"] = cut
    return out.rename_axis(industry).reset_index()


def pooled_ratio(rows: pd.DataFrame, num: str, den: str, by: str) -> pd.Series:
    """Σ num / Σ den by ``by`` over the rows that report both (NaN where the sum of ``den`` is
    not positive; empty where a column is absent)."""
    if num not in rows or den not in rows:
        return pd.Series(dtype=float)
    both = rows[rows[num].notna() & rows[den].notna()]
    g = both.groupby(by)[[num, den]].sum()
    return g[num] / g[den].where(g[den] > 0)


def firm_figures(firm_years: pd.DataFrame, firms: pd.DataFrame, year: int, month_to: int,
                 patents: pd.DataFrame | None = None) -> pd.DataFrame:
    """By division (``industry``: the first two digits of the firms' GB/T 4754 codes) in the
    period (``year``, months 1–``month_to``): ``rd_intensity_pct`` (%), ``value_added_per_employee``
    (CNY), ``average_wage`` (CNY a year per employee), ``patents_per_10k`` and
    ``inventions_per_10k`` (granted in the period per 10,000 employees) — module text. NaN where
    no firm of the division reports the figures."""
    cur = firm_years[(firm_years["year"] == year) & (firm_years["month_to"] == month_to)]
    f = cur.merge(firms[["firm_id", "industry_code"]], on="firm_id")
    f = f.assign(industry=f["industry_code"].astype(str).str[:2])
    out = pd.DataFrame({"rd_intensity_pct": pooled_ratio(f, "rd_spend", "revenue", "industry") * 100,
                        "value_added_per_employee": pooled_ratio(f, "value_added", "employment", "industry"),
                        "average_wage": pooled_ratio(f, "wage_bill", "employment", "industry") * 12 / month_to})
    out["patents_per_10k"] = np.nan
    out["inventions_per_10k"] = np.nan
    if patents is not None and not patents.empty:
        granted = pd.to_datetime(patents["granted_date"])
        start, end = pd.Timestamp(year, 1, 1), pd.Timestamp(year, month_to, 1) + pd.offsets.MonthEnd(0)
        if (granted.dt.year == year).any():  # the list covers the year
            p = patents[(granted >= start) & (granted <= end)].merge(f[["firm_id", "industry"]], on="firm_id")
            staffed = f[f["employment"].notna()].groupby("industry")["employment"].sum()
            staffed = staffed.where(staffed > 0)
            counted = p.drop_duplicates(["patent_no", "industry"])
            every = counted.groupby("industry")["patent_no"].nunique().reindex(staffed.index, fill_value=0)
            inv = counted[counted["kind"] == "invention"].groupby("industry")["patent_no"].nunique()
            inv = inv.reindex(staffed.index, fill_value=0)
            out = out.reindex(out.index.union(staffed.index))
            out["patents_per_10k"] = every / staffed * 1e4
            out["inventions_per_10k"] = inv / staffed * 1e4
    return out.rename_axis("industry").reset_index()


def current_classes(records: pd.DataFrame, computed: pd.DataFrame) -> pd.DataFrame:
    """The traded/local class in force for each industry (module text): from the recorded rows
    (``industry_classes``: class_id, industry, traded, method, gini, threshold, year, reason,
    author, created_at) and the classes ``computed`` now (industry, gini, threshold, traded).
    Returns the computed frame with ``traded`` in force, ``computed_traded`` (now), ``source``
    (``saved``, ``override`` or ``computed``) and the saved row's ``saved_gini``, ``saved_year``,
    ``saved_by``, ``saved_at``, and an override's ``reason``, ``override_by``, ``override_at``."""
    out = computed.assign(computed_traded=computed["traded"].astype("boolean"))
    out["source"] = "computed"
    for c in ("saved_gini", "saved_year", "saved_by", "saved_at", "reason", "override_by", "override_at"):
        out[c] = pd.NA
    if records is None or records.empty:
        return out
    r = records.sort_values("class_id").reindex(
        columns=["industry", "traded", "method", "gini", "year", "reason", "author", "created_at"])
    # the newest row of each industry as it is (groupby.last would skip a withdrawal's NULL)
    saved = r[r["method"] == "computed"].drop_duplicates("industry", keep="last").set_index("industry")
    over = r[r["method"] == "override"].drop_duplicates("industry", keep="last").set_index("industry")
    over = over[over["traded"].notna()]  # the newest override withdrawn: the saved class again
    out = out.set_index("industry")
    known = out.index.union(saved.index).union(over.index)
    out = out.reindex(known)
    out["source"] = out["source"].fillna("computed")
    for rows, source, fields in ((saved, "saved", {"saved_gini": "gini", "saved_year": "year", "saved_by": "author",
                                                   "saved_at": "created_at"}),
                                 (over, "override", {"reason": "reason", "override_by": "author",
                                                     "override_at": "created_at"})):
        hit = out.index.isin(rows.index)  # the override last: it wins
        r = rows.reindex(out.index)
        out.loc[hit, "traded"] = r.loc[hit, "traded"]
        out.loc[hit, "source"] = source
        for column, field in fields.items():
            out.loc[hit, column] = r.loc[hit, field]
    out["traded"] = out["traded"].astype("boolean")
    return out.rename_axis("industry").reset_index()
