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
from sklearn.cluster import HDBSCAN

from clusteratlas.measures.kdensity import EARTH_KM

KM_PER_DEG = EARTH_KM * np.pi / 180


@dataclass
class FirmClusters:
    """``firms``: the input rows with ``cluster`` (−1: noise) and ``park`` (the park whose
    boundary holds the site, or None); ``clusters``: one row per cluster; ``overlap``: one row per
    cluster × park that share firms or area."""

    firms: pd.DataFrame
    clusters: pd.DataFrame
    overlap: pd.DataFrame
    lon: str = "lon"
    lat: str = "lat"

    def outside_parks(self) -> pd.DataFrame:
        """Cluster firms whose site lies inside no park boundary."""
        return self.firms[(self.firms["cluster"] >= 0) & self.firms["park"].isna()]

    def figure(self, parks: pd.DataFrame | None = None, boundary: str = "boundary", name: str = "name",
               title: str = "集群与园区 Clusters and parks"):
        import plotly.graph_objects as go

        fig = go.Figure()
        for _, p in (parks if parks is not None else pd.DataFrame()).iterrows():
            for ring in _rings(p.get(boundary)):
                fig.add_trace(go.Scatter(x=ring[:, 0], y=ring[:, 1], mode="lines", fill="toself",
                                         name=str(p.get(name, "")), opacity=0.35, line=dict(width=1),
                                         hoverinfo="name", legendgroup="parks"))
        for _, c in self.clusters.iterrows():
            for ring in _rings(c["footprint"]):
                fig.add_trace(go.Scatter(x=ring[:, 0], y=ring[:, 1], mode="lines",
                                         line=dict(width=2, dash="dash", color="#c0392b"),
                                         name=(f"{c['industry']} " if "industry" in c else "")
                                         + f"cluster {c['cluster']}", hoverinfo="name"))
        f = self.firms
        inside = f["park"].notna()
        for mask, label, colour in ((inside, "企业·园区内 firms in a park", "#2c7fb8"),
                                    (~inside, "企业·园区外 firms outside parks", "#e67e22")):
            fig.add_trace(go.Scatter(x=f.loc[mask, self.lon], y=f.loc[mask, self.lat], mode="markers",
                                     name=label, marker=dict(size=7, color=colour,
                                                             line=dict(width=0.5, color="#333")),
                                     text=f.loc[mask, "cluster"].map(lambda c: f"cluster {c}" if c >= 0 else "noise"),
                                     hovertemplate="%{text}<extra></extra>"))
        lat0 = float(f[self.lat].mean()) if len(f) else 30.0
        fig.update_yaxes(scaleanchor="x", scaleratio=1 / np.cos(np.radians(lat0)))
        fig.update_layout(title=title, height=560, xaxis_title="longitude °E", yaxis_title="latitude °N",
                          template="plotly_white", margin=dict(l=10, r=10, t=40, b=10))
        return fig


def _rings(geojson) -> list[np.ndarray]:
    if not isinstance(geojson, str) or not geojson:
        return []
    geom = json.loads(geojson)
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    return [np.asarray(poly[0]) for poly in polys]


def _projector(lon0: float, lat0: float):
    """To and from a local equirectangular plane in km about (lon0, lat0)."""
    k = np.cos(np.radians(lat0))

    def to_km(xy):  # (n, 2) lon/lat → (n, 2) km
        return np.c_[(xy[:, 0] - lon0) * KM_PER_DEG * k, (xy[:, 1] - lat0) * KM_PER_DEG]

    def to_deg(xy):
        return np.c_[xy[:, 0] / (KM_PER_DEG * k) + lon0, xy[:, 1] / KM_PER_DEG + lat0]

    return to_km, to_deg


def firm_clusters(firms: pd.DataFrame, lon: str = "lon", lat: str = "lat", sums: tuple[str, ...] = (),
                  parks: pd.DataFrame | None = None, park_id: str = "park_id",
                  boundary: str = "boundary", min_cluster_size: int = 5, min_samples: int | None = None,
                  max_gap_km: float = 0.0, buffer_km: float = 0.3,
                  allow_single_cluster: bool = False, min_membership: float = 0.2) -> FirmClusters:
    """Spatial clusters of the given firms (filter them to one industry first).

    ``sums``: columns added up per cluster (employment, output in CNY 10k …). ``parks``: rows with
    ``park_id`` and a GeoJSON ``boundary`` (WGS-84). ``max_gap_km``: HDBSCAN's
    cluster_selection_epsilon — clusters closer than this are merged. ``buffer_km``: the footprint
    margin around the hull of the firms (km). ``allow_single_cluster``: let all the firms form one
    cluster (HDBSCAN otherwise never returns the whole set as one). ``min_membership``: HDBSCAN
    labels every firm that was in a cluster when it was born, including scattered firms tens of
    km away that later fall out (membership ~0.05); firms below this membership strength count
    as noise, so footprints and park shares describe the cluster's core. ``membership`` keeps it.
    """
    missing = [c for c in (lon, lat, *sums) if c not in firms.columns]
    if missing:
        raise KeyError(f"firms has no column(s) {missing}")
    f = firms.dropna(subset=[lon, lat]).copy()
    f["_lon"], f["_lat"] = f[lon].astype(float), f[lat].astype(float)
    if len(f) < max(min_cluster_size, 2):
        labels = np.full(len(f), -1)
    else:
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
        if park_shapes:  # parks may overlap one another: count the shared area once
            all_parks = shapely.union_all([shapely.transform(g, to_km) for g in park_shapes.values()])
            row["share_area_in_parks"] = hull_km.intersection(all_parks).area / area
        rows.append(row)
    cols = ["cluster", "n_firms", *sums, "centre_lon", "centre_lat", "area_km2", "firms_in_parks",
            "firms_outside_parks", "share_area_in_parks", "main_park", "footprint"]
    ocols = ["cluster", "park_id", "area_km2", "share_of_cluster_area", "share_of_park_area",
             "firms_inside", "share_of_cluster_firms"]
    return FirmClusters(f.drop(columns=["_lon", "_lat"]), pd.DataFrame(rows, columns=cols),
                        pd.DataFrame(overlap, columns=ocols), lon, lat)
