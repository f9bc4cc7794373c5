"""Distance-based clusters of the sample district: K-density verdicts and clusters against parks."""

import pytest

from clusteratlas.analyses.distance import distance_clusters, sited_firms


@pytest.fixture(scope="module")
def dc(sample_study):
    t = sample_study.tables
    sited = sited_firms(t["firms"], t["firm_years"], "421003", 2006, 6)
    return distance_clusters(sited, sample_study.parks, n_sim=99)


def test_the_five_largest_industries_get_a_k_density(dc):
    s = dc.summary.set_index("industry")
    assert list(s.index) == ["17", "22", "35", "13", "30"]  # by firm count, each ≥ 10 firms
    assert set(dc.kd) == set(s.index)
    # paper (拍马 park) and oil machinery (九阳 park) firms sit together: localised
    assert s.loc["22", "gamma"] > 0 and s.loc["35", "gamma"] > 0
    assert s.loc["22", "verdict"].endswith("localised")
    # agro-processing follows the farms across the district: not localised
    assert s.loc["13", "gamma"] == 0
    # distances are km: the district spans some 30 km
    assert (s["rmax_km"] < 30).all() and (s["bandwidth_km"] > 0).all()


def test_clusters_are_set_against_the_parks(dc):
    c = dc.clusters.clusters.set_index("cluster")
    assert (c["n_firms"] >= 5).all() and (c["output"] > 0).all() and (c["area_km2"] > 0).all()
    assert set(c["industry"]) <= set(dc.summary["industry"])
    paper = c[c["industry"] == "22"]
    assert (paper["main_park"] == "P02").all() and (paper["firms_outside_parks"] == 0).all()
    # the firms listed outside every park are cluster firms with no park boundary around them
    out = dc.clusters.outside_parks()
    assert (out["cluster"] >= 0).all() and out["park"].isna().all()
    assert len(out) == int(c["firms_outside_parks"].sum())
    # cluster ids are unique across industries
    assert c.index.is_unique
