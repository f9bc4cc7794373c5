"""A park against its peer parks (园区对标): the parks most like it, and where it stands among
them on the figures a park committee is judged by.

**Peers** (``peer_parks``) are found as regions' peers are (``analyses.portfolio.peer_regions``):
by size (the output of the park's firms in the period), "income" (their tax per mu of land, the
亩均税收 that grades parks) and structure (the cosine of the parks' industry mixes); the nearest
``k`` parks, or up to 10 the user picks.

**Benchmark** (``park_benchmark``). For the park and its peers, over the firms of each park in
the period: output; output and tax per mu of the firms' land (亩均产值, 亩均税收, over the firms that report land; the park's
built area where none does); value added per employee (全员劳动生产率); energy per CNY 10k of
output (万元产值能耗, lower is better); R&D intensity (研发投入强度); output growth on the same
months of the year before. For each: the park's value, the peers' median and best, and the park's
rank among the park and its peers (1 = best; a park without the figure is not ranked).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.analyses.portfolio import peer_regions, pooled_ratio

# indicator → (numerator, denominator, scale, True when higher is better)
INDICATORS = {
    "output": ("output", None, 1.0, True),
    "output_per_mu": ("output", "land_mu", 1.0, True),
    "tax_per_mu": ("tax_paid", "land_mu", 1.0, True),
    "value_added_per_employee": ("value_added", "employment", 1.0, True),
    "energy_per_10k_output": ("energy_tce", "output", 1e4, False),
    "rd_intensity_pct": ("rd_spend", "revenue", 100.0, True),
    "growth_pct": ("output", "output_before", 100.0, True),
}
_SUMMED = ("output", "tax_paid", "land_mu", "value_added", "employment", "energy_tce", "rd_spend", "revenue")


def park_figures(firm_years: pd.DataFrame, firms: pd.DataFrame, parks: pd.DataFrame, year: int,
                 month_to: int) -> pd.DataFrame:
    """Per park (``park_id``), the sums of its firms' figures in the period and the same months of
    the year before (``output_before``), the number of firms, and the indicators of the module
    text. A ratio is over the firms that report both of its figures."""
    fy = firm_years[firm_years["month_to"] == month_to]
    sited = firms.loc[firms["park_id"].notna(), ["firm_id", "park_id"]]
    now = fy[fy["year"] == year].merge(sited, on="firm_id")
    before = fy[fy["year"] == year - 1].merge(sited, on="firm_id")
    out = pd.DataFrame(index=pd.Index(sorted(now["park_id"].unique()), name="park_id"))
    out["firms"] = now.groupby("park_id")["firm_id"].nunique()
    for c in _SUMMED:
        out[c] = now.groupby("park_id")[c].sum(min_count=1) if c in now else np.nan
    built = parks.set_index("park_id")["area_mu"].astype(float) if "area_mu" in parks else pd.Series(dtype=float)
    # growth over the firms reported in both years (a new firm is not growth of the old ones)
    both = now.merge(before[["firm_id", "output"]], on="firm_id", suffixes=("", "_before"))
    out["output_before"] = both.groupby("park_id")["output_before"].sum(min_count=1)
    out["output_both"] = both.groupby("park_id")["output"].sum(min_count=1)
    for name, (num, den, scale, _) in INDICATORS.items():
        if name == "growth_pct":
            out[name] = (out["output_both"] / out["output_before"].where(out["output_before"] > 0) - 1) * scale
        elif den is not None:
            out[name] = pooled_ratio(now, num, den, "park_id").reindex(out.index) * scale
    for name in ("output_per_mu", "tax_per_mu"):  # no firm reports land: the park's built area
        num = INDICATORS[name][0]
        out[name] = out[name].fillna(out[num] / built.reindex(out.index).where(built > 0))
    return out.drop(columns="output_both").reset_index()


def park_values(firm_years: pd.DataFrame, firms: pd.DataFrame, year: int, month_to: int) -> pd.DataFrame:
    """Tidy output by park and division (``park``, ``industry``, ``value``) in the period."""
    fy = firm_years[(firm_years["year"] == year) & (firm_years["month_to"] == month_to)]
    f = fy.merge(firms.loc[firms["park_id"].notna(), ["firm_id", "park_id", "industry_code"]], on="firm_id")
    f = f.assign(industry=f["industry_code"].astype(str).str[:2], year=year)
    return (f.groupby(["park_id", "industry", "year"], as_index=False)["output"].sum()
            .rename(columns={"park_id": "park", "output": "value"}))


def peer_parks(values: pd.DataFrame, figures: pd.DataFrame, park_id: str, *, k: int = 3, picked=None) -> pd.DataFrame:
    """The parks most like ``park_id`` (module text), nearest first, from ``park_values`` and
    ``park_figures``; the columns of ``peer_regions`` with ``park`` for ``region``."""
    tax = figures.set_index("park_id")["tax_per_mu"].reindex(values["park"].unique())
    income = tax if (tax > 0).all() else None  # a park without it would fall out of the ranking
    return peer_regions(values, park_id, region="park", income=income, k=k, picked=picked)


@dataclass(frozen=True)
class ParkPeers:
    park: str
    peers: pd.DataFrame  # peer_parks
    figures: pd.DataFrame  # park_figures of the park and its peers
    benchmark: pd.DataFrame  # indicator, value, peer_median, peer_best, rank, ranked, higher_is_better


def park_benchmark(figures: pd.DataFrame, park_id: str, peers) -> pd.DataFrame:
    """Each indicator of the module text for ``park_id`` against ``peers``: its value, the peers'
    median and best, its rank among the park and its peers (1 = best) and how many were ranked."""
    f = figures.set_index("park_id")
    group = f.loc[[park_id, *[p for p in peers if p in f.index and p != park_id]]]
    rows = []
    for name, (_, _, _, higher) in INDICATORS.items():
        v = group[name].astype(float)
        others = v.drop(index=park_id).dropna()
        mine = v.get(park_id)
        ranked = v.dropna()
        rank = (int((ranked > mine).sum() + 1) if higher else int((ranked < mine).sum() + 1)) if pd.notna(mine) else np.nan
        rows.append({"indicator": name, "value": mine, "peer_median": others.median() if len(others) else np.nan,
                     "peer_best": (others.max() if higher else others.min()) if len(others) else np.nan,
                     "rank": rank, "ranked": len(ranked), "higher_is_better": higher})
    return pd.DataFrame(rows)
