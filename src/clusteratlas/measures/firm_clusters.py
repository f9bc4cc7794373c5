"""Spatial clusters of firms and how they sit against park boundaries (集群与园区错位).

Clusters are found with scikit-learn's HDBSCAN on great-circle distances (haversine; Campello,
Moulavi & Sander 2013), so they follow where firms are, not where administrative or park borders
run. Each cluster's footprint is the convex hull of its firms buffered by ``buffer_km`` (so two
firms still have an area), drawn in a local equirectangular projection (km) about the cluster
centre — over a cluster's few km the distance error is far below 0.1 %. The overlap with each
park is the area of footprint ∩ park and the count of cluster firms inside the park; the firms of
a cluster inside no park are listed: they are the mismatch the park plan has to answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, shape

from clusteratlas.measures.kdensity import EARTH_KM
from clusteratlas.measures.tidy import prepare

KM_PER_DEG = EARTH_KM * np.pi / 180


@dataclass(frozen=True)
class FirmClusters:
    """``firms``: the input rows with ``cluster`` (−1: noise), ``membership`` and ``park`` (the
    park whose boundary holds the site, or None); ``clusters``: one row per cluster;
    ``overlap``: one row per cluster × park that share firms or area."""

    firms: pd.DataFrame
    clusters: pd.DataFrame
    overlap: pd.DataFrame
    x: str = "lon"
    y: str = "lat"

    def outside_parks(self) -> pd.DataFrame:
        """Cluster firms whose site lies inside no park boundary."""
        return self.firms[(self.firms["cluster"] >= 0) & self.firms["park"].isna()]


def _projector(lon0: float, lat0: float):
    """To and from a local equirectangular plane in km about (lon0, lat0)."""
    k = np.cos(np.radians(lat0))

    def to_km(xy):  # (n, 2) lon/lat → (n, 2) km
        return np.c_[(xy[:, 0] - lon0) * KM_PER_DEG * k, (xy[:, 1] - lat0) * KM_PER_DEG]

    def to_deg(xy):
        return np.c_[xy[:, 0] / (KM_PER_DEG * k) + lon0, xy[:, 1] / KM_PER_DEG + lat0]

    return to_km, to_deg


def firm_clusters(data: pd.DataFrame, *, x: str = "lon", y: str = "lat", sums: tuple[str, ...] = (),
                  parks: pd.DataFrame | None = None, park_id: str = "park_id",
                  boundary: str = "boundary", min_cluster_size: int = 5, min_samples: int | None = None,
                  max_gap_km: float = 0.0, buffer_km: float = 0.3,
                  allow_single_cluster: bool = False, min_membership: float = 0.2,
                  park_of: str | None = None) -> FirmClusters:
    """Spatial clusters of the given firms (filter them to one industry first); ``x``/``y``:
    longitude and latitude (WGS-84 degrees). A firm without a site is refused, not dropped.

    ``sums``: columns added up per cluster (employment, output in CNY 10k …). ``parks``: rows with
    ``park_id`` and a GeoJSON ``boundary`` (WGS-84). ``max_gap_km``: HDBSCAN's
    cluster_selection_epsilon — clusters closer than this are merged. ``buffer_km``: the footprint
    margin around the hull of the firms (km). ``allow_single_cluster``: let all the firms form one
    cluster (HDBSCAN otherwise never returns the whole set as one). ``min_membership``: HDBSCAN
    labels every firm that was in a cluster when it was born, including scattered firms tens of
    km away that later fall out (membership ~0.05); firms below this membership strength count
    as noise, so footprints and park shares describe the cluster's core. ``membership`` keeps it.
    ``park_of``: a column with the park each firm's records name (park_id): a firm of a park
    without a boundary is in that park; the boundary test decides only where a boundary exists.
    """
    sites = prepare(data, "firm_clusters", numeric=("x", "y"), x=x, y=y)
    for column in sums:
        prepare(data, "firm_clusters", numeric=("value",), value=column)
    # HDBSCAN's labels follow the order of the points: a canonical order keeps them repeatable
    order = np.lexsort((sites[y].to_numpy(), sites[x].to_numpy()))
    f = data.iloc[order].reset_index(drop=True)
    f["_lon"], f["_lat"] = sites[x].to_numpy()[order], sites[y].to_numpy()[order]
    if len(f) < max(min_cluster_size, 2):
        labels = np.full(len(f), -1)
    else:
        from sklearn.cluster import HDBSCAN  # scikit-learn loads in ~0.7 s: only when clustering

        model = HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min_samples, metric="haversine", copy=True,
                        cluster_selection_epsilon=max_gap_km / EARTH_KM,
                        allow_single_cluster=allow_single_cluster)
        labels = model.fit_predict(np.radians(f[["_lat", "_lon"]].to_numpy()))
        f["membership"] = model.probabilities_
        labels = np.where(model.probabilities_ >= min_membership, labels, -1)
    f["cluster"] = labels
    if "membership" not in f:
        f["membership"] = 0.0
    park_shapes = {}
    if parks is not None:
        for _, p in parks.iterrows():
            if isinstance(p.get(boundary), str) and p[boundary]:
                park_shapes[p[park_id]] = shape(json.loads(p[boundary]))
    f["park"] = None
    for pid, geom in park_shapes.items():
        inside = shapely.contains_xy(geom, f["_lon"].to_numpy(), f["_lat"].to_numpy()) & f["park"].isna().to_numpy()
        f.loc[inside, "park"] = pid
    if park_of is not None:  # where no boundary can say, the park the records name does
        given = f[park_of]
        unbounded = given.notna() & ~given.isin(list(park_shapes)) & f["park"].isna()
        f.loc[unbounded, "park"] = given[unbounded]

    rows, overlap = [], []
    for c in sorted(set(labels) - {-1}):
        members = f[f["cluster"] == c]
        lon0, lat0 = float(members["_lon"].mean()), float(members["_lat"].mean())
        to_km, to_deg = _projector(lon0, lat0)
        hull_km = MultiPoint(to_km(members[["_lon", "_lat"]].to_numpy())).convex_hull.buffer(buffer_km)
        area = hull_km.area
        in_park = members["park"].notna()
        row = {"cluster": int(c), "n_firms": len(members), **{s: float(members[s].sum()) for s in sums},
               "centre_lon": lon0, "centre_lat": lat0, "area_km2": area,
               "firms_in_parks": int(in_park.sum()), "firms_outside_parks": int((~in_park).sum()),
               "share_area_in_parks": 0.0, "main_park": None,
               "footprint": json.dumps(shapely.geometry.mapping(shapely.transform(hull_km, to_deg)))}
        best = 0.0
        for pid, geom in park_shapes.items():
            park_km = shapely.transform(geom, to_km)
            shared = hull_km.intersection(park_km).area
            n_in = int((members["park"] == pid).sum())
            if shared > 0 or n_in:
                overlap.append({"cluster": int(c), "park_id": pid, "area_km2": shared,
                                "share_of_cluster_area": shared / area, "share_of_park_area": shared / park_km.area,
                                "firms_inside": n_in, "share_of_cluster_firms": n_in / len(members)})
                if n_in > best:
                    best, row["main_park"] = n_in, pid
        # parks without a boundary hold their firms by record, with no area to share
        for pid, n_in in members.loc[in_park & ~members["park"].isin(list(park_shapes)), "park"].value_counts().items():
            overlap.append({"cluster": int(c), "park_id": pid, "area_km2": np.nan,
                            "share_of_cluster_area": np.nan, "share_of_park_area": np.nan,
                            "firms_inside": int(n_in), "share_of_cluster_firms": n_in / len(members)})
            if n_in > best:
                best, row["main_park"] = n_in, pid
        if park_shapes:  # parks may overlap one another: count the shared area once
            all_parks = shapely.union_all([shapely.transform(g, to_km) for g in park_shapes.values()])
            row["share_area_in_parks"] = hull_km.intersection(all_parks).area / area
        else:
            row["share_area_in_parks"] = np.nan  # no boundary: no area to compare
        rows.append(row)
    cols = ["cluster", "n_firms", *sums, "centre_lon", "centre_lat", "area_km2", "firms_in_parks",
            "firms_outside_parks", "share_area_in_parks", "main_park", "footprint"]
    ocols = ["cluster", "park_id", "area_km2", "share_of_cluster_area", "share_of_park_area",
             "firms_inside", "share_of_cluster_firms"]
    return FirmClusters(f.drop(columns=["_lon", "_lat"]), pd.DataFrame(rows, columns=cols),
                        pd.DataFrame(overlap, columns=ocols), x, y)
