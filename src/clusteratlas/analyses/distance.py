"""Where, within the study region, each industry's firms sit close together — borders aside.

For the region's largest industries (GB/T 4754 divisions, by firm count): the Duranton–Overman
K-density of the distances between their firms, against firms placed on the sites of all the
region's firms (DO's counterfactual), and the spatial clusters of their firms (HDBSCAN) set
against the park boundaries: which clusters the parks hold and which firms sit outside every park
(集群与园区错位).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusteratlas.classify import GBT4754
from clusteratlas.measures import DistanceCurve, FirmClusters, firm_clusters, kdensity


@dataclass(frozen=True)
class DistanceClusters:
    """``kd``: division → K-density with envelopes; ``summary``: one row per division (firms,
    distance range and bandwidth in km, Γ, Ψ, verdict); ``clusters``: the footprints of all the
    divisions' firm clusters (cluster ids unique across divisions; column ``industry``)."""

    kd: dict[str, DistanceCurve]
    summary: pd.DataFrame
    clusters: FirmClusters
    n_sim: int = 0
    seed: int | None = None


def sited_firms(firms: pd.DataFrame, firm_years: pd.DataFrame, region_id: str, year: int,
                month_to: int) -> pd.DataFrame:
    """The region's firms that have a site (lon, lat), with their division, output and
    employment in the period (0 where they reported none). Firms without a site cannot enter
    a distance measure; they are left out here, by name, not silently by the measure."""
    local = firms[(firms["region_id"] == region_id)].dropna(subset=["lon", "lat"]).copy()
    if local.empty:
        raise ValueError(f"region {region_id} has no firms with coordinates")
    local["industry"] = local["industry_code"].map(GBT4754.division_of)
    fy = firm_years[(firm_years["year"] == year) & (firm_years["month_to"] == month_to)].set_index("firm_id")
    local["output"] = local["firm_id"].map(fy["output"]).fillna(0.0)
    local["employment"] = local["firm_id"].map(fy["employment"]).fillna(0.0)
    return local.reset_index(drop=True)


def largest_divisions(sited: pd.DataFrame, top: int, min_firms: int) -> list[str]:
    counts = sited["industry"].value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")  # ties by code
    return [d for d in counts.index if counts[d] >= min_firms][:top]


def industry_clusters(sited: pd.DataFrame, parks: pd.DataFrame, divisions, min_cluster_size: int = 5
                      ) -> FirmClusters:
    """The firm clusters (HDBSCAN footprints) of each of ``divisions`` among the ``sited`` firms,
    set against ``parks``; cluster ids unique across divisions (column ``industry``); sums are
    output (CNY) and employment in the period."""
    firm_parts, cluster_parts, overlap_parts, offset = [], [], [], 0
    for d in divisions:
        fc = firm_clusters(sited[sited["industry"] == d], sums=("output", "employment"), parks=parks,
                           min_cluster_size=min_cluster_size, allow_single_cluster=True,
                           park_of="park_id")
        found = fc.firms["cluster"] >= 0
        fc.firms.loc[found, "cluster"] += offset
        fc.clusters["cluster"] += offset
        fc.overlap["cluster"] += offset
        offset += len(fc.clusters)
        firm_parts.append(fc.firms)
        cluster_parts.append(fc.clusters.assign(industry=d))
        overlap_parts.append(fc.overlap)

    def concat(parts, like):
        parts = [p for p in parts if not p.empty]
        return pd.concat(parts, ignore_index=True) if parts else like.iloc[0:0]

    all_firms = concat(firm_parts, sited.assign(cluster=np.int64(-1), park=None, membership=0.0))
    return FirmClusters(all_firms, concat(cluster_parts, pd.DataFrame(columns=["cluster", "industry"])),
                        concat(overlap_parts, pd.DataFrame(columns=["cluster", "park_id"])))


def verdict(curve: DistanceCurve) -> str:
    """What the envelope says of a curve: localised (above the global band), dispersed (below), random."""
    if curve.gamma is None:
        return ""
    return "localised" if curve.gamma > 0 else ("dispersed" if curve.psi > 0 else "random")


def distance_clusters(sited: pd.DataFrame, parks: pd.DataFrame, top: int = 5, min_firms: int = 10,
                      n_sim: int = 999, seed: int | None = 2006, alpha: float = 0.05,
                      min_cluster_size: int = 5) -> DistanceClusters:
    """K-density and firm clusters of the ``top`` divisions with ≥ ``min_firms`` sited firms
    (``sited_firms``), the firm clusters set against ``parks``."""
    divisions = largest_divisions(sited, top, min_firms)
    counts = sited["industry"].value_counts()
    kd, rows = {}, []
    for d in divisions:
        res = kdensity(sited, industry="industry", of=d, n_sim=n_sim, seed=seed, alpha=alpha)
        kd[d] = res
        rows.append({"industry": d, "name_zh": GBT4754.label(d, "zh"), "n_firms": int(counts[d]),
                     "rmax_km": res.rmax, "bandwidth_km": res.bandwidth,
                     "gamma": res.gamma, "psi": res.psi, "verdict": verdict(res)})
    summary = pd.DataFrame(rows, columns=["industry", "name_zh", "n_firms", "rmax_km", "bandwidth_km",
                                          "gamma", "psi", "verdict"])
    clusters = industry_clusters(sited, parks, divisions, min_cluster_size)
    return DistanceClusters(kd, summary, clusters, n_sim, seed)
