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
from clusteratlas.io.store import Store
from clusteratlas.measures import firm_clusters, kdensity
from clusteratlas.measures.firm_clusters import FirmClusters
from clusteratlas.measures.kdensity import KdResult


@dataclass(frozen=True)
class DistanceClusters:
    """``kd``: division → K-density with envelopes; ``summary``: one row per division (firms,
    distance range and bandwidth in km, Γ, Ψ, verdict); ``clusters``: the footprints of all the
    divisions' firm clusters (cluster ids unique across divisions; column ``industry``)."""

    kd: dict[str, KdResult]
    summary: pd.DataFrame
    clusters: FirmClusters


def _sited_firms(store: Store, region_id: str, year: int, month_to: int, top: int,
                 min_firms: int) -> tuple[pd.DataFrame, list[str], pd.Series]:
    """The region's firms with coordinates, their division, output and employment in the period;
    the ``top`` divisions with ≥ ``min_firms`` of them; the firm counts by division."""
    firms = store.table("firms")
    local = firms[(firms["region_id"] == region_id)].dropna(subset=["lon", "lat"]).copy()
    if local.empty:
        raise ValueError(f"region {region_id} has no firms with coordinates")
    local["industry"] = local["industry_code"].map(GBT4754.division_of)
    fy = store.sql("SELECT firm_id, output, employment FROM firm_years WHERE year = ? AND month_to = ?",
                   [year, month_to]).set_index("firm_id")
    local["output"] = local["firm_id"].map(fy["output"]).fillna(0.0)
    local["employment"] = local["firm_id"].map(fy["employment"]).fillna(0.0)
    counts = local["industry"].value_counts()
    return local, [d for d in counts.index if counts[d] >= min_firms][:top], counts


def industry_clusters(store: Store, region_id: str, year: int, month_to: int, top: int = 5,
                      min_firms: int = 10, min_cluster_size: int = 5) -> FirmClusters:
    """The firm clusters (HDBSCAN footprints) of the region's ``top`` divisions with
    ≥ ``min_firms`` sited firms, set against its parks; cluster ids unique across divisions
    (column ``industry``); sums are output (CNY) and employment in the period."""
    local, divisions, _ = _sited_firms(store, region_id, year, month_to, top, min_firms)
    parks = store.table("parks")
    parks = parks[parks["region_id"] == region_id]
    firm_parts, cluster_parts, overlap_parts, offset = [], [], [], 0
    for d in divisions:
        fc = firm_clusters(local[local["industry"] == d], sums=("output", "employment"), parks=parks,
                           min_cluster_size=min_cluster_size, allow_single_cluster=True)
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

    all_firms = concat(firm_parts, local.assign(cluster=np.int64(-1), park=None, membership=0.0))
    return FirmClusters(all_firms, concat(cluster_parts, pd.DataFrame(columns=["cluster", "industry"])),
                        concat(overlap_parts, pd.DataFrame(columns=["cluster", "park_id"])))


def distance_clusters(store: Store, region_id: str, year: int, month_to: int, top: int = 5,
                      min_firms: int = 10, n_sim: int = 199, seed: int = 0,
                      min_cluster_size: int = 5) -> DistanceClusters:
    """K-density and firm clusters of the region's ``top`` divisions with ≥ ``min_firms`` sited
    firms; cluster sums are the firms' output (CNY) and employment in the period."""
    local, divisions, counts = _sited_firms(store, region_id, year, month_to, top, min_firms)
    kd, rows = {}, []
    for d in divisions:
        res = kdensity(local, "industry", d, n_sim=n_sim, seed=seed)
        kd[d] = res
        verdict = "集聚 localised" if res.gamma > 0 else ("分散 dispersed" if res.psi > 0 else "随机 as chance")
        rows.append({"industry": d, "name_zh": GBT4754.label(d, "zh"), "n_firms": int(counts[d]),
                     "rmax_km": res.meta["rmax"], "bandwidth_km": res.bandwidth,
                     "gamma": res.gamma, "psi": res.psi, "verdict": verdict})
    summary = pd.DataFrame(rows, columns=["industry", "name_zh", "n_firms", "rmax_km", "bandwidth_km",
                                          "gamma", "psi", "verdict"])
    clusters = industry_clusters(store, region_id, year, month_to, top, min_firms, min_cluster_size)
    return DistanceClusters(kd, summary, clusters)
