"""Spatial firm clusters: found where firms clump, measured in km, set against park boundaries."""

import json

import numpy as np
import pandas as pd
import pytest

from clusteratlas.measures.firm_clusters import KM_PER_DEG, firm_clusters

LAT0, LON0 = 30.4, 112.2  # Jingzhou, the sample region


def _km_to_deg(x_km, y_km):
    return LON0 + x_km / (KM_PER_DEG * np.cos(np.radians(LAT0))), LAT0 + y_km / KM_PER_DEG


def _square_park(pid, cx_km, cy_km, half_km):
    xs = [cx_km - half_km, cx_km + half_km, cx_km + half_km, cx_km - half_km, cx_km - half_km]
    ys = [cy_km - half_km, cy_km - half_km, cy_km + half_km, cy_km + half_km, cy_km - half_km]
    lon, lat = _km_to_deg(np.array(xs), np.array(ys))
    return {"park_id": pid, "name": pid,
            "boundary": json.dumps({"type": "Polygon", "coordinates": [np.c_[lon, lat].tolist()]})}


def _three_clumps(seed=0):
    """Clumps of 40 firms (sd 0.4 km) at 0, 15 and 30 km east, and 20 firms scattered over the
    50 × 40 km around them."""
    rng = np.random.default_rng(seed)
    xy = [rng.normal((cx, 0), 0.4, (40, 2)) for cx in (0, 15, 30)]
    xy.append(rng.uniform((-10, -20), (40, 20), (20, 2)))
    xy = np.vstack(xy)
    lon, lat = _km_to_deg(xy[:, 0], xy[:, 1])
    return pd.DataFrame({"firm_id": [f"F{i:03d}" for i in range(len(xy))], "lon": lon, "lat": lat,
                         "employment": rng.integers(10, 500, len(xy)).astype(float),
                         "truth": np.repeat([0, 1, 2, -1], [40, 40, 40, 20])})


def test_recovers_the_clumps_and_leaves_scattered_firms_as_noise():
    firms = _three_clumps()
    res = firm_clusters(firms, sums=("employment",), min_cluster_size=10)
    assert len(res.clusters) == 3
    # each true clump maps to exactly one found cluster
    found = res.firms[res.firms["truth"] >= 0].groupby("truth")["cluster"].agg(lambda s: s.mode()[0])
    assert found.nunique() == 3
    agreement = (res.firms["cluster"] == res.firms["truth"].map(dict(zip(found.index, found)))).where(
        res.firms["truth"] >= 0).mean()
    assert agreement > 0.95
    assert (res.firms.loc[res.firms["truth"] == -1, "cluster"] == -1).mean() > 0.8
    # sums are the members' sums
    for _, c in res.clusters.iterrows():
        members = res.firms[res.firms["cluster"] == c["cluster"]]
        assert c["employment"] == pytest.approx(members["employment"].sum())
        assert c["n_firms"] == len(members)


def test_footprint_area_is_in_km2_and_holds_every_member():
    # nine firms on a 2 km square grid: hull 4 km²
    gx, gy = np.meshgrid([0.0, 1.0, 2.0], [0.0, 1.0, 2.0])
    lon, lat = _km_to_deg(gx.ravel(), gy.ravel())
    firms = pd.DataFrame({"lon": lon, "lat": lat})
    res = firm_clusters(firms, min_cluster_size=9, buffer_km=0.0, allow_single_cluster=True)
    assert len(res.clusters) == 1
    assert res.clusters.loc[0, "area_km2"] == pytest.approx(4.0, rel=0.005)
    buffered = firm_clusters(firms, min_cluster_size=9, buffer_km=0.5,
                             allow_single_cluster=True).clusters.loc[0, "area_km2"]
    # square + four 2 × 0.5 strips + a full circle of radius 0.5 (the corners), polygonised
    assert buffered == pytest.approx(4 + 4 * 1.0 + np.pi * 0.25, rel=0.01)
    from shapely.geometry import Point, shape

    foot = shape(json.loads(res.clusters.loc[0, "footprint"])).buffer(1e-9)
    assert all(foot.contains(Point(x, y)) for x, y in zip(lon, lat))


def test_overlap_with_parks_and_the_firms_outside_every_park():
    firms = _three_clumps()
    parks = pd.DataFrame([_square_park("P_WEST", 0, 0, 3.0),     # holds the whole first clump
                          _square_park("P_MID", 16.5, 0, 1.5)])  # the east edge of the second
    res = firm_clusters(firms, parks=parks, min_cluster_size=10)
    by_truth = res.firms[res.firms["truth"] >= 0].groupby("truth")["cluster"].agg(lambda s: s.mode()[0])
    west, mid, east = (res.clusters.set_index("cluster").loc[by_truth[t]] for t in (0, 1, 2))
    assert west["main_park"] == "P_WEST" and west["firms_outside_parks"] == 0
    assert west["share_area_in_parks"] == pytest.approx(1.0)
    assert 0 < mid["share_area_in_parks"] < 0.5 and mid["firms_outside_parks"] > mid["firms_in_parks"]
    assert pd.isna(east["main_park"]) and east["share_area_in_parks"] == 0
    assert east["firms_outside_parks"] == east["n_firms"]
    # the mismatch list: every cluster firm that no park boundary holds
    outside = res.outside_parks()
    assert set(outside["cluster"]) == {by_truth[1], by_truth[2]}
    assert len(outside) == mid["firms_outside_parks"] + east["firms_outside_parks"]
    ov = res.overlap.set_index(["cluster", "park_id"])
    assert ov.loc[(by_truth[0], "P_WEST"), "share_of_cluster_firms"] == 1.0
    assert (by_truth[2], "P_MID") not in ov.index


def test_row_order_does_not_change_the_clusters():
    firms = _three_clumps(1)
    a = firm_clusters(firms, min_cluster_size=10).firms.set_index("firm_id")["cluster"]
    shuffled = firms.sample(frac=1.0, random_state=3)
    b = firm_clusters(shuffled, min_cluster_size=10).firms.set_index("firm_id")["cluster"]
    # labels may be renumbered: the partitions must be the same
    pairs = pd.crosstab(a, b.reindex(a.index))
    assert ((pairs > 0).sum(axis=1) == 1).all()


def test_missing_columns_and_too_few_firms():
    with pytest.raises(KeyError, match="employment"):
        firm_clusters(_three_clumps(), sums=("employment_total",))
    tiny = _three_clumps().head(3)
    res = firm_clusters(tiny, min_cluster_size=5)
    assert res.clusters.empty and (res.firms["cluster"] == -1).all()
